// Snapshots (round trip, refusal of corrupt data) and property tests for bad-inputs classes
// A, B, D, E, K, M: random guest traffic and clock jumps never throw, never produce NaN or
// out-of-range values, keep deadlines in the future and bound the callbacks per window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { edgeNs, makePit, type PitRig } from './harness.js';
import { expectDwordReads, expectEachMutationRefused } from '../robustness.js';

type Op = { kind: 'out'; port: number; value: number } | { kind: 'in'; port: number; size: 1 | 2 | 4 } | { kind: 'step'; ns: number } | { kind: 'ack' };

const PORTS = [0x40, 0x41, 0x42, 0x43, 0x61];
/**
 * Random traffic. Steps stay ≤ 50 ms (QEMU: 2 ms) because every OUT0 edge is a real callback and
 * QEMU does not clamp (mode 3 with count 2 is 2.4 M edges per second); the huge jumps are in the
 * dedicated test below.
 */
const makeOps = (maxStep: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('out' as const), port: fc.constantFrom(...PORTS), value: fc.integer({ min: 0, max: 255 }) }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(...PORTS), size: fc.constantFrom(1 as const, 2 as const, 4 as const) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('step' as const),
        ns: fc.oneof(fc.integer({ min: 0, max: maxStep }), fc.constantFrom(1, 838, 100_000, maxStep)),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'ack' as const }) },
  );
const opArb = makeOps(50_000_000);
const qemuOpArb = makeOps(2_000_000);

function apply(r: PitRig, op: Op, reads: number[]): void {
  switch (op.kind) {
    case 'out':
      r.out(op.port, op.value);
      break;
    case 'in':
      reads.push(r.ports.read(op.port, op.size));
      break;
    case 'step':
      r.clock.advance(op.ns);
      break;
    case 'ack':
      r.pit.periodicTimer.tickTaken(0);
      break;
  }
}

function busy(profile: 'xen' | 'qemu'): PitRig {
  const r = makePit(profile);
  r.pit.periodicTimer.trackTicksTaken(true);
  r.out(0x43, 0x34);
  r.out(0x40, 0x00);
  r.out(0x40, 0x30); // ch0 mode 2, 12288
  r.out(0x43, 0xb6); // ch2 mode 3 word
  r.out(0x42, 0x21);
  r.out(0x42, 0x03);
  r.out(0x61, 0x03);
  r.out(0x43, 0x74); // ch1 mode 2
  r.out(0x41, 0x10); // half-written word count
  r.clock.advanceTo(edgeNs(5000));
  r.out(0x43, 0x00); // ch0 latched, unread
  return r;
}

function observe(r: PitRig, n: number): unknown[] {
  const seen: unknown[] = [];
  for (let i = 0; i < n; i++) {
    r.clock.advance(377_123 * (i + 1));
    seen.push(r.inb(0x40), r.inb(0x41), r.inb(0x42), r.inb(0x61), r.fabric.gsiLevel(2) || r.fabric.gsiLevel(0));
    if (i === 3) r.out(0x41, 0x02);
  }
  seen.push(r.irq.map(([t, l]) => [t, l]));
  return seen;
}

describe('PIT snapshots', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: snapshot → JSON → restore in a fresh PIT behaves identically`, () => {
      const a = busy(profile);
      const snap = JSON.parse(JSON.stringify(a.pit.snapshot()));
      const clock = new VirtualClock({ minPeriodNs: profile === 'xen' ? 100_000 : 1 });
      clock.restoreTime(a.clock.now);
      const b = makePit(profile, { clock });
      b.pit.restore(snap);
      a.irq.length = 0;
      b.irq.length = 0;
      expect(observe(b, 12)).toEqual(observe(a, 12));
    });
  }

  it('refuses corrupt snapshots and stays unchanged', () => {
    const a = busy('xen');
    expectEachMutationRefused(a.pit, [
      (s) => (s.channels[0].gate = false), // Xen: only channel 2's gate may be low
      (s) => (s.channels[1].modeBits = 9),
      (s) => (s.channels[0].segValue = 0), // a zero period would be a divisor
      (s) => (s.channels[0].segValue = 70000),
      (s) => (s.channels[2].latchBytes = 3),
      (s) => (s.channels[0].rw = 0), // programmed with RW 0 cannot be reached
      (s) => (s.channels[0].segStart = Number.NaN),
      (s) => (s.channels[0].segStart = 1e15), // a load far in the future
      (s) => (s.channels.length = 2),
      (s) => delete s.speakerData,
      (s) => (s.missedTicks.mode = 'catch_up'),
      (s) => (s.missedTicks.pending = -1),
      (s) => (s.clampedDeadline = 1e18),
      (s) => (s.irqHeldLow = true), // Xen resets with IRQ0 following OUT0
    ]);
    expect(() => a.pit.restore(null)).toThrow(SnapshotError);
    expect(() => a.pit.restore([])).toThrow(SnapshotError);
  });
});

describe('PIT under random guest traffic', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: never throws, reads are defined, deadlines lie ahead, callbacks are bounded`, () => {
      fc.assert(
        fc.property(fc.array(profile === 'xen' ? opArb : qemuOpArb, { maxLength: 60 }), (ops) => {
          const r = makePit(profile);
          const reads: number[] = [];
          for (const op of ops) {
            const fired = r.clock.eventsFired;
            const t0 = r.clock.now;
            apply(r, op, reads);
            const next = r.clock.nextDeadline();
            if (next !== null) expect(next).toBeGreaterThanOrEqual(r.clock.now);
            if (op.kind === 'step' && profile === 'xen') {
              // Exact edges only for periods ≥ 100 µs (two per period), clamped ticks otherwise.
              expect(r.clock.eventsFired - fired).toBeLessThanOrEqual(2 * Math.floor((r.clock.now - t0) / 100_000) + 4);
            }
          }
          expectDwordReads(reads);
          for (let ch = 0; ch < 3; ch++) {
            const c = r.pit.channels[ch]!;
            const K = Math.floor((r.clock.now * 1193182) / 1e9);
            const ce = c.ce(K);
            expect(Number.isInteger(ce) && ce >= 0 && ce < c.modulus).toBe(true);
          }
        }),
        { numRuns: profile === 'xen' ? 200 : 60 },
      );
    });
  }

  it('a 10^12 ns jump costs O(1) callbacks when IRQ0 is one-shot or silenced, and ≤ 2 per 100 µs when periodic (Xen)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.constantFrom(0x30, 0x32, 0x38, 0x3a), (ops, oneShot) => {
        const r = makePit('xen');
        for (const op of ops) apply(r, op, []);
        r.out(0x43, oneShot); // channel 0 in mode 0, 1, 4 or 5
        r.out(0x40, 0x10);
        r.out(0x40, 0x00);
        let fired = r.clock.eventsFired;
        r.clock.advance(1e12);
        expect(r.clock.eventsFired - fired).toBeLessThanOrEqual(2);
        r.out(0x43, 0x34); // mode 2 with count 2: clamped to one tick per 100 µs
        r.out(0x40, 2);
        r.out(0x40, 0);
        fired = r.clock.eventsFired;
        r.clock.advance(1e8);
        expect(r.clock.eventsFired - fired).toBeLessThanOrEqual(1000);
        r.pit.setLegacyReplacement(true);
        fired = r.clock.eventsFired;
        r.clock.advance(1e12);
        expect(r.clock.eventsFired - fired).toBe(0);
      }),
      { numRuns: 50 },
    );
  });

  it('reads are a pure function of state: the same traffic on two PITs gives the same bytes (class M)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const a = makePit('xen');
        const b = makePit('xen');
        const ra: number[] = [];
        const rb: number[] = [];
        for (const op of ops) {
          apply(a, op, ra);
          apply(b, op, rb);
        }
        expect(ra).toEqual(rb);
        expect(JSON.stringify(a.pit.snapshot())).toBe(JSON.stringify(b.pit.snapshot()));
      }),
      { numRuns: 100 },
    );
  });

  it('snapshot/restore at any point of random traffic preserves behaviour (class K)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), (pre, post) => {
        const a = makePit('xen');
        for (const op of pre) apply(a, op, []);
        const clock = new VirtualClock({ minPeriodNs: 100_000 });
        clock.restoreTime(a.clock.now);
        const b = makePit('xen', { clock });
        b.pit.restore(JSON.parse(JSON.stringify(a.pit.snapshot())));
        const ra: number[] = [];
        const rb: number[] = [];
        a.irq.length = 0;
        b.irq.length = 0; // the restore itself sets the line to the saved level
        expect(b.fabric.gsiLevel(2)).toBe(a.fabric.gsiLevel(2));
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

describe('timer arithmetic edge values (bad-inputs class D, entry 24)', () => {
  const counts = [0x0000, 0x0001, 0x0002, 0x0003, 0xffff, 0x9999, 0xfafa];
  for (const bcd of [false, true]) {
    for (let mode = 0; mode < 8; mode++) {
      it(`mode ${mode}, ${bcd ? 'BCD' : 'binary'}: counts 0, 1, 2, 3, 0xFFFF, 0x9999, invalid BCD stay finite and in range`, () => {
        for (const count of counts) {
          for (const profile of ['xen', 'qemu'] as const) {
            const r = makePit(profile);
            r.out(0x43, 0x30 | (mode << 1) | (bcd ? 1 : 0));
            r.out(0x40, count & 0xff);
            r.out(0x40, count >> 8);
            for (const step of [1, 838, 5_000, 100_000, 3_000_000]) {
              r.clock.advance(step);
              const v = r.latched(0);
              expect(Number.isInteger(v) && v >= 0 && v <= 0xffff).toBe(true);
              if (bcd) expect(/^[0-9]{1,4}$/.test(v.toString(16))).toBe(true); // BCD digits only
              const next = r.clock.nextDeadline();
              if (next !== null) {
                expect(Number.isSafeInteger(next)).toBe(true);
                expect(next).toBeGreaterThanOrEqual(r.clock.now);
                expect(next - r.clock.now).toBeLessThanOrEqual(Math.ceil((0x10000 * 1e9) / 1193182) + 100_000);
              }
            }
          }
        }
      });
    }
  }
});
