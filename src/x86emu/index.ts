/**
 * The x86 instruction emulator (docs/x86emu.md): completes a guest instruction that touched MMIO or
 * an I/O port, as Xen's `x86_emulate()` does for an HVM guest. Give it the vCPU's {@link CpuState}
 * and an {@link X86EmulateOps} (the ready {@link BusEmulateOps} serves a platform's buses); it
 * decodes at CS:RIP, runs the instruction with the architectural checks of the Intel SDM, and
 * returns an {@link EmulateResult}. It never throws for guest input and allocates nothing per
 * instruction on the common path. Exported from the package as the `x86emu` namespace.
 * @example
 * ```ts
 * import { createPlatform, x86emu } from 'hvmdev';
 * const platform = createPlatform({ profile: 'xen-hvm' });
 * const emu = new x86emu.X86Emulator();
 * const ops = new x86emu.BusEmulateOps(platform.mmio, platform.ports);
 * const state = new x86emu.CpuState().setLongMode().setRip(0x1000);
 * // out 0x70, al (E6 70) then in al, 0x71 (E4 71): read RTC register A
 * state.setReg(x86emu.RAX, 0x0a);
 * emu.emulate(state, ops, { insnBytes: new Uint8Array([0xe6, 0x70]) }); // { kind: 'executed', length: 2, ... }
 * emu.emulate(state, ops, { insnBytes: new Uint8Array([0xe4, 0x71]) });
 * state.getReg(x86emu.RAX) & 0xffn;                                     // 0x26n
 * state.getRip();                                                        // 0x1004n
 * ```
 * @module
 */
export * from './cpu-state.js';
export * from './features.js';
export * from './modes.js';
export * from './insn.js';
export * from './ops.js';
export { decode, MAX_INSN_LENGTH } from './decoder/decode.js';
export { X86Emulator, describeInsn, type EmulateResult, type EmulateOptions } from './emulator.js';
export { STRING_BATCH } from './exec/string.js';
export {
  BusEmulateOps,
  MMIO_CACHE_BYTES,
  MMIO_CACHE_ENTRIES,
  PAGE_SIZE,
  type BusOpsOptions,
  type BusOpsStats,
  type MmioChunkBackend,
  type Translate,
} from './bus-adapter.js';
