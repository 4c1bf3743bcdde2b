// The one implementation of the PeriodicTimerSource contract (src/irq/periodic-timer-source.ts) for
// the platform timers that follow Xen's missed-tick policy: the PIT's channel 0, the RTC's periodic
// interrupt and each HPET timer. The bookkeeping is MissedTicks; what differs per device is how it
// runs (active), where its ticks go (tickLine) and how it re-delivers a tick the guest is owed.
import type { PeriodicTimerSource, TickLine } from '../../irq/periodic-timer-source.js';
import type { MissedTicks } from './missed-ticks.js';
import { TimerModeError } from './timer-mode.js';

/** What a device supplies for one of its periodic timers. */
export interface TickDelivery {
  /** The timer is running and will tick again by itself (Xen's pt_active). */
  active(): boolean;
  /** Where its ticks go now (see TickLine). */
  tickLine(): TickLine;
  /** Delivers one owed tick now as an edge on its line, leaving the line's level as it was. */
  redeliverTick(): void;
}

/**
 * A device's periodic timer as the platform's missed-tick policy sees it: the {@link PeriodicTimerSource}
 * over a {@link MissedTicks} and the device's {@link TickDelivery}. The platform reports the guest's
 * acknowledgements with `tickTaken(vcpu)`; when the policy owes another tick, the device re-delivers
 * it at once. `setTargetVcpu` throws {@link TimerModeError} for a vCPU index that is not a
 * non-negative integer.
 */
export class MissedTickSource implements PeriodicTimerSource {
  tickLineObserver: (() => void) | null = null;

  constructor(
    readonly name: string,
    private readonly missed: MissedTicks,
    private readonly delivery: TickDelivery,
  ) {}

  active(): boolean {
    return this.delivery.active();
  }

  tickLine(): TickLine {
    return this.delivery.tickLine();
  }

  tickOutstanding(): boolean {
    return this.missed.issued;
  }

  targetVcpu(): number {
    return this.missed.targetVcpu;
  }

  setTargetVcpu(vcpu: number): void {
    if (!Number.isInteger(vcpu) || vcpu < 0) throw new TimerModeError(`target vCPU ${vcpu} must be a vCPU index (0, 1, ...)`);
    this.missed.targetVcpu = vcpu;
  }

  trackTicksTaken(on: boolean): void {
    this.missed.tracking = on;
    this.missed.clear();
  }

  tickTaken(vcpu: number): void {
    if (this.missed.acknowledge(vcpu)) this.delivery.redeliverTick();
  }

  /** The device changed something `tickLine()` depends on: the observer hears of it. */
  tickLineChanged(): void {
    this.tickLineObserver?.();
  }
}
