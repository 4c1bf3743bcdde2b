// Xen's missed-tick policies for periodic platform timers (HVM_PARAM_TIMER_MODE, public/hvm/params.h;
// the mechanism lives in xen/arch/x86/hvm/vpt.c). One policy governs every periodic interrupt
// source of a platform (PIT channel 0, RTC periodic, HPET, LAPIC timer).
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** The four policies, indexed by their HVM_PARAM_TIMER_MODE value (0–3). */
export const TIMER_MODES = ['delay_for_missed_ticks', 'no_delay_for_missed_ticks', 'no_missed_ticks_pending', 'one_missed_tick_pending'] as const;
/**
 * One of Xen's four missed-tick policies (HVM_PARAM_TIMER_MODE 0–3, xl.cfg `timer_mode`); what each
 * does is in {@link TIMER_MODE_RULES}. Parse host input with {@link parseTimerMode}.
 */
export type TimerMode = (typeof TIMER_MODES)[number];

/** libxl's default (`timer_mode = "no_delay_for_missed_ticks"` in xl.cfg(5)). */
export const XEN_DEFAULT_TIMER_MODE: TimerMode = 'no_delay_for_missed_ticks';

/** A bad timer-mode option from the host (not a guest action). */
export class TimerModeError extends HvmdevError {}

/** What a policy does, as vpt.c implements it. */
export interface TimerModeRules {
  /** HVM_PARAM_TIMER_MODE value. */
  readonly param: 0 | 1 | 2 | 3;
  /**
   * On acknowledgement the backlog drops by one and the next owed tick is injected at once
   * (pt_intr_post: pending_intr_nr--); false: the backlog collapses to zero ("collapse all missed ticks").
   */
  readonly replaysBacklog: boolean;
  /** Ticks that expire while the target vCPU is descheduled are counted (pt_process_missed_ticks). */
  readonly countsDescheduledTicks: boolean;
  /** Guest time is frozen while the vCPU is descheduled and caught up on acknowledgement (pt_freeze_time). */
  readonly freezesGuestTime: boolean;
}

/** The rules of each {@link TimerMode}, as xen/arch/x86/hvm/vpt.c implements them (frozen data). */
export const TIMER_MODE_RULES: Readonly<Record<TimerMode, TimerModeRules>> = Object.freeze({
  delay_for_missed_ticks: Object.freeze({ param: 0, replaysBacklog: true, countsDescheduledTicks: true, freezesGuestTime: true }),
  no_delay_for_missed_ticks: Object.freeze({ param: 1, replaysBacklog: true, countsDescheduledTicks: true, freezesGuestTime: false }),
  no_missed_ticks_pending: Object.freeze({ param: 2, replaysBacklog: false, countsDescheduledTicks: false, freezesGuestTime: false }),
  one_missed_tick_pending: Object.freeze({ param: 3, replaysBacklog: false, countsDescheduledTicks: true, freezesGuestTime: false }),
} as const);

/** Accepts a policy name or its HVM_PARAM_TIMER_MODE number. */
export function parseTimerMode(value: unknown): TimerMode {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < TIMER_MODES.length) {
    return TIMER_MODES[value]!;
  }
  if (typeof value === 'string' && (TIMER_MODES as readonly string[]).includes(value)) return value as TimerMode;
  throw new TimerModeError(`timer mode ${JSON.stringify(value)} is not one of ${TIMER_MODES.map((m, i) => `${m} (${i})`).join(', ')}`);
}
