export * from './timer-mode.js';
export * from './missed-ticks.js';
