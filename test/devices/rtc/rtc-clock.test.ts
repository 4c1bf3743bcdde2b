// Time keeping: reset values, updates once per second, calendar roll-over in every format,
// SET bit, divider reset, UIP window, start-time option.
import { describe, expect, it } from 'vitest';
import { QEMU_PC_RTC_PARAMS, RtcParamError, parseRtcStartTime, qemuPcNvram } from '../../../src/devices/rtc/rtc-params.js';
import { makeRtc, rtcEdgeNs, timeOf } from './harness.js';

describe('RTC registers after power-on', () => {
  it('2020-01-01 00:00:00 (a Wednesday), A=0x26, B=0x02, C=0, D=0x80 (VRT)', () => {
    const r = makeRtc('xen');
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13].map((i) => r.get(i))).toEqual([0, 0, 0, 0, 0, 0, 4, 1, 1, 0x20, 0x26, 0x02, 0x00, 0x80]);
  });

  it('qemu-pc carries NVRAM with the board bytes and the century at 0x32; Xen leaves 0x0E+ unclaimed', () => {
    const q = makeRtc('qemu');
    expect([0x14, 0x15, 0x16, 0x32, 0x37, 0x38, 0x3d, 0x40].map((i) => q.get(i))).toEqual([0x06, 0x80, 0x02, 0x20, 0x20, 0x30, 0x12, 0x00]);
    q.set(0x40, 0x5a);
    expect(q.get(0x40)).toBe(0x5a);
    const x = makeRtc('xen');
    x.set(0x40, 0x5a);
    expect(x.get(0x40)).toBe(0xff);
    expect(x.get(0x32)).toBe(0xff);
  });

  it('index port: reads 0xFF, bit 7 (NMI mask) is not part of the index; byte-only under Xen', () => {
    const r = makeRtc('xen');
    r.ports.write(0x70, 1, 0x8a);
    expect(r.ports.read(0x71, 1)).toBe(0x26);
    expect(r.rtc.nmiMasked).toBe(true);
    expect(r.ports.read(0x70, 1)).toBe(0xff);
    expect(r.ports.read(0x70, 2)).toBe(0xffff);
    expect(r.ports.read(0x71, 4)).toBe(0xffffffff);
  });
});

describe('updates', () => {
  it('one update per second from power-on; 61.5 s later the time reads 00:01:01 (as QEMU)', () => {
    const r = makeRtc('qemu');
    r.clock.advanceTo(999_999_999);
    expect(r.get(0)).toBe(0);
    r.clock.advanceTo(1_000_000_000);
    expect(r.get(0)).toBe(1);
    r.clock.advanceTo(61_500_000_000);
    expect(timeOf(r)).toEqual([0x20, 1, 1, 4, 0, 1, 1]);
  });

  it('binary mode with SET: 23:59:50 plus 12 s rolls to 00:00:02 of the next day (weekday 4 → 5)', () => {
    const r = makeRtc('qemu');
    r.set(11, 0x86); // SET, binary, 24 h
    r.set(4, 23);
    r.set(2, 59);
    r.set(0, 50);
    r.clock.advance(3_000_000_000);
    expect(r.get(0)).toBe(50); // SET inhibits updates
    r.set(11, 0x06);
    r.clock.advance(12_000_000_000);
    expect(timeOf(r)).toEqual([0x20, 1, 2, 5, 0, 0, 2]); // the year byte was not rewritten: 0x20 stays
  });

  it('leap years, month ends and the century (QEMU keeps it at 0x32)', () => {
    const q = makeRtc('qemu', { start: '2020-02-28T23:59:59' });
    q.clock.advance(1e9);
    expect(timeOf(q)).toEqual([0x20, 0x02, 0x29, 7, 0, 0, 0]); // Saturday 29 Feb
    const n = makeRtc('qemu', { start: '2021-02-28T23:59:59' });
    n.clock.advance(1e9);
    expect(timeOf(n).slice(0, 3)).toEqual([0x21, 0x03, 0x01]);
    const c = makeRtc('qemu', { start: '2099-12-31T23:59:59' });
    c.clock.advance(1e9);
    expect([c.get(0x32), ...timeOf(c)]).toEqual([0x21, 0x00, 0x01, 0x01, 6, 0, 0, 0]); // 2100-01-01 is a Friday
  });

  it('12-hour mode: 11:59:59 PM → 12:00:00 AM, 11:59:59 AM → 12:00:00 PM, 12:59:59 PM → 1 PM (BCD)', () => {
    const r = makeRtc('xen');
    r.set(11, 0x80); // SET, BCD, 12 h
    const cases: Array<[number, number]> = [
      [0x91, 0x12],
      [0x11, 0x92],
      [0x92, 0x81],
    ];
    for (const [from, to] of cases) {
      r.set(11, 0x80);
      r.set(4, from);
      r.set(2, 0x59);
      r.set(0, 0x59);
      r.set(11, 0x00);
      r.clock.advance(1e9);
      expect(r.get(4)).toBe(to);
    }
  });

  it('format bits do not convert stored registers; the next update interprets them in the new format', () => {
    const r = makeRtc('xen');
    r.clock.advance(9e9); // 00:00:09 (BCD 0x09)
    r.set(11, 0x06); // binary now: 0x09 still reads 0x09 = 9
    expect(r.get(0)).toBe(0x09);
    r.clock.advance(1e9);
    expect(r.get(0)).toBe(10); // binary 10, not BCD 0x10
  });

  it('divider reset holds time; the first update comes exactly 0.5 s after release', () => {
    const r = makeRtc('xen');
    r.clock.advanceTo(2_300_000_000);
    r.set(10, 0x76);
    r.clock.advanceTo(7_000_000_000);
    expect(r.get(0)).toBe(2);
    const edge = Math.floor((7_000_000_000 * 32768) / 1e9); // 7 s is an exact edge
    r.set(10, 0x26);
    r.clock.advanceTo(rtcEdgeNs(edge + 16384) - 1);
    expect(r.get(0)).toBe(2);
    r.clock.advanceTo(rtcEdgeNs(edge + 16384));
    expect(r.get(0)).toBe(3);
    r.clock.advanceTo(rtcEdgeNs(edge + 16384 + 32768));
    expect(r.get(0)).toBe(4);
  });

  it('a guest-set time persists and advances with virtual time, also across reset', () => {
    const r = makeRtc('xen');
    r.set(11, 0x82);
    r.set(9, 0x31);
    r.set(8, 0x12);
    r.set(7, 0x24);
    r.set(6, 3);
    r.set(4, 0x18);
    r.set(2, 0x30);
    r.set(0, 0x00);
    r.set(11, 0x02);
    r.clock.advance(3600e9);
    r.rtc.reset();
    r.clock.advance(60e9);
    expect(timeOf(r)).toEqual([0x31, 0x12, 0x24, 3, 0x19, 0x31, 0x00]);
  });
});

describe('daylight saving (DSE)', () => {
  it('Xen and QEMU store DSE and never jump', () => {
    const r = makeRtc('xen', { start: '2020-04-26T01:59:59' }); // the last Sunday in April
    r.set(11, 0x03);
    r.clock.advance(1e9);
    expect([r.get(4), r.get(2), r.get(0), r.get(11)]).toEqual([0x02, 0x00, 0x00, 0x03]);
  });

  it('datasheet parameter: April 1:59:59 → 3:00:00; October 1:59:59 → 1:00:00 once', () => {
    const a = makeRtc('xen', { start: '2020-04-26T01:59:59', params: { daylightSaving: true } });
    a.set(11, 0x03);
    a.clock.advance(1e9);
    expect([a.get(4), a.get(2), a.get(0)]).toEqual([0x03, 0x00, 0x00]);
    const o = makeRtc('xen', { start: '2020-10-25T01:59:58', params: { daylightSaving: true } });
    o.set(11, 0x03);
    o.clock.advance(2e9);
    expect([o.get(4), o.get(2), o.get(0)]).toEqual([0x01, 0x00, 0x00]);
    o.clock.advance(3600e9);
    expect([o.get(4), o.get(2), o.get(0)]).toEqual([0x02, 0x00, 0x00]); // the second 1:59:59 goes on
    // Not the last Sunday (18 October): no jump.
    const n = makeRtc('xen', { start: '2020-10-18T01:59:59', params: { daylightSaving: true } });
    n.set(11, 0x03);
    n.clock.advance(1e9);
    expect(n.get(4)).toBe(0x02);
  });

  it('an alarm in the skipped hour does not fire that night; the wake-up at 2 AM re-arms it', () => {
    const r = makeRtc('xen', { start: '2020-04-26T01:00:00', params: { daylightSaving: true } });
    r.set(5, 0x02);
    r.set(3, 0x30);
    r.set(1, 0x00);
    r.set(11, 0x23); // AIE, 24 h, DSE
    r.clock.advance(90_000e9);
    // 01:00 → (3600 s) 03:00 on the 26th → (84 600 s) 02:30 on Monday 27 April.
    expect(r.rises()).toEqual([88_200e9]);
  });
});

describe('UIP', () => {
  it('Xen/QEMU: set only in the 8 time-base cycles (244 µs) before each update (QEMU agrees to the ns)', () => {
    const r = makeRtc('xen');
    const uip = (t: number) => {
      r.clock.advanceTo(t);
      return (r.get(10) & 0x80) !== 0;
    };
    // Edge 32760 lies at 999 755 859.375 ns.
    expect(uip(999_755_859)).toBe(false);
    expect(uip(999_755_860)).toBe(true);
    expect(uip(1e9 - 1)).toBe(true);
    expect(uip(1e9)).toBe(false);
  });

  it('datasheet window (tBUC 244 µs + 1984 µs update cycle = 73 cycles) as a parameter; never while SET', () => {
    const r = makeRtc('xen', { params: { uipWindowEdges: 73 } });
    r.clock.advanceTo(rtcEdgeNs(32768 - 73) - 1);
    expect(r.get(10) & 0x80).toBe(0);
    r.clock.advanceTo(rtcEdgeNs(32768 - 73));
    expect(r.get(10) & 0x80).toBe(0x80);
    r.set(11, 0x82);
    expect(r.get(10) & 0x80).toBe(0);
  });
});

describe('QEMU board bytes', () => {
  it('follow the RAM size (128 MiB: the oracle bytes; 8 MiB: 7 MiB extended, nothing above 16 MiB)', () => {
    expect(QEMU_PC_RTC_PARAMS.nvramInit).toEqual({
      0x14: 0x06,
      0x15: 0x80,
      0x16: 0x02,
      0x17: 0xff,
      0x18: 0xff,
      0x30: 0xff,
      0x31: 0xff,
      0x34: 0x00,
      0x35: 0x07,
      0x37: 0x20,
      0x38: 0x30,
      0x3d: 0x12,
    });
    const small = qemuPcNvram(8 * 1024 * 1024);
    expect([small[0x17], small[0x18], small[0x34], small[0x35]]).toEqual([0x00, 0x1c, 0, 0]);
  });
});

describe('start time option', () => {
  it('parses ISO UTC strings and seconds; refuses what the registers cannot hold', () => {
    expect(parseRtcStartTime('2020-01-01T00:00:00')).toBe(1577836800);
    expect(parseRtcStartTime(0)).toBe(0);
    expect(parseRtcStartTime('2020-01-01T00:00:00.750Z')).toBe(1577836800);
    expect(parseRtcStartTime('2020-01-01T02:00:00+02:00')).toBe(1577836800);
    expect(() => parseRtcStartTime('2020-13-01T00:00:00')).toThrow(RtcParamError);
    expect(() => parseRtcStartTime('yesterday')).toThrow(/2020-01-01T00:00:00/);
    expect(() => parseRtcStartTime('2100-01-01T00:00:00')).toThrow(RtcParamError);
  });
});
