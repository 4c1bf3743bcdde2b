export * from './encoding.js';
export * from './terms.js';
export * from './resources.js';
