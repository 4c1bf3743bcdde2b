// The LAPIC's three 256-bit vector maps, IRR, ISR and TMR (SDM Vol. 3A §11.8.4), and the priority
// rules over them (§11.8.3). They live in the register page as eight 32-bit words each, where Xen's
// LAPIC_REGS record has them, so the page stays the one image of the registers; this class is the
// only code that changes them. Plain numbers on a typed array: the INTA/EOI paths allocate nothing.
import { Reg } from './registers.js';

export class LapicVectors {
  constructor(private readonly page: Uint32Array) {}

  /** Index of the highest set vector of the map at `base` (Reg.Isr0, Reg.Tmr0 or Reg.Irr0), or −1. */
  highest(base: number): number {
    const page = this.page;
    for (let w = 7; w >= 0; w--) {
      const bits = page[base + w]!;
      if (bits !== 0) return (w << 5) + 31 - Math.clz32(bits);
    }
    return -1;
  }

  /** Vector `vector` is requested (Xen's vlapic_set_irq): IRR set, TMR set for level, cleared for edge. */
  request(vector: number, level: boolean): void {
    if (level) this.set(Reg.Tmr0, vector);
    else this.clear(Reg.Tmr0, vector);
    this.set(Reg.Irr0, vector);
  }

  /** INTA took `vector`: it moves from IRR to ISR. */
  accept(vector: number): void {
    this.clear(Reg.Irr0, vector);
    this.set(Reg.Isr0, vector);
  }

  /**
   * EOI (SDM §11.8.5): the highest in-service vector retires. Returns it if it was
   * level-triggered (the EOI is broadcast to the IO-APICs), else −1 (edge, or nothing in service).
   */
  retireHighest(): number {
    const v = this.highest(Reg.Isr0);
    if (v < 0) return -1;
    this.clear(Reg.Isr0, v);
    return this.test(Reg.Tmr0, v) ? v : -1;
  }

  /** Processor priority (SDM §11.8.3.1): TPR, or the class of the highest in-service vector if higher. */
  ppr(): number {
    const tpr = this.page[Reg.Tpr]!;
    const isr = this.highest(Reg.Isr0);
    const isrv = isr < 0 ? 0 : isr;
    return (tpr & 0xf0) >= (isrv & 0xf0) ? tpr & 0xff : isrv & 0xf0;
  }

  /** The highest requested vector whose priority class is above the PPR's (SDM §11.8.3), or −1. */
  deliverable(): number {
    const irr = this.highest(Reg.Irr0);
    return irr >= 0 && (irr & 0xf0) > (this.ppr() & 0xf0) ? irr : -1;
  }

  private test(base: number, v: number): boolean {
    return (this.page[base + (v >>> 5)]! & (1 << (v & 31))) !== 0;
  }

  private set(base: number, v: number): void {
    const i = base + (v >>> 5);
    this.page[i] = (this.page[i]! | (1 << (v & 31))) >>> 0;
  }

  private clear(base: number, v: number): void {
    const i = base + (v >>> 5);
    this.page[i] = (this.page[i]! & ~(1 << (v & 31))) >>> 0;
  }
}
