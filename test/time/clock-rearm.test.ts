// Re-arming timers that are already queued (the clock moves one in its heap in one direction
// only): against a reference model, any mix of arms, re-arms, cancels and advances fires the same
// timers, at the same instants, in (deadline, arming order).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/time/clock.js';

type Op = { kind: 'arm'; timer: number; at: number } | { kind: 'cancel'; timer: number } | { kind: 'advance'; ns: number };

const TIMERS = 12;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('arm' as const), timer: fc.nat(TIMERS - 1), at: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), timer: fc.nat(TIMERS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 120 }) }) },
);

describe('VirtualClock re-arm', () => {
  it('property: re-arming earlier, later or to the same deadline fires like a sorted reference', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const clock = new VirtualClock({ maxEventsPerAdvance: Infinity });
        const fired: [number, number][] = [];
        const timers = Array.from({ length: TIMERS }, (_, n) => clock.createTimer(`t${n}`, (now) => fired.push([n, now])));
        // Reference: per timer its deadline and arming order, or null.
        const ref: ({ at: number; seq: number } | null)[] = new Array(TIMERS).fill(null);
        const expected: [number, number][] = [];
        let seq = 0;
        let now = 0;
        for (const op of ops) {
          if (op.kind === 'arm') {
            timers[op.timer]!.armAt(op.at);
            ref[op.timer] = { at: op.at, seq: seq++ };
          } else if (op.kind === 'cancel') {
            timers[op.timer]!.cancel();
            ref[op.timer] = null;
          } else {
            const target = now + op.ns;
            const due = ref
              .map((r, n) => ({ r, n }))
              .filter((x): x is { r: { at: number; seq: number }; n: number } => x.r !== null && x.r.at <= target)
              .sort((a, b) => a.r.at - b.r.at || a.r.seq - b.r.seq);
            for (const { r, n } of due) {
              expected.push([n, Math.max(r.at, now)]);
              ref[n] = null;
            }
            now = target;
            clock.advance(op.ns);
          }
          for (let n = 0; n < TIMERS; n++) expect(timers[n]!.armed ? timers[n]!.deadline : null).toBe(ref[n]?.at ?? null);
        }
        expect(fired).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
