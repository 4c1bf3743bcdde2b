// HPET register map (IA-PC HPET 1.0a §2.3, Table 2) and bit fields. Every register is 64 bits.
import type { RegisterSpec } from '../../device-model/register-map.js';
import type { HpetParams } from './hpet-params.js';

/**
 * Byte offsets of the HPET registers from the block's base (IA-PC HPET 1.0a §2.3.1, Table 2). Timer n's
 * registers are at `TIMER_BASE + n * TIMER_STRIDE + TN_CONF | TN_COMPARATOR | TN_FSB_ROUTE`.
 *
 * @example
 * ```ts
 * const timer1Comparator = HPET_REG.TIMER_BASE + 1 * HPET_REG.TIMER_STRIDE + HPET_REG.TN_COMPARATOR; // 0x128
 * ```
 */
export const HPET_REG = {
  /** General Capabilities and ID (RO). */
  GCAP_ID: 0x000,
  /** General Configuration (RW): ENABLE_CNF, LEG_RT_CNF. */
  GEN_CONF: 0x010,
  /** General Interrupt Status (RW1C, level-triggered timers only). */
  GINTR_STA: 0x020,
  /** Main Counter Value (RW; write only while halted, §2.3.7). */
  MAIN_CNT: 0x0f0,
  /** Timer N registers start here, 0x20 apart. */
  TIMER_BASE: 0x100,
  TIMER_STRIDE: 0x20,
  /** Offsets inside a timer block. */
  TN_CONF: 0x00,
  TN_COMPARATOR: 0x08,
  TN_FSB_ROUTE: 0x10,
} as const;

/**
 * Fields of the General Capabilities and ID register's low dword (HPET 1.0a §2.3.4): single bits, and shifts
 * for NUM_TIM_CAP (bits 12:8, number of timers − 1) and VENDOR_ID (bits 31:16). The period in fs is the high dword.
 */
export const GCAP = {
  /** COUNT_SIZE_CAP: 64-bit main counter. */
  COUNT_SIZE_64: 1 << 13,
  /** LEG_RT_CAP. */
  LEGACY_ROUTE: 1 << 15,
  NUM_TIM_SHIFT: 8,
  VENDOR_SHIFT: 16,
} as const;

/**
 * Bits of the General Configuration register (HPET 1.0a §2.3.5): ENABLE_CNF (bit 0) runs the main counter and
 * allows timer interrupts; LEG_RT_CNF (bit 1) routes timer 0 to IRQ0/GSI 2 and timer 1 to IRQ8 instead of the
 * PIT and RTC (only when LEG_RT_CAP is set).
 */
export const GEN_CONF = {
  ENABLE: 1 << 0,
  LEGACY: 1 << 1,
} as const;

/** Tn_CONF low dword bits (HPET 1.0a §2.3.8). */
export const TN_CONF = {
  /** Tn_INT_TYPE_CNF: 1 = level. */
  LEVEL: 1 << 1,
  /** Tn_INT_ENB_CNF. */
  INT_ENABLE: 1 << 2,
  /** Tn_TYPE_CNF: 1 = periodic. */
  PERIODIC: 1 << 3,
  /** Tn_PER_INT_CAP (RO). */
  PERIODIC_CAP: 1 << 4,
  /** Tn_SIZE_CAP (RO): 64-bit comparator. */
  SIZE_64_CAP: 1 << 5,
  /** Tn_VAL_SET_CNF: the next comparator write sets the accumulator (periodic). */
  VALUE_SET: 1 << 6,
  /** Tn_32MODE_CNF: force the timer to 32 bits. */
  MODE_32: 1 << 8,
  ROUTE_SHIFT: 9,
  ROUTE_MASK: 0x1f << 9,
  /** Tn_FSB_EN_CNF. */
  FSB_ENABLE: 1 << 14,
  /** Tn_FSB_INT_DEL_CAP (RO). */
  FSB_CAP: 1 << 15,
} as const;

/** Bits of Tn_CONF's low dword the guest may change (before capability gating). */
export const TN_CONF_WRITABLE =
  TN_CONF.LEVEL | TN_CONF.INT_ENABLE | TN_CONF.PERIODIC | TN_CONF.VALUE_SET | TN_CONF.MODE_32 | TN_CONF.ROUTE_MASK | TN_CONF.FSB_ENABLE;

const ALL_ONES = 0xffff_ffff_ffff_ffffn;

type TableParams = Pick<HpetParams, 'timers' | 'revision' | 'vendorId' | 'legacyCapable' | 'routeCap' | 'fsbCapable' | 'periodFs'>;

/**
 * The registers of an HPET with these parameters (HPET 1.0a §2.3): GCAP_ID's value, which GEN_CONF
 * and Tn_CONF bits are writable or fixed capabilities. The device's capabilities (hpetCapabilities)
 * are read from this table; the docs (docs/devices/hpet.md, for Xen's parameters) and
 * `hvmdev describe --registers` print it.
 */
export function hpetRegisters(p: TableParams): readonly RegisterSpec[] {
  const capLo =
    (p.revision |
      ((p.timers - 1) << GCAP.NUM_TIM_SHIFT) |
      GCAP.COUNT_SIZE_64 |
      (p.legacyCapable ? GCAP.LEGACY_ROUTE : 0) |
      (p.vendorId << GCAP.VENDOR_SHIFT)) >>>
    0;
  const gcap = (BigInt(p.periodFs >>> 0) << 32n) | BigInt(capLo);
  const gen = BigInt(GEN_CONF.ENABLE | (p.legacyCapable ? GEN_CONF.LEGACY : 0));
  const status = BigInt((1 << p.timers) - 1);
  const capBits = TN_CONF.PERIODIC_CAP | TN_CONF.SIZE_64_CAP | (p.fsbCapable ? TN_CONF.FSB_CAP : 0);
  const writable = BigInt((TN_CONF_WRITABLE & ~(p.fsbCapable ? 0 : TN_CONF.FSB_ENABLE)) >>> 0);
  const confReset = (BigInt(p.routeCap >>> 0) << 32n) | BigInt(capBits);
  const timer = (offset: number, name: string, readMask: bigint, writeMask: bigint, reset: bigint, note: string): RegisterSpec => ({
    offset: HPET_REG.TIMER_BASE + offset,
    name,
    width: 64,
    count: p.timers,
    stride: HPET_REG.TIMER_STRIDE,
    readMask,
    writeMask,
    reset,
    note,
  });
  return [
    {
      offset: HPET_REG.GCAP_ID,
      name: 'GCAP_ID',
      width: 64,
      readMask: gcap,
      writeMask: 0n,
      reset: gcap,
      note: 'revision, NUM_TIM_CAP, COUNT_SIZE_CAP, LEG_RT_CAP, vendor; 63:32 period (fs)',
    },
    {
      offset: HPET_REG.GEN_CONF,
      name: 'GEN_CONF',
      width: 64,
      readMask: gen,
      writeMask: gen,
      reset: 0n,
      note: 'bit 0 ENABLE_CNF, bit 1 LEG_RT_CNF (with LEG_RT_CAP)',
    },
    {
      offset: HPET_REG.GINTR_STA,
      name: 'GINTR_STA',
      width: 64,
      readMask: status,
      writeMask: status,
      reset: 0n,
      note: 'bit n: timer n level interrupt active; write 1 clears',
    },
    {
      offset: HPET_REG.MAIN_CNT,
      name: 'MAIN_CNT',
      width: 64,
      readMask: ALL_ONES,
      writeMask: ALL_ONES,
      reset: 0n,
      note: 'counts while ENABLE_CNF; writes only while halted (§2.3.7)',
    },
    timer(HPET_REG.TN_CONF, 'Tn_CONF', confReset | writable, writable, confReset, 'timer i; 63:32 route capability, caps in bits 4, 5, 15'),
    timer(HPET_REG.TN_COMPARATOR, 'Tn_COMPARATOR', ALL_ONES, ALL_ONES, ALL_ONES, 'timer i; periodic: reads the next match'),
    timer(HPET_REG.TN_FSB_ROUTE, 'Tn_FSB_ROUTE', ALL_ONES, ALL_ONES, 0n, 'timer i; 63:32 message address, 31:0 data'),
  ];
}

/** The row of `table` at `offset` (a table built by hpetRegisters always has it). */
export function hpetRegisterAt(table: readonly RegisterSpec[], offset: number): RegisterSpec {
  const r = table.find((x) => x.offset === offset);
  if (r === undefined) throw new RangeError(`no HPET register at 0x${offset.toString(16)}`);
  return r;
}
