// Local APIC (one per vCPU) and the APIC bus router.
export * from './apic-router.js';
export * from './destination.js';
export * from './lapic.js';
export * from './lapic-timer.js';
export * from './msr.js';
export * from './params.js';
export * from './registers.js';
export type { LapicState } from './lapic-state.js';
