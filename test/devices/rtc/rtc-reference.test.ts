// The analytic RTC against a naive reference that counts like the chip, one update at a time:
// seconds → minutes → hours (12/24 h) → day of week and date with month lengths and leap years.
// Random start times near month, year, leap-day and century boundaries, in every data format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRtc } from './harness.js';

interface Fields {
  sec: number;
  min: number;
  hour: number; // 0–23
  dow: number; // 1–7
  day: number;
  month: number;
  year: number; // full year
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (m: number, y: number) => [31, leap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** One update; with `dse`, the datasheet's daylight-saving jumps (`fellBack` remembers the day). */
function tick(f: Fields, dse = false, fellBack: { day: string } = { day: '' }): void {
  if (++f.sec < 60) return;
  f.sec = 0;
  if (++f.min < 60) return;
  f.min = 0;
  if (++f.hour < 24) {
    if (dse && f.hour === 2 && f.dow === 1) {
      const key = `${f.year}-${f.month}-${f.day}`;
      if (f.month === 4 && f.day >= 24) f.hour = 3;
      else if (f.month === 10 && f.day >= 25 && fellBack.day !== key) {
        f.hour = 1;
        fellBack.day = key;
      }
    }
    return;
  }
  f.hour = 0;
  f.dow = (f.dow % 7) + 1;
  if (++f.day <= monthDays(f.month, f.year)) return;
  f.day = 1;
  if (++f.month <= 12) return;
  f.month = 1;
  f.year++;
}

const bcd = (v: number) => Math.floor(v / 10) * 16 + (v % 10);

function encode(f: Fields, binary: boolean, h24: boolean): number[] {
  const e = (v: number) => (binary ? v : bcd(v));
  const h12 = f.hour % 12 === 0 ? 12 : f.hour % 12;
  const hour = h24 ? e(f.hour) : e(h12) | (f.hour >= 12 ? 0x80 : 0);
  return [e(f.sec), e(f.min), hour, e(f.dow), e(f.day), e(f.month), e(f.year % 100), e(Math.floor(f.year / 100))];
}

const dowOf = (y: number, m: number, d: number) => {
  // Zeller-style count from a known Sunday (2000-01-02), independent of the device's calendar.
  let days = 0;
  for (let yy = 2000; yy < y; yy++) days += leap(yy) ? 366 : 365;
  for (let yy = y; yy < 2000; yy++) days -= leap(yy) ? 366 : 365;
  for (let mm = 1; mm < m; mm++) days += monthDays(mm, y);
  days += d - 2;
  return (((days % 7) + 7) % 7) + 1;
};

const startArb = fc.record({
  year: fc.constantFrom(1999, 2000, 2019, 2020, 2023, 2024, 2099),
  month: fc.constantFrom(1, 2, 3, 4, 6, 12),
  day: fc.constantFrom(1, 27, 28, 29, 30, 31),
  hour: fc.constantFrom(0, 11, 12, 23),
  min: fc.constantFrom(0, 58, 59),
  sec: fc.constantFrom(0, 30, 59),
  binary: fc.boolean(),
  h24: fc.boolean(),
  steps: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 4 }),
});

describe('RTC calendar against a counting reference', () => {
  it('daylight saving (datasheet parameter): April and October jumps over whole months', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2020, 2021, 2024, 2027),
        fc.constantFrom(4, 10),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 400_000 }), { minLength: 1, maxLength: 8 }),
        (year, month, binary, steps) => {
          const day = 20;
          const f: Fields = { sec: 0, min: 0, hour: 0, dow: dowOf(year, month, day), day, month, year };
          const fellBack = { day: '' };
          const r = makeRtc('qemu', { params: { daylightSaving: true } });
          const b = 0x80 | (binary ? 0x04 : 0) | 0x02 | 0x01; // SET, 24 h, DSE
          r.set(11, b);
          const regs = encode(f, binary, true);
          [0, 2, 4, 6, 7, 8, 9, 0x32].forEach((idx, i) => r.set(idx, regs[i]!));
          r.set(11, b & 0x7f);
          for (const n of steps) {
            r.clock.advance(n * 1e9);
            for (let i = 0; i < n; i++) tick(f, true, fellBack);
            expect([0, 2, 4, 6, 7, 8, 9, 0x32].map((idx) => r.get(idx))).toEqual(encode(f, binary, true));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches after random numbers of updates from boundary start times (qemu-pc, with the century)', () => {
    fc.assert(
      fc.property(startArb, (s) => {
        const day = Math.min(s.day, monthDays(s.month, s.year));
        const f: Fields = { sec: s.sec, min: s.min, hour: s.hour, dow: dowOf(s.year, s.month, day), day, month: s.month, year: s.year };
        const r = makeRtc('qemu');
        const b = 0x80 | (s.binary ? 0x04 : 0) | (s.h24 ? 0x02 : 0);
        r.set(11, b);
        const regs = encode(f, s.binary, s.h24);
        [0, 2, 4, 6, 7, 8, 9, 0x32].forEach((idx, i) => r.set(idx, regs[i]!));
        r.set(11, b & 0x7f);
        // The next update is at the next whole second of the chain (t = 1 s, 2 s, ...).
        for (const n of s.steps) {
          r.clock.advance(n * 1e9);
          for (let i = 0; i < n; i++) tick(f);
          expect([0, 2, 4, 6, 7, 8, 9, 0x32].map((idx) => r.get(idx))).toEqual(encode(f, s.binary, s.h24));
        }
      }),
      { numRuns: 60 },
    );
  });
});
