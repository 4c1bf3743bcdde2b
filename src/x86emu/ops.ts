// The callback interface between the emulator and its environment, shaped like Xen's
// `struct x86_emulate_ops` (xen/arch/x86/x86_emulate/x86_emulate.h): every callback returns a status
// code, exceptions are recorded in the context's pending event, and the rep_* callbacks report how
// many repetitions they actually did. Addresses given to callbacks are *linear* (segmentation,
// limits and canonical checks are done by the emulator); callbacks translate linear → physical.
// An address is two 32-bit halves (lo, hi) given as bit patterns of either signedness (the emulator
// passes int32, which V8 keeps unboxed; a uint32 ≥ 2^31 crossing a call is a heap number):
// a callback reads them with `>>> 0`.
import type { CpuState, SegmentRegister } from './cpu-state.js';

/** The callback did what was asked (Xen's X86EMUL_OKAY). */
export const X86EMUL_OKAY = 0;
/** The callback cannot perform the access (no fault to deliver). */
export const X86EMUL_UNHANDLEABLE = 1;
/** The callback recorded an exception in `ctxt.event`. */
export const X86EMUL_EXCEPTION = 2;
/** Come back later (a device-model round trip); the instruction is re-executed from scratch. */
export const X86EMUL_RETRY = 3;
/** The emulator has no handler for the decoded instruction (the outcome `done` sees; callbacks do not return it). */
export const X86EMUL_UNIMPLEMENTED = 5;
/** cmpxchg only: the memory did not hold `old`; the callback wrote the current value into `old`. */
export const X86EMUL_CMPXCHG_FAILED = 7;
/**
 * scalarAccess / insnWindow only: not done here, nothing touched and no fault recorded; the emulator
 * takes its general path (read / write / insnFetch) instead. Never the outcome of an emulation.
 */
export const X86EMUL_DECLINED = 8;

/** Where instruction bytes lie in guest RAM, filled by {@link X86EmulateOps.insnWindow} (the emulator owns one). */
export class InsnWindow {
  /** The RAM the bytes are in (read in place, never written through this). */
  bytes: Uint8Array = new Uint8Array(0);
  /** Index of the first instruction byte in `bytes`. */
  offset = 0;
}

/**
 * Exception vectors the emulator raises (SDM Vol. 3A §6.15): #DE divide error, #UD invalid opcode,
 * #NM device not available, #TS invalid TSS, #NP segment not present, #SS stack fault, #GP general
 * protection, #PF page fault, #AC alignment check.
 */
export const VEC_DE = 0,
  VEC_UD = 6,
  VEC_NM = 7,
  VEC_TS = 10,
  VEC_NP = 11,
  VEC_SS = 12,
  VEC_GP = 13,
  VEC_PF = 14,
  VEC_AC = 17;

/** An exception waiting to be delivered to the guest (Xen's `ctxt->event`). */
export class PendingEvent {
  /** The exception vector (VEC_*), or -1 when none is pending. */
  vector = -1;
  /** Error code, or -1 when the vector has none. */
  errorCode = -1;
  /** Faulting linear address for #PF. */
  cr2Lo = 0;
  /** High half of the #PF linear address. */
  cr2Hi = 0;

  /** True when an exception was recorded. */
  get pending(): boolean {
    return this.vector >= 0;
  }
  /** Records exception `vector` (0–31) with `errorCode`, or -1 for a vector without one (#UD, #NM, #DE). */
  raise(vector: number, errorCode = -1): void {
    this.vector = vector;
    this.errorCode = errorCode;
  }
  /**
   * Records a #PF with the SDM's page-fault error code (Vol. 3A §4.7: P, W/R, U/S, RSVD, I/D bits)
   * and the faulting linear address (lo, hi halves), which becomes CR2 when the VMM injects it.
   */
  pageFault(errorCode: number, linLo: number, linHi: number): void {
    this.vector = VEC_PF;
    this.errorCode = errorCode;
    this.cr2Lo = linLo >>> 0;
    this.cr2Hi = linHi >>> 0;
  }
  /** No exception pending (done by the emulator at the start of every instruction). */
  clear(): void {
    this.vector = -1;
    this.errorCode = -1;
  }
}

/** What a callback is told about the instruction in progress. */
export interface EmulateContext {
  /** The vCPU index (EmulateOptions.vcpu), for the bus AccessContext. */
  readonly vcpu: number;
  /** The CPU state being emulated (read it; the emulator commits changes itself). */
  readonly state: CpuState;
  /** Where a callback records the fault it returns X86EMUL_EXCEPTION for. */
  readonly event: PendingEvent;
  /** True while a string instruction (MOVS/STOS/LODS/CMPS/SCAS/INS/OUTS) is executing. */
  readonly stringOp: boolean;
  /**
   * True while the emulator reads a descriptor table (LAR/LSL): an implicit supervisor-mode access
   * (SDM Vol. 3A §4.6), which paging checks as a CPL < 3 access whatever the CPL.
   */
  readonly systemAccess: boolean;
  /** In/out repetition count for the rep_* callbacks. */
  reps: number;
  /** True when this emulation re-executes an instruction that previously returned RETRY. */
  readonly retrying: boolean;
}

/**
 * What the emulator needs from its environment, after Xen's `struct x86_emulate_ops`: memory by
 * linear address, port I/O, optional string batches and lazy state. Every method returns an
 * X86EMUL_* status (OKAY, UNHANDLEABLE, EXCEPTION after recording the fault in `ctxt.event`,
 * RETRY); none may throw. {@link BusEmulateOps} implements it over a platform's buses; the
 * callback table in docs/x86emu.md lists Xen's counterpart of each.
 */
export interface X86EmulateOps {
  /** Read `size` bytes (1..64) at linear address (lo, hi) into dst[0 .. size). */
  read(linLo: number, linHi: number, size: number, dst: Uint8Array, ctxt: EmulateContext): number;
  /** Write src[0 .. size) to linear address (lo, hi). */
  write(linLo: number, linHi: number, size: number, src: Uint8Array, ctxt: EmulateContext): number;
  /**
   * Compare-and-exchange `size` bytes (up to 16). The emulator has already read and compared;
   * like Xen's HVM instance an implementation may reduce this to a plain write of `neu`.
   */
  cmpxchg(linLo: number, linHi: number, size: number, old: Uint8Array, neu: Uint8Array, lock: boolean, ctxt: EmulateContext): number;
  /**
   * Fetch up to `max` instruction bytes at linear address (lo, hi) into dst. Returns how many bytes
   * were fetched; when it stops early because of a fault it records that fault in ctxt.event (the
   * emulator delivers it only if the decoder needed the missing bytes).
   */
  insnFetch(linLo: number, linHi: number, dst: Uint8Array, max: number, ctxt: EmulateContext): number;
  /**
   * Optional fast path for one scalar access (size 1, 2, 4 or 8) at linear (lo, hi) that lies within
   * one 4 KiB page: the emulator's MOV forms use it instead of read/write. The value travels in
   * v[0] (low 32 bits) and v[1] (high), int32 bit patterns, in for a write and out for a read (the
   * bytes beyond `size` are zero). Returns what read/write would (OKAY, EXCEPTION after recording
   * the fault, RETRY, UNHANDLEABLE) having done exactly what they would, or X86EMUL_DECLINED having
   * done nothing (then the emulator calls read/write).
   */
  scalarAccess?(linLo: number, linHi: number, size: number, write: boolean, v: Int32Array, ctxt: EmulateContext): number;
  /**
   * Optional in-place instruction fetch: where up to `max` instruction bytes at linear (lo, hi) lie
   * in guest RAM, within the page they start in. Returns how many are readable at
   * out.bytes[out.offset ...], 0 after recording a fetch fault, or -1 when they are not in RAM (then
   * the emulator calls insnFetch, which may translate the same address again).
   */
  insnWindow?(linLo: number, linHi: number, max: number, out: InsnWindow, ctxt: EmulateContext): number;
  /** Port read; the value goes into dst[0 .. size) little-endian. */
  readIo(port: number, size: 1 | 2 | 4, dst: Uint8Array, ctxt: EmulateContext): number;
  /** Port write of the low `size` bytes of `value` (uint32) to `port` (0–0xFFFF). */
  writeIo(port: number, size: 1 | 2 | 4, value: number, ctxt: EmulateContext): number;
  /** INS: read ctxt.reps elements of `size` from `port` to memory at linear (lo, hi) stepping ±size; set ctxt.reps to the number done. */
  repIns?(port: number, size: 1 | 2 | 4, dstLo: number, dstHi: number, backwards: boolean, ctxt: EmulateContext): number;
  /** OUTS: write ctxt.reps elements of `size` from memory at linear (lo, hi), stepping ±size, to `port`; set ctxt.reps to the number done. */
  repOuts?(srcLo: number, srcHi: number, port: number, size: 1 | 2 | 4, backwards: boolean, ctxt: EmulateContext): number;
  /**
   * MOVS: copy ctxt.reps elements of `size` (1, 2, 4, 8) from linear src to linear dst, both
   * stepping ±size; set ctxt.reps to the number done. Returning UNHANDLEABLE with none done makes
   * the emulator go element by element through read and write.
   */
  repMovs?(srcLo: number, srcHi: number, dstLo: number, dstHi: number, size: number, backwards: boolean, ctxt: EmulateContext): number;
  /** STOS: store value[0 .. size) ctxt.reps times. */
  repStos?(dstLo: number, dstHi: number, size: number, value: Uint8Array, backwards: boolean, ctxt: EmulateContext): number;
  /**
   * Optional lazy state refresh: when present the emulator calls it before first using a segment
   * in an instruction (a VMM can read the VMCS only on demand). Without it CpuState.seg is used.
   */
  readSegment?(seg: number, out: SegmentRegister, ctxt: EmulateContext): number;
  /** Optional lazy refresh of CR0/CR4 (reg 0 or 4); returns the low 32 bits. */
  readCr?(reg: number, ctxt: EmulateContext): number;
  /** RDMSR: MSR `msr` into out[0] (low 32 bits) and out[1] (high). Reserved: no instruction the emulator runs calls it yet. */
  readMsr?(msr: number, out: Uint32Array, ctxt: EmulateContext): number;
  /** WRMSR: `lo`/`hi` 32-bit halves to MSR `msr`. Reserved: no instruction the emulator runs calls it yet. */
  writeMsr?(msr: number, lo: number, hi: number, ctxt: EmulateContext): number;
  /** TSS I/O permission bitmap check, consulted when CPL > IOPL (or in v8086 mode). */
  ioPermitted?(port: number, size: number, ctxt: EmulateContext): boolean;
  /** Called once at the end of every emulation with the outcome code (the adapter drops its MMIO cache unless RETRY). */
  done?(status: number, ctxt: EmulateContext): void;
}
