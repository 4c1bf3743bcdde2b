// Calendar arithmetic (no Date, no wall clock) and the register encodings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { civilFromDays, dayOfWeek, daysFromCivil, decodeHour, encodeHour, fromEpochSeconds, toEpochSeconds } from '../../../src/devices/rtc/calendar.js';
import { makeRtc } from './harness.js';

describe('calendar', () => {
  it('known day numbers and weekdays (1 = Sunday)', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(2020, 1, 1)).toBe(18262);
    expect(daysFromCivil(1900, 3, 1) - daysFromCivil(1900, 2, 28)).toBe(1); // 1900 is not a leap year
    expect(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28)).toBe(2); // 2000 is
    expect(dayOfWeek(daysFromCivil(2020, 1, 1))).toBe(4); // Wednesday
    expect(dayOfWeek(daysFromCivil(1900, 1, 1))).toBe(2); // Monday
    expect(dayOfWeek(daysFromCivil(2099, 12, 31))).toBe(5); // Thursday
    expect(daysFromCivil(2020, 13, 1)).toBe(daysFromCivil(2021, 1, 1)); // normalised like mktime
  });

  it('round-trips every second from 1900 to 2099', () => {
    const min = daysFromCivil(1900, 1, 1) * 86400;
    const max = daysFromCivil(2100, 1, 1) * 86400 - 1;
    fc.assert(
      fc.property(fc.integer({ min, max }), (s) => {
        const t = fromEpochSeconds(s);
        expect(toEpochSeconds(t)).toBe(s);
        expect(civilFromDays(daysFromCivil(t.year, t.month, t.day))).toEqual({ year: t.year, month: t.month, day: t.day });
      }),
      { numRuns: 300 },
    );
  });

  it('12-hour encodings: 0 h = 12 AM (0x12), 12 h = 12 PM (0x92), 23 h = 11 PM (0x91)', () => {
    expect([0, 1, 11, 12, 13, 23].map((h) => encodeHour(h, false, false))).toEqual([0x12, 0x01, 0x11, 0x92, 0x81, 0x91]);
    expect([0, 1, 11, 12, 13, 23].map((h) => encodeHour(h, true, false))).toEqual([12, 1, 11, 0x8c, 0x81, 0x8b]);
    for (let h = 0; h < 24; h++) {
      for (const binary of [false, true]) for (const h24 of [false, true]) expect(decodeHour(encodeHour(h, binary, h24), binary, h24)).toBe(h);
    }
  });
});

describe('invalid register contents (bad-inputs class L)', () => {
  it('invalid BCD seconds roll over like mktime and the next update writes valid BCD', () => {
    const r = makeRtc('xen');
    r.set(11, 0x82);
    r.set(0, 0x5a); // "5A": 60 by digit value
    r.set(11, 0x02);
    r.clock.advance(1e9);
    expect([r.get(2), r.get(0)]).toEqual([0x01, 0x01]); // 00:00:60 + 1 s = 00:01:01
  });

  it('a month of 0x13 and an hour of 0x25 never throw and normalise at the next update', () => {
    const r = makeRtc('xen');
    r.set(11, 0x82);
    r.set(8, 0x13);
    r.set(4, 0x25);
    r.set(11, 0x02);
    r.clock.advance(1e9);
    // 2020-13-01 25:00:00 + 1 s = 2021-01-02 01:00:01
    expect([r.get(9), r.get(8), r.get(7), r.get(4), r.get(0)]).toEqual([0x21, 0x01, 0x02, 0x01, 0x01]);
  });
});
