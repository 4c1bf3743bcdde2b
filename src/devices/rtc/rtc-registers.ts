// The MC146818 register map and the time-base arithmetic the RTC shares with its tests and docs.
import { Crystal } from '../../time/crystal.js';

/** I/O port 0x70: writes select the CMOS index (bits 6:0; bit 7 is the PC's NMI mask). Reads return `indexPortRead` (Xen 0xFF). */
export const RTC_INDEX_PORT = 0x70;
/** I/O port 0x71: reads and writes the CMOS register the index port selected. */
export const RTC_DATA_PORT = 0x71;

/** CMOS register indices (MC146818 datasheet, "Address Map"). */
export const RTC_REG = Object.freeze({
  SECONDS: 0x00,
  SECONDS_ALARM: 0x01,
  MINUTES: 0x02,
  MINUTES_ALARM: 0x03,
  HOURS: 0x04,
  HOURS_ALARM: 0x05,
  DAY_OF_WEEK: 0x06,
  DAY_OF_MONTH: 0x07,
  MONTH: 0x08,
  YEAR: 0x09,
  A: 0x0a,
  B: 0x0b,
  C: 0x0c,
  D: 0x0d,
} as const);

/**
 * Register A bits (MC146818A datasheet): UIP (update in progress, read-only), DV (divider select, bits 6:4; the
 * time base runs for 000–010) and RS (periodic rate select, bits 3:0; see {@link rtcPeriodicEdges}).
 */
export const RTC_REG_A = Object.freeze({ UIP: 0x80, DV: 0x70, RS: 0x0f } as const);
/**
 * Register B bits (MC146818A datasheet): SET (halt updates), PIE/AIE/UIE (periodic, alarm, update-ended interrupt
 * enables), SQWE (square wave), DM (1 = binary, 0 = BCD), H24 (1 = 24-hour), DSE (daylight saving enable).
 */
export const RTC_REG_B = Object.freeze({ SET: 0x80, PIE: 0x40, AIE: 0x20, UIE: 0x10, SQWE: 0x08, DM: 0x04, H24: 0x02, DSE: 0x01 } as const);
/** Register C flags sit at the same bit positions as their enables in register B. */
export const RTC_REG_C = Object.freeze({ IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const);
/** Register D's VRT bit (valid RAM and time): always set; register D reads exactly 0x80. */
export const RTC_REG_D_VRT = 0x80;
/** Xen's reset values: 32.768 kHz divider with rate 6 (1024 Hz); 24-hour BCD. */
export const RTC_RESET_A = 0x26;
/** Register B at reset (Xen): 0x02, 24-hour BCD with every interrupt disabled. */
export const RTC_RESET_B = 0x02;

/** Frequency of the MC146818's time base in Hz: 32 768 (a 32.768 kHz crystal, DV = 010). */
export const RTC_HZ = 32_768;
/** The 32.768 kHz time base as a Crystal: converts virtual-clock ns to time-base edge numbers and back, exactly. */
export const RTC_CRYSTAL = new Crystal(RTC_HZ);
/** Time-base edges between two update cycles: 32 768 (one second). */
export const EDGES_PER_SECOND = RTC_HZ;
/** "When the divider reset is removed, the first update cycle begins one-half second later." */
export const HALF_SECOND_EDGES = RTC_HZ / 2;
/** Seconds in a calendar day (86 400; the RTC has no leap seconds). */
export const SECONDS_PER_DAY = 86_400;
/** Beyond any date the registers can show (years up to 9999 with a century byte). */
export const MAX_EPOCH_DAY = 3_000_000;
/** CMOS bytes addressed by the index port's 7 bits: 128 (0x00–0x0D clock registers, 0x0E–0x7F NVRAM). */
export const CMOS_SIZE = 128;
/** Xen emulates CMOS indices 0x00–0x0D only (RTC_CMOS_SIZE). */
export const XEN_CMOS_SIZE = 0x0e;

/** Periodic interrupt period in time-base edges for rate select RS (0: none). Rates 1–2 act as 8–9. */
export function rtcPeriodicEdges(rs: number): number {
  const r = rs & 0x0f;
  if (r === 0) return 0;
  return 2 ** ((r <= 2 ? r + 7 : r) - 1);
}

/** Day of week (1–7) after the registers move from time ta to tb: it counts midnights. */
export function advanceDow(dow: number, ta: number, tb: number): number {
  const days = Math.floor(tb / SECONDS_PER_DAY) - Math.floor(ta / SECONDS_PER_DAY);
  return ((((dow - 1 + days) % 7) + 7) % 7) + 1;
}

/** The divider chain runs for DV = 000, 001, 010 (Xen treats the 4 MHz and 1 MHz bases like 32 kHz). */
export function dividerRuns(a: number): boolean {
  return ((a >> 4) & 7) <= 2;
}
