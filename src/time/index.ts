export { ClockError, type ClockOptions, MAX_CLOCK_NS, Timer, type TimerCallback, VirtualClock } from './clock.js';
export { Crystal, PIT_CRYSTAL, PIT_HZ } from './crystal.js';
