// The MC146818 alarm: compared with seconds, minutes and hours at every update; an alarm byte
// with bits 7:6 = 11 (0xC0–0xFF) is "don't care". Pure functions over register bytes.
import { decodeField, decodeHour, encodeField, encodeHour } from './calendar.js';

const SECONDS_PER_DAY = 86_400;
const DONT_CARE = 0xc0;

/**
 * An alarm byte as the value it matches: -1 for "don't care", -2 for a byte no time can show
 * (the alarm then never fires), else the value (hours as 0–23).
 */
export function alarmTarget(alarm: number, hour: boolean, binary: boolean, h24: boolean): number {
  if ((alarm & DONT_CARE) === DONT_CARE) return -1;
  if (hour) {
    const h = decodeHour(alarm, binary, h24);
    return h < 24 && encodeHour(h, binary, h24) === alarm ? h : -2;
  }
  const v = decodeField(alarm, binary);
  return v < 60 && encodeField(v, binary) === alarm ? v : -2;
}

/**
 * First i in [from, limit] for which second `base + i` matches the targets (see alarmTarget), or
 * -1. Jumps straight to the next matching second, minute and hour, so a day costs a few steps.
 */
export function nextAlarmSecond(base: number, from: number, limit: number, sT: number, mT: number, hT: number): number {
  if (sT === -2 || mT === -2 || hT === -2) return -1;
  let i = from;
  while (i <= limit) {
    const sod = (((base + i) % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
    const h = Math.floor(sod / 3600);
    const m = Math.floor(sod / 60) % 60;
    const sec = sod % 60;
    if (sT >= 0 && sec !== sT) i += (sT - sec + 60) % 60;
    // A jump to another minute or hour lands on its first second that the lower fields allow.
    else if (mT >= 0 && m !== mT) i += ((mT - m + 60) % 60) * 60 - (sT < 0 ? sec : 0);
    else if (hT >= 0 && h !== hT) i += ((hT - h + 24) % 24) * 3600 - (mT < 0 ? m * 60 : 0) - (sT < 0 ? sec : 0);
    else return i;
  }
  return -1;
}
