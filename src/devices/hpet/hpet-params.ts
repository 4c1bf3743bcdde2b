// Per-profile parameters of the HPET (IA-PC HPET 1.0a). Xen's model (xen/arch/x86/hvm/hpet.c)
// and QEMU 7.2's `pc` HPET differ in a handful of documented places; each difference is one field.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** A host programming error in HPET parameters (names the field and the fix). */
export class HpetParamError extends HvmdevError {}

/**
 * Configuration of the HPET event timer block (IA-PC HPET 1.0a): where it sits, how many comparators, the
 * counter period, and each point where Xen's model (xen/arch/x86/hvm/hpet.c) and QEMU 7.2's (hw/timer/hpet.c)
 * differ, as a named field. Start from a profile's frozen set ({@link XEN_HPET_PARAMS},
 * {@link QEMU_PC_HPET_PARAMS}, {@link QEMU_Q35_HPET_PARAMS}); {@link validateHpetParams} throws
 * {@link HpetParamError} naming a bad field.
 *
 * @example
 * ```ts
 * // Xen's model with a 10 ns counter (100 MHz) instead of 16 ns
 * const params: HpetParams = { ...XEN_HPET_PARAMS, periodFs: 10_000_000 };
 * validateHpetParams(params, 48);
 * ```
 */
export interface HpetParams {
  /** MMIO base (IA-PC HPET 1.0a §2.1: the first block sits at 0xFED00000). */
  readonly base: number;
  /** Bytes claimed on the memory bus. Xen: 1 KiB (HPET_MMAP_SIZE); QEMU: 0x400 as well. */
  readonly windowBytes: number;
  /** Comparators (NUM_TIM_CAP + 1), 1..32. Xen and QEMU `pc`: 3. */
  readonly timers: number;
  /**
   * Main counter period in femtoseconds (GCAP_ID bits 63:32). Must be a whole number of ns
   * (so counter edges fall on virtual-clock ns). Xen: 16 ns (system time / 16); QEMU: 10 ns.
   */
  readonly periodFs: number;
  /** PCI vendor ID reported in GCAP_ID bits 31:16 (16 bits; Xen and QEMU: 0x8086). */
  readonly vendorId: number;
  /** REV_ID in GCAP_ID bits 7:0 (1..255; 0 is reserved by HPET 1.0a §2.3.4). Xen and QEMU: 1. */
  readonly revision: number;
  /** LEG_RT_CAP (GCAP_ID bit 15). */
  readonly legacyCapable: boolean;
  /** Tn_INT_ROUTE_CAP (Tn_CONFIG bits 63:32): which IO-APIC inputs a timer may use. Xen: 20–23; QEMU `pc`: 2. */
  readonly routeCap: number;
  /** Tn_FSB_INT_DEL_CAP: FSB (MSI) delivery. Off in Xen (no FSB support) and in QEMU's default. */
  readonly fsbCapable: boolean;
  /**
   * Smallest access the window serves. Xen serves naturally aligned 1, 2, 4 and 8 byte accesses
   * (a slice of the 64-bit register); QEMU only 4 and 8.
   */
  readonly minAccessSize: 1 | 4;
  /** What an access the window does not serve reads: Xen all-ones (and drops writes); QEMU 0. */
  readonly badAccessRead: 'ones' | 'zero';
  /**
   * Smallest periodic period in ns; shorter periods are raised to it (Xen: 100 µs, as every
   * vpt timer). 0 keeps the guest's period (QEMU), bounded below only by one counter tick.
   */
  readonly minPeriodNs: number;
  /**
   * A comparator write with Tn_VAL_SET_CNF also sets the period. HPET 1.0a §2.3.9.2.2: the
   * hardware adds "the value last written" to the comparator, so yes (QEMU agrees). Xen sets
   * only the accumulator and keeps the previous period (hvm/hpet.c, HPET_Tn_CMP with SETVAL).
   */
  readonly valueSetWritesPeriod: boolean;
  /**
   * A level-triggered timer with Tn_INT_ENB_CNF clear still sets its General Interrupt Status
   * bit (HPET 1.0a §2.3.9.1: "the timer will still operate and generate appropriate status bits").
   * Xen arms only enabled timers, so no status without the enable bit.
   */
  readonly levelStatusWithoutIntEnable: boolean;
  /**
   * A comparator "behind" the main counter when it is programmed (written, the counter written,
   * or the timer switched between one-shot/periodic or 32/64-bit): when it first fires and what
   * it reads until then.
   * - `datasheet` (IA-PC HPET 1.0a §2.3.9.2: a timer interrupts when the main counter equals the
   *   comparator): it reads back what was written and first fires when the counter comes round
   *   to it (64-bit: after 2^64 ticks, i.e. never in exact virtual time; 32-bit: at the wrap).
   * - `xen` (xen/arch/x86/hvm/hpet.c hpet_get_comparator, hpet_set_timer): a periodic
   *   comparator written behind the counter first fires where Xen's catch-up moves it (whole
   *   periods past the counter); a one-shot comparator behind fires at once, a 32-bit one only
   *   when less than HPET_TINY_TIME_SPAN (1/1024 s) behind, otherwise at the wrap. Unlike Xen it
   *   reads back what was written until that first match (issue 10 item 14: the register reads
   *   back what the guest wrote on every profile); Xen's hpet_read64 returns the caught-up value.
   * - `qemu` (QEMU 7.2 hw/timer/hpet.c hpet_calculate_diff, hpet_timer): it reads back what was
   *   written and fires one tick later when it is behind or equal (by less than half the
   *   comparator range); at that match a periodic accumulator moves past the counter by whole periods.
   */
  readonly comparatorBehind: 'datasheet' | 'xen' | 'qemu';
  /**
   * HVM_PARAM_HPET_ENABLED (xl `hpet=`). When false the window stays claimed but is dead:
   * reads all-ones, writes ignored (Xen's hpet_read/hpet_write early exit).
   */
  readonly guestEnabled: boolean;
}

/** Xen HVM (hvm/hpet.c): capability 0x00F42400_8086A201, timers route to GSIs 20–23. */
export const XEN_HPET_PARAMS: HpetParams = Object.freeze({
  base: 0xfed00000,
  windowBytes: 0x400,
  timers: 3,
  periodFs: 16_000_000,
  vendorId: 0x8086,
  revision: 1,
  legacyCapable: true,
  routeCap: 0x00f00000,
  fsbCapable: false,
  minAccessSize: 1,
  badAccessRead: 'ones',
  minPeriodNs: 100_000,
  valueSetWritesPeriod: false,
  levelStatusWithoutIntEnable: false,
  comparatorBehind: 'xen',
  guestEnabled: true,
});

/**
 * QEMU 7.2 `pc` HPET parameters (10 ns, route cap 0x4, 4/8-byte accesses, bad accesses read 0).
 * Where QEMU departs from the datasheet (hw/timer/hpet.c; docs/devices/hpet.md) this profile follows
 * the datasheet: status without INT_ENB, invalid routes sanitised, no extra 32-bit wrap interrupt.
 */
export const QEMU_PC_HPET_PARAMS: HpetParams = Object.freeze({
  base: 0xfed00000,
  windowBytes: 0x400,
  timers: 3,
  periodFs: 10_000_000,
  vendorId: 0x8086,
  revision: 1,
  legacyCapable: true,
  routeCap: 0x00000004,
  fsbCapable: false,
  minAccessSize: 4,
  badAccessRead: 'zero',
  minPeriodNs: 0,
  valueSetWritesPeriod: true,
  levelStatusWithoutIntEnable: true,
  comparatorBehind: 'qemu',
  guestEnabled: true,
});

/** QEMU 7.2 `q35`: as `pc`, but each timer may route to IO-APIC inputs 2, 8 and 16–23 (hw/i386/pc_q35.c sets HPET_INTCAP 0xff0104). */
export const QEMU_Q35_HPET_PARAMS: HpetParams = Object.freeze({ ...QEMU_PC_HPET_PARAMS, routeCap: 0x00ff0104 });

/** Checks host-supplied parameters; throws HpetParamError naming the field and the fix. */
export function validateHpetParams(p: HpetParams, gsiCount: number): void {
  const bad = (field: string, why: string): never => {
    throw new HpetParamError(`HPET parameter ${field}: ${why}`);
  };
  if (!Number.isSafeInteger(p.base) || p.base < 0 || p.base % 0x400 !== 0) {
    bad('base', `${p.base} must be a 1 KiB aligned physical address (the default is 0xFED00000)`);
  }
  if (!Number.isInteger(p.timers) || p.timers < 1 || p.timers > 32) bad('timers', `${p.timers} must be 1..32`);
  const minWindow = 0x100 + 0x20 * p.timers;
  if (!Number.isInteger(p.windowBytes) || p.windowBytes < minWindow || p.windowBytes > 0x1000) {
    bad('windowBytes', `${p.windowBytes} must cover the ${p.timers} timers (≥ 0x${minWindow.toString(16)}) and be ≤ 4 KiB`);
  }
  if (!Number.isInteger(p.periodFs) || p.periodFs <= 0 || p.periodFs % 1_000_000 !== 0 || p.periodFs > 100_000_000) {
    bad('periodFs', `${p.periodFs} must be a whole number of ns in fs, at most 100 ns (HPET 1.0a: ≤ 0x05F5E100)`);
  }
  if (!Number.isInteger(p.vendorId) || p.vendorId < 0 || p.vendorId > 0xffff) bad('vendorId', 'must be 16 bits');
  if (!Number.isInteger(p.revision) || p.revision < 1 || p.revision > 0xff) bad('revision', 'must be 1..255 (0 is reserved)');
  if (!Number.isInteger(p.routeCap) || p.routeCap <= 0 || p.routeCap > 0xffffffff) {
    bad('routeCap', 'must be a non-empty 32-bit mask of IO-APIC inputs');
  }
  if (p.routeCap >= 2 ** gsiCount) {
    bad('routeCap', `0x${p.routeCap.toString(16)} names inputs beyond the platform's ${gsiCount} GSIs; narrow it`);
  }
  if (!Number.isInteger(p.minPeriodNs) || p.minPeriodNs < 0 || p.minPeriodNs > 1_000_000_000) {
    bad('minPeriodNs', `${p.minPeriodNs} must be 0..1e9 ns`);
  }
  if (p.minAccessSize !== 1 && p.minAccessSize !== 4) bad('minAccessSize', 'must be 1 or 4');
  if (p.comparatorBehind !== 'datasheet' && p.comparatorBehind !== 'xen' && p.comparatorBehind !== 'qemu') {
    bad('comparatorBehind', `'${String(p.comparatorBehind)}' must be 'datasheet' (HPET 1.0a), 'xen' or 'qemu'`);
  }
}
