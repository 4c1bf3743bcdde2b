// One 8259A (Intel 8259A datasheet; Xen hvm/vpic.c): its registers and priority logic, with no
// knowledge of ports or of the other chip. The pair (pic-pair.ts) wires two of them together.
import { timerFastPaths } from '../../irq/timer-fast-paths.js';
import type { PicParams } from './params.js';

/** Priority value meaning "nothing" (priorities are 0–7, 0 highest). */
const PRIO_NONE = 8;

/**
 * Initialization state, Xen's encoding: bits 1:0 the next ICW (0 = initialized, 1 = ICW2,
 * 2 = ICW3, 3 = ICW4), bit 2 = IC4 (ICW4 expected), bit 3 = SNGL (no ICW3). This constant is bit 2, IC4.
 */
export const INIT_IC4 = 0x4;
/** initState bit 3: ICW1's SNGL bit was set (single chip, so no ICW3 follows). */
export const INIT_SNGL = 0x8;
/** Bit of the master's IR2 (the cascade input). */
export const CASCADE_BIT = 0x04;
/** The `initState` values the ICW1–ICW4 sequence can reach; a snapshot holding any other value is refused. */
export const REACHABLE_INIT_STATES: readonly number[] = [0, 1, 5, 9, 13, 2, 6, 7, 15];

/**
 * One 8259A programmable interrupt controller (Intel 8259A datasheet; Xen xen/arch/x86/hvm/vpic.c): its IRR, ISR,
 * IMR, ELCR bit per input, initialization sequence (ICW1–ICW4), OCW2/OCW3 commands and priority resolution,
 * with no knowledge of ports or of the other chip ({@link PicPair} wires two of them together). The fields are the
 * datasheet's registers as 8-bit masks (bit n = IRn), readable for inspection; change them only through the pair.
 */
export class I8259Chip {
  irr = 0;
  imr = 0;
  isr = 0;
  /** Edge/level per input, as the ELCR holds it (master bit 2 forced level under Xen). */
  elcr = 0;
  /** Input line levels, one bit per IR. */
  inputs = 0;
  irqBase = 0;
  initState = 0;
  /** The IR with the lowest priority is (priorityAdd + 7) & 7; 0 means IR0 highest. */
  priorityAdd = 0;
  readselIsr = false;
  poll = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  specialMask = false;
  /** INT output level. */
  intOutput = false;

  constructor(
    readonly isMaster: boolean,
    private readonly params: PicParams,
    /** Told about every INT output change (the pair routes it to "pic.int" or the master's IR2). */
    private readonly onOutput: (level: boolean) => void,
    /**
     * Told instead of `onOutput(false)` then `onOutput(true)` when INT, high, falls and rises
     * again in one {@link I8259Chip.retriggerInput}; null: those two calls.
     */
    private readonly onGlitch: (() => void) | null = null,
  ) {}

  /** Power-on state (Xen vpic_reset / QEMU pic_reset): everything 0; Xen's hidden cascade level bit. */
  reset(): void {
    this.irr = this.imr = this.isr = this.inputs = 0;
    this.irqBase = this.initState = this.priorityAdd = 0;
    this.readselIsr = this.poll = this.autoEoi = this.rotateOnAutoEoi = false;
    this.specialFullyNested = this.specialMask = false;
    this.elcr = this.hiddenElcrBits();
    this.intOutput = false;
  }

  /** ELCR bits forced internally (Xen: master bit 2). */
  hiddenElcrBits(): number {
    return this.isMaster && this.params.hiddenCascadeLevel ? 0x04 : 0;
  }

  /** The ELCR bits a guest may change on this chip (`params.elcrMasks[0]` for the master, `[1]` for the slave). */
  elcrMask(): number {
    return this.params.elcrMasks[this.isMaster ? 0 : 1];
  }

  /** ELCR as the guest reads it: the hidden bit is not shown. */
  readElcr(): number {
    return this.elcr & this.elcrMask();
  }

  /**
   * A guest ELCR write: the writable bits take `value`, the others stay edge, and Xen's hidden cascade bit stays set.
   * Takes effect for the next input change; never throws.
   */
  writeElcr(value: number): void {
    this.elcr = (value & this.elcrMask()) | this.hiddenElcrBits();
  }

  // ---- Inputs ---------------------------------------------------------------------------------

  /** An IR input changes level (8259A datasheet "Edge and level triggered modes"). */
  setInput(ir: number, level: boolean): void {
    const m = 1 << ir;
    const was = (this.inputs & m) !== 0;
    if (level === was) return;
    this.inputs = level ? this.inputs | m : this.inputs & ~m;
    if (level) {
      this.irr |= m; // a rising edge requests, in both modes
    } else if (this.params.requestFollowsLine || (this.elcr & m) !== 0) {
      this.irr &= ~m; // the request must be held (datasheet, Xen); level mode always follows
    }
    // A masked input's request takes no part in the priority resolution (IRR & ~IMR; ISR is not
    // touched), so INT keeps its level: the timers' IRQ0 on a guest that masked the 8259.
    if ((this.imr & m) !== 0 && this.skipMasked) return;
    this.updateOutput();
  }

  /** timerFastPaths when built: a masked input's change skips updateOutput (see setInput). */
  private readonly skipMasked = timerFastPaths.enabled;

  /**
   * Input `ir` falls and rises again at once (IRQ0 re-asserted at a periodic tick): exactly
   * `setInput(ir, false)` then `setInput(ir, true)`, with INT's level worked out for both steps
   * before anyone is told (the output level is a function of this chip's registers, which no
   * listener changes). When INT, high, would fall and rise again, the listener hears it as one
   * glitch (`onGlitch`).
   */
  retriggerInput(ir: number): void {
    const m = 1 << ir;
    if ((this.inputs & m) === 0) {
      this.setInput(ir, true); // the fall is a no-op
      return;
    }
    // The fall (the input itself ends high again, so `inputs` keeps its bit).
    if (this.params.requestFollowsLine || (this.elcr & m) !== 0) this.irr &= ~m;
    if ((this.imr & m) !== 0 && this.skipMasked) {
      this.irr |= m; // the rise requests; neither step touches INT
      return;
    }
    const before = this.intOutput;
    const afterFall = this.outputLevel();
    this.irr |= m;
    const afterRise = this.outputLevel();
    if (afterFall === before) {
      if (afterRise !== before) {
        this.intOutput = afterRise;
        this.onOutput(afterRise);
      }
      return;
    }
    // The fall moved INT, so it took away a request the rise puts back: INT, high, glitches low.
    if (afterRise === before && before && this.onGlitch !== null) {
      this.onGlitch();
      return;
    }
    // Otherwise (not reached while INT agrees with the registers) the two steps as setInput tells them.
    this.intOutput = afterFall;
    this.onOutput(afterFall);
    if (afterRise === afterFall) return;
    this.intOutput = afterRise;
    this.onOutput(afterRise);
  }

  /**
   * The input is at `level` after a reset, taken as state: no edge requests anything. A request
   * that must be held (level mode, or params.requestFollowsLine) follows the level; in level mode
   * the level is the request.
   */
  adoptInput(ir: number, level: boolean): void {
    const m = 1 << ir;
    this.inputs = level ? this.inputs | m : this.inputs & ~m;
    if ((this.elcr & m) !== 0) this.irr = level ? this.irr | m : this.irr & ~m;
    else if (!level && this.params.requestFollowsLine) this.irr &= ~m;
    this.updateOutput();
  }

  // ---- Priority -------------------------------------------------------------------------------

  /** Highest priority (0–7, 0 highest) among the bits of `mask`, PRIO_NONE if empty. */
  private priorityOf(mask: number): number {
    if (mask === 0) return PRIO_NONE;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** The IR this chip would interrupt with now, or -1 (Xen vpic_get_highest_priority_irq). */
  highestPendingIrq(): number {
    const prio = this.priorityOf(this.irr & ~this.imr);
    if (prio === PRIO_NONE) return -1;
    const irq = (prio + this.priorityAdd) & 7;
    let inService = this.isr;
    // Special fully nested mode: requests through the cascade are not blocked by their own
    // in-service bit, so higher-priority slave IRs get through (datasheet "Special Fully Nested Mode").
    if (this.specialFullyNested && this.isMaster && (irq === 2 || this.params.sfnmIgnoresCascadeForAll)) inService &= ~0x04;
    // Special mask mode: a masked level does not inhibit lower levels even while in service.
    if (this.specialMask) inService &= ~this.imr;
    return prio < this.priorityOf(inService) ? irq : -1;
  }

  /** Recomputes the INT output from IRR, IMR, ISR and the priority rules, and tells the pair when it changes level. */
  updateOutput(): void {
    const level = this.outputLevel();
    if (level === this.intOutput) return;
    this.intOutput = level;
    this.onOutput(level);
  }

  /** The INT level IRR, IMR, ISR and the priority rules give now (updateOutput's answer). */
  private outputLevel(): boolean {
    return !(this.params.intLowDuringInit && this.initState !== 0) && this.highestPendingIrq() >= 0;
  }

  /** INTA for `irq` (Xen __vpic_intack): IRR→ISR unless AEOI; level requests stay in IRR. */
  acknowledge(irq: number): void {
    const m = 1 << irq;
    if ((this.elcr & m) === 0) this.irr &= ~m;
    if (!this.autoEoi) this.isr |= m;
    else if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    this.updateOutput();
  }

  // ---- Ports ----------------------------------------------------------------------------------

  /** Write to the command port (A0 = 0): ICW1, OCW2 or OCW3. */
  writeCommand(val: number): void {
    if ((val & 0x10) !== 0) this.icw1(val);
    else if ((val & 0x08) !== 0) this.ocw3(val);
    else this.ocw2(val);
    this.updateOutput();
  }

  /** Write to the data port (A0 = 1): OCW1 (IMR), or the next ICW during initialization. */
  writeData(val: number): void {
    switch (this.initState & 3) {
      case 0:
        this.imr = val; // OCW1
        break;
      case 1: // ICW2: vector base, T7–T3
        this.irqBase = val & 0xf8;
        this.initState++;
        if ((this.initState & INIT_SNGL) === 0) break; // cascade: ICW3 next
        this.afterIcw3();
        break;
      case 2: // ICW3: cascade wiring; nothing to model (the pair is wired fixed)
        this.afterIcw3();
        break;
      case 3: // ICW4: SFNM (bit 4), AEOI (bit 1); µPM and buffered mode do not matter here
        this.specialFullyNested = (val & 0x10) !== 0;
        this.autoEoi = (val & 0x02) !== 0;
        this.initState = 0;
        break;
    }
    this.updateOutput();
  }

  private afterIcw3(): void {
    this.initState++;
    if ((this.initState & INIT_IC4) === 0) this.initState = 0;
  }

  /** Command-port read: IRR or ISR as OCW3 selected (poll reads are handled by the pair). */
  readCommand(): number {
    return this.readselIsr ? this.isr : this.irr;
  }

  /**
   * ICW1 (datasheet: "the edge sense circuit is reset ... the IMR is cleared ... IR7 is assigned
   * priority 7 ... special mask mode is cleared and status read is set to IRR; if IC4 = 0, all
   * functions selected in ICW4 are set to zero"). LTIM (bit 3) is ignored: the ELCR decides.
   */
  private icw1(val: number): void {
    this.irr &= this.elcr;
    this.imr = this.isr = 0;
    this.priorityAdd = 0;
    this.rotateOnAutoEoi = false;
    this.specialMask = this.readselIsr = this.poll = false;
    if ((val & 0x01) === 0 || this.params.icw1ClearsIcw4State) {
      this.autoEoi = this.specialFullyNested = false;
    }
    if (this.params.icw1ClearsIcw4State) this.irqBase = 0;
    this.initState = ((val & 0x03) << 2) | 1;
  }

  private ocw2(val: number): void {
    const cmd = val >>> 5;
    switch (cmd) {
      case 0: // rotate in AEOI mode: clear
      case 4: // rotate in AEOI mode: set
        this.rotateOnAutoEoi = cmd === 4;
        return;
      case 1: // non-specific EOI
      case 5: {
        // non-specific EOI with rotate
        let mask = this.isr;
        if (this.specialMask && this.params.nonSpecificEoiSkipsMasked) mask &= ~this.imr;
        const prio = this.priorityOf(mask);
        if (prio === PRIO_NONE) return;
        this.endOfInterrupt((prio + this.priorityAdd) & 7, cmd === 5);
        return;
      }
      case 3: // specific EOI
      case 7: // specific EOI with rotate
        this.endOfInterrupt(val & 7, cmd === 7);
        return;
      case 6: // set priority: IR (val & 7) becomes the lowest
        this.priorityAdd = (val + 1) & 7;
        return;
      default: // 2: no operation
        return;
    }
  }

  private endOfInterrupt(irq: number, rotate: boolean): void {
    this.isr &= ~(1 << irq);
    if (rotate) this.priorityAdd = (irq + 1) & 7;
  }

  private ocw3(val: number): void {
    if ((val & 0x04) !== 0) this.poll = true;
    if ((val & 0x02) !== 0) this.readselIsr = (val & 0x01) !== 0;
    if ((val & 0x40) !== 0) this.specialMask = (val & 0x20) !== 0;
  }
}
