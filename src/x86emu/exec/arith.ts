// Integer arithmetic executors: ALU group, TEST, INC/DEC/NOT/NEG, MUL/IMUL/DIV/IDIV, shifts and
// rotates, SHLD/SHRD, BT family, BSF/BSR/TZCNT/LZCNT/POPCNT, XADD, CMPXCHG, CMPXCHG8B/16B. The
// arithmetic and EFLAGS come from the ALU module; here are operand fetch, write-back order (memory
// first, then registers and flags: nothing is committed when an access faults) and the faults.
// Read-modify-write on memory is a read followed by a write, as in Xen's HVM emulation (not atomic).
import type { OperandSize } from '../alu/api.js';
import { BT_BT, bitAddress, bitTest, bsf, bsr, lzcnt, popcnt, tzcnt } from '../alu/bits.js';
import { OP_CMP, OP_TEST, alu, cmpxchg, xadd } from '../alu/binary.js';
import { UN_DEC, UN_INC, UN_NEG, UN_NOT, unary } from '../alu/unary.js';
import { div, idiv, imul, imulTrunc, mul } from '../alu/muldiv.js';
import { shift, shld, shrd } from '../alu/shifts.js';
import { RAX, RBX, RCX, RDX } from '../cpu-state.js';
import { type Emu, sizeMask } from '../core.js';
import { entryArg } from '../decoder/tables.js';
import { VEC_DE, VEC_GP, VEC_UD, X86EMUL_CMPXCHG_FAILED, X86EMUL_OKAY } from '../ops.js';
import { execPushEv } from './mov.js';

type S = OperandSize;

/** Binary op on the r/m destination with source (bLo, bHi); CMP/TEST write only flags. */
function rmBinary(e: Emu, op: number, size: number, bLo: number, bHi: number): number {
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  alu(op, size as S, e.vLo, e.vHi, bLo >>> 0, bHi >>> 0, e.state.rflags, o);
  if (op !== OP_CMP && op !== OP_TEST) {
    const w = e.writeRm(size, o.lo, o.hi);
    if (w !== X86EMUL_OKAY) return w;
  }
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 00-3B (forms 0-3): ALU Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev. */
export function execAluEG(e: Emu): number {
  const d = e.insn;
  const op = entryArg(d.entry);
  const size = d.opSize;
  if ((d.opcode & 2) === 0) return rmBinary(e, op, size, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0);
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  alu(op, size as S, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0, e.vLo, e.vHi, e.state.rflags, o);
  if (op !== OP_CMP) e.setReg(d.reg, size, o.lo, o.hi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 04/05 … 3C/3D: ALU AL/eAX, imm. */
export function execAluAI(e: Emu): number {
  const d = e.insn;
  const op = entryArg(d.entry);
  const size = d.opSize;
  const o = e.aluOut;
  alu(op, size as S, e.reg(RAX, size), e.regHi(RAX), d.immLo >>> 0, d.immHi >>> 0, e.state.rflags, o);
  if (op !== OP_CMP) e.setReg(RAX, size, o.lo, o.hi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 80-83: group 1 r/m, imm. */
export function execGrp1(e: Emu): number {
  const d = e.insn;
  return rmBinary(e, d.regRaw, d.opSize, d.immLo, d.immHi);
}

/** 84/85 TEST r/m, reg; A8/A9 TEST AL/eAX, imm. */
export function execTestEG(e: Emu): number {
  const d = e.insn;
  return rmBinary(e, OP_TEST, d.opSize, e.reg(d.reg, d.opSize), d.opSize === 8 ? e.regHi(d.reg) : 0);
}
export function execTestAI(e: Emu): number {
  const d = e.insn;
  const o = e.aluOut;
  alu(OP_TEST, d.opSize as S, e.reg(RAX, d.opSize), e.regHi(RAX), d.immLo >>> 0, d.immHi >>> 0, e.state.rflags, o);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

function rmUnary(e: Emu, op: number, size: number): number {
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  unary(op, size as S, e.vLo, e.vHi, e.state.rflags, o);
  const w = e.writeRm(size, o.lo, o.hi);
  if (w !== X86EMUL_OKAY) return w;
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 40-4F outside 64-bit mode: INC/DEC reg. */
export function execIncDecR(e: Emu): number {
  const d = e.insn;
  const r = d.opcode & 7;
  const o = e.aluOut;
  unary(d.opcode < 0x48 ? UN_INC : UN_DEC, d.opSize as S, e.reg(r, d.opSize), 0, e.state.rflags, o);
  e.setReg(r, d.opSize, o.lo, o.hi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** F6/F7: TEST imm, NOT, NEG, MUL, IMUL, DIV, IDIV. */
export function execGrp3(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  const sub = d.regRaw;
  if (sub < 2) return rmBinary(e, OP_TEST, size, d.immLo, d.immHi);
  if (sub === 2) return rmUnary(e, UN_NOT, size);
  if (sub === 3) return rmUnary(e, UN_NEG, size);
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const m = e.mdOut;
  const f = e.state.rflags;
  if (sub < 6) {
    const accLo = e.reg(RAX, size),
      accHi = size === 8 ? e.regHi(RAX) : 0;
    if (sub === 4) mul(size as S, accLo, accHi, e.vLo, e.vHi, f, m);
    else imul(size as S, accLo, accHi, e.vLo, e.vHi, f, m);
  } else {
    let accLo: number, accHi: number, extLo: number, extHi: number;
    if (size === 1) {
      const ax = e.reg(RAX, 2);
      accLo = ax & 0xff;
      accHi = 0;
      extLo = ax >>> 8;
      extHi = 0;
    } else {
      accLo = e.reg(RAX, size);
      accHi = size === 8 ? e.regHi(RAX) : 0;
      extLo = e.reg(RDX, size);
      extHi = size === 8 ? e.regHi(RDX) : 0;
    }
    const de = sub === 6 ? div(size as S, accLo, accHi, extLo, extHi, e.vLo, e.vHi, f, m) : idiv(size as S, accLo, accHi, extLo, extHi, e.vLo, e.vHi, f, m);
    if (de) return e.fault(VEC_DE);
  }
  if (size === 1) e.setReg(RAX, 2, (m.accLo & 0xff) | ((m.extLo & 0xff) << 8), 0);
  else {
    e.setReg(RAX, size, m.accLo, m.accHi);
    e.setReg(RDX, size, m.extLo, m.extHi);
  }
  e.setFlags(m.flags);
  return X86EMUL_OKAY;
}

/** FE: INC/DEC r/m8. FF: INC/DEC r/m, PUSH r/m (near/far CALL/JMP are control flow: not emulated here). */
export function execGrp4(e: Emu): number {
  const sub = e.insn.regRaw;
  if (sub > 1) return e.fault(VEC_UD);
  return rmUnary(e, sub === 0 ? UN_INC : UN_DEC, 1);
}
export function execGrp5(e: Emu): number {
  const d = e.insn;
  const sub = d.regRaw;
  if (sub < 2) return rmUnary(e, sub === 0 ? UN_INC : UN_DEC, d.opSize);
  if (sub === 6) return execPushEv(e);
  if (sub === 7) return e.fault(VEC_UD);
  if ((sub === 3 || sub === 5) && !d.hasMem) return e.fault(VEC_UD);
  return e.unimplemented(sub === 2 ? 'CALL r/m' : sub === 3 ? 'CALL far m' : sub === 4 ? 'JMP r/m' : 'JMP far m');
}

/**
 * A shift or rotate whose masked count is 0 leaves the value and the flags alone, but it still
 * writes its destination: a 32-bit register write zero-extends, so bits 63:32 become 0 (as on the
 * reference CPU). A memory destination is not written (no architecturally visible difference, and
 * no needless device access).
 */
function countZero(e: Emu, size: number): number {
  const d = e.insn;
  if (size === 4 && !d.hasMem) e.setReg(d.rm, 4, e.vLo, 0);
  return X86EMUL_OKAY;
}

/** C0/C1 (imm8), D0/D1 (1), D2/D3 (CL): ROL ROR RCL RCR SHL SHR SAL SAR. */
export function execShift(e: Emu): number {
  const d = e.insn;
  const kind = entryArg(d.entry);
  const count = kind === 0 ? d.immLo & 0xff : kind === 1 ? 1 : e.reg(RCX, 1);
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  if ((count & (size === 8 ? 63 : 31)) === 0) return countZero(e, size);
  const o = e.aluOut;
  shift(d.regRaw, size as S, e.vLo, e.vHi, count, e.state.rflags, o);
  const w = e.writeRm(size, o.lo, o.hi);
  if (w !== X86EMUL_OKAY) return w;
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 0F A4/A5 SHLD, 0F AC/AD SHRD. */
export function execShxd(e: Emu, left: boolean): number {
  const d = e.insn;
  const count = entryArg(d.entry) === 0 ? d.immLo & 0xff : e.reg(RCX, 1);
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  if ((count & (size === 8 ? 63 : 31)) === 0) return countZero(e, size);
  const o = e.aluOut;
  const sLo = e.reg(d.reg, size),
    sHi = size === 8 ? e.regHi(d.reg) : 0;
  if (left) shld(size as S, e.vLo, e.vHi, sLo, sHi, count, e.state.rflags, o);
  else shrd(size as S, e.vLo, e.vHi, sLo, sHi, count, e.state.rflags, o);
  const w = e.writeRm(size, o.lo, o.hi);
  if (w !== X86EMUL_OKAY) return w;
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

function bitOp(e: Emu, op: number, bit: number, adjust: boolean): number {
  const d = e.insn;
  const size = d.opSize;
  let r: number;
  if (!d.hasMem) r = e.readRm(size);
  else {
    e.computeEa();
    if (adjust) {
      // Register bit offset: EA += sign_extend(offset) >> 3 (scaled to the operand), full width (XSA-195).
      const b = e.bitOut;
      bitAddress(size as S, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0, b);
      const s = (e.eaLo >>> 0) + b.dispLo;
      let lo = s >>> 0;
      let hi = ((e.eaHi >>> 0) + b.dispHi + (s > 0xffffffff ? 1 : 0)) >>> 0;
      if (d.addrSize === 2) {
        lo &= 0xffff;
        hi = 0;
      } else if (d.addrSize === 4) hi = 0;
      e.eaLo = lo | 0;
      e.eaHi = hi | 0;
      bit = b.bit;
    }
    r = e.readScalar(d.seg, e.eaLo, e.eaHi, size);
  }
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  bitTest(op, size as S, e.vLo, e.vHi, bit & (size * 8 - 1), e.state.rflags, o);
  if (op !== BT_BT) {
    const w = e.writeRm(size, o.lo, o.hi);
    if (w !== X86EMUL_OKAY) return w;
  }
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 0F A3/AB/B3/BB: BT/BTS/BTR/BTC r/m, reg. */
export function execBt(e: Emu): number {
  const d = e.insn;
  return bitOp(e, entryArg(d.entry), e.reg(d.reg, 4), true);
}
/** 0F BA /4../7: BT/BTS/BTR/BTC r/m, imm8 (offset modulo the operand width, no address adjustment). */
export function execBtGrp8(e: Emu): number {
  const d = e.insn;
  if (d.regRaw < 4) return e.fault(VEC_UD);
  return bitOp(e, d.regRaw - 4, d.immLo & 0xff, false);
}

/** 0F BC/BD: BSF/BSR, or TZCNT/LZCNT with F3 when the CPU has BMI1/LZCNT. */
export function execBitScan(e: Emu, reverse: boolean): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  const f = e.state.rflags;
  const counting = d.rep === 0xf3 && (reverse ? e.features.lzcnt : e.features.bmi1);
  if (counting) {
    if (reverse) lzcnt(size as S, e.vLo, e.vHi, f, o);
    else tzcnt(size as S, e.vLo, e.vHi, f, o);
    e.setReg(d.reg, size, o.lo, o.hi);
  } else {
    const dLo = e.reg(d.reg, size),
      dHi = size === 8 ? e.regHi(d.reg) : 0;
    if (reverse) bsr(size as S, e.vLo, e.vHi, dLo, dHi, f, o);
    else bsf(size as S, e.vLo, e.vHi, dLo, dHi, f, o);
    // Source zero: the destination is unchanged (AMD documents it; a 32-bit write still zero-extends on Intel, not AMD).
    if ((e.vLo | e.vHi) !== 0) e.setReg(d.reg, size, o.lo, o.hi);
  }
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** F3 0F B8: POPCNT. */
export function execPopcnt(e: Emu): number {
  const d = e.insn;
  if (!e.features.popcnt) return e.fault(VEC_UD);
  const r = e.readRm(d.opSize);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  popcnt(d.opSize as S, e.vLo, e.vHi, e.state.rflags, o);
  e.setReg(d.reg, d.opSize, o.lo, o.hi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 0F AF: IMUL reg, r/m. 69/6B: IMUL reg, r/m, imm. */
export function execImul(e: Emu, three: boolean): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const o = e.aluOut;
  if (three) imulTrunc(size as S, e.vLo, e.vHi, d.immLo >>> 0, d.immHi >>> 0, e.state.rflags, o);
  else imulTrunc(size as S, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0, e.vLo, e.vHi, e.state.rflags, o);
  e.setReg(d.reg, size, o.lo, o.hi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/** 0F C0/C1: XADD r/m, reg. */
export function execXadd(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const oldLo = e.vLo,
    oldHi = e.vHi;
  const o = e.aluOut;
  xadd(size as S, oldLo, oldHi, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0, e.state.rflags, o);
  if (d.hasMem) {
    const w = e.writeRm(size, o.lo, o.hi);
    if (w !== X86EMUL_OKAY) return w;
    e.setReg(d.reg, size, oldLo, oldHi);
  } else {
    e.setReg(d.reg, size, oldLo, oldHi);
    e.setReg(d.rm, size, o.lo, o.hi);
  }
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/**
 * 0F B0/B1: CMPXCHG r/m, reg. The emulator reads and compares, then hands the store to the
 * cmpxchg callback (Xen's model). On a mismatch nothing is written to memory.
 */
export function execCmpxchg(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  let dLo = e.vLo,
    dHi = e.vHi;
  const aLo = e.reg(RAX, size),
    aHi = size === 8 ? e.regHi(RAX) : 0;
  const o = e.aluOut;
  let equal = cmpxchg(size as S, aLo, aHi, dLo, dHi, e.state.rflags, o);
  const sLo = e.reg(d.reg, size),
    sHi = size === 8 ? e.regHi(d.reg) : 0;
  if (equal) {
    if (!d.hasMem) e.setReg(d.rm, size, sLo, sHi);
    else {
      const c = casMem(e, size, dLo, dHi, sLo, sHi);
      if (c < 0) {
        // The location changed under us: behave as a failed compare with the current value.
        dLo = e.buf2_32[0]! & sizeMask(size);
        dHi = size === 8 ? e.buf2_32[1]! : 0;
        equal = cmpxchg(size as S, aLo, aHi, dLo, dHi, e.state.rflags, o);
      } else if (c !== X86EMUL_OKAY) return c;
    }
  }
  if (!equal) e.setReg(RAX, size, dLo, dHi);
  e.setFlags(o.flags);
  return X86EMUL_OKAY;
}

/**
 * Memory compare-exchange through ops.cmpxchg at the already-computed EA: old value in buf2, new in buf.
 * Returns X86EMUL_OKAY, an error code, or -1 when the callback reported CMPXCHG_FAILED (current value in buf2).
 */
function casMem(e: Emu, size: number, oLo: number, oHi: number, nLo: number, nHi: number): number {
  const d = e.insn;
  const r = e.linearize(d.seg, e.eaLo, e.eaHi, size, 1);
  if (r !== X86EMUL_OKAY) return r;
  e.buf2_32[0] = oLo;
  e.buf2_32[1] = oHi;
  e.buf32[0] = nLo;
  e.buf32[1] = nHi;
  return casCall(e, size);
}

function casCall(e: Emu, size: number): number {
  const st = e.ops.cmpxchg(e.linLo, e.linHi, size, e.buf2, e.buf, e.insn.lock, e);
  if (st === X86EMUL_CMPXCHG_FAILED) return -1;
  if (st === X86EMUL_OKAY) return X86EMUL_OKAY;
  return e.status(st);
}

/** 0F C7 /1: CMPXCHG8B m64 / CMPXCHG16B m128 (REX.W). 66/F2/F3 never change the size (XSA-200). */
export function execGrp9(e: Emu): number {
  const d = e.insn;
  if (d.regRaw !== 1) return d.hasMem && d.regRaw !== 6 && d.regRaw !== 7 ? e.fault(VEC_UD) : e.unimplemented('0F C7 group 9');
  if (!d.hasMem) return e.fault(VEC_UD);
  const wide = d.rexW;
  if (wide ? !e.features.cx16 : !e.features.cx8) return e.fault(VEC_UD);
  const size = wide ? 16 : 8;
  e.computeEa();
  const l = e.linearize(d.seg, e.eaLo, e.eaHi, size, 1);
  if (l !== X86EMUL_OKAY) return l;
  if (wide && (e.linLo & 15) !== 0) return e.fault(VEC_GP, 0);
  const r = e.status(e.ops.read(e.linLo, e.linHi, size, e.buf, e));
  if (r !== X86EMUL_OKAY) return r;
  const b = e.buf32;
  const g = e.state.gpr;
  // compare EDX:EAX / RDX:RAX
  const eq = wide
    ? b[0] === g[2 * RAX] && b[1] === g[2 * RAX + 1] && b[2] === g[2 * RDX] && b[3] === g[2 * RDX + 1]
    : b[0] === g[2 * RAX] && b[1] === g[2 * RDX];
  const cur0 = b[0]!,
    cur1 = b[1]!,
    cur2 = b[2]!,
    cur3 = b[3]!;
  let f = e.state.rflags & ~0x40;
  if (eq) {
    const o = e.buf2_32;
    o[0] = cur0;
    o[1] = cur1;
    o[2] = cur2;
    o[3] = cur3;
    if (wide) {
      b[0] = g[2 * RBX]!;
      b[1] = g[2 * RBX + 1]!;
      b[2] = g[2 * RCX]!;
      b[3] = g[2 * RCX + 1]!;
    } else {
      b[0] = g[2 * RBX]!;
      b[1] = g[2 * RCX]!;
    }
    const st = e.ops.cmpxchg(e.linLo, e.linHi, size, e.buf2, e.buf, d.lock, e);
    if (st === X86EMUL_CMPXCHG_FAILED) {
      // fall through as a failed compare with the value the callback reported
      const c = e.buf2_32;
      return cx8Fail(e, wide, c[0]!, c[1]!, c[2]!, c[3]!, f);
    }
    if (st !== X86EMUL_OKAY) return e.status(st);
    f |= 0x40;
    e.setFlags(f);
    return X86EMUL_OKAY;
  }
  return cx8Fail(e, wide, cur0, cur1, cur2, cur3, f);
}

function cx8Fail(e: Emu, wide: boolean, c0: number, c1: number, c2: number, c3: number, f: number): number {
  if (wide) {
    e.setReg(RAX, 8, c0, c1);
    e.setReg(RDX, 8, c2, c3);
  } else {
    e.setReg(RAX, 4, c0, 0);
    e.setReg(RDX, 4, c1, 0);
  }
  e.setFlags(f & ~0x40);
  return X86EMUL_OKAY;
}
