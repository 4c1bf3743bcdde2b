// The per-source bookkeeping of a missed-tick policy: how many periods have expired that the guest
// has not taken yet, and whether an interrupt for this source is outstanding.
//
// Mapping to xen/arch/x86/hvm/vpt.c (struct periodic_time):
//   tick()          ~ pt_timer_fn: pending_intr_nr++; the interrupt is issued if none is outstanding
//                     (pt_update_irq sets irq_issued).
//   acknowledge()   ~ pt_intr_post, called when the guest takes the vector: irq_issued = 0, then
//                     pending_intr_nr-- (modes 0/1) or = 0 (modes 2/3); while ticks remain owed the
//                     next one is issued at once.
//   descheduled(n)  ~ pt_process_missed_ticks: n periods passed while the vCPU was not running;
//                     counted except in no_missed_ticks_pending.
// Devices keep driving their interrupt line exactly as the hardware would; the policy only adds
// the re-injections the guest is owed after an acknowledgement. Until the platform wires an
// acknowledgement source (`tracking`), every tick counts as taken when it is delivered, which is
// plain hardware behaviour.
import { refuseState, StateDescription } from '../state-description.js';
import { bool, enumOf, int, uint } from '../state-fields.js';
import type { PlainData } from '../device.js';
import { TIMER_MODE_RULES, TIMER_MODES, type TimerMode, type TimerModeRules } from './timer-mode.js';

/** Checked contents of a MissedTicks snapshot. */
export interface MissedTicksState {
  readonly mode: TimerMode;
  readonly pending: number;
  readonly issued: boolean;
  readonly tracking: boolean;
  readonly targetVcpu: number;
}

/** Bound for a snapshot's target vCPU (Xen's HVM_MAX_VCPUS is 128; leave headroom). */
const MAX_TARGET_VCPU = 4095;

/**
 * The missed-tick bookkeeping of one periodic interrupt source under a {@link TimerMode} (Xen's
 * struct periodic_time in xen/arch/x86/hvm/vpt.c, mapping in the file header). Inert until
 * `tracking` is on: then `tick` counts expired periods, `acknowledge` says when the guest is owed
 * a re-injection. Plain state, no allocation: safe on the guest path; never throws.
 */
export class MissedTicks {
  /** Ticks expired and not yet taken by the guest (including the outstanding one). */
  pending = 0;
  /** An interrupt for this source has been delivered and not yet acknowledged. */
  issued = false;
  /** Acknowledgements are reported by the platform; without them the policy is inert. */
  tracking = false;
  /**
   * The vCPU that takes this source's interrupts (Xen: pt->vcpu, the i8259 target for platform
   * timers); acknowledgements from other vCPUs are not this source's (pt_intr_post looks only at
   * the acknowledging vCPU's own timers).
   */
  targetVcpu = 0;
  private rules: TimerModeRules;

  constructor(private modeName: TimerMode) {
    this.rules = TIMER_MODE_RULES[modeName];
  }

  get mode(): TimerMode {
    return this.modeName;
  }

  /** Switches the policy; the backlog is kept (it is interpreted by the new rules from now on). */
  setMode(mode: TimerMode): void {
    this.modeName = mode;
    this.rules = TIMER_MODE_RULES[mode];
  }

  /**
   * `periods` periods expired (more than 1 when the clock coalesced them). Returns true when this
   * issues a new interrupt (none was outstanding).
   */
  tick(periods = 1): boolean {
    if (!this.tracking) return true;
    this.pending = Math.min(Number.MAX_SAFE_INTEGER, this.pending + periods);
    if (this.issued) return false;
    this.issued = true;
    return true;
  }

  /**
   * The guest took this source's interrupt. Returns true when the policy owes it another tick now:
   * the device should deliver one more edge immediately.
   */
  acknowledge(vcpu: number = this.targetVcpu): boolean {
    if (!this.tracking || !this.issued || vcpu !== this.targetVcpu) return false;
    this.issued = false;
    if (this.rules.replaysBacklog) this.pending = this.pending > 0 ? this.pending - 1 : 0;
    else this.pending = 0;
    if (this.pending > 0) {
      this.issued = true;
      return true;
    }
    return false;
  }

  /** `n` periods expired while the target vCPU was descheduled (for a vCPU scheduler layer). */
  descheduled(n: number): void {
    if (!this.tracking || !this.rules.countsDescheduledTicks || !(n > 0)) return;
    this.pending = Math.min(Number.MAX_SAFE_INTEGER, this.pending + Math.floor(n));
  }

  /** The timer was reprogrammed (create_periodic_time): the backlog is dropped. */
  clear(): void {
    this.pending = 0;
    this.issued = false;
  }

  /** The state as plain data, in the form MISSED_TICKS_STATE describes. */
  snapshot(): PlainData {
    return MISSED_TICKS_STATE.snapshot(this);
  }

  /** Validates `state` fully (MISSED_TICKS_STATE); only then applies it. */
  static read(state: unknown, path: string): MissedTicksState {
    const s = MISSED_TICKS_STATE.check(state, path, undefined);
    return { mode: s.mode, pending: s.pending, issued: s.issued, tracking: s.tracking, targetVcpu: MISSED_TICKS_STATE.valueOf(s, 'targetVcpu') };
  }

  /** Applies a state returned by {@link MissedTicks.read} (already checked; never throws). */
  apply(s: MissedTicksState): void {
    this.setMode(s.mode);
    this.pending = s.pending;
    this.issued = s.issued;
    this.tracking = s.tracking;
    this.targetVcpu = s.targetVcpu;
  }

  /** Applies a state MISSED_TICKS_STATE checked. */
  applyState(s: typeof MISSED_TICKS_STATE.json): void {
    this.setMode(s.mode);
    MISSED_TICKS_STATE.apply(this, s);
  }
}

/** The state of one missed-tick source; targetVcpu is absent in snapshots older than it (vCPU 0). */
export const MISSED_TICKS_STATE = new StateDescription(
  'missed ticks',
  2,
  {
    mode: enumOf(TIMER_MODES).manual(),
    pending: uint(53),
    issued: bool(),
    tracking: bool(),
    targetVcpu: int(0, MAX_TARGET_VCPU).added(2, 0),
  },
  (s) => {
    if (s.issued && s.pending === 0) refuseState('an issued interrupt with no pending tick');
    if (!s.tracking && (s.pending !== 0 || s.issued)) refuseState('a backlog without acknowledgement tracking');
  },
);
