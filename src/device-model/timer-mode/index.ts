export { parseTimerMode, TIMER_MODE_RULES, TIMER_MODES, type TimerMode, TimerModeError, type TimerModeRules, XEN_DEFAULT_TIMER_MODE } from './timer-mode.js';
export { MISSED_TICKS_STATE, MissedTicks, type MissedTicksState } from './missed-ticks.js';
export { i8259TargetVcpu } from './vcpu-target.js';
export { MissedTickSource, type TickDelivery } from './missed-tick-source.js';
