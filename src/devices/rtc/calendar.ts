// Calendar arithmetic for the RTC: exact integer conversions between seconds since
// 1970-01-01T00:00:00 and broken-down Gregorian dates, plus the MC146818 register encodings
// (BCD or binary, 12- or 24-hour with the PM bit in bit 7). No Date objects, no wall clock.

export interface CivilTime {
  year: number;
  month: number; // 1–12
  day: number; // 1–31
  hour: number; // 0–23
  minute: number;
  second: number;
}

const SECONDS_PER_DAY = 86_400;

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (m, d may be out of range: normalised). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y += Math.floor((m - 1) / 12);
  m = ((((m - 1) % 12) + 12) % 12) + 1;
  // Shift the year to start in March so the leap day is the last day of the year.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400; // [0, 399]
  const mp = (m + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function toEpochSeconds(t: CivilTime): number {
  return daysFromCivil(t.year, t.month, t.day) * SECONDS_PER_DAY + t.hour * 3600 + t.minute * 60 + t.second;
}

export function fromEpochSeconds(s: number): CivilTime {
  const days = Math.floor(s / SECONDS_PER_DAY);
  let rem = s - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(rem / 3600);
  rem -= hour * 3600;
  const minute = Math.floor(rem / 60);
  return { year, month, day, hour, minute, second: rem - minute * 60 };
}

/** Day of week as the RTC counts it: 1 = Sunday … 7 = Saturday. 1970-01-01 was a Thursday (5). */
export function dayOfWeek(epochDays: number): number {
  return ((((epochDays + 4) % 7) + 7) % 7) + 1;
}

export function toBcd(v: number): number {
  return (Math.floor(v / 10) % 10) * 16 + (v % 10);
}

/** A BCD byte's value; invalid digits (A–F) count at face value, as a binary adder would. */
export function fromBcd(v: number): number {
  return (v >> 4) * 10 + (v & 0x0f);
}

/** Encodes a 0–99 field in the data mode. */
export function encodeField(v: number, binary: boolean): number {
  return binary ? v & 0xff : toBcd(v);
}

export function decodeField(v: number, binary: boolean): number {
  return binary ? v : fromBcd(v);
}

/** Hour register: 24-hour value, or 1–12 with bit 7 = PM in 12-hour mode. */
export function encodeHour(h: number, binary: boolean, h24: boolean): number {
  if (h24) return encodeField(h, binary);
  const h12 = h % 12 === 0 ? 12 : h % 12;
  return encodeField(h12, binary) | (h >= 12 ? 0x80 : 0);
}

export function decodeHour(v: number, binary: boolean, h24: boolean): number {
  if (h24) return decodeField(v, binary);
  const h = decodeField(v & 0x7f, binary);
  return (h % 12) + ((v & 0x80) !== 0 ? 12 : 0);
}
