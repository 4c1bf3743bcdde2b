// Per-instruction execution context: register access at every width, effective addresses,
// segmentation (limits, null segments, canonical checks) and memory access through the callbacks.
// Executors (src/x86emu/exec/*) receive this object; nothing here allocates per instruction.
import type { AluOut, BitAddrOut, MulDivOut } from './alu/api.js';
import * as Cs from './cpu-state.js';
import type { CpuState, SegmentRegister } from './cpu-state.js';
import type { CpuFeatures } from './features.js';
import * as In from './insn.js';
import { Insn } from './insn.js';
import * as Md from './modes.js';
import type { CpuMode } from './modes.js';
import * as Ops from './ops.js';
import { PendingEvent, type EmulateContext, type X86EmulateOps } from './ops.js';

// Local copies of the constants: an imported binding read in optimized code carries a TDZ check
// (see decoder/decode.ts); these are read on every instruction (computeEa, linearize, status).
const { CR0_AM, RFLAGS_AC, SA_DB, SA_P, SA_S, SA_UNUSABLE, SEG_SS, SEG_TYPE_CODE, SEG_TYPE_EXPAND_DOWN, SEG_TYPE_WRITABLE } = Cs;
const { BASE_RIP, EW_BASE, EW_INDEX, EW_SCALE, NO_REG, OW_ADDRSIZE } = In;
const { MODE_LONG64, MODE_REAL, MODE_V86 } = Md;
const { VEC_AC, VEC_GP, VEC_SS, X86EMUL_EXCEPTION, X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, X86EMUL_UNIMPLEMENTED } = Ops;

// Executors return the callback status codes of ops.ts (X86EMUL_*): one vocabulary from a callback
// through an executor to `ops.done` and the result, so no code can be mistaken for another.

export const ACC_READ = 0;
export const ACC_WRITE = 1;

export class Emu implements EmulateContext {
  vcpu = 0;
  state!: CpuState;
  ops!: X86EmulateOps;
  readonly event = new PendingEvent();
  stringOp = false;
  /** True while LAR/LSL read a descriptor table (see EmulateContext.systemAccess). */
  systemAccess = false;
  reps = 0;
  retrying = false;
  /** The instruction being executed (the emulator points it at its decode record; executors only read it). */
  insn = new Insn();
  mode: CpuMode = MODE_LONG64;
  is64 = true;
  cpl = 0;
  /** Bit i set once segment i was refreshed through ops.readSegment in this instruction. */
  segLoaded = 0;
  /** Next-instruction RIP (for RIP-relative addressing and the final commit). */
  nextRipLo = 0;
  nextRipHi = 0;
  /** Set by an executor that left RIP on the instruction (an interrupted REP run). */
  keepRip = false;
  /** Why an executor returned X86EMUL_UNHANDLEABLE / X86EMUL_UNIMPLEMENTED (a static string; no allocation). */
  reason = '';
  // scratch values; eaLo/eaHi and linLo/linHi are int32 bit patterns of the uint32 halves
  // (`>>> 0` to read them unsigned): int32 stays unboxed in V8, uint32 ≥ 2^31 does not.
  eaLo = 0;
  eaHi = 0;
  linLo = 0;
  linHi = 0;
  vLo = 0;
  vHi = 0;
  /** The value of a scalar access through ops.scalarAccess: low and high 32 bits as int32 bit patterns. */
  readonly scalar = new Int32Array(2);
  readonly buf = new Uint8Array(64);
  readonly buf32 = new Uint32Array(this.buf.buffer);
  readonly buf2 = new Uint8Array(64);
  readonly buf2_32 = new Uint32Array(this.buf2.buffer);
  readonly aluOut: AluOut = { lo: 0, hi: 0, flags: 0 };
  readonly mdOut: MulDivOut = { accLo: 0, accHi: 0, extLo: 0, extHi: 0, flags: 0 };
  readonly bitOut: BitAddrOut = { dispLo: 0, dispHi: 0, bit: 0 };

  constructor(readonly features: CpuFeatures) {}

  // ---- faults -------------------------------------------------------------------------------
  fault(vector: number, errorCode = -1): number {
    this.event.raise(vector, errorCode);
    return X86EMUL_EXCEPTION;
  }
  gp0(): number {
    return this.fault(VEC_GP, 0);
  }
  unimplemented(reason: string): number {
    this.reason = reason;
    return X86EMUL_UNIMPLEMENTED;
  }
  /**
   * Check a callback status: OKAY and RETRY pass through, EXCEPTION makes sure a fault is recorded,
   * anything else (UNHANDLEABLE, or a code the callback had no business returning) is UNHANDLEABLE.
   */
  status(st: number): number {
    if (st === X86EMUL_OKAY || st === X86EMUL_RETRY) return st;
    if (st === X86EMUL_EXCEPTION) {
      if (!this.event.pending) this.event.raise(VEC_GP, 0);
      return X86EMUL_EXCEPTION;
    }
    this.reason = 'callback could not perform the access';
    return X86EMUL_UNHANDLEABLE;
  }

  // ---- registers ----------------------------------------------------------------------------
  /** Value of GPR r at `size` bytes (size 8: low half; see regHi). Byte registers 4..7 without REX are AH..BH. */
  reg(r: number, size: number): number {
    const g = this.state.gpr;
    if (size === 4 || size === 8) return g[2 * r]!;
    if (size === 2) return g[2 * r]! & 0xffff;
    if (r >= 4 && r < 8 && this.insn.rex === 0) return (g[2 * (r - 4)]! >>> 8) & 0xff;
    return g[2 * r]! & 0xff;
  }
  regHi(r: number): number {
    return this.state.gpr[2 * r + 1]!;
  }
  /** Write GPR r at `size` bytes with the architectural merge rules (32-bit writes zero-extend). */
  setReg(r: number, size: number, lo: number, hi: number): void {
    const g = this.state.gpr;
    if (size === 8) {
      g[2 * r] = lo;
      g[2 * r + 1] = hi;
    } else if (size === 4) {
      g[2 * r] = lo;
      g[2 * r + 1] = 0;
    } else if (size === 2) {
      g[2 * r] = (g[2 * r]! & 0xffff0000) | (lo & 0xffff);
    } else if (r >= 4 && r < 8 && this.insn.rex === 0) {
      const k = 2 * (r - 4);
      g[k] = (g[k]! & 0xffff00ff) | ((lo & 0xff) << 8);
    } else {
      g[2 * r] = (g[2 * r]! & 0xffffff00) | (lo & 0xff);
    }
  }
  /** Register value masked to the address size (count and index registers of string ops). */
  addrReg(r: number): number {
    const lo = this.state.gpr[2 * r]!;
    return ((this.insn.opWord >>> OW_ADDRSIZE) & 15) === 2 ? lo & 0xffff : lo; // insn.addrSize (no accessor: see computeEa)
  }

  // ---- segments and addresses ---------------------------------------------------------------
  segment(i: number): SegmentRegister {
    const s = this.state.seg[i]!;
    if (this.ops.readSegment !== undefined && (this.segLoaded & (1 << i)) === 0) {
      this.segLoaded |= 1 << i;
      this.ops.readSegment(i, s, this);
    }
    return s;
  }

  /** Effective address of the ModRM/moffs memory operand, wrapped to the address size, into eaLo/eaHi. */
  computeEa(): void {
    const d = this.insn;
    const g = this.state.gpr;
    // base, index and scale from the record's memWord read once (insn.ts layout): every accessor
    // inlined here would count against V8's inlining budget of the executors that call this
    const mw = d.memWord;
    const base = ((mw >>> EW_BASE) & 31) - 1;
    const index = ((mw >>> EW_INDEX) & 31) - 1;
    const addrSize = (d.opWord >>> OW_ADDRSIZE) & 15;
    let lo = d.dispLo >>> 0,
      hi = d.dispHi >>> 0;
    if (base !== NO_REG) {
      let bLo: number, bHi: number;
      if (base === BASE_RIP) {
        bLo = this.nextRipLo;
        bHi = this.nextRipHi;
      } else {
        bLo = g[2 * base]!;
        bHi = g[2 * base + 1]!;
      }
      const s = lo + bLo;
      lo = s >>> 0;
      hi = (hi + bHi + (s > 0xffffffff ? 1 : 0)) >>> 0;
    }
    if (index !== NO_REG) {
      const sc = 1 << ((mw >>> EW_SCALE) & 3);
      const iLo = g[2 * index]! * sc;
      const iHi = g[2 * index + 1]! * sc + Math.floor(iLo / 0x1_0000_0000);
      const s = lo + (iLo >>> 0);
      lo = s >>> 0;
      hi = (hi + iHi + (s > 0xffffffff ? 1 : 0)) >>> 0;
    }
    if (addrSize === 2) {
      lo &= 0xffff;
      hi = 0;
    } else if (addrSize === 4) hi = 0;
    this.eaLo = lo | 0;
    this.eaHi = hi | 0;
  }

  /**
   * Segment:offset → linear address (linLo/linHi) for an access of `size` bytes, with the checks
   * of SDM Vol. 3 §5.3 (limits), §3.4.4 (null/unusable segments), §3.3.7.1 (canonical addresses)
   * and alignment checking (#AC at CPL 3 with CR0.AM and RFLAGS.AC).
   */
  linearize(segIdx: number, offLo: number, offHi: number, size: number, access: number): number {
    const ss = segIdx === SEG_SS;
    offLo >>>= 0;
    offHi >>>= 0;
    if (this.is64) {
      let lo = offLo,
        hi = offHi;
      if (segIdx >= 4) {
        const s = this.segment(segIdx);
        const sum = lo + (s.baseLo >>> 0);
        lo = sum >>> 0;
        hi = (hi + (s.baseHi >>> 0) + (sum > 0xffffffff ? 1 : 0)) >>> 0;
      }
      // canonical: bits 63..47 all equal, for the first and the last byte
      const endLo = lo + size - 1;
      const endHi = endLo > 0xffffffff ? (hi + 1) >>> 0 : hi;
      if (!canonical(hi) || !canonical(endHi)) return this.fault(ss ? VEC_SS : VEC_GP, 0);
      this.linLo = lo | 0;
      this.linHi = hi | 0;
    } else {
      const s = this.segment(segIdx);
      const attr = s.attr;
      const prot = this.mode !== MODE_REAL && this.mode !== MODE_V86;
      const vec = ss ? VEC_SS : VEC_GP;
      if (prot) {
        if ((attr & SA_UNUSABLE) !== 0 || (attr & SA_P) === 0 || (attr & SA_S) === 0) return this.fault(vec, 0);
        const type = attr & 0xf;
        if (access === ACC_WRITE && ((type & SEG_TYPE_CODE) !== 0 || (type & SEG_TYPE_WRITABLE) === 0)) return this.fault(vec, 0);
        if (access === ACC_READ && (type & SEG_TYPE_CODE) !== 0 && (type & SEG_TYPE_WRITABLE) === 0) return this.fault(vec, 0);
      }
      // offsets and the limit compared as uint32 (a limit or offset ≥ 2^31 is not negative)
      const off = offLo;
      const last = off + size - 1;
      const limit = s.limit >>> 0;
      const type = attr & 0xf;
      if ((type & (SEG_TYPE_CODE | SEG_TYPE_EXPAND_DOWN)) === SEG_TYPE_EXPAND_DOWN && prot) {
        const upper = (attr & SA_DB) !== 0 ? 0xffffffff : 0xffff;
        if (off <= limit || last > upper) return this.fault(vec, 0);
      } else if (last > limit) return this.fault(vec, 0);
      this.linLo = (s.baseLo + off) | 0;
      this.linHi = 0;
    }
    if (
      size > 1 &&
      this.cpl === 3 &&
      (this.linLo & (size > 8 ? 0 : size - 1)) !== 0 &&
      (this.state.cr0 & CR0_AM) !== 0 &&
      (this.state.rflags & RFLAGS_AC) !== 0
    ) {
      return this.fault(VEC_AC, 0);
    }
    return X86EMUL_OKAY;
  }

  // ---- memory -------------------------------------------------------------------------------
  /** Read `size` bytes at seg:offset into this.buf. */
  readMem(seg: number, offLo: number, offHi: number, size: number): number {
    const r = this.linearize(seg, offLo, offHi, size, ACC_READ);
    if (r !== X86EMUL_OKAY) return r;
    return this.status(this.ops.read(this.linLo, this.linHi, size, this.buf, this));
  }
  /** Write `size` bytes from this.buf at seg:offset. */
  writeMem(seg: number, offLo: number, offHi: number, size: number): number {
    const r = this.linearize(seg, offLo, offHi, size, ACC_WRITE);
    if (r !== X86EMUL_OKAY) return r;
    return this.status(this.ops.write(this.linLo, this.linHi, size, this.buf, this));
  }
  /** Scalar (≤ 8 bytes) read at seg:offset into vLo/vHi. */
  readScalar(seg: number, offLo: number, offHi: number, size: number): number {
    const r = this.readMem(seg, offLo, offHi, size);
    if (r === X86EMUL_OKAY) this.unpack(size);
    return r;
  }
  writeScalar(seg: number, offLo: number, offHi: number, size: number, lo: number, hi: number): number {
    this.pack(size, lo, hi);
    return this.writeMem(seg, offLo, offHi, size);
  }
  /** this.buf[0..size) → vLo/vHi. */
  unpack(size: number): void {
    const b = this.buf;
    if (size === 1) {
      this.vLo = b[0]!;
      this.vHi = 0;
    } else if (size === 2) {
      this.vLo = b[0]! | (b[1]! << 8);
      this.vHi = 0;
    } else if (size === 4) {
      this.vLo = this.buf32[0]!;
      this.vHi = 0;
    } else {
      this.vLo = this.buf32[0]!;
      this.vHi = this.buf32[1]!;
    }
  }
  pack(size: number, lo: number, hi: number): void {
    this.buf32[0] = lo;
    if (size === 8) this.buf32[1] = hi;
  }

  /** Read the r/m operand (register or memory) at `size` into vLo/vHi. */
  readRm(size: number): number {
    const d = this.insn;
    if (!d.hasMem) {
      this.vLo = this.reg(d.rm, size);
      this.vHi = size === 8 ? this.regHi(d.rm) : 0;
      return X86EMUL_OKAY;
    }
    this.computeEa();
    return this.readScalar(d.seg, this.eaLo, this.eaHi, size);
  }
  /** Write the r/m operand; for memory, computeEa() must already have run (readRm does it). */
  writeRm(size: number, lo: number, hi: number): number {
    const d = this.insn;
    if (!d.hasMem) {
      this.setReg(d.rm, size, lo, hi);
      return X86EMUL_OKAY;
    }
    return this.writeScalar(d.seg, this.eaLo, this.eaHi, size, lo, hi);
  }
  /** Flags register update (only the low 32 bits exist). */
  setFlags(f: number): void {
    this.state.rflags = f >>> 0;
  }
}

/** Bits 63..47 of a 64-bit address are all equal, given its high half. */
export function canonical(hi: number): boolean {
  const top = hi >>> 15;
  return top === 0 || top === 0x1ffff;
}

/** Mask for `size` bytes (1, 2, 4) as uint32. */
export function sizeMask(size: number): number {
  return size >= 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}
