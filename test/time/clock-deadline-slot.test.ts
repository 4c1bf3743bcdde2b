// Deadline-slot timers (VirtualClock.createDeadlineTimer): kept beside the heap, but one order with
// it. The property drives the same random programme on a clock whose "deadline" timers are slots
// and on one where they are ordinary heap timers: the fired sequence must be identical.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockError, MAX_CLOCK_NS, VirtualClock } from '../../src/time/clock.js';

describe('VirtualClock deadline slots', () => {
  it('fires slots and heap timers in one order: deadline, then arming order', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const heap = (n: string) => c.createTimer(n, (now) => log.push(`${n}@${now}`));
    const slot = (n: string) => c.createDeadlineTimer(n, (now) => log.push(`${n}@${now}`));
    const s1 = slot('s1');
    const s2 = slot('s2');
    heap('h1').armAt(200);
    s1.armAt(200); // armed after h1: fires after it
    s2.armAt(100);
    heap('h2').armAt(200); // armed after s1
    expect(c.nextDeadline()).toBe(100);
    c.advance(1000);
    expect(log).toEqual(['s2@100', 'h1@200', 's1@200', 'h2@200']);
    expect(s1.armed).toBe(false);
    expect(s1.deadline).toBe(-1);
    expect(c.nextDeadline()).toBeNull();
  });

  it('re-arming the earliest slot later finds the next one; cancel never fires', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const a = c.createDeadlineTimer('a', (now) => log.push(`a@${now}`));
    const b = c.createDeadlineTimer('b', (now) => log.push(`b@${now}`));
    const d = c.createDeadlineTimer('d', (now) => log.push(`d@${now}`));
    a.armAt(50);
    b.armAt(70);
    d.armAt(60);
    expect(c.nextDeadline()).toBe(50);
    a.armAt(90); // the earliest moves later: d is next
    expect(c.nextDeadline()).toBe(60);
    d.cancel();
    expect(d.armed).toBe(false);
    expect(c.nextDeadline()).toBe(70);
    c.advance(80);
    expect(log).toEqual(['b@70']);
    c.advance(20);
    expect(log).toEqual(['b@70', 'a@90']);
  });

  it('a slot armed in the past fires at the next advance; past the end of time it is left disarmed', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const t = c.createDeadlineTimer('t', (now) => log.push(now));
    c.advance(500);
    t.armAt(100);
    expect(t.armed).toBe(true);
    c.advance(0);
    expect(log).toEqual([500]);
    t.armAt(MAX_CLOCK_NS + 1);
    expect(t.armed).toBe(false);
    expect(c.nextDeadline()).toBeNull();
    expect(() => t.armAt(Number.NaN)).toThrow(ClockError);
    expect(() => t.armPeriodic(1000, 1000)).toThrow(ClockError);
  });

  it('a callback may re-arm its own slot (a guest writing the next deadline in its handler)', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const t = c.createDeadlineTimer('t', (now) => {
      log.push(now);
      if (now < 400) t.armAt(now + 100);
    });
    t.armAt(100);
    c.advance(1000);
    expect(log).toEqual([100, 200, 300, 400]);
  });

  it('over the advance budget, slots are coalesced with the heap timers at the target', () => {
    const c = new VirtualClock({ maxEventsPerAdvance: 2 });
    const log: string[] = [];
    const p = c.createTimer('p', (now, periods) => log.push(`p@${now}x${periods}`));
    const s = c.createDeadlineTimer('s', (now) => log.push(`s@${now}`));
    p.armPeriodic(100_000, 100_000);
    s.armAt(250_000);
    c.advance(1_000_000);
    expect(log).toEqual(['p@100000x1', 'p@200000x1', 's@1000000', 'p@1000000x8']);
  });

  type Op =
    | { kind: 'arm'; timer: number; at: number }
    | { kind: 'cancel'; timer: number }
    | { kind: 'advance'; by: number }
    | { kind: 'periodic'; timer: number; first: number; period: number };

  const TIMERS = 6; // 0–2 deadline timers, 3–5 ordinary ones
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('arm' as const), timer: fc.integer({ min: 0, max: TIMERS - 1 }), at: fc.integer({ min: 0, max: 3_000_000 }) }),
    fc.record({ kind: fc.constant('cancel' as const), timer: fc.integer({ min: 0, max: TIMERS - 1 }) }),
    fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 1_500_000 }) }),
    fc.record({
      kind: fc.constant('periodic' as const),
      timer: fc.integer({ min: 3, max: TIMERS - 1 }),
      first: fc.integer({ min: 0, max: 1_000_000 }),
      period: fc.integer({ min: 100_000, max: 700_000 }),
    }),
  );

  /** Runs `ops` with timers 0–2 as slots (or as heap timers); returns what fired, and nextDeadline after each op. */
  function run(ops: Op[], slots: boolean, budget: number, rearmInCallback: boolean): string[] {
    const c = new VirtualClock({ maxEventsPerAdvance: budget });
    const log: string[] = [];
    const timers = Array.from({ length: TIMERS }, (_, i) => {
      const cb = (now: number, periods: number) => {
        log.push(`${i}@${now}x${periods}`);
        // A tickless guest re-arms from its handler.
        if (rearmInCallback && i < 3 && now % 3 === 0) timers[i]!.armAt(now + 150_000 + i);
      };
      return slots && i < 3 ? c.createDeadlineTimer(`t${i}`, cb) : c.createTimer(`t${i}`, cb);
    });
    for (const o of ops) {
      const t = o.kind === 'advance' ? undefined : timers[o.timer]!;
      if (o.kind === 'arm') t!.armAt(o.at);
      else if (o.kind === 'cancel') t!.cancel();
      else if (o.kind === 'periodic') t!.armPeriodic(o.first, o.period);
      else c.advance(o.by);
      log.push(`next=${c.nextDeadline()} armed=${timers.map((x) => (x.armed ? x.deadline : '-')).join(',')}`);
    }
    return log;
  }

  it('property: slots fire exactly as heap timers would (random arms, cancels, advances, budgets)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.constantFrom(2, 5, 20_000), fc.boolean(), (ops, budget, rearm) => {
        expect(run(ops, true, budget, rearm)).toEqual(run(ops, false, budget, rearm));
      }),
      { numRuns: 400 },
    );
  });
});
