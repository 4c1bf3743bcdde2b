// Virtual time for a VM: the platform clock follows the host's monotonic clock while the guest
// runs. Devices still only see the platform clock; this is the one place that reads the host's.
// With generated code (kvm/native-run.ts) the host clock is CLOCK_MONOTONIC read into a timespec,
// and each KVM_RUN leaves the time it returned at in one, which syncAt() reads as plain memory:
// no clock call on the exit path. Without, it is performance.now() (CLOCK_MONOTONIC too).
import type { VirtualClock } from '../time/clock.js';
import type { NativeKvm } from './kvm/native-run.js';

const TWO_32 = 0x1_0000_0000;

export class HostClock {
  /** Host ns (this clock's raw scale) at virtual time 0. */
  readonly originNs: number;
  /** tv_sec at construction: timespecs are read relative to it, so every sum stays an exact integer. */
  private readonly baseSec: number;

  /**
   * @param native The generated KVM_RUN and clock (kvm/native-run.ts), or null for
   *   performance.now(). With it, syncAt() takes the timespecs the generated KVM_RUN leaves (same
   *   clock, same scale).
   */
  constructor(
    private readonly clock: VirtualClock,
    private readonly native: NativeKvm | null = null,
  ) {
    if (native !== null) {
      native.now();
      const t = native.clockTime;
      this.baseSec = t[0]! + t[1]! * TWO_32;
      this.originNs = t[2]! - clock.now;
    } else {
      this.baseSec = 0;
      this.originNs = performance.now() * 1e6 - clock.now;
    }
  }

  /** True when syncAt() may be given a generated KVM_RUN's return time (this clock reads the same timespecs). */
  get readsTimespecs(): boolean {
    return this.native !== null;
  }

  /** Host time in ns on the virtual clock's scale (may be ahead of the clock until sync()). */
  hostNs(): number {
    const n = this.native;
    if (n === null) return performance.now() * 1e6 - this.originNs;
    n.now();
    return this.fromTimespec(n.clockTime);
  }

  /** A CLOCK_MONOTONIC timespec ([tv_sec low, tv_sec high, tv_nsec]) as host ns on the virtual clock's scale. */
  private fromTimespec(t: Int32Array): number {
    return (t[0]! + t[1]! * TWO_32 - this.baseSec) * 1e9 + t[2]! - this.originNs;
  }

  /** The platform clock's time (ns), as of the last sync(). */
  get now(): number {
    return this.clock.now;
  }

  /** Brings the platform clock up to host time (running every timer due), returns the new time. */
  sync(): number {
    return this.syncTo(Math.floor(this.hostNs()));
  }

  /**
   * Brings the platform clock up to the host time in timespec `t` (a generated KVM_RUN's return
   * time; only when readsTimespecs), running every timer due; returns the new time.
   */
  syncAt(t: Int32Array): number {
    return this.syncTo(this.fromTimespec(t));
  }

  private syncTo(t: number): number {
    const clock = this.clock;
    if (t > clock.now) clock.advanceTo(t);
    return clock.now;
  }

  /**
   * Fires the timers due at the clock's current time without reading the host's (an exit just
   * armed one at or before now, e.g. a TSC deadline or comparator already passed), so its interrupt
   * goes in with the very next entry. Returns the clock's time.
   */
  fireDue(): number {
    const clock = this.clock;
    const next = clock.nextDeadline();
    if (next !== null && next <= clock.now) clock.advanceTo(clock.now);
    return clock.now;
  }

  /** Host ns until the next platform timer is due (Infinity if none), from `now`. */
  untilNextDeadline(now: number): number {
    const d = this.clock.nextDeadline();
    return d === null ? Infinity : d - now;
  }
}
