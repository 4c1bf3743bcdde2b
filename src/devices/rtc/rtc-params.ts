// Per-profile parameters of the MC146818 RTC/CMOS, the start-time option, and their tokens.
import { HvmdevError } from '../../errors/hvmdev-error.js';
import { daysFromCivil } from './calendar.js';

/**
 * Configuration of the MC146818 RTC/CMOS: every point where Xen's model (xen/arch/x86/hvm/rtc.c), QEMU 7.2's
 * (hw/rtc/mc146818rtc.c) and the MC146818A datasheet differ, as a named field. Use {@link XEN_RTC_PARAMS},
 * {@link QEMU_PC_RTC_PARAMS} or {@link qemuPcRtcParams}; {@link checkRtcParams} refuses inconsistent values.
 */
export interface RtcParams {
  /**
   * CMOS indices 0x0E–0x7F are present as battery-backed RAM. Xen emulates only 0x00–0x0D and
   * leaves the rest to the device model (false: those data accesses are unclaimed, all-ones).
   */
  readonly nvram: boolean;
  /** Bytes the board's firmware set-up leaves in NVRAM (index → value), e.g. QEMU's memory sizes. */
  readonly nvramInit: Readonly<Record<number, number>>;
  /** CMOS index that holds the century in the data format (QEMU: 0x32), or null (Xen: none). */
  readonly centuryIndex: number | null;
  /**
   * Xen's "no-ack" IRQ8 mode (hvm/rtc.c, matching the WAET flag hvmloader publishes): every new
   * enabled event deasserts and re-asserts IRQ8 without waiting for a register C read. false:
   * the datasheet's level behaviour (IRQ stays asserted until C is read; QEMU).
   */
  readonly irqNoAck: boolean;
  /**
   * For how many 32.768 kHz time-base cycles before each update UIP reads 1. The datasheet sets
   * UIP 244 µs (8 cycles, tBUC) before the update cycle and keeps it through the 1984 µs cycle
   * (65 cycles): 73. Xen and QEMU show only the 244 µs before the update: 8 (QEMU counts the
   * same 8 cycles; Xen counts 244 µs in microseconds, 140 ns shorter).
   */
  readonly uipWindowEdges: number;
  /** What a read of index port 0x70 returns (Xen 0xFF). */
  readonly indexPortRead: number;
  /**
   * Register B's DSE bit makes the datasheet's daylight-saving jumps (last Sunday in April 1:59:59
   * → 3:00:00, last Sunday in October 1:59:59 → 1:00:00 once). Xen and QEMU store the bit and never
   * jump (false); true follows the MC146818A datasheet.
   */
  readonly daylightSaving: boolean;
  /**
   * What the time registers show after register B's DM (binary/BCD) or 24/12-hour bit changes
   * while the clock runs. 'raw' (datasheet, Xen's hvm/rtc.c): the bytes stay as they were, now read
   * in the new format. 'converted' (QEMU 7.2 hw/rtc/mc146818rtc.c: it keeps the time as a count
   * and encodes the registers in register B's current format on each read): the same time, in the
   * new format.
   */
  readonly formatSwitch: 'raw' | 'converted';
  /**
   * Where the periodic interrupt's next tap lies after the rate (register A RS) changes while PIE
   * is on. 'divider-chain' (datasheet): taps stay on the divider chain, every 2^(RS-1) cycles from
   * its origin. 'from-last-interrupt' (QEMU 7.2 hw/rtc/mc146818rtc.c periodic_timer_update with
   * period_change): the new period counts from the last tap (at once if that already passed), and
   * taps follow every new period from there.
   */
  readonly periodicRateChange: 'divider-chain' | 'from-last-interrupt';
}

/**
 * The wall-clock time the RTC shows at virtual time 0 of its clock (the clock is never read from the host):
 * either whole seconds since 1970-01-01T00:00:00Z, or an ISO 8601 date-time such as `'2020-01-01T00:00:00'`
 * (no offset = UTC; `Z` or `±hh:mm` applied; a fraction of a second is dropped). It must lie in 1900–2099;
 * {@link parseRtcStartTime} throws {@link RtcParamError} otherwise.
 */
export type RtcStartTime = number | string;
/** The default start time: the one the QEMU oracle runner uses (`-rtc base=2020-01-01T00:00:00`). */
export const DEFAULT_RTC_START_TIME = '2020-01-01T00:00:00';

/** Datasheet UIP window: 8 cycles (244 µs) before the update cycle plus its 65 cycles (1984 µs). */
export const DATASHEET_UIP_WINDOW_EDGES = 73;
/** UIP window of Xen and QEMU: 8 cycles of 32.768 kHz (244 µs) before each update, none during it (see `uipWindowEdges`). */
export const XEN_UIP_WINDOW_EDGES = 8;

/**
 * Xen HVM (xen/arch/x86/hvm/rtc.c): only indices 0x00–0x0D (no NVRAM, no century byte), "no-ack" IRQ8, UIP 244 µs
 * before the update, DSE stored but ignored, format switches keep the raw bytes, periodic taps on the divider chain.
 */
export const XEN_RTC_PARAMS: RtcParams = Object.freeze({
  nvram: false,
  nvramInit: Object.freeze({}),
  centuryIndex: null,
  irqNoAck: true,
  uipWindowEdges: XEN_UIP_WINDOW_EDGES,
  indexPortRead: 0xff,
  daylightSaving: false,
  formatSwitch: 'raw',
  periodicRateChange: 'divider-chain',
});

const MIB = 1024 * 1024;

/**
 * The NVRAM bytes QEMU's `pc` board set-up writes for `ramBytes` of guest RAM below 4 GiB (the
 * standard PC CMOS layout: base memory, extended memory in KiB capped at 65535, memory above
 * 16 MiB in 64 KiB units) plus its fixed equipment, century and boot bytes. With 128 MiB these
 * are exactly the bytes read from QEMU 7.2 after reset (test/fixtures/qtest/rtc/registers).
 */
export function qemuPcNvram(ramBytes: number): Readonly<Record<number, number>> {
  if (!Number.isSafeInteger(ramBytes) || ramBytes < 0) throw new RtcParamError(`ramBytes ${ramBytes} must be a byte count`);
  const below4g = Math.min(ramBytes, 4096 * MIB);
  const extKiB = Math.min(Math.max(0, Math.floor(below4g / 1024) - 1024), 0xffff);
  const above16m = below4g > 16 * MIB ? Math.min(Math.floor((below4g - 16 * MIB) / 65536), 0xffff) : 0;
  return Object.freeze({
    0x14: 0x06, // equipment byte
    0x15: 0x80, // base memory 640 KiB (0x0280)
    0x16: 0x02,
    0x17: extKiB & 0xff, // extended memory in KiB
    0x18: extKiB >> 8,
    0x30: extKiB & 0xff,
    0x31: extKiB >> 8,
    0x34: above16m & 0xff, // memory above 16 MiB in 64 KiB units
    0x35: above16m >> 8,
    0x37: 0x20, // IBM PS/2 century byte
    0x38: 0x30, // boot flags
    0x3d: 0x12, // boot order
  });
}

/** QEMU 7.2 `pc` parameters for `ramBytes` of RAM. */
export function qemuPcRtcParams(ramBytes: number): RtcParams {
  return Object.freeze({
    nvram: true,
    nvramInit: qemuPcNvram(ramBytes),
    centuryIndex: 0x32,
    irqNoAck: false,
    uipWindowEdges: XEN_UIP_WINDOW_EDGES,
    indexPortRead: 0xff,
    daylightSaving: false,
    formatSwitch: 'converted',
    periodicRateChange: 'from-last-interrupt',
  });
}

/** QEMU 7.2 `pc` with its default 128 MiB. */
export const QEMU_PC_RTC_PARAMS: RtcParams = qemuPcRtcParams(128 * MIB);

/** A host programming error in RTC parameters or the start time (names the field and the accepted values). */
export class RtcParamError extends HvmdevError {}

/**
 * Checks parameters and returns them unchanged.
 * @throws {@link RtcParamError} naming the field: an `nvramInit` or `centuryIndex` outside 0x0E–0x7F (or without
 * `nvram: true`), a non-byte value, `uipWindowEdges` outside [0, 16384), or an unknown `formatSwitch` /
 * `periodicRateChange`.
 */
export function checkRtcParams(p: RtcParams): RtcParams {
  for (const [k, v] of Object.entries(p.nvramInit)) {
    const i = Number(k);
    if (!p.nvram || !Number.isInteger(i) || i < 0x0e || i > 0x7f || !Number.isInteger(v) || v < 0 || v > 0xff) {
      throw new RtcParamError(`nvramInit[${k}] = ${v}: NVRAM bytes are indices 0x0E–0x7F with byte values, and need nvram: true`);
    }
  }
  if (p.centuryIndex !== null && (!p.nvram || !Number.isInteger(p.centuryIndex) || p.centuryIndex < 0x0e || p.centuryIndex > 0x7f)) {
    throw new RtcParamError(`centuryIndex ${p.centuryIndex} must be an NVRAM index (0x0E–0x7F, nvram: true) or null`);
  }
  if (!Number.isInteger(p.uipWindowEdges) || p.uipWindowEdges < 0 || p.uipWindowEdges >= 16384) {
    throw new RtcParamError(`uipWindowEdges ${p.uipWindowEdges} must be in [0, 16384): 8 (Xen/QEMU) or 73 (datasheet)`);
  }
  if (typeof p.daylightSaving !== 'boolean') {
    throw new RtcParamError(`daylightSaving must be a boolean (false: Xen and QEMU ignore DSE; true: the datasheet's jumps)`);
  }
  if (p.formatSwitch !== 'raw' && p.formatSwitch !== 'converted') {
    throw new RtcParamError(`formatSwitch '${String(p.formatSwitch)}' must be 'raw' (datasheet, Xen) or 'converted' (QEMU)`);
  }
  if (p.periodicRateChange !== 'divider-chain' && p.periodicRateChange !== 'from-last-interrupt') {
    throw new RtcParamError(`periodicRateChange '${String(p.periodicRateChange)}' must be 'divider-chain' (datasheet) or 'from-last-interrupt' (QEMU)`);
  }
  if (!Number.isInteger(p.indexPortRead) || p.indexPortRead < 0 || p.indexPortRead > 0xff) {
    throw new RtcParamError(`indexPortRead ${p.indexPortRead} must be a byte`);
  }
  return p;
}

/** Seconds since 1970 for a start time; years 1900–2099 (what the registers plus a century can hold). */
export function parseRtcStartTime(t: RtcStartTime): number {
  let s: number;
  if (typeof t === 'number') {
    s = t;
  } else {
    // ISO 8601 date-time; fractions of a second are dropped, an offset is applied (none = UTC).
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))?$/.exec(t);
    if (m === null) {
      throw new RtcParamError(`RTC start time '${t}' must look like 2020-01-01T00:00:00 (UTC) or be seconds since 1970`);
    }
    const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) {
      throw new RtcParamError(`RTC start time '${t}' has a field out of range`);
    }
    const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10]) * 60);
    s = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  }
  const min = daysFromCivil(1900, 1, 1) * 86400;
  const max = daysFromCivil(2100, 1, 1) * 86400 - 1;
  if (!Number.isSafeInteger(s) || s < min || s > max) {
    throw new RtcParamError(`RTC start time ${String(t)} is outside 1900-01-01 … 2099-12-31`);
  }
  return s;
}
