// String instructions MOVS STOS LODS CMPS SCAS INS OUTS with REP/REPE/REPNE, DF and address size.
// Repeat counts (up to 2^64-1) run in bounded batches: after a batch the registers are exact and RIP
// stays on the instruction, so re-entering the guest (or calling emulate again) resumes the run,
// exactly like a REP interrupted by an event (SDM Vol. 2 "REP"). When the callbacks provide
// rep_movs/rep_stos/rep_ins/rep_outs, whole batches go to them (they report how many were done).
import { OP_CMP, alu } from '../alu/binary.js';
import type { OperandSize } from '../alu/api.js';
import { FLAG_ZF } from '../alu/api.js';
import { RAX, RCX, RDI, RDX, RSI, SEG_DS, SEG_ES } from '../cpu-state.js';
import { ACC_READ, ACC_WRITE, type Emu } from '../core.js';
import { H_CMPS, H_INS, H_LODS, H_MOVS, H_OUTS, H_SCAS, H_STOS, entryHandler } from '../decoder/tables.js';
import { OW_ADDRSIZE } from '../insn.js';
import { X86EMUL_OKAY, X86EMUL_UNHANDLEABLE } from '../ops.js';
import { ioCheck, ioSize } from './io.js';

/** Most elements one emulate() call processes before returning with the run resumable. */
export const STRING_BATCH = 65536;

// The helpers below read the address size from the record's opWord (insn.ts), not through the
// accessor: they are inlined into tryBulk, and every inlined accessor counts against V8's budget.
const AS_SHIFT = OW_ADDRSIZE;

/** Add a signed step to an address register at the address size (16-bit: only the low word changes). */
function stepReg(e: Emu, r: number, step: number): void {
  const g = e.state.gpr;
  const as = (e.insn.opWord >>> AS_SHIFT) & 15;
  const lo = g[2 * r]!;
  if (as === 2) g[2 * r] = (lo & 0xffff0000) | ((lo + step) & 0xffff);
  else if (as === 4) {
    g[2 * r] = (lo + step) >>> 0;
    if (e.is64) g[2 * r + 1] = 0;
  } else {
    const s = lo + step;
    g[2 * r] = s >>> 0;
    if (s < 0) g[2 * r + 1] = (g[2 * r + 1]! - 1) >>> 0;
    else if (s > 0xffffffff) g[2 * r + 1] = (g[2 * r + 1]! + 1) >>> 0;
  }
}

/** RCX (at the address size) is zero. */
function countZero(e: Emu): boolean {
  const g = e.state.gpr;
  const as = (e.insn.opWord >>> AS_SHIFT) & 15;
  if (as === 2) return (g[2 * RCX]! & 0xffff) === 0;
  if (as === 4) return g[2 * RCX] === 0;
  return g[2 * RCX] === 0 && g[2 * RCX + 1] === 0;
}
/** min(RCX at the address size, limit). */
function countUpTo(e: Emu, limit: number): number {
  const g = e.state.gpr;
  const as = (e.insn.opWord >>> AS_SHIFT) & 15;
  if (as === 8 && g[2 * RCX + 1] !== 0) return limit;
  const c = as === 2 ? g[2 * RCX]! & 0xffff : g[2 * RCX]!;
  return c < limit ? c : limit;
}
/** RCX -= n at the address size (n ≤ current count). */
function decCount(e: Emu, n: number): void {
  stepReg(e, RCX, -n);
}

function offLo(e: Emu, r: number): number {
  return e.addrReg(r);
}
function offHi(e: Emu, r: number): number {
  return ((e.insn.opWord >>> AS_SHIFT) & 15) === 8 ? e.state.gpr[2 * r + 1]! : 0;
}

/** The whole batch range of register `r` is addressable without wrapping the address size. */
function rangeOk(e: Emu, seg: number, r: number, access: number, back: boolean, span: number, size: number): boolean {
  const as = (e.insn.opWord >>> AS_SHIFT) & 15;
  const lo = offLo(e, r),
    hi = offHi(e, r);
  if (as !== 8) {
    const max = as === 2 ? 0xffff : 0xffffffff;
    if (back ? lo < span : lo + span + size - 1 > max) return false;
  } else if (back ? hi === 0 && lo < span : hi === 0xffffffff && lo + span + size - 1 > 0xffffffff) return false;
  const first = back ? lo - span : lo;
  const fHi = back && first < 0 ? (hi - 1) >>> 0 : hi;
  if (e.linearize(seg, first >>> 0, fHi, span + size, access) !== X86EMUL_OKAY) {
    e.event.clear();
    return false;
  }
  return true;
}

/**
 * Try a whole batch through a rep_* callback. Returns the executor code, or -1 to fall back to the
 * element-by-element path (callback absent, refused, or the range needs per-element fault checks).
 */
function tryBulk(e: Emu, h: number, size: number, n: number, back: boolean, srcSeg: number, port: number): number {
  const ops = e.ops;
  const fn = h === H_MOVS ? ops.repMovs : h === H_STOS ? ops.repStos : h === H_INS ? ops.repIns : h === H_OUTS ? ops.repOuts : undefined;
  if (fn === undefined || n < 2) return -1;
  const span = (n - 1) * size;
  let sLo = 0,
    sHi = 0,
    dLo = 0,
    dHi = 0;
  if (h === H_MOVS || h === H_OUTS) {
    if (!rangeOk(e, srcSeg, RSI, ACC_READ, back, span, size)) return -1;
    if (e.linearize(srcSeg, offLo(e, RSI), offHi(e, RSI), size, ACC_READ) !== X86EMUL_OKAY) return -1;
    sLo = e.linLo >>> 0;
    sHi = e.linHi >>> 0;
  }
  if (h !== H_OUTS) {
    if (!rangeOk(e, SEG_ES, RDI, ACC_WRITE, back, span, size)) return -1;
    if (e.linearize(SEG_ES, offLo(e, RDI), offHi(e, RDI), size, ACC_WRITE) !== X86EMUL_OKAY) return -1;
    dLo = e.linLo >>> 0;
    dHi = e.linHi >>> 0;
  }
  e.reps = n;
  let st: number;
  if (h === H_MOVS) st = ops.repMovs!(sLo, sHi, dLo, dHi, size, back, e);
  else if (h === H_STOS) {
    e.buf32[0] = e.reg(RAX, size);
    e.buf32[1] = size === 8 ? e.regHi(RAX) : 0;
    st = ops.repStos!(dLo, dHi, size, e.buf, back, e);
  } else if (h === H_INS) st = ops.repIns!(port, size as 1 | 2 | 4, dLo, dHi, back, e);
  else st = ops.repOuts!(sLo, sHi, port, size as 1 | 2 | 4, back, e);
  if (st === X86EMUL_UNHANDLEABLE && e.reps === 0) return -1;
  let done = e.reps;
  if (!(done >= 0)) done = 0;
  if (done > n) done = n;
  if (done > 0) {
    const step = (back ? -size : size) * done;
    if (h === H_MOVS || h === H_OUTS) stepReg(e, RSI, step);
    if (h !== H_OUTS) stepReg(e, RDI, step);
    decCount(e, done);
  }
  if (st === X86EMUL_OKAY) {
    if (done === 0) return -1;
    if (!countZero(e)) e.keepRip = true;
    return X86EMUL_OKAY;
  }
  if (st === X86EMUL_UNHANDLEABLE && done > 0) {
    // Xen: an error after at least one repetition truncates the count; the rest re-executes.
    e.keepRip = true;
    return X86EMUL_OKAY;
  }
  return e.status(st);
}

/** One element; returns the executor code. `srcSeg` is the overridable DS:rSI segment. */
function element(e: Emu, h: number, size: number, srcSeg: number, port: number): number {
  let r: number;
  switch (h) {
    case H_MOVS:
      r = e.readMem(srcSeg, offLo(e, RSI), offHi(e, RSI), size);
      if (r !== X86EMUL_OKAY) return r;
      return e.writeMem(SEG_ES, offLo(e, RDI), offHi(e, RDI), size);
    case H_STOS:
      return e.writeScalar(SEG_ES, offLo(e, RDI), offHi(e, RDI), size, e.reg(RAX, size), size === 8 ? e.regHi(RAX) : 0);
    case H_LODS:
      r = e.readScalar(srcSeg, offLo(e, RSI), offHi(e, RSI), size);
      if (r === X86EMUL_OKAY) e.setReg(RAX, size, e.vLo, e.vHi);
      return r;
    case H_OUTS:
      r = e.readScalar(srcSeg, offLo(e, RSI), offHi(e, RSI), size);
      if (r !== X86EMUL_OKAY) return r;
      return e.status(e.ops.writeIo(port, size as 1 | 2 | 4, e.vLo, e));
    case H_INS: {
      // Check the destination before the port read so a segment fault has no I/O side effect.
      r = e.linearize(SEG_ES, offLo(e, RDI), offHi(e, RDI), size, ACC_WRITE);
      if (r !== X86EMUL_OKAY) return r;
      const b = e.buf;
      b[0] = b[1] = b[2] = b[3] = 0xff;
      r = e.status(e.ops.readIo(port, size as 1 | 2 | 4, b, e));
      if (r !== X86EMUL_OKAY) return r;
      return e.status(e.ops.write(e.linLo, e.linHi, size, b, e));
    }
    case H_CMPS: {
      r = e.readScalar(srcSeg, offLo(e, RSI), offHi(e, RSI), size);
      if (r !== X86EMUL_OKAY) return r;
      const aLo = e.vLo,
        aHi = e.vHi;
      r = e.readScalar(SEG_ES, offLo(e, RDI), offHi(e, RDI), size);
      if (r !== X86EMUL_OKAY) return r;
      alu(OP_CMP, size as OperandSize, aLo, aHi, e.vLo, e.vHi, e.state.rflags, e.aluOut);
      return X86EMUL_OKAY;
    }
    default: {
      // SCAS
      r = e.readScalar(SEG_ES, offLo(e, RDI), offHi(e, RDI), size);
      if (r !== X86EMUL_OKAY) return r;
      alu(OP_CMP, size as OperandSize, e.reg(RAX, size), size === 8 ? e.regHi(RAX) : 0, e.vLo, e.vHi, e.state.rflags, e.aluOut);
      return X86EMUL_OKAY;
    }
  }
}

export function execString(e: Emu): number {
  const d = e.insn;
  const h = entryHandler(d.entry);
  const io = h === H_INS || h === H_OUTS;
  const size = io ? ioSize(d.opSize) : d.opSize;
  const srcSeg = d.segOverride >= 0 ? d.segOverride : SEG_DS;
  const port = io ? e.reg(RDX, 2) : 0;
  if (io) {
    const c = ioCheck(e, port, size);
    if (c !== X86EMUL_OKAY) return c;
  }
  e.stringOp = true;
  const back = (e.state.rflags & 0x400) !== 0;
  const step = back ? -size : size;
  const usesSi = h === H_MOVS || h === H_LODS || h === H_OUTS || h === H_CMPS;
  const usesDi = h !== H_LODS && h !== H_OUTS;
  const compare = h === H_CMPS || h === H_SCAS;
  if (d.rep === 0) {
    const r = element(e, h, size, srcSeg, port);
    if (r !== X86EMUL_OKAY) return r;
    if (compare) e.setFlags(e.aluOut.flags);
    if (usesSi) stepReg(e, RSI, step);
    if (usesDi) stepReg(e, RDI, step);
    return X86EMUL_OKAY;
  }
  if (countZero(e)) return X86EMUL_OKAY;
  const n = countUpTo(e, STRING_BATCH);
  if (!compare) {
    const b = tryBulk(e, h, size, n, back, srcSeg, port);
    if (b >= 0) return b;
  }
  const repe = d.rep === 0xf3;
  for (let k = 0; k < n; k++) {
    const r = element(e, h, size, srcSeg, port);
    if (r !== X86EMUL_OKAY) return r; // registers reflect the completed elements
    if (usesSi) stepReg(e, RSI, step);
    if (usesDi) stepReg(e, RDI, step);
    decCount(e, 1);
    if (compare) {
      const f = e.aluOut.flags;
      e.setFlags(f);
      if (((f & FLAG_ZF) !== 0) !== repe) return X86EMUL_OKAY; // REPE stops on ZF=0, REPNE on ZF=1
    }
  }
  if (!countZero(e)) e.keepRip = true;
  return X86EMUL_OKAY;
}
