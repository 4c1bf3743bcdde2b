export * from './pit.js';
export * from './pit-params.js';
export * from './counter.js';
