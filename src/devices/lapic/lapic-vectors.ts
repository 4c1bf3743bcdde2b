// The LAPIC's three 256-bit vector maps, IRR, ISR and TMR (SDM Vol. 3A §11.8.4), and the priority
// rules over them (§11.8.3). They live in the register page as eight 32-bit words each, where Xen's
// LAPIC_REGS record has them, so the page stays the one image of the registers; this class is the
// only code that changes them. Plain numbers on a typed array: the INTA/EOI paths allocate nothing.
//
// For IRR and ISR it keeps a summary word (bit w: word w may be non-empty; every non-empty word has
// its bit), so the highest pending / in-service vector and the PPR are a clz32 and a load, not a
// scan of eight words (issue 14, sixth pass). A word found empty under a set bit (a test cleared
// the page directly) drops its bit on the way; whoever sets bits in the page behind this class's
// back (a restore, a test planting a state) calls `resync`.
import { timerFastPaths } from '../../irq/timer-fast-paths.js';
import { Reg } from './registers.js';

export class LapicVectors {
  /** Bit w set: IRR word w may be non-empty (every non-empty IRR word has its bit). */
  private irrWords = 0;
  /** The same for ISR. */
  private isrWords = 0;
  /** timerFastPaths when built: without it every lookup scans the eight words (the differential test's reference). */
  private readonly summarised = timerFastPaths.enabled;

  constructor(private readonly page: Uint32Array) {}

  /** Rebuilds the summaries from the page (after a restore, INIT or reset, or a direct write of IRR/ISR words). */
  resync(): void {
    const page = this.page;
    let irr = 0;
    let isr = 0;
    for (let w = 0; w < 8; w++) {
      if (page[Reg.Irr0 + w] !== 0) irr |= 1 << w;
      if (page[Reg.Isr0 + w] !== 0) isr |= 1 << w;
    }
    this.irrWords = irr;
    this.isrWords = isr;
  }

  /** Index of the highest set vector of the map at `base` (Reg.Isr0, Reg.Tmr0 or Reg.Irr0), or −1. */
  highest(base: number): number {
    if (base === Reg.Irr0) return this.highestIrr();
    if (base === Reg.Isr0) return this.highestIsr();
    return this.scan(base);
  }

  /** The highest set vector of the map at `base` by a scan of its eight words, or −1. */
  private scan(base: number): number {
    const page = this.page;
    for (let w = 7; w >= 0; w--) {
      const bits = page[base + w]!;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
    }
    return -1;
  }

  /** Whether IRR may hold a vector (never false while it does): the summary word, or a scan without it. */
  mayHaveRequests(): boolean {
    return this.summarised ? this.irrWords !== 0 : this.scan(Reg.Irr0) >= 0;
  }

  /** The highest requested vector, or −1. */
  highestIrr(): number {
    if (!this.summarised) return this.scan(Reg.Irr0);
    let s = this.irrWords;
    while (s !== 0) {
      const w = 31 - Math.clz32(s);
      const bits = this.page[Reg.Irr0 + w]!;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
      s &= ~(1 << w);
      this.irrWords = s;
    }
    return -1;
  }

  /** The highest in-service vector, or −1. */
  highestIsr(): number {
    if (!this.summarised) return this.scan(Reg.Isr0);
    let s = this.isrWords;
    while (s !== 0) {
      const w = 31 - Math.clz32(s);
      const bits = this.page[Reg.Isr0 + w]!;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
      s &= ~(1 << w);
      this.isrWords = s;
    }
    return -1;
  }

  /** Vector `vector` is requested (Xen's vlapic_set_irq): IRR set, TMR set for level, cleared for edge. */
  request(vector: number, level: boolean): void {
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    const page = this.page;
    const tmr = Reg.Tmr0 + w;
    page[tmr] = level ? (page[tmr]! | bit) >>> 0 : (page[tmr]! & ~bit) >>> 0;
    const irr = Reg.Irr0 + w;
    page[irr] = (page[irr]! | bit) >>> 0;
    this.irrWords |= 1 << w;
  }

  /** INTA took `vector`: it moves from IRR to ISR. */
  accept(vector: number): void {
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    const page = this.page;
    const irr = Reg.Irr0 + w;
    const left = (page[irr]! & ~bit) >>> 0;
    page[irr] = left;
    if (left === 0) this.irrWords &= ~(1 << w);
    const isr = Reg.Isr0 + w;
    page[isr] = (page[isr]! | bit) >>> 0;
    this.isrWords |= 1 << w;
  }

  /**
   * EOI (SDM §11.8.5): the highest in-service vector retires. Returns it if it was
   * level-triggered (the EOI is broadcast to the IO-APICs), else −1 (edge, or nothing in service).
   */
  retireHighest(): number {
    const v = this.highestIsr();
    if (v < 0) return -1;
    const w = v >>> 5;
    const bit = 1 << (v & 31);
    const page = this.page;
    const isr = Reg.Isr0 + w;
    const left = (page[isr]! & ~bit) >>> 0;
    page[isr] = left;
    if (left === 0) this.isrWords &= ~(1 << w);
    return (page[Reg.Tmr0 + w]! & bit) !== 0 ? v : -1;
  }

  /** Processor priority (SDM §11.8.3.1): TPR, or the class of the highest in-service vector if higher. */
  ppr(): number {
    const tpr = this.page[Reg.Tpr]!;
    const isr = this.highestIsr();
    const isrv = isr < 0 ? 0 : isr;
    return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
  }

  /** The highest requested vector whose priority class is above the PPR's (SDM §11.8.3), or −1. */
  deliverable(): number {
    if (this.irrWords === 0 && this.summarised) return -1; // nothing requested: the common INTA that finds nothing
    const irr = this.highestIrr();
    return irr >= 0 && (irr & 0xf0) > (this.ppr() & 0xf0) ? irr : -1;
  }
}
