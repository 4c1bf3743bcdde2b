// Quiet events (Timer.armQuietAt) and the one-call guest loop (VirtualClock.runUntil). A quiet event
// fires exactly as an ordinary one; only nextDeadline, the host's wake-up, looks past it to its
// wakeAt (or names its deadline once it is overdue). runUntil is the loop a guest or VMM writes
// around nextDeadline and advanceTo, in one call: the same events, order, stops and budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockError, MAX_CLOCK_NS, VirtualClock } from '../../src/time/clock.js';

type Op =
  | { k: 'arm'; timer: number; at: number }
  | { k: 'quiet'; timer: number; at: number; wake: number }
  | { k: 'periodic'; timer: number; at: number; period: number }
  | { k: 'cancel'; timer: number }
  | { k: 'advance'; ns: number }
  | { k: 'run'; ns: number };

const TIMERS = 8;
const timer = fc.nat(TIMERS - 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('arm' as const), timer, at: fc.integer({ min: 0, max: 3000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant('quiet' as const), timer, at: fc.integer({ min: 0, max: 3000 }), wake: fc.integer({ min: -5, max: 1000 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('periodic' as const), timer, at: fc.integer({ min: 0, max: 3000 }), period: fc.integer({ min: 1, max: 700 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), timer }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('run' as const), ns: fc.integer({ min: 0, max: 2000 }) }) },
);

/**
 * A clock with TIMERS timers whose callbacks log and, by a fixed rule, re-arm themselves or
 * another timer (quietly or not): the re-entrancy a device's callback has.
 */
function rig(quietAsPlain: boolean) {
  const clock = new VirtualClock({ minPeriodNs: 1, maxEventsPerAdvance: 50 });
  const log: unknown[] = [];
  const timers = Array.from({ length: TIMERS }, (_, n) =>
    clock.createTimer(`t${n}`, (now, periods) => {
      log.push(['fire', n, now, periods, clock.now]);
      const other = timers[(n * 3 + 1) % TIMERS]!;
      if (now % 7 === 0) other.cancel();
      else if (now % 5 === 0) {
        if (quietAsPlain) other.armAt(now + (n % 3));
        else other.armQuietAt(now + (n % 3), now + 40);
      } else if (n % 4 === 0 && now % 3 === 0) timers[n]!.armAt(now + 17);
    }),
  );
  return { clock, log, timers };
}

/** The reference for nextDeadline: every armed timer counts at its wakeAt, or its deadline once overdue. */
function referenceNextDeadline(clock: VirtualClock, timers: readonly { armed: boolean; deadline: number; wakeAt: number }[]): number | null {
  let d = Infinity;
  for (const t of timers) if (t.armed) d = Math.min(d, t.deadline <= clock.now ? t.deadline : t.wakeAt);
  return d === Infinity ? null : d;
}

function apply(r: ReturnType<typeof rig>, ops: readonly Op[], quietAsPlain: boolean, loop: 'runUntil' | 'by hand'): void {
  const { clock, log, timers } = r;
  for (const o of ops) {
    switch (o.k) {
      case 'arm':
        timers[o.timer]!.armAt(o.at);
        break;
      case 'quiet':
        if (quietAsPlain) timers[o.timer]!.armAt(o.at);
        else timers[o.timer]!.armQuietAt(o.at, o.at + o.wake);
        break;
      case 'periodic':
        timers[o.timer]!.armPeriodic(o.at, o.period);
        break;
      case 'cancel':
        timers[o.timer]!.cancel();
        break;
      case 'advance':
        clock.advance(o.ns);
        break;
      case 'run': {
        const end = clock.now + o.ns;
        // The guest between stops: logs the stop and sometimes re-arms a timer (quietly or not).
        const between = () => {
          log.push(['stop', clock.now]);
          if (clock.now % 11 === 3) {
            if (quietAsPlain) timers[clock.now % TIMERS]!.armAt(clock.now + 9);
            else timers[clock.now % TIMERS]!.armQuietAt(clock.now + 9, clock.now + 30);
          }
        };
        if (loop === 'runUntil') clock.runUntil(end, between);
        else {
          while (clock.now < end) {
            const next = quietAsPlain ? clock.nextEventDeadline() : clock.nextDeadline();
            clock.advanceTo(next === null || next > end ? end : Math.max(next, clock.now));
            between();
          }
        }
        break;
      }
    }
    log.push(['now', clock.now, clock.nextEventDeadline()]);
  }
}

describe('VirtualClock quiet events and runUntil', () => {
  it('property: a quiet event fires exactly as an ordinary one (order, now, periods); advances only', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (raw) => {
        const ops = raw.map((o): Op => (o.k === 'run' ? { k: 'advance', ns: o.ns } : o));
        const quiet = rig(false);
        const plain = rig(true);
        apply(quiet, ops, false, 'by hand');
        apply(plain, ops, true, 'by hand');
        expect(quiet.log).toEqual(plain.log);
      }),
      { numRuns: 300 },
    );
  });

  it('property: nextDeadline is the earliest wakeAt (deadline once overdue), nextEventDeadline the earliest deadline', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const r = rig(false);
        for (let i = 0; i < ops.length; i++) {
          apply(r, [ops[i]!], false, 'by hand');
          expect(r.clock.nextDeadline()).toBe(referenceNextDeadline(r.clock, r.timers));
          const events = r.timers.filter((t) => t.armed).map((t) => t.deadline);
          expect(r.clock.nextEventDeadline()).toBe(events.length === 0 ? null : Math.min(...events));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: runUntil is the loop around nextDeadline and advanceTo (events, stops, re-entrant arms and cancels)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const one = rig(false);
        const loop = rig(false);
        apply(one, ops, false, 'runUntil');
        apply(loop, ops, false, 'by hand');
        expect(one.log).toEqual(loop.log);
        expect(one.clock.coalesced).toBe(loop.clock.coalesced);
      }),
      { numRuns: 300 },
    );
  });

  it('a quiet event is skipped by nextDeadline until overdue, and fires at its deadline when time passes it', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const fall = c.createTimer('fall', (now) => log.push(now));
    const other = c.createTimer('other', (now) => log.push(-now));
    fall.armQuietAt(100, 500);
    expect(c.nextDeadline()).toBe(500);
    expect(c.nextEventDeadline()).toBe(100);
    other.armAt(300);
    expect(c.nextDeadline()).toBe(300);
    c.runUntil(1000, () => log.push(0));
    // One stop at 300 (the fall fired on the way, at 100), then the end.
    expect(log).toEqual([100, -300, 0, 0]);
    // Overdue (armed in the past): named at its deadline, so fireDue-style hosts fire it at once.
    fall.armQuietAt(900, 2000);
    expect(c.nextDeadline()).toBe(900);
    // A wakeAt before the deadline (or not a number) is the deadline.
    fall.armQuietAt(1500, 1200);
    expect(c.nextDeadline()).toBe(1500);
    fall.armQuietAt(1500, Number.NaN);
    expect(c.nextDeadline()).toBe(1500);
    // Re-armed ordinarily, cancelled: no longer quiet, gone.
    fall.armAt(1600);
    other.armQuietAt(1700, 1800);
    expect(c.nextDeadline()).toBe(1600);
    fall.cancel();
    expect(c.nextDeadline()).toBe(1800);
    other.cancel();
    expect(c.nextDeadline()).toBeNull();
    expect(fall.wakeAt).toBe(-1);
  });

  it('runUntil refuses an end before now or past the end of time, before firing anything; end = now runs nothing', () => {
    const c = new VirtualClock();
    let fired = 0;
    c.createTimer('t', () => fired++).armAt(10);
    c.advance(5);
    expect(() => c.runUntil(4, () => {})).toThrow(ClockError);
    expect(() => c.runUntil(MAX_CLOCK_NS + 2, () => {})).toThrow(ClockError);
    let stops = 0;
    c.runUntil(5, () => stops++);
    expect([fired, stops, c.now]).toEqual([0, 0, 5]);
    c.runUntil(20, () => stops++);
    expect([fired, stops, c.now]).toEqual([1, 2, 20]);
  });
});
