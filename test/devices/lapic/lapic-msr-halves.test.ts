// The plain-number MSR paths (issue 14): the TSC-deadline conversion in numbers agrees exactly with
// the bigint formula, and the halves entry points answer what the bigint API answers.
import { describe, expect, it } from 'vitest';
import { LapicTimer } from '../../../src/devices/lapic/lapic-timer.js';
import { MSR_STATUS_GP, MSR_STATUS_OK, MSR_STATUS_UNHANDLED } from '../../../src/devices/lapic/msr.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Rng } from '../../../bench/xorshift32.js';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { makePlatform } from './helpers.js';

const TWO64 = 1n << 64n;

/** The reference: Xen's rule in exact integers. Fires now unless value > TSC(now); else armed at ⌈(value − origin) × 1e9 / hz⌉. */
function reference(hz: bigint, origin: bigint, now: bigint, value: bigint): { fired: boolean; at: bigint } {
  const tsc = origin + (now * hz) / 1_000_000_000n;
  if (value > tsc) return { fired: false, at: ((value - origin) * 1_000_000_000n + hz - 1n) / hz };
  return { fired: value !== 0n, at: -1n };
}

describe('LAPIC TSC deadline in plain numbers', () => {
  it('agrees with the bigint formula for random TSC rates, origins, times and deadlines (incl. beyond 2^53 and around the origin)', () => {
    const rng = new Rng(20261207);
    const u32 = (): number => rng.next();
    const rates = [1_000_000_000, 2_500_000_000, 3_000_000_000, 2_394_345_001, 1_000_003, 99_999_999_977, 1_000_000];
    let armed = 0;
    let fired = 0;
    for (let i = 0; i < 4000; i++) {
      const hz = rates[i % rates.length]!;
      const clock = new VirtualClock();
      const now = [0, u32(), u32() * 1000 + u32(), 2 ** 52 + u32()][u32() % 4]!;
      clock.advanceTo(now);
      let expiries = 0;
      const t = new LapicTimer(clock, 't', 10, hz, () => expiries++);
      const origin = [0n, BigInt(u32()), (BigInt(u32()) << 32n) | BigInt(u32())][u32() % 3]!;
      t.tscOrigin = origin;
      const tsc = origin + (BigInt(now) * BigInt(hz)) / 1_000_000_000n;
      const delta = [BigInt(u32() % 100), BigInt(u32()), (BigInt(u32() & 0xfffff) << 32n) | BigInt(u32()), BigInt(u32()) << 32n][u32() % 4]!;
      const value = [0n, (tsc + delta) % TWO64, (tsc - delta + TWO64) % TWO64, (BigInt(u32()) << 32n) | BigInt(u32())][u32() % 4]!;
      const ref = reference(BigInt(hz), origin, BigInt(now), value);
      const got = t.writeDeadlineHalves(Number(value & 0xffffffffn), Number(value >> 32n));
      const where = `hz ${hz} origin ${origin} now ${now} value ${value}`;
      expect(got, where).toBe(ref.fired);
      expect(expiries, where).toBe(ref.fired ? 1 : 0);
      if (ref.at >= 0n) {
        armed++;
        // armed exactly at the reference instant (or not at all past the end of exact time)
        const exact = ref.at <= BigInt(Number.MAX_SAFE_INTEGER);
        if (exact) expect(t.deadline, where).toBe(Number(ref.at));
        expect(t.tscDeadline, where).toBe(exact ? value : t.tscDeadline);
      } else {
        if (ref.fired) fired++;
        expect(t.deadline, where).toBe(-1);
        expect(t.tscDeadline, where).toBe(0n);
      }
    }
    expect(armed).toBeGreaterThan(1000);
    expect(fired).toBeGreaterThan(500);
  });

  it('the halves MSR entry points answer what the bigint API answers', () => {
    const p = makePlatform(1);
    const l = p.lapic();
    const out = new Uint32Array(2);
    // xAPIC mode: the x2APIC window is #GP; other MSRs are not the LAPIC's
    expect(l.readMsrHalves(0x80b, out)).toBe(MSR_STATUS_GP);
    expect(l.writeMsrHalves(0x80b, 0, 0)).toBe(MSR_STATUS_GP);
    expect(l.writeMsrHalves(0x10, 0, 0)).toBe(MSR_STATUS_UNHANDLED);
    expect(l.readMsrHalves(0x1b, out)).toBe(MSR_STATUS_OK);
    expect((BigInt(out[1]!) << 32n) | BigInt(out[0]!)).toBe(l.apicBase);
    // enter x2APIC mode through the halves path (EXTD | EN), then ICR with a 32-bit destination
    expect(l.writeMsrHalves(0x1b, 0xfee00c00, 0)).toBe(MSR_STATUS_OK);
    expect(l.x2apicMode).toBe(true);
    expect(l.writeMsrHalves(0x830, 0x000c_0000 | 0x4000 | 0x30, 0x12345678)).toBe(MSR_STATUS_OK);
    expect(l.readMsr(0x830)).toEqual({ kind: 'ok', value: 0x12345678_000c4030n & ~0x1000n });
    expect(l.readMsrHalves(0x830, out)).toBe(MSR_STATUS_OK);
    expect([out[0], out[1]]).toEqual([0x000c4030 & ~0x1000, 0x12345678]);
    // reserved bits in either half: #GP (TPR takes 8 bits, EOI only 0)
    expect(l.writeMsrHalves(0x808, 0x100, 0)).toBe(MSR_STATUS_GP);
    expect(l.writeMsrHalves(0x808, 0x20, 1)).toBe(MSR_STATUS_GP);
    expect(l.writeMsrHalves(0x80b, 1, 0)).toBe(MSR_STATUS_GP);
    expect(l.writeMsr(0x808, (1n << 32n) | 0x20n)).toEqual({ kind: 'fault', vector: 13, errorCode: 0 });
    expect(l.writeMsrHalves(0x808, 0x20, 0)).toBe(MSR_STATUS_OK);
    expect(l.readMsr(0x808)).toEqual({ kind: 'ok', value: 0x20n });
    // EOI and SELF_IPI are write-only
    expect(l.readMsrHalves(0x80b, out)).toBe(MSR_STATUS_GP);
    expect(l.readMsrHalves(0x83f, out)).toBe(MSR_STATUS_GP);
  });

  it('writeTscDeadlineMsr (the WRMSR 0x6E0 exit entry) does what writeMsrHalves(0x6E0) does, over random mode switches, counts and advances', () => {
    const rng = new Rng(0x6e0);
    for (const params of [XEN_LAPIC_PARAMS, { ...XEN_LAPIC_PARAMS, tscDeadline: false }]) {
      const a = makePlatform(1, params);
      const b = makePlatform(1, params);
      const fired = [0, 0];
      for (const [i, p] of [a, b].entries()) {
        p.enable();
        p.clock.createTimer('probe', () => undefined); // a heap timer beside the slot
        p.lapic().setIrq = ((orig) => (v: number, level: boolean) => {
          fired[i]!++;
          orig.call(p.lapic(), v, level);
        })(p.lapic().setIrq);
      }
      const out = new Uint32Array(2);
      for (let step = 0; step < 3000; step++) {
        const r = rng.next() % 10;
        const lo = rng.next() % 4 === 0 ? rng.next() : (a.clock.now + (rng.next() % 5_000_000) - 1_000_000) >>> 0;
        const hi = rng.next() % 16 === 0 ? rng.next() : 0;
        if (r < 5) {
          expect(a.lapic().writeTscDeadlineMsr(lo, hi), `step ${step}`).toBe(b.lapic().writeMsrHalves(0x6e0, lo, hi));
        } else if (r === 5) {
          const lvt = [0x40040, 0x20041, 0x00042, 0x10040][rng.next() % 4]!; // TSC-deadline, periodic, one-shot, masked one-shot
          for (const p of [a, b]) p.wr(0x320, lvt);
        } else if (r === 6) {
          const count = rng.next() % 100_000;
          for (const p of [a, b]) p.wr(0x380, count);
        } else {
          const by = rng.next() % 2_000_000;
          for (const p of [a, b]) {
            p.clock.advance(by);
            while (p.lapic().acknowledge() !== null) p.lapic().eoi();
          }
        }
        const where = `tscDeadline ${params.tscDeadline} step ${step}`;
        expect(a.lapic().readMsrHalves(0x6e0, out), where).toBe(b.lapic().readMsrHalves(0x6e0, out));
        expect([a.lapic().timer.armed, a.lapic().timer.deadline, a.lapic().timer.period], where).toEqual([
          b.lapic().timer.armed,
          b.lapic().timer.deadline,
          b.lapic().timer.period,
        ]);
        expect(a.clock.nextDeadline(), where).toBe(b.clock.nextDeadline());
        expect(fired[0], where).toBe(fired[1]);
      }
      if (params.tscDeadline) expect(fired[0]).toBeGreaterThan(50);
    }
  });

  it('converts exact quotients and their neighbours, up to and across 2^52 ns, as the bigint formula does (the reciprocal path and its correction)', () => {
    const rng = new Rng(52);
    const rates = [1_000_000_000, 2_400_000_000, 2_394_345_001, 3_333_333_333, 1_000_003, 99_999_999_977, 7_000_000];
    let checked = 0;
    for (const hz of rates) {
      const H = BigInt(hz);
      // ns instants t whose TSC count ⌊t × hz / 1e9⌋ and its neighbours are exact deadlines: small, mid, and just below / above 2^52 ns
      const instants = [1n, 999n, BigInt(rng.next()) * 977n, 2n ** 52n - 3n, 2n ** 52n, 2n ** 52n + 7n, 2n ** 53n - 2n];
      for (const t of instants) {
        const base = (t * H) / 1_000_000_000n;
        for (const d of [base - 1n, base, base + 1n]) {
          if (d <= 0n || d >= 1n << 64n) continue;
          const clock = new VirtualClock();
          const timer = new LapicTimer(clock, 't', 10, hz, () => undefined);
          timer.writeDeadlineHalves(Number(d & 0xffffffffn), Number(d >> 32n));
          const at = (d * 1_000_000_000n + H - 1n) / H;
          const where = `hz ${hz} deadline ${d}`;
          expect(timer.deadline, where).toBe(at <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(at) : -1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(130); // a few at t = 1 ns are skipped (deadline 0 disarms)
  });
});
