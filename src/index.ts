// hvmdev public API. reflect-metadata comes first: tsyringe needs it before any decorated class loads.
import 'reflect-metadata';
export * from './bus/index.js';
export * from './irq/index.js';
export * from './time/index.js';
export * from './emuflags/index.js';
export * from './devices/device.js';
export * from './devices/snapshot.js';
export * from './devices/debugcon/debug-console.js';
export * from './platform/index.js';
export * from './qtest/index.js';
export * as x86emu from './x86emu/index.js';
