// Virtual time for a VM: the platform clock follows the host's monotonic clock while the guest
// runs (performance.now is CLOCK_MONOTONIC). Devices still only see the platform clock; this is
// the one place that reads the host's.
import type { VirtualClock } from '../time/clock.js';

export class HostClock {
  /** performance.now() × 1e6 at virtual time 0. */
  readonly originNs: number;

  constructor(private readonly clock: VirtualClock) {
    this.originNs = performance.now() * 1e6 - clock.now;
  }

  /** Host time in ns on the virtual clock's scale (may be ahead of the clock until sync()). */
  hostNs(): number {
    return performance.now() * 1e6 - this.originNs;
  }

  /** The platform clock's time (ns), as of the last sync(). */
  get now(): number {
    return this.clock.now;
  }

  /** Brings the platform clock up to host time (running every timer due), returns the new time. */
  sync(): number {
    const t = Math.floor(this.hostNs());
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
