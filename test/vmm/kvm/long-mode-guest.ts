// A 64-bit ring-0 guest for the tests of instructions the host's KVM cannot emulate: qemu-pc with
// 4 MiB of RAM, identity-mapped long-mode tables, and a run that stops on the exit port (0xF4).
import { type LongModeTables, writeLongModeTables } from '../../../src/vmm/loaders/long-mode-tables.js';
import { Vm } from '../../../src/vmm/vm.js';
import { stopOnPortF4 } from './test-exit-port.js';

/** Where the guest's code is loaded and where it starts. */
export const LONG_CODE = 0x10000;
export const LONG_GDT = 0x6000;
/** The page tables; PML4 at this address, then its PDPT and directory pages. */
export const LONG_TABLES = 0x20000;

/** A 32-bit value as the four little-endian bytes of an absolute operand. */
export const abs32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

export interface LongModeGuest {
  readonly vm: Vm;
  readonly ram: Uint8Array;
  readonly dv: DataView;
  readonly tables: LongModeTables;
}

/** A VM with long-mode tables written; the caller may add mappings through `dv` before `startAt`. */
export function createLongModeGuest(): LongModeGuest {
  const vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 30 });
  stopOnPortF4(vm);
  const ram = vm.ram;
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  return { vm, ram, dv, tables: writeLongModeTables(ram, LONG_GDT, LONG_TABLES) };
}

/** Loads `code` at LONG_CODE and points the boot vCPU at it in 64-bit mode. */
export function loadAndStart(g: LongModeGuest, code: readonly number[]): void {
  g.ram.set(code, LONG_CODE);
  g.vm.setBootState({ mode: 'long64', rip: LONG_CODE, regs: {}, longMode: g.tables });
}
