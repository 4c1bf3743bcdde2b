export * from './params.js';
export * from './i8259-chip.js';
export * from './pic-pair.js';
