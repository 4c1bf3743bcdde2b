export * from './rtc.js';
export * from './rtc-params.js';
