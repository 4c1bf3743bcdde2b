export * from './line.js';
export * from './msi.js';
export * from './fabric.js';
export * from './apic-bus.js';
export * from './output-line.js';
