export * from './pit.js';
export * from './pit-params.js';
export * from './counter.js';
export * from './crystal.js';
export * from './output-line.js';
