import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockError, MAX_CLOCK_NS, VirtualClock } from '../../src/time/clock.js';

describe('VirtualClock', () => {
  it('starts at 0 and moves only when advanced', () => {
    const c = new VirtualClock();
    expect(c.now).toBe(0);
    expect(c.advance(1500)).toBe(1500);
    expect(c.advanceTo(2000)).toBe(2000);
    expect(() => c.advanceTo(1999)).toThrow(ClockError);
    expect(() => c.advance(-1)).toThrow(ClockError);
  });

  it('fires events in deadline order, with now equal to each deadline; ties in arming order', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const mk = (n: string) => c.createTimer(n, (now) => log.push(`${n}@${now}/${c.now}`));
    mk('c').armAt(300);
    mk('a').armAt(100);
    mk('b1').armAt(200);
    mk('b2').armAt(200);
    c.advance(1000);
    expect(log).toEqual(['a@100/100', 'b1@200/200', 'b2@200/200', 'c@300/300']);
    expect(c.now).toBe(1000);
  });

  it('re-arming moves the deadline; a cancelled timer never fires', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const t = c.createTimer('t', (now) => log.push(now));
    t.armAt(100);
    t.armAt(50);
    const u = c.createTimer('u', () => log.push(-1));
    u.armAt(60);
    u.cancel();
    c.advance(200);
    expect(log).toEqual([50]);
    expect(t.armed).toBe(false);
  });

  it('a callback can cancel another timer due at the same instant (no stale callback)', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    const b = c.createTimer('b', () => log.push('b'));
    const a = c.createTimer('a', () => {
      log.push('a');
      b.cancel();
    });
    a.armAt(10);
    b.armAt(10);
    c.advance(10);
    expect(log).toEqual(['a']);
  });

  it('periodic timers fire every period and are clamped to the minimum period (Xen: 100 µs)', () => {
    const c = new VirtualClock();
    const log: number[] = [];
    const t = c.createTimer('p', (now) => log.push(now));
    t.armPeriodic(1000, 10); // asks for 10 ns, gets 100 µs
    c.advance(1_000_000);
    expect(t.period).toBe(100_000);
    expect(log).toEqual([1000, 101000, 201000, 301000, 401000, 501000, 601000, 701000, 801000, 901000]);
    t.cancel();
    c.advance(1_000_000);
    expect(log.length).toBe(10);
  });

  it('advanceToNextDeadline stops at the next event, or returns null with none armed', () => {
    const c = new VirtualClock();
    expect(c.advanceToNextDeadline()).toBeNull();
    const t = c.createTimer('t', () => undefined);
    t.armAt(12345);
    expect(c.advanceToNextDeadline()).toBe(12345);
    expect(c.now).toBe(12345);
  });

  it('a deadline in the past fires at the next advance, at the current time', () => {
    const c = new VirtualClock();
    c.advance(1000);
    const log: number[] = [];
    c.createTimer('late', (now) => log.push(now)).armAt(10);
    c.advance(0);
    expect(log).toEqual([1000]);
  });

  it('a timer storm at one instant is stopped, never an endless loop', () => {
    const c = new VirtualClock({ maxEventsPerInstant: 1000 });
    let n = 0;
    const t = c.createTimer('storm', () => {
      n++;
      t.armAt(c.now);
    });
    t.armAt(5);
    expect(c.advance(10)).toBe(5);
    expect(n).toBe(1000);
    expect(c.storms).toBe(1);
  });

  it('a deadline past the end of time (2^53 − 1 ns) is never; advancing past it and NaN are host errors', () => {
    const c = new VirtualClock();
    const t = c.createTimer('t', () => undefined);
    t.armAt(5);
    t.armAt(Infinity);
    expect([t.armed, t.deadline, c.nextDeadline()]).toEqual([false, -1, null]); // replaces the armed deadline
    t.armAt(2 ** 54);
    expect(t.armed).toBe(false);
    t.armPeriodic(2 ** 53, 1000);
    expect([t.armed, t.period]).toEqual([false, 0]);
    t.armAt(MAX_CLOCK_NS);
    expect(t.deadline).toBe(MAX_CLOCK_NS); // the last exact instant is still reachable
    expect(() => t.armAt(Number.NaN)).toThrow(ClockError);
    expect(() => t.armAt(-Infinity)).toThrow(ClockError);
    expect(() => t.armPeriodic(0, 0)).toThrow(ClockError);
    expect(() => c.advanceTo(2 ** 54)).toThrow(ClockError);
  });

  it('over its event budget an advance coalesces: each due timer fires once at the target, periodic ones with their period count', () => {
    const c = new VirtualClock({ minPeriodNs: 1, maxEventsPerAdvance: 3 });
    const calls: Array<[string, number, number, number]> = [];
    const fast = c.createTimer('fast', (now, periods) => calls.push(['fast', now, periods, fast.firedAt]));
    const slow = c.createTimer('slow', (now, periods) => calls.push(['slow', now, periods, slow.firedAt]));
    const shot = c.createTimer('shot', (now, periods) => {
      calls.push(['shot', now, periods, shot.firedAt]);
      shot.armAt(now + 7); // a device that re-arms a one-shot timer at each event
    });
    fast.armPeriodic(10, 10);
    slow.armPeriodic(25, 100);
    shot.armAt(1);
    shot.lastEventBy = (target) => target - ((target - 1) % 7); // its last event by `target` had it fired one by one
    expect(c.advanceTo(1000)).toBe(1000);
    expect(c.coalesced).toBe(1);
    expect(calls).toEqual([
      ['shot', 1, 1, 1],
      ['shot', 8, 1, 8],
      ['fast', 10, 1, 10],
      // budget spent: coalesced at 1000, in the order of each timer's last event by then (slow 925, shot 995, fast 1000)
      ['slow', 1000, 10, 925],
      ['shot', 1000, 1, 15],
      ['fast', 1000, 99, 1000],
    ]);
    expect([fast.deadline, slow.deadline, shot.deadline]).toEqual([1010, 1025, 1007]);
    expect(c.eventsFired).toBe(6);
  });

  it('a periodic timer armed in the past fires once with every period it owes', () => {
    const c = new VirtualClock({ minPeriodNs: 1 });
    const calls: number[][] = [];
    const t = c.createTimer('p', (now, periods) => calls.push([now, periods, t.firedAt]));
    c.restoreTime(1000);
    t.armPeriodic(100, 300); // ticks at 100, 400, 700, 1000 are owed
    c.advance(0);
    expect(calls).toEqual([[1000, 4, 1000]]);
    expect(t.deadline).toBe(1300);
  });

  it('a periodic timer ticks up to the end of time and is then disarmed', () => {
    const c = new VirtualClock({ minPeriodNs: 1 });
    const fired: number[] = [];
    const t = c.createTimer('p', (now) => fired.push(now));
    c.restoreTime(MAX_CLOCK_NS - 2500);
    t.armPeriodic(MAX_CLOCK_NS - 2000, 1000);
    expect(c.advanceTo(MAX_CLOCK_NS)).toBe(MAX_CLOCK_NS);
    expect(fired).toEqual([MAX_CLOCK_NS - 2000, MAX_CLOCK_NS - 1000, MAX_CLOCK_NS]);
    expect([t.armed, t.deadline, t.period]).toEqual([false, -1, 0]);
  });

  it('property: any schedule fires each armed timer once, in nondecreasing time, with stable ties', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }), fc.array(fc.nat(59)), (deadlines, cancels) => {
        const c = new VirtualClock();
        const fired: { i: number; at: number }[] = [];
        const timers = deadlines.map((d, i) => {
          const t = c.createTimer(`t${i}`, (now) => fired.push({ i, at: now }));
          t.armAt(d);
          return t;
        });
        const cancelled = new Set(cancels.filter((i) => i < timers.length));
        for (const i of cancelled) timers[i]!.cancel();
        c.advance(2000);
        const expected = deadlines
          .map((d, i) => ({ i, at: d }))
          .filter((e) => !cancelled.has(e.i))
          .sort((a, b) => a.at - b.at || a.i - b.i);
        expect(fired).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
