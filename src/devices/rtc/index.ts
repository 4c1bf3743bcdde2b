export * from './rtc.js';
export * from './rtc-params.js';
export * from './calendar.js';
