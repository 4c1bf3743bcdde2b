export * from './registers.js';
export * from './params.js';
export * from './ioapic.js';
