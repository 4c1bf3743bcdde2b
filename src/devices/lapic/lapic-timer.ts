// The APIC timer (SDM Vol. 3A §11.5.4), analytic: the current count is computed from virtual time
// at each read and only the next expiry is on the clock. Rules follow Xen's hvm/vlapic.c:
// - TMCCT = TMICT − ⌊elapsed / (busCycle × divisor)⌋ (modulo TMICT when periodic), 0 once a
//   one-shot count has run out or while the timer is stopped;
// - changing TDCR or the LVT timer mode while counting keeps the counts already elapsed and
//   rescales the rest (vlapic_update_timer);
// - TSC-deadline: a deadline in the future arms, one at or before the current TSC fires at once,
//   0 disarms; the MSR reads 0 after the timer fired (SDM §11.5.4.1).
import type { Timer, VirtualClock } from '../../time/clock.js';
import { TimerMode } from './registers.js';

/** What the timer has on the clock. */
export const enum ArmedKind {
  None = 0,
  OneShot = 1,
  Periodic = 2,
  Deadline = 3,
}

const NS_PER_S = 1_000_000_000n;
const TWO_52 = 2 ** 52;

/**
 * The APIC timer of one {@link Lapic} (SDM Vol. 3A §11.5.4; rules as Xen's xen/arch/x86/hvm/vlapic.c), analytic:
 * TMCCT = TMICT − ⌊elapsed ns / (busCycleNs × divisor)⌋ is computed at each read (modulo TMICT when periodic, 0
 * once a one-shot count ran out), and only the next expiry is on the virtual clock. Changing TDCR or the mode
 * while counting keeps the counts already elapsed. In TSC-deadline mode the deadline converts to ns at `tscHz`.
 * Owned and driven by its Lapic; guest accesses reach it through the LAPIC's registers and MSRs.
 */
export class LapicTimer {
  /** Decoded TDCR divider (1–128). */
  divisor = 2;
  /** True while a TMICT count is in progress (Xen: timer_last_update ≠ 0). */
  counting = false;
  /** Virtual time (ns) the count is measured from; may be negative after a rescale near time 0. */
  start = 0;
  /** IA32_TSC_DEADLINE as uint32 halves (0 = disarmed): the guest path keeps no bigint. */
  deadlineLo = 0;
  deadlineHi = 0;
  /** What was last put on the clock; `armed` is it while the clock still holds it. */
  private kind: ArmedKind = ArmedKind.None;
  /** Inside the expiry callback (a periodic timer's last tick before the end of time is still periodic). */
  private expiring = false;
  /** The guest TSC at virtual time 0 (see tscOrigin), as uint32 halves. */
  private originLo = 0;
  private originHi = 0;
  /** One-shot and periodic counts. */
  private readonly timer: Timer;
  /** The TSC deadline: a slot beside the clock's heap, as a guest re-arms it at every interrupt. */
  private readonly deadlineTimer: Timer;
  private readonly tscHz: bigint;
  /** tscHz / 1e9 in lowest terms, a / b: deadlines convert to ns exactly with plain numbers while D × b < 2^53. */
  private readonly ratioA: number;
  private readonly ratioB: number;
  /** 1 / a, so the guest path multiplies instead of dividing (then corrects to the exact quotient). */
  private readonly invRatioA: number;

  constructor(
    private readonly clock: VirtualClock,
    name: string,
    private readonly busCycleNs: number,
    tscHz: number,
    /** Called at each expiry, after the timer's own state is updated, with the periods that ended (coalesced: > 1). */
    private readonly onExpiry: (periods: number) => void,
  ) {
    this.tscHz = BigInt(tscHz);
    const g = gcd(tscHz, 1_000_000_000);
    this.ratioA = tscHz / g;
    this.ratioB = 1_000_000_000 / g;
    this.invRatioA = 1 / this.ratioA;
    this.timer = clock.createTimer(name, (_now, periods) => this.expired(periods));
    this.deadlineTimer = clock.createDeadlineTimer(name, (_now, periods) => this.expired(periods));
  }

  /** The counter as TMCCT reads it (only meaningful in one-shot and periodic mode). */
  currentCount(tmict: number, periodic: boolean): number {
    if (tmict === 0 || !this.counting) return 0;
    let passed = Math.floor((this.clock.now - this.start) / (this.busCycleNs * this.divisor));
    if (periodic) passed %= tmict;
    return passed < tmict ? tmict - passed : 0;
  }

  /**
   * Re-plans the count after TMICT, TDCR or the LVT timer mode changed (Xen's vlapic_update_timer).
   * `oldMode`/`oldDivisor` describe how the count ran so far, `newMode`/this.divisor how it runs on.
   */
  update(tmict: number, oldMode: number, newMode: number, restart: boolean, oldDivisor: number): void {
    const now = this.clock.now;
    let period = tmict * this.busCycleNs * oldDivisor;
    let delta = 0;
    if (restart) delta = period;
    else if (period > 0 && this.counting) {
      let passed = now - this.start;
      if (oldMode === TimerMode.Periodic) passed %= period;
      if (passed < period) delta = period - passed;
    }
    const periodic = newMode === TimerMode.Periodic;
    if (delta > 0 && (periodic || newMode === TimerMode.OneShot)) {
      if (this.divisor !== oldDivisor) {
        period = tmict * this.busCycleNs * this.divisor;
        delta = Math.floor((delta * this.divisor) / oldDivisor);
      }
      this.counting = true;
      this.start = restart ? now : now - (period - delta);
      this.arm(now + delta, periodic ? period : 0);
    } else {
      this.stop();
    }
  }

  /** Stops the count (TMCCT reads 0) and whatever is armed. */
  stop(): void {
    this.counting = false;
    this.start = 0;
    this.cancel();
  }

  /** IA32_TSC_DEADLINE as a bigint (snapshots, host reads). */
  get tscDeadline(): bigint {
    return (BigInt(this.deadlineHi) << 32n) | BigInt(this.deadlineLo);
  }
  set tscDeadline(value: bigint) {
    this.deadlineLo = Number(value & 0xffff_ffffn);
    this.deadlineHi = Number(BigInt.asUintN(64, value) >> 32n);
  }

  /**
   * The TSC at virtual time 0. 0 for a platform whose TSC starts with the clock; a VMM on real
   * hardware sets the guest's actual TSC here (the guest reads it with RDTSC, not through us).
   */
  get tscOrigin(): bigint {
    return (BigInt(this.originHi) << 32n) | BigInt(this.originLo);
  }
  set tscOrigin(value: bigint) {
    this.originLo = Number(value & 0xffff_ffffn);
    this.originHi = Number(BigInt.asUintN(64, value) >> 32n);
  }

  /** The guest TSC at the current virtual time: origin + ⌊now × tscHz / 1e9⌋, exact. */
  tsc(): bigint {
    return this.tscOrigin + (BigInt(this.clock.now) * this.tscHz) / NS_PER_S;
  }

  /**
   * IA32_TSC_DEADLINE write in TSC-deadline mode (Xen's vlapic_tdt_msr_set), as uint32 halves.
   * Returns true if it fired at once. With D = deadline − origin, the first instant whose TSC
   * reaches the deadline is t = ⌈D × 1e9 / tscHz⌉ ns, and the deadline is in the future exactly
   * when now < t; in plain numbers while D × b < 2^53 (b = 1e9 / gcd(tscHz, 1e9): about 104 days of
   * TSC at 1 GHz), in bigint beyond.
   */
  writeDeadlineHalves(lo: number, hi: number): boolean {
    lo >>>= 0;
    hi >>>= 0;
    // D = value − origin as halves with a borrow; negative D: the deadline is behind the origin.
    let dLo = lo - this.originLo;
    let dHi = hi - this.originHi;
    if (dLo < 0) {
      dLo += 0x1_0000_0000;
      dHi -= 1;
    }
    let at: number;
    const q = (dHi * 0x1_0000_0000 + dLo) * this.ratioB; // D × b: exact while below 2^53 (dHi < 2^21)
    if (dHi < 0) at = -1;
    else if (q <= TWO_52) {
      // ⌈q / a⌉ by the precomputed reciprocal (no division on the guest path), then corrected to
      // the exact quotient: a = 1 is exact; for a ≥ 2 the quotient is ≤ 2^51 and the two roundings
      // err by less than one, so one step fixes it; c × a ≤ q + 2a < 2^53 compares exactly.
      const a = this.ratioA;
      at = Math.ceil(q * this.invRatioA);
      if (at * a < q) at++;
      else if ((at - 1) * a >= q) at--;
    } else if (dHi < 0x20_0000 && q <= Number.MAX_SAFE_INTEGER) {
      at = Math.ceil(q / this.ratioA); // a quotient of exact integers below 2^53 never rounds onto an integer
    } else {
      const d = (BigInt(dHi) << 32n) + BigInt(dLo);
      at = Number((d * NS_PER_S + this.tscHz - 1n) / this.tscHz); // past the end of virtual time: never (the clock's rule)
    }
    if (at > this.clock.now) {
      this.deadlineLo = lo;
      this.deadlineHi = hi;
      if (this.kind !== ArmedKind.Deadline) this.timer.cancel(); // a count left armed (never in this mode) is replaced
      this.kind = ArmedKind.Deadline;
      this.deadlineTimer.armAt(at);
      return false;
    }
    this.deadlineLo = 0;
    this.deadlineHi = 0;
    this.cancel();
    if (lo === 0 && hi === 0) return false;
    // A deadline already passed fires immediately.
    this.onExpiry(1);
    return true;
  }

  /** IA32_TSC_DEADLINE write at a host boundary (any bigint, modulo 2^64). */
  writeDeadline(value: bigint): boolean {
    value = BigInt.asUintN(64, value);
    return this.writeDeadlineHalves(Number(value & 0xffff_ffffn), Number(value >> 32n));
  }

  /** Leaves TSC-deadline mode or enters it: TMICT and the deadline are cleared by the caller's rules. */
  clearDeadline(): void {
    this.deadlineLo = 0;
    this.deadlineHi = 0;
    if (this.armed === ArmedKind.Deadline) this.cancel();
  }

  /**
   * What the timer has on the clock. A deadline or periodic tick past the end of virtual time is
   * never armed (the clock's rule), so it reads None and snapshots as nothing armed.
   */
  get armed(): ArmedKind {
    return this.onClock().armed || this.expiring ? this.kind : ArmedKind.None;
  }

  /** Absolute deadline on the clock (−1 when nothing is armed) and period (0 unless periodic). */
  get deadline(): number {
    const t = this.onClock();
    return t.armed ? t.deadline : -1;
  }
  get period(): number {
    const t = this.onClock();
    return t.armed ? t.period : 0;
  }

  /** The clock timer of the current plan. */
  private onClock(): Timer {
    return this.kind === ArmedKind.Deadline ? this.deadlineTimer : this.timer;
  }

  /** Re-arms from snapshot data (already validated). */
  restoreArmed(kind: ArmedKind, deadline: number, period: number): void {
    this.cancel();
    if (kind === ArmedKind.None || deadline < 0) return;
    this.kind = kind;
    if (kind === ArmedKind.Periodic) this.timer.armPeriodic(deadline, period);
    else if (kind === ArmedKind.Deadline) this.deadlineTimer.armAt(deadline);
    else this.timer.armAt(deadline);
  }

  private arm(deadline: number, period: number): void {
    if (this.kind === ArmedKind.Deadline) this.deadlineTimer.cancel(); // replaced, as one timer would be
    if (period > 0) {
      this.kind = ArmedKind.Periodic;
      this.timer.armPeriodic(deadline, period);
    } else {
      this.kind = ArmedKind.OneShot;
      this.timer.armAt(deadline);
    }
  }

  private cancel(): void {
    this.kind = ArmedKind.None;
    this.timer.cancel();
    this.deadlineTimer.cancel();
  }

  private expired(periods: number): void {
    const kind = this.kind; // the clock may already have dropped a periodic tick past the end of time
    if (kind === ArmedKind.Periodic) {
      // Xen's vlapic_pt_cb: the count restarts from each tick (the last one, if ticks were coalesced).
      this.start = this.timer.firedAt;
    } else {
      this.kind = ArmedKind.None;
      if (kind === ArmedKind.Deadline) {
        this.deadlineLo = 0;
        this.deadlineHi = 0;
      }
    }
    this.expiring = true;
    try {
      this.onExpiry(periods);
    } finally {
      this.expiring = false;
    }
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
