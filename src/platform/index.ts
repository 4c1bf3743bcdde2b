export * from './tokens.js';
export * from './device-factories.js';
export * from './errors.js';
export * from './profiles.js';
export * from './catalog.js';
export * from './platform.js';
export * from './create-platform.js';
export * from './timer-acks.js';
