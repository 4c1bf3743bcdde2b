// Register C flags and IRQ8: periodic at every rate, update-ended, alarm with don't-care bytes,
// read-to-clear, Xen's no-ack mode vs the datasheet's level mode, masked rates cost nothing.
import { describe, expect, it } from 'vitest';
import { rtcPeriodicEdges } from '../../../src/devices/rtc/rtc.js';
import { makeRtc, rtcEdgeNs } from './harness.js';

describe('periodic interrupt', () => {
  it('periods per rate select: 0 none, 1–2 as 8–9, 3 = 8192 Hz … 15 = 2 Hz (32.768 kHz edges)', () => {
    expect(Array.from({ length: 16 }, (_, rs) => rtcPeriodicEdges(rs))).toEqual([0, 128, 256, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]);
  });

  for (let rs = 1; rs <= 15; rs++) {
    it(`rate ${rs}: IRQ8 edges exactly every ${rtcPeriodicEdges(rs)} time-base edges, in step with the divider (Xen no-ack)`, () => {
      const r = makeRtc('xen');
      r.set(10, 0x20 | rs);
      r.set(11, 0x42); // PIE, 24 h
      const p = rtcPeriodicEdges(rs);
      const periods = Math.min(200, Math.floor(32768 / p) * 2);
      r.clock.advanceTo(rtcEdgeNs(p * periods));
      const rises = r.rises();
      expect(rises).toEqual(Array.from({ length: periods }, (_, i) => rtcEdgeNs(p * (i + 1))));
      // Each tick after the first re-edges the line without a register C read.
      expect(r.irq.filter(([, l]) => !l)).toHaveLength(periods - 1);
      expect(r.get(12) & 0xc0).toBe(0xc0);
      expect(r.fabric.gsiLevel(8)).toBe(false);
    });
  }

  it('level mode (datasheet, QEMU): IRQ8 stays asserted until C is read; nothing is scheduled meanwhile', () => {
    const r = makeRtc('qemu');
    r.set(10, 0x2f); // 2 Hz
    r.set(11, 0x42);
    r.clock.advanceTo(499_999_999);
    expect(r.irq).toEqual([]);
    r.clock.advanceTo(500_000_000);
    expect(r.irq).toEqual([[500_000_000, true]]);
    expect(r.clock.nextDeadline()).toBeNull();
    r.clock.advanceTo(1_200_000_000);
    expect(r.get(12)).toBe(0xd0); // IRQF | PF | UF (UF latches every second without UIE)
    expect(r.fabric.gsiLevel(8)).toBe(false);
    expect(r.get(12)).toBe(0x00);
    r.clock.advanceTo(1_500_000_000);
    expect(r.rises()).toEqual([500_000_000, 1_500_000_000]);
  });

  it('8 kHz with PIE clear costs no callbacks, yet PF latches (datasheet: independent of PIE)', () => {
    const r = makeRtc('xen');
    r.set(10, 0x23);
    const before = r.clock.eventsFired;
    r.clock.advance(5e9);
    expect(r.clock.eventsFired - before).toBe(0);
    expect(r.get(12)).toBe(0x50);
  });

  it('enabling PIE while PF is latched asserts IRQ8 at once; disabling it drops the line', () => {
    const r = makeRtc('qemu');
    r.clock.advance(10_000_000);
    r.set(11, 0x42);
    expect(r.fabric.gsiLevel(8)).toBe(true);
    r.set(11, 0x02);
    expect(r.fabric.gsiLevel(8)).toBe(false);
  });

  it('the phase follows the divider chain: after a divider reset the taps restart with it', () => {
    const r = makeRtc('xen');
    r.clock.advanceTo(123_456_789);
    r.set(10, 0x76);
    r.get(12); // clear the PF latched at the default rate, so enabling PIE does not assert at once
    r.set(11, 0x42);
    r.set(10, 0x2f); // release with rate 15 (2 Hz): first tap 0.5 s later, with the first update
    const e = Math.floor((123_456_789 * 32768) / 1e9);
    r.clock.advanceTo(rtcEdgeNs(e + 16384 * 3));
    expect(r.rises()).toEqual([1, 2, 3].map((k) => rtcEdgeNs(e + 16384 * k)));
  });
});

describe('update-ended and alarm', () => {
  // Datasheet: PF latches at the default 1024 Hz rate whether or not PIE is set, so C also shows
  // PF (0x40) here; QEMU 7.2 sets PF only while PIE is on and reads 0x90 / 0xB0 (a known deviation).
  it('UIE: one IRQ8 per second at the update; C reads 0xD0', () => {
    const r = makeRtc('qemu');
    r.set(11, 0x12);
    r.clock.advanceTo(1e9);
    expect(r.rises()).toEqual([1e9]);
    expect(r.get(12)).toBe(0xd0);
    r.clock.advanceTo(3e9);
    expect(r.rises()).toEqual([1e9, 2e9]);
  });

  it('alarm at 00:01:05 fires at exactly 65 s; C reads 0xF0', () => {
    const r = makeRtc('qemu');
    r.set(5, 0);
    r.set(3, 1);
    r.set(1, 5);
    r.set(11, 0x22);
    r.clock.advanceTo(64_999_999_999);
    expect(r.irq).toEqual([]);
    r.clock.advanceTo(65e9);
    expect(r.rises()).toEqual([65e9]);
    expect(r.get(12)).toBe(0xf0);
  });

  it("don't-care alarm bytes (0xC0–0xFF): seconds = 30 with any minute and hour fires once a minute", () => {
    const r = makeRtc('xen');
    r.set(5, 0xc0);
    r.set(3, 0xff);
    r.set(1, 0x30);
    r.set(11, 0x22);
    r.clock.advanceTo(200e9);
    expect(r.rises()).toEqual([30e9, 90e9, 150e9]);
  });

  it('alarm hour in 12-hour mode compares the PM bit; a never-matching alarm schedules nothing', () => {
    const r = makeRtc('xen', { start: '2020-01-01T11:59:58' });
    r.set(11, 0x80);
    r.set(4, 0x11);
    r.set(11, 0x20); // 12 h BCD, AIE
    r.set(5, 0x92); // 12 PM
    r.set(3, 0x00);
    r.set(1, 0x00);
    r.clock.advance(3e9);
    expect(r.rises()).toEqual([2e9]);
    const n = makeRtc('xen');
    n.set(1, 0x7a); // not a BCD second
    n.set(11, 0x22);
    expect(n.clock.nextDeadline()).toBeNull();
    n.clock.advance(100e9);
    expect(n.get(12) & 0x20).toBe(0);
  });

  it('AF latches over a huge jump when the alarm time passed (and IRQ8 only once in level mode)', () => {
    const r = makeRtc('qemu');
    r.set(5, 0x05);
    r.set(3, 0x00);
    r.set(1, 0x00);
    r.clock.advance(86_400e9 * 3);
    expect(r.get(12)).toBe(0x70);
  });

  it('SET clears UIE and inhibits updates and their interrupts', () => {
    const r = makeRtc('xen');
    r.set(11, 0x12);
    r.set(11, 0x92);
    expect(r.get(11)).toBe(0x82);
    r.clock.advance(5e9);
    expect(r.irq).toEqual([]);
    expect(r.get(0)).toBe(0);
  });
});

describe('IRQ8 wiring', () => {
  it('HPET legacy replacement disconnects IRQ8; flags keep latching', () => {
    const r = makeRtc('xen');
    r.set(11, 0x12);
    r.rtc.setLegacyReplacement(true);
    r.clock.advance(3e9);
    expect(r.irq).toEqual([]);
    expect(r.clock.nextDeadline()).toBeNull();
    r.rtc.setLegacyReplacement(false);
    expect(r.fabric.gsiLevel(8)).toBe(true); // UF latched with UIE on
    expect(r.get(12)).toBe(0xd0);
  });

  it('observeIrq reports IRQ8 as the RTC drives it', () => {
    const r = makeRtc('qemu');
    const seen: boolean[] = [];
    r.rtc.observeIrq((l) => seen.push(l));
    r.set(11, 0x12);
    r.clock.advance(1e9);
    r.get(12);
    expect(seen).toEqual([true, false]);
  });

  it('missed-tick policy: owed periodic ticks are replayed per acknowledgement (no_delay_for_missed_ticks)', () => {
    const r = makeRtc('xen');
    r.rtc.periodicTimer.trackTicksTaken(true);
    r.set(10, 0x2a); // 64 Hz
    r.set(11, 0x42);
    r.clock.advance(100_000_000); // 6 ticks, none acknowledged
    let replays = 0;
    for (let i = 0; i < 10; i++) {
      const n = r.irq.length;
      r.rtc.periodicTimer.tickTaken(0);
      if (r.irq.length > n) replays++;
    }
    expect(replays).toBe(5);
  });
});
