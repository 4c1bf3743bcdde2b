// Snapshots and property tests (bad-inputs classes A, B, D, E, K, L, M) for the RTC.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/time/clock.js';
import { accessContext } from '../../../src/bus/access.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import { makeRtc, type RtcRig } from './harness.js';
import { expectDwordReads, expectEachMutationRefused } from '../robustness.js';

type Op =
  | { kind: 'index'; value: number }
  | { kind: 'data'; value: number }
  | { kind: 'reg'; reg: number; value: number }
  | { kind: 'in'; port: number; size: 1 | 2 | 4 }
  | { kind: 'step'; ns: number }
  | { kind: 'ack' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('index' as const), value: fc.integer({ min: 0, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('data' as const), value: fc.integer({ min: 0, max: 255 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reg' as const),
      reg: fc.oneof(fc.integer({ min: 0, max: 13 }), fc.constantFrom(0x0a, 0x0b, 0x32, 0x7f, 0x80, 0xff)),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x20, 0x23, 0x2f, 0x76, 0x42, 0x22, 0x12, 0x72, 0xc0, 0xff)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(0x70, 0x71), size: fc.constantFrom(1 as const, 2 as const, 4 as const) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      // ≤ 0.3 s: in Xen's no-ack mode every 8192 Hz tick is a real IRQ8 edge (huge jumps below).
      ns: fc.oneof(fc.integer({ min: 0, max: 300_000_000 }), fc.constantFrom(1, 244_000, 300_000_000)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'ack' as const }) },
);

function apply(r: RtcRig, op: Op, reads: number[]): void {
  switch (op.kind) {
    case 'index':
      r.ports.write(0x70, 1, op.value);
      break;
    case 'data':
      r.ports.write(0x71, 1, op.value);
      break;
    case 'reg':
      r.set(op.reg, op.value);
      break;
    case 'in':
      reads.push(r.ports.read(op.port, op.size));
      break;
    case 'step':
      r.clock.advance(op.ns);
      break;
    case 'ack':
      r.rtc.periodicTimer.tickTaken(0);
      break;
  }
}

function busy(profile: 'xen' | 'qemu'): RtcRig {
  const r = makeRtc(profile);
  r.rtc.periodicTimer.trackTicksTaken(true);
  r.set(10, 0x2c); // 16 Hz
  r.set(5, 0xc0);
  r.set(3, 0xc0);
  r.set(1, 0x07);
  r.set(11, 0x72); // PIE AIE UIE
  if (profile === 'qemu') r.set(0x40, 0x99);
  r.clock.advance(3_456_789_012);
  r.ports.write(0x70, 1, 0x84);
  return r;
}

function observe(r: RtcRig): unknown[] {
  const seen: unknown[] = [];
  for (let i = 0; i < 20; i++) {
    r.clock.advance(123_456_789 * (i + 1));
    seen.push(r.ports.read(0x71, 1), r.get(0), r.get(10), i % 3 === 0 ? r.get(12) : 0, r.fabric.gsiLevel(8));
  }
  seen.push(r.irq);
  return seen;
}

describe('RTC snapshots', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: snapshot → JSON → restore in a fresh RTC behaves identically`, () => {
      const a = busy(profile);
      const snap = JSON.parse(JSON.stringify(a.rtc.snapshot()));
      const clock = new VirtualClock({ minPeriodNs: profile === 'xen' ? 100_000 : 1 });
      clock.restoreTime(a.clock.now);
      const b = makeRtc(profile, { clock, start: '2001-01-01T00:00:00' });
      b.rtc.restore(snap);
      a.irq.length = 0;
      b.irq.length = 0;
      expect(observe(b)).toEqual(observe(a));
    });
  }

  it('refuses corrupt snapshots and stays unchanged', () => {
    const a = busy('xen');
    expectEachMutationRefused(a.rtc, [
      (s) => (s.cmos.length = 127),
      (s) => (s.cmos[3] = 256),
      (s) => (s.cmos[0x40] = 1), // Xen has no NVRAM
      (s) => (s.cmos[12] = 0x80),
      (s) => (s.cmos[10] |= 0x80),
      (s) => (s.index = 0x80),
      (s) => (s.flags = 0x81),
      (s) => (s.lastSync = a.clock.now + 1),
      (s) => (s.chainOrigin = 1.5),
      (s) => (s.irq8 = !s.irq8),
      (s) => (s.missedTicks = null),
      (s) => delete s.legacyReplacement,
      (s) => (s.dseFallbackDay = -2),
    ]);
  });
});

describe('RTC under random guest traffic', () => {
  for (const [profile, dse] of [
    ['xen', false],
    ['qemu', false],
    ['xen', true],
  ] as const) {
    it(`${profile}${dse ? ' with DSE' : ''}: never throws; reads defined; deadlines ahead; callbacks bounded by real edges`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
          const r = makeRtc(profile, { params: { daylightSaving: dse }, start: dse ? '2020-10-24T23:00:00' : undefined });
          const reads: number[] = [];
          for (const op of ops) {
            const fired = r.clock.eventsFired;
            const t0 = r.clock.now;
            apply(r, op, reads);
            const next = r.clock.nextDeadline();
            if (next !== null) expect(next).toBeGreaterThanOrEqual(r.clock.now);
            if (op.kind === 'step') {
              // At most one event per 8192 Hz tap plus one per update and alarm second.
              const span = r.clock.now - t0;
              expect(r.clock.eventsFired - fired).toBeLessThanOrEqual(Math.ceil((span * 8192) / 1e9) + 2 * Math.ceil(span / 1e9) + 2);
            }
          }
          expectDwordReads(reads);
          const t = r.rtc.currentTime();
          expect(Number.isSafeInteger(t)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('a 10^12 ns jump with the periodic interrupt off costs at most one callback per update or alarm', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.boolean(), (ops, uie) => {
        const r = makeRtc('xen');
        for (const op of ops) apply(r, op, []);
        r.set(11, (r.get(11) & ~0xd0) | (uie ? 0x10 : 0)); // PIE and SET off
        const fired = r.clock.eventsFired;
        r.clock.advance(1e12);
        // UIE: one per second; AIE alone: at most one per second too (don't-care seconds).
        expect(r.clock.eventsFired - fired).toBeLessThanOrEqual(1000 + 2);
        const t = r.rtc.currentTime();
        expect(Number.isSafeInteger(t)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('snapshot/restore at any point preserves behaviour (class K)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.array(opArb, { maxLength: 25 }), (pre, post) => {
        const a = makeRtc('qemu');
        for (const op of pre) apply(a, op, []);
        const clock = new VirtualClock({ minPeriodNs: 1 });
        clock.restoreTime(a.clock.now);
        const b = makeRtc('qemu', { clock });
        b.rtc.restore(JSON.parse(JSON.stringify(a.rtc.snapshot())));
        const ra: number[] = [];
        const rb: number[] = [];
        a.irq.length = 0;
        b.irq.length = 0;
        for (const op of post) {
          apply(a, op, ra);
          apply(b, op, rb);
        }
        expect(rb).toEqual(ra);
        expect(b.irq).toEqual(a.irq);
      }),
      { numRuns: 150 },
    );
  });
});

describe('RTC owed periodic ticks (Xen missed-tick policy)', () => {
  it('fuzz finding: a replayed tick after register C was read sets PF again, so IRQ8 and register C agree and the state restores', () => {
    // Campaign (a) seed 20261210 case 13840, reduced. Xen injects an owed RTC tick through vpt and
    // its callback sets REG_C.PF|IRQF (xen/arch/x86/hvm/rtc.c rtc_pf_callback); the replay raised
    // IRQ8 with register C clear, a state restore then refused.
    const options = { profile: 'xen-hvm', vcpus: 1, ramBytes: 65536, timerMode: 'no_delay_for_missed_ticks' } as const;
    const p = createPlatform(options);
    const cpu = accessContext(0);
    p.clock.advance(1_464_533);
    p.mmio.write(0xfee000f0, 4, 0x1ff, cpu); // LAPIC on
    p.mmio.write(0xfee00350, 4, 0x700, cpu); // LINT0 ExtINT
    p.ports.write(0x70, 1, 0x0b, cpu);
    p.ports.write(0x71, 1, 0x42, cpu); // PIE, 24 h
    p.ports.write(0x70, 1, 0x0c, cpu);
    p.clock.advance(1_550_989); // one tick delivered, the next owed (not taken)
    expect(p.ports.read(0x71, 1, cpu)).toBe(0xc0); // IRQF|PF, cleared by the read
    p.ports.write(0x43, 1, 0x3a, cpu); // PIT channel 0 reprogrammed: IRQ0 drops
    const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
    lapic.acknowledge(); // the guest takes IRQ8: the owed tick is replayed
    p.ports.write(0x70, 1, 0x0c, cpu);
    const twin = createPlatform(options);
    twin.restore(JSON.parse(JSON.stringify(p.snapshot())));
    for (const x of [p, twin]) expect(x.ports.read(0x71, 1, cpu)).toBe(0xc0); // the replayed tick's PF
  });
});
