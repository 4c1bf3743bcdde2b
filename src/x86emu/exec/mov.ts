// Data movement: MOV (all forms incl. moffs), MOVZX/MOVSX/MOVSXD, LEA, XCHG, PUSH/POP (registers,
// immediates, memory), CBW/CWD families, BSWAP, CMOVcc, SETcc, MOVBE, LAHF/SAHF, flag ops and NOPs.
import { condition } from '../alu/flags.js';
import { RAX, RDX, RSP, SA_DB, SEG_SS } from '../cpu-state.js';
import { type Emu, sizeMask } from '../core.js';
import { entryArg } from '../decoder/tables.js';
import { MAP_0F } from '../insn.js';
import { MODE_REAL, MODE_V86 } from '../modes.js';
import { VEC_UD, X86EMUL_OKAY } from '../ops.js';

function signExtendTo(v: number, from: number): number {
  return from === 1 ? (v << 24) >> 24 : from === 2 ? (v << 16) >> 16 : v | 0;
}

/** 88-8B: MOV Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev. */
export function execMovEG(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  if ((d.opcode & 2) === 0) {
    const lo = e.reg(d.reg, size);
    const hi = size === 8 ? e.regHi(d.reg) : 0;
    if (d.hasMem) e.computeEa();
    return e.writeRm(size, lo, hi);
  }
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  e.setReg(d.reg, size, e.vLo, e.vHi);
  return X86EMUL_OKAY;
}

/** A0-A3: MOV AL/eAX ↔ moffs. */
export function execMovMoffs(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  if ((d.opcode & 2) === 0) {
    const r = e.readScalar(d.seg, d.dispLo, d.dispHi, size);
    if (r !== X86EMUL_OKAY) return r;
    e.setReg(RAX, size, e.vLo, e.vHi);
    return X86EMUL_OKAY;
  }
  return e.writeScalar(d.seg, d.dispLo, d.dispHi, size, e.reg(RAX, size), size === 8 ? e.regHi(RAX) : 0);
}

/** B0-BF: MOV reg, imm. */
export function execMovRI(e: Emu): number {
  const d = e.insn;
  const r = (d.opcode & 7) | ((d.rex & 1) << 3);
  e.setReg(r, d.opSize, d.immLo, d.opSize === 8 ? d.immHi : 0);
  return X86EMUL_OKAY;
}

/** C6/C7 /0: MOV Eb,Ib / Ev,Iz. Other /r are #UD (XABORT/XBEGIN need TSX, absent on the reference CPU). */
export function execMovEI(e: Emu): number {
  const d = e.insn;
  if (d.regRaw !== 0) return e.fault(VEC_UD);
  if (d.hasMem) e.computeEa();
  return e.writeRm(d.opSize, d.immLo, d.opSize === 8 ? d.immHi : 0);
}

/** 0F B6/B7 MOVZX, 0F BE/BF MOVSX. */
export function execMovx(e: Emu, signed: boolean): number {
  const d = e.insn;
  const from = entryArg(d.entry);
  const r = e.readRm(from);
  if (r !== X86EMUL_OKAY) return r;
  let lo = e.vLo,
    hi = 0;
  if (signed) {
    lo = signExtendTo(lo, from);
    hi = lo < 0 ? 0xffffffff : 0;
    lo >>>= 0;
  }
  e.setReg(d.reg, d.opSize, d.opSize === 2 ? lo & 0xffff : lo, hi);
  return X86EMUL_OKAY;
}

/** 63: MOVSXD in 64-bit mode (ARPL elsewhere: not emulated). */
export function execMovsxd(e: Emu): number {
  const d = e.insn;
  if (!e.is64) {
    if (e.mode === MODE_REAL || e.mode === MODE_V86) return e.fault(VEC_UD);
    return e.unimplemented('ARPL');
  }
  const size = d.opSize;
  const r = e.readRm(size === 8 ? 4 : size);
  if (r !== X86EMUL_OKAY) return r;
  if (size === 8) e.setReg(d.reg, 8, e.vLo, (e.vLo | 0) < 0 ? 0xffffffff : 0);
  else e.setReg(d.reg, size, e.vLo, 0);
  return X86EMUL_OKAY;
}

/** 8C: MOV r/m, Sreg. Memory destinations take 16 bits; registers get the zero-extended selector. */
export function execMovFromSreg(e: Emu): number {
  const d = e.insn;
  if (d.regRaw > 5) return e.fault(VEC_UD);
  const sel = e.segment(d.regRaw).selector & 0xffff;
  if (!d.hasMem) {
    e.setReg(d.rm, d.opSize === 1 ? 2 : d.opSize, sel, 0);
    return X86EMUL_OKAY;
  }
  e.computeEa();
  return e.writeScalar(d.seg, e.eaLo, e.eaHi, 2, sel, 0);
}

/** 8D: LEA (no memory access). */
export function execLea(e: Emu): number {
  const d = e.insn;
  if (!d.hasMem) return e.fault(VEC_UD);
  e.computeEa();
  e.setReg(d.reg, d.opSize, e.eaLo, e.eaHi);
  return X86EMUL_OKAY;
}

/** 86/87: XCHG r/m, reg (memory form: read, write, then the register; not atomic, like Xen's rmw). */
export function execXchgEG(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  const oldLo = e.vLo,
    oldHi = e.vHi;
  if (d.hasMem) {
    const w = e.writeRm(size, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0);
    if (w !== X86EMUL_OKAY) return w;
  } else e.setReg(d.rm, size, e.reg(d.reg, size), size === 8 ? e.regHi(d.reg) : 0);
  e.setReg(d.reg, size, oldLo, oldHi);
  return X86EMUL_OKAY;
}

/** 90-97: XCHG eAX, reg (90 without REX.B is NOP/PAUSE). */
export function execXchgAx(e: Emu): number {
  const d = e.insn;
  const r = (d.opcode & 7) | ((d.rex & 1) << 3);
  if (r === RAX) return X86EMUL_OKAY;
  const size = d.opSize;
  const aLo = e.reg(RAX, size),
    aHi = e.regHi(RAX);
  e.setReg(RAX, size, e.reg(r, size), e.regHi(r));
  e.setReg(r, size, aLo, aHi);
  return X86EMUL_OKAY;
}

/** 98: CBW/CWDE/CDQE. 99: CWD/CDQ/CQO. */
export function execCbw(e: Emu): number {
  const size = e.insn.opSize;
  const half = size >> 1;
  const v = signExtendTo(e.reg(RAX, half), half);
  if (size === 8) e.setReg(RAX, 8, v >>> 0, v < 0 ? 0xffffffff : 0);
  else e.setReg(RAX, size, (v >>> 0) & sizeMask(size), 0);
  return X86EMUL_OKAY;
}
export function execCwd(e: Emu): number {
  const size = e.insn.opSize;
  const top = size === 8 ? e.regHi(RAX) | 0 : signExtendTo(e.reg(RAX, size), size);
  const fill = top < 0 ? 0xffffffff : 0;
  e.setReg(RDX, size, fill & sizeMask(size), fill);
  return X86EMUL_OKAY;
}

/** 0F C8+r: BSWAP (16-bit operand size is undefined; the reference CPU writes zero). */
export function execBswap(e: Emu): number {
  const d = e.insn;
  const r = (d.opcode & 7) | ((d.rex & 1) << 3);
  const lo = e.reg(r, 4);
  if (d.opSize === 8) {
    e.setReg(r, 8, bswap32(e.regHi(r)), bswap32(lo));
  } else if (d.opSize === 4) {
    e.setReg(r, 4, bswap32(lo), 0);
  } else e.setReg(r, 2, 0, 0);
  return X86EMUL_OKAY;
}
export function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

/** 0F 40-4F: CMOVcc (the source is always read; a 32-bit destination is zero-extended even when false). */
export function execCmov(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  const r = e.readRm(size);
  if (r !== X86EMUL_OKAY) return r;
  if (condition(d.opcode & 15, e.state.rflags)) e.setReg(d.reg, size, e.vLo, e.vHi);
  else if (size === 4) e.setReg(d.reg, 4, e.reg(d.reg, 4), 0);
  return X86EMUL_OKAY;
}

/** 0F 90-9F: SETcc r/m8. */
export function execSetcc(e: Emu): number {
  const d = e.insn;
  if (d.hasMem) e.computeEa();
  return e.writeRm(1, condition(d.opcode & 15, e.state.rflags) ? 1 : 0, 0);
}

/** 0F 38 F0/F1: MOVBE (memory operand only). */
export function execMovbe(e: Emu): number {
  const d = e.insn;
  if (!e.features.movbe || !d.hasMem) return e.fault(VEC_UD);
  const size = d.opSize;
  if (entryArg(d.entry) === 0) {
    const r = e.readRm(size);
    if (r !== X86EMUL_OKAY) return r;
    if (size === 8) e.setReg(d.reg, 8, bswap32(e.vHi), bswap32(e.vLo));
    else if (size === 4) e.setReg(d.reg, 4, bswap32(e.vLo), 0);
    else e.setReg(d.reg, 2, ((e.vLo & 0xff) << 8) | (e.vLo >>> 8), 0);
    return X86EMUL_OKAY;
  }
  e.computeEa();
  const lo = e.reg(d.reg, size);
  if (size === 8) return e.writeRm(8, bswap32(e.regHi(d.reg)), bswap32(lo));
  if (size === 4) return e.writeRm(4, bswap32(lo), 0);
  return e.writeRm(2, ((lo & 0xff) << 8) | (lo >>> 8), 0);
}

// ---- stack ------------------------------------------------------------------------------------
/** Stack address size in bytes: 8 in 64-bit mode, else SS.B. */
export function stackSize(e: Emu): number {
  if (e.is64) return 8;
  return (e.segment(SEG_SS).attr & SA_DB) !== 0 ? 4 : 2;
}

function spMinus(e: Emu, n: number): void {
  const ss = stackSize(e);
  const g = e.state.gpr;
  let lo = g[2 * RSP]! - n,
    hi = g[2 * RSP + 1]!;
  if (lo < 0) {
    lo += 0x1_0000_0000;
    hi = (hi - 1) >>> 0;
  }
  if (ss === 2) {
    e.eaLo = lo & 0xffff;
    e.eaHi = 0;
  } else {
    e.eaLo = lo | 0;
    e.eaHi = ss === 8 ? hi | 0 : 0;
  }
}

function commitSp(e: Emu, lo: number, hi: number): void {
  const ss = stackSize(e);
  if (ss === 2) e.setReg(RSP, 2, lo, 0);
  else if (ss === 4)
    e.state.gpr[2 * RSP] = lo; // upper half of RSP untouched outside 64-bit mode
  else e.setReg(RSP, 8, lo, hi);
}

/** Push `size` bytes (lo, hi): write below RSP, then commit RSP. */
export function push(e: Emu, size: number, lo: number, hi: number): number {
  spMinus(e, size);
  const nLo = e.eaLo,
    nHi = e.eaHi;
  const r = e.writeScalar(SEG_SS, nLo, nHi, size, lo, hi);
  if (r !== X86EMUL_OKAY) return r;
  commitSp(e, nLo, nHi);
  return X86EMUL_OKAY;
}

export function execPushR(e: Emu): number {
  const d = e.insn;
  const r = (d.opcode & 7) | ((d.rex & 1) << 3);
  return push(e, d.opSize, e.reg(r, d.opSize), d.opSize === 8 ? e.regHi(r) : 0);
}

export function execPushI(e: Emu): number {
  const d = e.insn;
  const size = d.opSize;
  return push(e, size, size === 2 ? d.immLo & 0xffff : d.immLo, d.immHi);
}

/** Read the top of stack into vLo/vHi and compute the popped RSP into eaLo/eaHi... returns code. */
function popRead(e: Emu, size: number): number {
  const ss = stackSize(e);
  const g = e.state.gpr;
  const spLo = ss === 2 ? g[2 * RSP]! & 0xffff : g[2 * RSP]!;
  const spHi = ss === 8 ? g[2 * RSP + 1]! : 0;
  const r = e.readScalar(SEG_SS, spLo, spHi, size);
  if (r !== X86EMUL_OKAY) return r;
  const s = spLo + size;
  e.linLo = ss === 2 ? s & 0xffff : s | 0;
  e.linHi = ss === 8 ? (spHi + (s > 0xffffffff ? 1 : 0)) | 0 : 0;
  return X86EMUL_OKAY;
}

export function execPopR(e: Emu): number {
  const d = e.insn;
  const r = (d.opcode & 7) | ((d.rex & 1) << 3);
  const c = popRead(e, d.opSize);
  if (c !== X86EMUL_OKAY) return c;
  const vLo = e.vLo,
    vHi = e.vHi;
  commitSp(e, e.linLo, e.linHi);
  e.setReg(r, d.opSize, vLo, vHi); // POP rSP: the popped value wins
  return X86EMUL_OKAY;
}

/** 8F /0: POP r/m. The destination address uses RSP after the pop (SDM "POP"). */
export function execPopEv(e: Emu): number {
  const d = e.insn;
  if (d.regRaw !== 0) return e.fault(VEC_UD);
  const size = d.opSize;
  const c = popRead(e, size);
  if (c !== X86EMUL_OKAY) return c;
  const vLo = e.vLo,
    vHi = e.vHi,
    nLo = e.linLo,
    nHi = e.linHi;
  if (!d.hasMem) {
    commitSp(e, nLo, nHi);
    e.setReg(d.rm, size, vLo, vHi);
    return X86EMUL_OKAY;
  }
  const g = e.state.gpr;
  const oLo = g[2 * RSP]!,
    oHi = g[2 * RSP + 1]!;
  commitSp(e, nLo, nHi);
  e.computeEa();
  const w = e.writeScalar(d.seg, e.eaLo, e.eaHi, size, vLo, vHi);
  if (w !== X86EMUL_OKAY) {
    g[2 * RSP] = oLo;
    g[2 * RSP + 1] = oHi;
  }
  return w;
}

/** FF /6: PUSH r/m. */
export function execPushEv(e: Emu): number {
  const d = e.insn;
  const r = e.readRm(d.opSize);
  if (r !== X86EMUL_OKAY) return r;
  return push(e, d.opSize, e.vLo, e.vHi);
}

// ---- flags ------------------------------------------------------------------------------------
/** F5 CMC, F8 CLC, F9 STC, FC CLD, FD STD. */
export function execFlagOp(e: Emu): number {
  const f = e.state.rflags;
  switch (entryArg(e.insn.entry)) {
    case 0xf5:
      e.setFlags(f ^ 1);
      break;
    case 0xf8:
      e.setFlags(f & ~1);
      break;
    case 0xf9:
      e.setFlags(f | 1);
      break;
    case 0xfc:
      e.setFlags(f & ~0x400);
      break;
    default:
      e.setFlags(f | 0x400);
  }
  return X86EMUL_OKAY;
}

/** 9E SAHF / 9F LAHF (in 64-bit mode they need LAHF_LM, present on the reference CPU). */
export function execLahfSahf(e: Emu): number {
  const f = e.state.rflags;
  if (entryArg(e.insn.entry) === 1) {
    e.state.gpr[0] = (e.state.gpr[0]! & 0xffff00ff) | (((f & 0xd5) | 2) << 8); // AH, whatever REX says
  } else {
    const ah = (e.state.gpr[0]! >>> 8) & 0xd5;
    e.setFlags((f & ~0xd5) | ah | 2);
  }
  return X86EMUL_OKAY;
}

export function execNop(e: Emu): number {
  const d = e.insn;
  // 0F 0D is AMD's PREFETCH group: its register form is #UD there (run natively on the reference CPU:
  // SIGILL), while Intel treats it as a reserved NOP.
  if (d.opcode === 0x0d && d.map === MAP_0F && !d.hasMem && e.features.amdDecoding) return e.fault(VEC_UD);
  return X86EMUL_OKAY;
}
