// hvmdev public API. Loading it adds reflect-metadata's functions to the global Reflect, for tsyringe
// (src/platform/tsyringe.ts).
export * from './errors/hvmdev-error.js';
export * from './bus/index.js';
export * from './irq/index.js';
export * from './time/index.js';
export * from './emuflags/index.js';
export * from './device-model/device.js';
export * from './device-model/snapshot.js';
export * from './devices/debugcon/debug-console.js';
export * from './devices/lapic/index.js';
export * from './devices/ioapic/index.js';
export * from './devices/pic/index.js';
export * from './devices/pit/index.js';
export * from './devices/rtc/index.js';
export * from './devices/hpet/index.js';
export * from './devices/pm/index.js';
export * from './device-model/timer-mode/index.js';
export * from './devices/pci/index.js';
export * from './devices/vga/index.js';
export * from './platform/index.js';
export * from './qtest/index.js';
export * as x86emu from './x86emu/index.js';
// A name two folders define: the platform timer mode is timer-mode's, and the LAPIC's LVT timer
// mode is renamed.
export type { TimerMode } from './device-model/timer-mode/index.js';
export { TimerMode as LapicTimerMode } from './devices/lapic/registers.js';
// Firmware tables (ACPI, MP, e820) generated from a built platform.
export * from './firmware/index.js';
