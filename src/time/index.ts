export * from './clock.js';
export * from './crystal.js';
