export * from './timer-mode.js';
export * from './missed-ticks.js';
export * from './vcpu-target.js';
export * from './missed-tick-source.js';
