// Periodic timers against a reference model (issue 14: VirtualClock.fire re-queues a periodic
// timer that fires on time by a short path of its own). Any mix of periodic and one-shot arms
// (some in the past), cancels, advances and runUntil stops, with callbacks that re-arm or cancel
// timers, fires the same timers at the same instants with the same `periods` and `firedAt`, in
// (deadline, arming order); every timer's deadline agrees after every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/time/clock.js';

type Op =
  | { kind: 'periodic'; timer: number; first: number; period: number }
  | { kind: 'once'; timer: number; at: number }
  | { kind: 'cancel'; timer: number }
  | { kind: 'advance'; ns: number }
  | { kind: 'run'; ns: number };

const TIMERS = 6;
const timer = fc.nat(TIMERS - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('periodic' as const), timer, first: fc.integer({ min: 0, max: 300 }), period: fc.integer({ min: 1, max: 60 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('once' as const), timer, at: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), timer }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), ns: fc.integer({ min: 0, max: 150 }) }) },
);

/** The reference: per timer its deadline, period and arming order; fires by a sort. */
class Reference {
  now = 0;
  private seq = 0;
  readonly timers: ({ deadline: number; period: number; seq: number } | null)[] = new Array(TIMERS).fill(null);
  readonly fired: [number, number, number, number][] = [];
  /** Timer n's callback, as the test's clock runs it: timer 0 cancels timer 1 at each event, timer 2 re-arms timer 3 5 ns on. */
  private callback(n: number): void {
    if (n === 0) this.timers[1] = null;
    if (n === 2) this.arm(3, this.now + 5, 0);
  }
  arm(n: number, deadline: number, period: number): void {
    this.timers[n] = { deadline, period, seq: this.seq++ };
  }
  next(target: number): number {
    let best = -1;
    for (let n = 0; n < TIMERS; n++) {
      const t = this.timers[n];
      if (t === null || t === undefined || t.deadline > target) continue;
      const b = best < 0 ? null : this.timers[best]!;
      if (b === null || t.deadline < b.deadline || (t.deadline === b.deadline && t.seq < b.seq)) best = n;
    }
    return best;
  }
  advanceTo(target: number): void {
    for (let n = this.next(target); n >= 0; n = this.next(target)) {
      const t = this.timers[n]!;
      const when = Math.max(t.deadline, this.now);
      this.now = when;
      let periods = 1;
      let firedAt = t.deadline;
      if (t.period > 0 && when > t.deadline) {
        periods = Math.floor((when - t.deadline) / t.period) + 1;
        firedAt = t.deadline + (periods - 1) * t.period;
      }
      if (t.period > 0) this.timers[n] = { deadline: firedAt + t.period, period: t.period, seq: this.seq++ };
      else this.timers[n] = null;
      this.fired.push([n, when, periods, firedAt]);
      this.callback(n);
    }
    this.now = target;
  }
}

describe('VirtualClock periodic timers', () => {
  it('property: periodic and one-shot timers fire like a sorted reference (instants, periods, firedAt, order)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => {
        const clock = new VirtualClock({ minPeriodNs: 1, maxEventsPerAdvance: Infinity });
        const fired: [number, number, number, number][] = [];
        const timers = Array.from({ length: TIMERS }, (_, n) =>
          clock.createTimer(`t${n}`, (now, periods) => {
            fired.push([n, now, periods, timers[n]!.firedAt]);
            if (n === 0) timers[1]!.cancel();
            if (n === 2) timers[3]!.armAt(now + 5);
          }),
        );
        const ref = new Reference();
        for (const op of ops) {
          switch (op.kind) {
            case 'periodic':
              timers[op.timer]!.armPeriodic(op.first, op.period);
              ref.arm(op.timer, op.first, op.period);
              break;
            case 'once':
              timers[op.timer]!.armAt(op.at);
              ref.arm(op.timer, op.at, 0);
              break;
            case 'cancel':
              timers[op.timer]!.cancel();
              ref.timers[op.timer] = null;
              break;
            case 'advance':
              clock.advance(op.ns);
              ref.advanceTo(ref.now + op.ns);
              break;
            case 'run': {
              // runUntil stops at each deadline on the way; the events are the same as one advance.
              const end = clock.now + op.ns;
              clock.runUntil(end, () => undefined);
              ref.advanceTo(end);
              break;
            }
          }
          expect(clock.now).toBe(ref.now);
          for (let n = 0; n < TIMERS; n++) expect(timers[n]!.armed ? timers[n]!.deadline : null).toBe(ref.timers[n]?.deadline ?? null);
        }
        expect(fired).toEqual(ref.fired);
      }),
      { numRuns: 300 },
    );
  });
});
