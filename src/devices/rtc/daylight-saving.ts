// The MC146818's daylight-saving updates (register B bit 0, DSE; MC146818A datasheet, "Register
// B"): on the last Sunday in April the time goes from 1:59:59 AM to 3:00:00 AM; on the last
// Sunday in October, the first time it reaches 1:59:59 AM it goes back to 1:00:00 AM. The chip
// knows "Sunday" from its day-of-week register (1), and "last" from the date (April ≥ 24,
// October ≥ 25). Times are seconds since 1970 as the registers show them.
import { fromEpochSeconds } from './calendar.js';

const SECONDS_PER_DAY = 86_400;
const TWO_AM = 7_200;

/** Updates from time `t` until the one that would show 02:00:00 (1 … 86400). */
export function updatesUntilTwoAm(t: number): number {
  const sod = ((t % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  const k = (TWO_AM - sod + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  return k === 0 ? SECONDS_PER_DAY : k;
}

/**
 * The jump the update that would show 02:00:00 at time `twoAm` makes: +3600 (spring forward),
 * -3600 (fall back, unless already done that day: `fallbackDay`), or 0.
 */
export function daylightSavingJump(twoAm: number, dayOfWeek: number, fallbackDay: number): number {
  if (dayOfWeek !== 1) return 0;
  const { month, day } = fromEpochSeconds(twoAm);
  if (month === 4 && day >= 24) return 3600;
  if (month === 10 && day >= 25 && Math.floor(twoAm / SECONDS_PER_DAY) !== fallbackDay) return -3600;
  return 0;
}
