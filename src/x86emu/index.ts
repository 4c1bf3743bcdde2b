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
export {
  CpuState,
  CR0_AM,
  CR0_EM,
  CR0_MP,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR4_OSFXSR,
  CR4_OSXMMEXCPT,
  CR4_OSXSAVE,
  EFER_LMA,
  EFER_LME,
  R10,
  R11,
  R12,
  R13,
  R14,
  R15,
  R8,
  R9,
  RAX,
  RBP,
  RBX,
  RCX,
  RDI,
  RDX,
  RFLAGS_AC,
  RFLAGS_FIXED1,
  RFLAGS_IOPL_SHIFT,
  RFLAGS_VM,
  RSI,
  RSP,
  SA_DB,
  SA_DPL_SHIFT,
  SA_G,
  SA_L,
  SA_P,
  SA_S,
  SA_TYPE_MASK,
  SA_UNUSABLE,
  SEG_COUNT,
  SEG_CS,
  SEG_DS,
  SEG_ES,
  SEG_FS,
  SEG_GS,
  SEG_SS,
  SEG_TYPE_ACCESSED,
  SEG_TYPE_CODE,
  SEG_TYPE_EXPAND_DOWN,
  SEG_TYPE_WRITABLE,
  SegmentRegister,
  SYS_TYPE_LDT,
  XCR0_AVX,
  XCR0_SSE,
  XCR0_X87,
} from './cpu-state.js';
export { type CpuFeatures, REFERENCE_CPU, withFeatures } from './features.js';
export {
  type CpuMode,
  currentCpl,
  currentMode,
  MODE_COMPAT16,
  MODE_COMPAT32,
  MODE_LONG64,
  MODE_PROT16,
  MODE_PROT32,
  MODE_REAL,
  MODE_V86,
  modeBits,
} from './modes.js';
export {
  BASE_RIP,
  DEC_FETCH,
  DEC_OK,
  DEC_TOO_LONG,
  DEC_UD,
  ENC_3DNOW,
  ENC_EVEX,
  ENC_LEGACY,
  ENC_VEX,
  ENC_XOP,
  Insn,
  MAP_0F,
  MAP_0F38,
  MAP_0F3A,
  MAP_PRIMARY,
  NO_REG,
} from './insn.js';
export {
  type EmulateContext,
  InsnWindow,
  PendingEvent,
  VEC_AC,
  VEC_DE,
  VEC_GP,
  VEC_NM,
  VEC_NP,
  VEC_PF,
  VEC_SS,
  VEC_TS,
  VEC_UD,
  X86EMUL_CMPXCHG_FAILED,
  X86EMUL_DECLINED,
  X86EMUL_EXCEPTION,
  X86EMUL_OKAY,
  X86EMUL_RETRY,
  X86EMUL_UNHANDLEABLE,
  X86EMUL_UNIMPLEMENTED,
  type X86EmulateOps,
} from './ops.js';
export { decode, MAX_INSN_LENGTH } from './decoder/decode.js';
export { describeInsn, type EmulateOptions, type EmulateResult, X86Emulator } from './emulator.js';
export { STRING_BATCH } from './exec/string.js';
export {
  BusEmulateOps,
  type BusOpsOptions,
  type BusOpsStats,
  MMIO_CACHE_BYTES,
  MMIO_CACHE_ENTRIES,
  type MmioChunkBackend,
  PAGE_SIZE,
  type Translate,
} from './bus-adapter.js';
