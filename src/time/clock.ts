// Deterministic virtual time. The platform clock is a number of nanoseconds that moves only when
// the host advances it; timer events fire in deadline order (ties in arming order) with `now`
// set to their deadline, so a device reading the clock in its callback sees the exact instant.
//
// Nanoseconds are kept in a double: exact up to 2^53 − 1 ns (104 days of virtual time), the end
// of time. Advancing past it is a host error (ClockError). A deadline past it can never be reached,
// so it is "never": the timer is left disarmed, as if cancelled. That is the one rule for every
// timer (one-shot, periodic re-arm, restore), so no device needs a guard of its own and a guest
// write near the end of time cannot throw.
import { HvmdevError } from '../errors/hvmdev-error.js';

/**
 * The end of virtual time: 2^53 − 1 ns (about 104 days), the last nanosecond a double holds exactly.
 * {@link VirtualClock.advanceTo} past it throws {@link ClockError}; a timer armed past it is left
 * disarmed (it would never fire), so a guest-programmed deadline can never throw.
 */
export const MAX_CLOCK_NS = Number.MAX_SAFE_INTEGER;

/**
 * A host misuse of the clock: moving time backwards, past {@link MAX_CLOCK_NS}, a non-finite
 * deadline, a non-positive period, or invalid {@link ClockOptions}. Never thrown for guest input.
 */
export class ClockError extends HvmdevError {}

/**
 * A timer event. `periods` is 1, except for a periodic timer whose ticks were coalesced (see
 * `maxEventsPerAdvance`): then it is the number of its periods that ended by `now`, the last of
 * them at `Timer.firedAt`. A one-shot timer fired late (coalesced, or armed in the past) sees
 * `now` > `firedAt`; analytic devices compute their state at `now` anyway.
 */
export type TimerCallback = (now: number, periods: number) => void;

/** Limits of a {@link VirtualClock}, all optional; the defaults suit a platform of Xen's devices. */
export interface ClockOptions {
  /**
   * Smallest period a periodic timer may have (ns). Xen clamps every periodic platform timer to
   * 100 µs (hvm/vpt.c create_periodic_time); that bounds the work one advance can do to
   * span / minPeriod events per timer. Default 100_000.
   */
  readonly minPeriodNs?: number;
  /** Events fired at one instant before the clock stops to let the host see a storm (default 100_000). */
  readonly maxEventsPerInstant?: number;
  /**
   * The work budget of one advance: after this many events the rest of the span is coalesced
   * (see VirtualClock.maxEventsPerAdvance). Default 20_000; Infinity fires every event one by one.
   */
  readonly maxEventsPerAdvance?: number;
}

/** A timer owned by a device. Arming again replaces the previous deadline; cancel never fires. */
export class Timer {
  /** Absolute deadline in ns, or -1 when disarmed. */
  deadline = -1;
  /**
   * When the host must have advanced the clock past this event (ns): the deadline, except for a
   * quiet event (armQuietAt), where it is later. -1 when disarmed.
   */
  wakeAt = -1;
  /** Period in ns for periodic timers, 0 for one-shot. */
  period = 0;
  /** @internal heap position, -1 when not queued. */
  heapIndex = -1;
  /** @internal arming order for stable ties. */
  seq = 0;
  /** The deadline of the period that fired last (read it in the callback; for one-shot timers the deadline itself). */
  firedAt = -1;
  /**
   * For a device that re-arms a one-shot timer at each event: the time of its last event at or
   * before `target` had every event fired (orders a coalesced advance; default: the deadline).
   */
  lastEventBy: ((target: number) => number) | null = null;
  /** @internal A deadline-slot timer (VirtualClock.createDeadlineTimer) that is armed. */
  slotArmed = false;

  constructor(
    private readonly clock: VirtualClock,
    /** Name in error messages (e.g. "pit.irq0"). */
    readonly name: string,
    /** Called at each event with the clock at the event's time. */
    readonly callback: TimerCallback,
    /**
     * Kept in a deadline slot beside the clock's heap instead of in it (one-shot only): see
     * {@link VirtualClock.createDeadlineTimer}.
     */
    readonly slotted = false,
  ) {}

  /** True while a deadline is pending. */
  get armed(): boolean {
    return this.heapIndex >= 0 || this.slotArmed;
  }

  /**
   * Fires once at absolute time `deadline` (a deadline in the past fires at the next advance; one
   * past the end of time, MAX_CLOCK_NS, never fires: the timer is left disarmed).
   */
  armAt(deadline: number): void {
    this.period = 0;
    if (this.slotted) this.clock.armSlot(this, deadline);
    else this.clock.schedule(this, deadline);
  }

  /**
   * Fires once at `deadline`, exactly as armAt does, for a **quiet** event: one no guest can tell
   * from the same event fired later, up to `wakeAt` (it makes nothing deliverable and changes
   * nothing a guest sees without an exit that advances the clock first, e.g. an interrupt line
   * falling). The clock still fires it at its deadline, in order, whenever time passes it; only
   * {@link VirtualClock.nextDeadline} reports `wakeAt` for it (while it is not overdue), so a host
   * that sleeps or kicks a vCPU out of the guest for the next deadline is not woken for it.
   * `wakeAt` (≥ deadline) is the latest time it may wait for: the next event it will arm (the
   * line's next rise). A deadline-slot or periodic timer cannot be quiet (armAt is used instead).
   */
  armQuietAt(deadline: number, wakeAt: number): void {
    this.period = 0;
    if (this.slotted) this.clock.armSlot(this, deadline);
    else this.clock.schedule(this, deadline, wakeAt);
  }

  /** Fires once `delay` ns from now. */
  armAfter(delay: number): void {
    this.armAt(this.clock.now + Math.max(0, delay));
  }

  /** Fires at `first`, then every `period` ns (clamped to the clock's minimum period) until the end of time. */
  armPeriodic(first: number, period: number): void {
    if (this.slotted) throw new ClockError(`${this.name}: a deadline-slot timer is one-shot; use createTimer for a periodic one`);
    if (!(period > 0) || !Number.isFinite(period)) {
      throw new ClockError(`${this.name}: period ${period} must be a positive finite number of ns`);
    }
    this.period = Math.max(period, this.clock.minPeriodNs);
    this.clock.schedule(this, first);
  }

  /** Disarms the timer; its callback is not called. Cancelling a disarmed timer does nothing. */
  cancel(): void {
    this.period = 0;
    this.clock.unschedule(this);
  }
}

/**
 * Deterministic virtual time for one platform: a nanosecond count that moves only when the host calls
 * {@link VirtualClock.advance} or {@link VirtualClock.advanceTo}, firing the {@link Timer}s due on the
 * way in deadline order (ties in arming order) with `now` set to each deadline. Devices read `now`
 * and arm timers; they never read the wall clock.
 *
 * Throws {@link ClockError} for host misuse (invalid options, moving back, passing {@link MAX_CLOCK_NS}).
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const tick = clock.createTimer('tick', (now, periods) => console.log(now, periods));
 * tick.armPeriodic(1_000_000, 1_000_000); // first at 1 ms, then every 1 ms
 * clock.advance(3_500_000);                // prints 1000000 1, 2000000 1, 3000000 1
 * ```
 */
export class VirtualClock {
  /** Current virtual time in ns (read it; move it only through advance, advanceTo or restoreTime). */
  now = 0;
  /** Smallest period (ns) a periodic timer gets (ClockOptions.minPeriodNs). */
  readonly minPeriodNs: number;
  /** Events one instant may fire before an advance stops there (ClockOptions.maxEventsPerInstant). */
  readonly maxEventsPerInstant: number;
  /**
   * The host's bound on the work of one advance (a per-platform budget, settable at any time).
   * Once an advance has fired this many events, the rest of its span is coalesced: the clock
   * moves to the target and fires each timer due by then once, late, at the target; a periodic
   * timer is told how many of its periods ended (TimerCallback `periods`) and moves past the
   * target. Between two host calls nobody can observe the individual events: devices compute
   * counters from time, interrupt requests (IRR, ISR, status bits) are latched once, and missed-tick
   * counts take `periods`. What is lost is the individual edges a line observer (a qtest
   * intercept) would have seen. `coalesced` counts the advances that did this.
   */
  maxEventsPerAdvance: number;
  /** Advances whose tail was coalesced because they exceeded maxEventsPerAdvance. */
  coalesced = 0;
  private heap: Timer[] = [];
  private seq = 0;
  /** Heap timers armed quiet (wakeAt later than their deadline): nextDeadline looks past them. */
  private quietArmed = 0;
  /**
   * The deadline-slot timers (createDeadlineTimer), armed or not. Beside the heap so that a guest
   * re-arming its deadline at every interrupt (IA32_TSC_DEADLINE) stores two numbers and compares
   * one instead of sifting the heap.
   */
  private readonly slots: Timer[] = [];
  /** At most the earliest armed slot deadline (Infinity when none is armed and nothing is cached). */
  private slotMin = Infinity;
  /** The armed slot timer that fires first (by deadline, then arming order), or null when unknown or none. */
  private slotFirst: Timer | null = null;
  /** Events fired since creation (for benchmarks and tests). */
  eventsFired = 0;
  /** The target of the advance being started (fireDue reads it once). */
  private target = 0;
  /** Times an advance stopped early because one instant had more events than allowed. */
  storms = 0;

  constructor(opts: ClockOptions = {}) {
    this.minPeriodNs = opts.minPeriodNs ?? 100_000;
    this.maxEventsPerInstant = opts.maxEventsPerInstant ?? 100_000;
    this.maxEventsPerAdvance = opts.maxEventsPerAdvance ?? 20_000;
    if (!(this.maxEventsPerAdvance >= 1)) throw new ClockError(`maxEventsPerAdvance must be ≥ 1, got ${opts.maxEventsPerAdvance}`);
    if (!(this.minPeriodNs >= 1)) throw new ClockError(`minPeriodNs must be ≥ 1 ns, got ${opts.minPeriodNs}`);
  }

  /**
   * A new, disarmed timer on this clock. `name` appears in error messages; `callback` runs at each
   * event with the clock at the event's time.
   */
  createTimer(name: string, callback: TimerCallback): Timer {
    return new Timer(this, name, callback);
  }

  /**
   * A one-shot timer kept in a slot of its own beside the heap, for a deadline a guest re-arms at
   * every event (the LAPIC's TSC deadline): arming stores the deadline and compares it with the
   * earliest slot's, with no heap sift; the earliest slot is found again by one pass over the
   * slots only when the cached one moved later, was cancelled or fired. Events keep the clock's
   * one order (deadline, then arming order) across heap and slots. For a few timers per vCPU that
   * are re-armed far more often than they fire; everything else belongs in createTimer.
   */
  createDeadlineTimer(name: string, callback: TimerCallback): Timer {
    const t = new Timer(this, name, callback, true);
    this.slots.push(t);
    return t;
  }

  /**
   * The time by which the host must next advance the clock, or null when nothing is armed: the
   * earliest deadline, except that a quiet event ({@link Timer.armQuietAt}) counts at its `wakeAt`
   * until it is overdue. A host that runs a guest until then (the VMM's kick, a halted vCPU's
   * sleep, a bench's guest loop) sees every interrupt on time; {@link nextEventDeadline} is the
   * next event itself, quiet or not (stepping event by event, as qtest's `clock_step` does).
   */
  nextDeadline(): number | null {
    const d = this.hostDeadline();
    return d === Infinity ? null : d;
  }

  /** nextDeadline as a number: Infinity when nothing is armed. */
  private hostDeadline(): number {
    let d = this.heap.length > 0 ? this.heap[0]!.deadline : Infinity;
    if (this.quietArmed > 0) d = this.wakeMin(0, Infinity);
    if (this.slotMin < d) {
      const s = this.earliestSlot();
      if (s !== null && s.deadline < d) d = s.deadline;
    }
    return d;
  }

  /** The earliest pending event's deadline, quiet events included, or null when nothing is armed. */
  nextEventDeadline(): number | null {
    let d = this.heap.length > 0 ? this.heap[0]!.deadline : Infinity;
    if (this.slotMin < d) {
      const s = this.earliestSlot();
      if (s !== null && s.deadline < d) d = s.deadline;
    }
    return d === Infinity ? null : d;
  }

  /**
   * The earliest time a heap timer at or below index `i` needs the host by, under `best`: its
   * wakeAt, or its deadline once overdue. A subtree whose root's deadline is not below `best`
   * cannot lower it (every deadline below is later, and wakeAt ≥ deadline).
   */
  private wakeMin(i: number, best: number): number {
    const h = this.heap;
    if (i >= h.length) return best;
    const t = h[i]!;
    if (t.deadline >= best) return best;
    const w = t.deadline <= this.now ? t.deadline : t.wakeAt;
    if (w < best) best = w;
    best = this.wakeMin(2 * i + 1, best);
    return this.wakeMin(2 * i + 2, best);
  }

  /** The timer that fires next if it is due by `target`, else null (heap and slots, one order). */
  private dueBy(target: number): Timer | null {
    let t = this.heap.length > 0 ? this.heap[0]! : null;
    if (this.slotMin <= target) {
      const s = this.earliestSlot();
      if (s !== null && (t === null || this.less(s, t))) t = s;
    }
    return t !== null && t.deadline <= target ? t : null;
  }

  /** The armed slot timer that fires first (cached; one pass over the slots when unknown), or null. */
  private earliestSlot(): Timer | null {
    if (this.slotFirst !== null) return this.slotFirst;
    let best: Timer | null = null;
    for (const t of this.slots) if (t.slotArmed && (best === null || this.less(t, best))) best = t;
    this.slotFirst = best;
    this.slotMin = best !== null ? best.deadline : Infinity;
    return best;
  }

  /** Advances by `ns` (≥ 0), firing every event due on the way. Returns the new time. */
  advance(ns: number): number {
    if (!(ns >= 0)) throw new ClockError(`cannot advance the clock by ${ns} ns: time only moves forward`);
    return this.advanceTo(this.now + ns);
  }

  /**
   * Moves to absolute time `target` (≥ now), firing due events in order. If one instant has more
   * than maxEventsPerInstant events (a timer storm), stops at that instant and returns it.
   */
  advanceTo(target: number): number {
    if (!(target >= this.now)) {
      throw new ClockError(`cannot move the clock back from ${this.now} to ${target} ns`);
    }
    if (target > MAX_CLOCK_NS) throw new ClockError(`${target} ns is beyond exact virtual time (2^53 ns)`);
    this.target = target;
    this.fireDue();
    return this.now;
  }

  /**
   * advanceTo's work for a valid `target` (the field, read once: a callback's own advance cannot
   * move it): fires the due events in order and moves to `target`, or stops at a storm's instant.
   * Takes and returns nothing, so that no double crosses the call (V8 boxes a double above 2^31
   * passed to a function it does not inline: one allocation per stop).
   */
  private fireDue(): void {
    const target = this.target;
    let instant = -1;
    let atInstant = 0;
    let budget = this.maxEventsPerAdvance;
    for (let t = this.dueBy(target); t !== null; t = this.dueBy(target)) {
      if (--budget < 0 && this.now < target) {
        // Over budget: the rest of the span is coalesced at the target (see maxEventsPerAdvance).
        this.coalesced++;
        budget = Infinity;
        this.coalesceTo(target);
        continue;
      }
      const when = Math.max(t.deadline, this.now);
      if (when === instant) {
        if (++atInstant > this.maxEventsPerInstant) {
          this.storms++;
          this.now = when;
          return;
        }
      } else {
        instant = when;
        atInstant = 1;
      }
      this.fire(t, when);
    }
    this.now = target;
  }

  /**
   * Runs the clock to `end` (≥ now) as a guest loop does, in one call: to the next deadline
   * ({@link nextDeadline}, or `end` if that is sooner), firing what is due there in order, then
   * `between()` (the guest takes its interrupts, EOIs, reprograms timers: it may arm and cancel),
   * and again until the clock is at `end`; `between()` runs after the last stop too, and not at
   * all when `end` is now. Exactly the
   * events, order, `now` and per-advance budget of the loop
   * `while (now < end) { advanceTo(min(max(nextDeadline(), now), end)); between(); }`
   * (each stop is one advance; a storm stops early and the next step resumes at that instant),
   * without a double crossing a call per step. Throws ClockError for an `end` before now or past
   * {@link MAX_CLOCK_NS} (before anything fires).
   */
  runUntil(end: number, between: () => void): void {
    if (!(end >= this.now)) throw new ClockError(`cannot run the clock back from ${this.now} to ${end} ns`);
    if (end > MAX_CLOCK_NS) throw new ClockError(`${end} ns is beyond exact virtual time (2^53 ns)`);
    while (this.now < end) {
      const next = this.hostDeadline();
      this.target = next > end ? end : next > this.now ? next : this.now;
      this.fireDue();
      between();
    }
  }

  /**
   * Moves to `target` and fires every timer due by then once, late, in the order of the last
   * event each would have had by `target` (so that where two sources drive one input, the one
   * that moved last in exact time still moves last).
   */
  private coalesceTo(target: number): void {
    this.now = target;
    const due: Timer[] = [];
    for (const t of this.heap) if (t.deadline <= target) due.push(t);
    for (const t of this.slots) if (t.slotArmed && t.deadline <= target) due.push(t);
    const key = new Map<Timer, number>();
    for (const t of due) {
      const periodicLast = t.period > 0 ? t.deadline + Math.floor((target - t.deadline) / t.period) * t.period : t.deadline;
      key.set(t, t.lastEventBy !== null ? t.lastEventBy(target) : periodicLast);
    }
    due.sort((a, b) => key.get(a)! - key.get(b)! || a.seq - b.seq);
    for (const t of due) {
      // A callback before may have cancelled or re-armed it.
      if (t.armed && t.deadline <= target) this.fire(t, target);
    }
  }

  /** Fires `t` at `when` (≥ its deadline): re-queues a periodic timer first, then calls back. */
  private fire(t: Timer, when: number): void {
    this.now = when;
    const period = t.period;
    if (period > 0 && when === t.deadline && t.wakeAt === when) {
      // A periodic timer on time (the common event): what the general path below does, with
      // place()'s cases decided (not quiet, and the re-arm moves it later: down the heap).
      const next = when + period;
      if (next <= MAX_CLOCK_NS) {
        t.firedAt = when;
        t.deadline = next;
        t.wakeAt = next;
        t.seq = this.seq++;
        this.siftDown(t.heapIndex);
        this.eventsFired++;
        t.callback(when, 1);
        return;
      }
    }
    let periods = 1;
    t.firedAt = t.deadline;
    if (t.period > 0 && when > t.deadline) {
      // A periodic timer fired late (coalesced, or armed in the past) owes every period ended by now.
      periods = Math.floor((when - t.deadline) / t.period) + 1;
      t.firedAt = t.deadline + (periods - 1) * t.period;
    }
    const next = t.firedAt + t.period;
    if (t.period > 0 && next <= MAX_CLOCK_NS) {
      // Re-queue before the callback so the callback may cancel or re-arm it.
      this.place(t, next);
    } else {
      // One-shot, or a periodic timer whose next tick is past the end of time (never).
      t.period = 0;
      this.unschedule(t);
    }
    this.eventsFired++;
    t.callback(when, periods);
  }

  /**
   * Advances to the next event (quiet or not, {@link nextEventDeadline}) and fires what is due
   * there; returns the new time, or null if nothing is armed.
   */
  advanceToNextDeadline(): number | null {
    const next = this.nextEventDeadline();
    if (next === null) return null;
    return this.advanceTo(Math.max(next, this.now));
  }

  /** Sets the time without firing events (restore only). */
  restoreTime(ns: number): void {
    if (!Number.isSafeInteger(ns) || ns < 0) throw new ClockError(`restored clock time ${ns} is not a valid ns count`);
    this.now = ns;
  }

  /**
   * @internal Arms `t` at `deadline` (quiet until `wakeAt` when that is later); past the end of
   * time that means never (disarmed).
   */
  schedule(t: Timer, deadline: number, wakeAt = deadline): void {
    if (deadline > MAX_CLOCK_NS) {
      t.period = 0;
      this.unschedule(t);
      return;
    }
    if (!Number.isFinite(deadline)) throw new ClockError(`${t.name}: deadline ${deadline} is not a number of ns`);
    this.place(t, deadline, wakeAt > deadline ? wakeAt : deadline);
  }

  /** @internal Arms the deadline-slot timer `t` at `deadline` (the rules of schedule). */
  armSlot(t: Timer, deadline: number): void {
    if (!(deadline <= MAX_CLOCK_NS)) {
      if (deadline > MAX_CLOCK_NS) {
        this.unschedule(t);
        return;
      }
      throw new ClockError(`${t.name}: deadline ${deadline} is not a number of ns`);
    }
    t.deadline = deadline;
    t.wakeAt = deadline;
    t.seq = this.seq++;
    t.slotArmed = true;
    if (deadline < this.slotMin) {
      // Before every other armed slot: the earliest, exactly.
      this.slotMin = deadline;
      this.slotFirst = t;
    } else if (this.slotFirst === t) {
      this.slotFirst = null; // the earliest moved later (or to a tie it now loses): found again when needed
    }
  }

  private place(t: Timer, deadline: number, wakeAt = deadline): void {
    const earlier = deadline < t.deadline;
    if (t.heapIndex >= 0 && t.wakeAt !== t.deadline) this.quietArmed--;
    if (wakeAt !== deadline) this.quietArmed++;
    t.deadline = deadline;
    t.wakeAt = wakeAt;
    t.seq = this.seq++;
    if (t.heapIndex >= 0) {
      // A re-arm moves one way only: an earlier deadline up; a later or equal one (the new seq is
      // larger) down, which is the periodic re-arm at the root, usually one comparison.
      if (earlier) this.siftUp(t.heapIndex);
      else this.siftDown(t.heapIndex);
    } else {
      t.heapIndex = this.heap.length;
      this.heap.push(t);
      this.siftUp(t.heapIndex);
    }
  }

  /** @internal */
  unschedule(t: Timer): void {
    if (t.slotted) {
      if (!t.slotArmed) return;
      t.slotArmed = false;
      t.deadline = -1;
      t.wakeAt = -1;
      if (this.slotFirst === t) this.slotFirst = null;
      return;
    }
    const i = t.heapIndex;
    if (i < 0) return;
    if (t.wakeAt !== t.deadline) this.quietArmed--;
    const last = this.heap.pop()!;
    t.heapIndex = -1;
    t.deadline = -1;
    t.wakeAt = -1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.siftUp(i);
      this.siftDown(last.heapIndex);
    }
  }

  private less(a: Timer, b: Timer): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const t = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(t, parent)) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = t;
    t.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const t = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      const child = h[c]!;
      if (!this.less(child, t)) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = t;
    t.heapIndex = i;
  }
}
