export * from './numbers.js';
export * from './intercepts.js';
export * from './session.js';
export * from './server.js';
export * from './transcript.js';
export * from './extensions.js';
