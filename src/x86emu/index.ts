// Public API of the x86 instruction emulator.
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
