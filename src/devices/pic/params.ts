// Configuration of the 8259A pair with its ELCR, and the frozen parameter sets of the profiles.
// Each place where Xen (hvm/vpic.c) and QEMU 7.2 (hw/intc/i8259.c) differ is a parameter.
import { HvmdevError } from '../../errors/hvmdev-error.js';
import type { WidthPolicy } from '../../bus/handler.js';

/** A host programming error in 8259A pair parameters (names the field and the fix); thrown by {@link validatePicParams}. */
export class PicConfigError extends HvmdevError {}

/**
 * Configuration of the 8259A master/slave pair with its ELCR (edge/level control, PIIX3 / ICH). Every place where
 * Xen's model (xen/arch/x86/hvm/vpic.c) and QEMU 7.2's (hw/intc/i8259.c) differ from each other or from the 8259A
 * datasheet is a named field. Start from {@link XEN_PIC_PARAMS} or {@link QEMU_PC_PIC_PARAMS}.
 */
export interface PicParams {
  /** Device id on the platform and owner name on the bus. */
  readonly id: string;
  /** Writable ELCR bits [master, slave]. PIIX/Xen/QEMU: IRQ0–2, 8 and 13 are always edge: [0xF8, 0xDE]. */
  readonly elcrMasks: readonly [number, number];
  /**
   * Xen forces the master's ELCR bit 2 (the cascade input) to level internally and hides it from
   * reads, so the master's IR2 request follows the slave's INT output. QEMU keeps it edge.
   */
  readonly hiddenCascadeLevel: boolean;
  /**
   * 'pair' (Xen): one handler at 0x4D0 for two bytes, so a 16-bit access at 0x4D0 reads and writes
   * both ELCRs. 'separate' (QEMU): one byte-wide region per ELCR; wider accesses are left to the
   * bus's width policy.
   */
  readonly elcrLayout: 'pair' | 'separate';
  /**
   * True (Xen, and the 8259A datasheet, which requires IR to stay high until the first INTA): a
   * falling input clears its IRR bit, edge or level. False (QEMU): an edge request stays latched
   * after the input drops.
   */
  readonly requestFollowsLine: boolean;
  /**
   * Value of a poll-mode read. 'datasheet' (QEMU): 0x80 | highest requesting level of this chip,
   * or 0 when none. 'xen': the acknowledged IRQ number as vpic_intack returns it (0–7, 8–15 when
   * the master's poll acknowledges through the cascade), or 0xFF when INT is low.
   */
  readonly pollResult: 'datasheet' | 'xen';
  /** Xen holds INT low while a chip is between ICW1 and its last ICW; QEMU does not. */
  readonly intLowDuringInit: boolean;
  /**
   * QEMU's ICW1 clears the vector base, AEOI and special fully nested mode even when IC4 is set;
   * Xen (and the datasheet) clear the ICW4 features only when IC4 = 0 and keep the base.
   */
  readonly icw1ClearsIcw4State: boolean;
  /** Xen's non-specific EOI skips masked ISR bits in special mask mode; QEMU's does not. */
  readonly nonSpecificEoiSkipsMasked: boolean;
  /**
   * Special fully nested mode on the master: the datasheet and Xen let only a new IR2 request
   * through while IR2 is in service; QEMU ignores ISR bit 2 for every request.
   */
  readonly sfnmIgnoresCascadeForAll: boolean;
  /** Width policy override for the PIC and ELCR ports (default: the bus's). */
  readonly widthPolicy?: WidthPolicy;
}

/**
 * Xen HVM (xen/arch/x86/hvm/vpic.c): hidden level-triggered cascade input, one ELCR handler for 0x4D0–0x4D1,
 * requests that follow the line, Xen's poll result, INT held low during initialization.
 */
export const XEN_PIC_PARAMS: PicParams = Object.freeze({
  id: 'pic',
  elcrMasks: Object.freeze([0xf8, 0xde]) as readonly [number, number],
  hiddenCascadeLevel: true,
  elcrLayout: 'pair',
  requestFollowsLine: true,
  pollResult: 'xen',
  intLowDuringInit: true,
  icw1ClearsIcw4State: false,
  nonSpecificEoiSkipsMasked: true,
  sfnmIgnoresCascadeForAll: false,
} as const);

/**
 * QEMU 7.2 `pc` (hw/intc/i8259.c, i8259_common.c): edge cascade input, one byte-wide ELCR region per chip, latched
 * edge requests, the datasheet's poll result, and QEMU's ICW1/EOI/special-fully-nested quirks.
 */
export const QEMU_PC_PIC_PARAMS: PicParams = Object.freeze({
  id: 'pic',
  elcrMasks: Object.freeze([0xf8, 0xde]) as readonly [number, number],
  hiddenCascadeLevel: false,
  elcrLayout: 'separate',
  requestFollowsLine: false,
  pollResult: 'datasheet',
  intLowDuringInit: false,
  icw1ClearsIcw4State: true,
  nonSpecificEoiSkipsMasked: false,
  sfnmIgnoresCascadeForAll: true,
} as const);

/**
 * Checks parameters and returns them unchanged.
 * @throws {@link PicConfigError} naming the bad field: an empty id, ELCR masks that are not two 8-bit values or
 * that make the master's cascade input (bit 2) writable, or an unknown `elcrLayout`/`pollResult`.
 */
export function validatePicParams(p: PicParams): PicParams {
  const fail = (msg: string): never => {
    throw new PicConfigError(`${p.id}: ${msg}`);
  };
  if (typeof p.id !== 'string' || p.id.length === 0) fail('id must be a non-empty string');
  if (!Array.isArray(p.elcrMasks) || p.elcrMasks.length !== 2 || p.elcrMasks.some((m) => !Number.isInteger(m) || m < 0 || m > 0xff)) {
    fail('elcrMasks must be two 8-bit masks [master, slave]');
  }
  if ((p.elcrMasks[0] & 0x04) !== 0) fail('the master ELCR mask must not make the cascade input (bit 2) writable');
  if (p.elcrLayout !== 'pair' && p.elcrLayout !== 'separate') fail(`elcrLayout must be 'pair' or 'separate'`);
  if (p.pollResult !== 'xen' && p.pollResult !== 'datasheet') fail(`pollResult must be 'xen' or 'datasheet'`);
  return p;
}
