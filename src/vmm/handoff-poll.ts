// The device-model thread's wait for a worker it just let go (docs/vmm.md, "Threads"). A worker
// whose runs are short posts its next exit within microseconds; polling the doorbell for it then
// saves the futex wake-up on this side, which on a loaded or nested host costs tens of µs. Polling
// only pays while this thread has a core of its own: when the host is busy the poll burns the CPU
// the worker needs and times out. So it adapts: each poll that saw the post earns credit, each
// that timed out loses more, and with no credit left only every 32nd wait polls, to notice when
// cores are free again.
import type { HostClock } from './host-clock.js';

/** Longest single poll (ns) before sleeping on the futex. */
export const HANDOFF_POLL_NS = 50_000;
/** The polling policy, shared with the worker's own poll (vcpu-thread.ts, which interpolates these). */
export const MAX_CREDIT = 8;
export const MISS_COST = 2;
export const PROBE_EVERY = 32;

export class HandoffPoll {
  private credit = MAX_CREDIT;
  private waits = 0;
  /** Polls that saw the doorbell move, and polls that timed out (for --stats and tests). */
  hits = 0;
  misses = 0;

  /**
   * Polls doorbell[0] until it differs from `seen` (true), for at most HANDOFF_POLL_NS and
   * `limitNs`; false at once when polling has not been paying.
   */
  poll(doorbell: Int32Array, seen: number, limitNs: number, clock: HostClock): boolean {
    if (this.credit <= 0 && ++this.waits % PROBE_EVERY !== 0) return false;
    const until = clock.hostNs() + Math.min(HANDOFF_POLL_NS, limitNs);
    for (;;) {
      for (let k = 0; k < 64; k++) {
        if (Atomics.load(doorbell, 0) !== seen) {
          this.hits++;
          if (this.credit < MAX_CREDIT) this.credit = Math.max(1, this.credit + 1);
          return true;
        }
      }
      if (clock.hostNs() >= until) break;
    }
    this.misses++;
    this.credit -= MISS_COST;
    return false;
  }
}
