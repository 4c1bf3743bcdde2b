// The decoder's fast path for the commonest encodings: a one-byte opcode with ModRM, without legacy
// prefixes, with at most a REX prefix (the MOV, ALU, TEST, XCHG, shift and group forms an MMIO exit
// is made of). What the general decoder derives from the prefix walk, the escape checks and the
// entry's flags is looked up here: per opcode whether it qualifies, its immediate and memory-operand
// size kinds; per ModRM byte its SIB/displacement layout. Everything else, and any instruction that
// runs out of bytes or fails a validity table, goes to the general decoder, which then decides; the
// record written is the same, field for field (test/x86emu/decode-fast.test.ts compares them).
import { BASE_RIP, DEC_OK, ENC_LEGACY, type Insn, MAP_PRIMARY, NO_REG } from '../insn.js';
import type { CpuMode } from '../modes.js';
import * as Tb from './tables.js';
import * as Va from './validity.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decode.ts).
const { F_BYTE, F_DEF64, F_FORCE64, F_INV64, F_INVALID, F_MODRM, F_REGONLY, IMM_B, IMM_GRP3, IMM_MASK, IMM_NONE, IMM_Z, MS_MASK, MS_SHIFT, PRIMARY } = Tb;
const { D_SPECIAL, DIGITS, FORMS } = Va;
const MODE_LONG64 = 6;
const MODE_PROT32 = 3;
const MODE_COMPAT32 = 5;

/** FAST[op]: 0 = general decoder; else 1 | immediate kind << 1 | memory size << 4 (see below). */
const FAST = new Int32Array(256);
/** Immediate kinds of the fast path. */
const FI_NONE = 0,
  FI_B = 1,
  FI_Z = 2,
  FI_GRP3 = 3;
/** Memory-size field: bytes (1, 2, 4, 8), 0 when not described, 15 for the operand size. */
const FM_V = 15;

(function buildFast(): void {
  const msBytes = [0, 1, 2, 4, 8, FM_V]; // MS_NONE, MS_B, MS_W, MS_D, MS_Q, MS_V
  for (let op = 0; op < 256; op++) {
    const e = PRIMARY[op]!;
    if ((e & F_MODRM) === 0 || (e & (F_INVALID | F_REGONLY)) !== 0) continue;
    // escapes that share a primary opcode (BOUND/EVEX, LES/LDS/VEX, POP/XOP) and group 5, whose
    // operand size depends on the /digit, stay with the general decoder
    if (op === 0x62 || op === 0xc4 || op === 0xc5 || op === 0x8f || op === 0xff) continue;
    if ((DIGITS[op]! & D_SPECIAL) !== 0) continue;
    const ik = e & IMM_MASK;
    const fi = ik === IMM_NONE ? FI_NONE : ik === IMM_B ? FI_B : ik === IMM_Z ? FI_Z : ik === IMM_GRP3 ? FI_GRP3 : -1;
    const mk = (e & MS_MASK) >>> MS_SHIFT;
    if (fi < 0 || mk >= msBytes.length) continue;
    FAST[op] = 1 | (fi << 1) | (msBytes[mk]! << 4);
  }
})();

/**
 * ModRM byte → layout for 32/64-bit addressing: bits 0-2 displacement bytes (0, 1, 4), bit 3 a SIB
 * byte follows, bit 4 no base register (disp32 alone: RIP-relative in 64-bit mode).
 */
const MODRM32 = new Uint8Array(256);
/** ModRM byte → 16-bit addressing: base + 1 (0: none), index + 1, displacement bytes, SS default. */
const MODRM16 = new Int32Array(256);
(function buildModrm(): void {
  const base16 = [3, 3, 5, 5, 6, 7, 5, 3]; // BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP, BX
  const index16 = [6, 7, 6, 7, -1, -1, -1, -1];
  for (let m = 0; m < 256; m++) {
    const mod = m >>> 6;
    const rm = m & 7;
    if (mod === 3) continue;
    let disp = mod === 1 ? 1 : mod === 2 ? 4 : 0;
    let noBase = 0;
    if (mod === 0 && rm === 5) {
      disp = 4;
      noBase = 16;
    }
    MODRM32[m] = disp | (rm === 4 ? 8 : 0) | noBase;
    let b = base16[rm]!;
    let d16 = mod === 1 ? 1 : mod === 2 ? 2 : 0;
    if (mod === 0 && rm === 6) {
      b = -1;
      d16 = 2;
    }
    const ss = b === 5 ? 1 : 0;
    MODRM16[m] = (b + 1) | ((index16[rm]! + 1) << 4) | (d16 << 8) | (ss << 12);
  }
})();

/**
 * Decode buf[0 .. avail) in `mode` when it is a fast-path instruction; returns DEC_OK with `d`
 * filled exactly as decode() would, or -1 (nothing decided, nothing written) for the general
 * decoder.
 */
export function decodeFast(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode): number {
  if (avail < 2) return -1;
  const is64 = mode === MODE_LONG64;
  let i = 0;
  let b = buf[0]!;
  let rex = 0;
  if (is64 && (b & 0xf0) === 0x40) {
    rex = b;
    b = buf[1]!;
    i = 1;
  }
  const fast = FAST[b]!;
  if (fast === 0 || i + 2 > avail) return -1;
  const entry = PRIMARY[b]!;
  if (is64 && (entry & F_INV64) !== 0) return -1;
  const m = buf[i + 1]!;
  i += 2;
  const mod = m >>> 6;
  const regRaw = (m >>> 3) & 7;
  const isReg = mod === 3;
  // validity tables with no mandatory prefix (pp = 0), as the general decoder probes them
  if ((FORMS[b]! & (isReg ? 2 : 1)) === 0 || (DIGITS[b]! & (1 << (regRaw | (isReg ? 8 : 0)))) === 0) return -1;
  const bits32 = mode === MODE_PROT32 || mode === MODE_COMPAT32;
  const W = (rex & 8) !== 0;
  const rB = (rex & 1) << 3;
  let opSize: number;
  if ((entry & F_BYTE) !== 0) opSize = 1;
  else if (is64) opSize = W || (entry & (F_FORCE64 | F_DEF64)) !== 0 ? 8 : 4;
  else if ((entry & F_FORCE64) !== 0) opSize = 4;
  else opSize = bits32 ? 4 : 2;
  const addrSize = is64 ? 8 : bits32 ? 4 : 2;
  let base = NO_REG;
  let index = NO_REG;
  let scale = 1;
  let disp = 0;
  let seg = 3;
  let rm = 0;
  if (isReg) rm = (m & 7) | rB;
  else if (addrSize !== 2) {
    const lay = MODRM32[m]!;
    const dispSize = lay & 7;
    if ((lay & 8) !== 0) {
      if (i >= avail) return -1;
      const sib = buf[i++]!;
      scale = 1 << (sib >>> 6);
      const idx = ((sib >>> 3) & 7) | ((rex & 2) << 2);
      if (idx !== 4) index = idx;
      if ((sib & 7) === 5 && mod === 0) {
        if (i + 4 > avail) return -1;
        disp = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
        i += 4;
      } else base = (sib & 7) | rB;
    } else if ((lay & 16) !== 0) base = is64 ? BASE_RIP : NO_REG;
    else base = (m & 7) | rB;
    if (dispSize !== 0) {
      if (i + dispSize > avail) return -1;
      disp = dispSize === 1 ? (buf[i]! << 24) >> 24 : buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      i += dispSize;
    }
    if (base === 4 || base === 5) seg = 2;
  } else {
    const lay = MODRM16[m]!;
    base = (lay & 15) - 1;
    const ix = ((lay >>> 4) & 15) - 1;
    if (ix >= 0) index = ix;
    const dispSize = (lay >>> 8) & 3;
    if ((lay & 0x1000) !== 0) seg = 2;
    if (dispSize !== 0) {
      if (i + dispSize > avail) return -1;
      disp = dispSize === 1 ? (buf[i]! << 24) >> 24 : ((buf[i]! | (buf[i + 1]! << 8)) << 16) >> 16;
      i += dispSize;
    }
  }
  // immediate
  const fi = (fast >>> 1) & 7;
  let immSize = 0;
  if (fi === FI_B) immSize = 1;
  else if (fi === FI_Z) immSize = opSize === 2 ? 2 : 4;
  else if (fi === FI_GRP3) immSize = regRaw < 2 ? (opSize === 1 ? 1 : opSize === 2 ? 2 : 4) : 0;
  let immLo = 0;
  if (immSize !== 0) {
    if (i + immSize > avail) return -1;
    if (immSize === 1) immLo = (buf[i]! << 24) >> 24;
    else if (immSize === 2) immLo = ((buf[i]! | (buf[i + 1]! << 8)) << 16) >> 16;
    else immLo = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    i += immSize;
  }
  const ms = fast >>> 4;
  d.mode = mode;
  d.length = i;
  d.encoding = ENC_LEGACY;
  d.map = MAP_PRIMARY;
  d.opcode = b;
  d.entry = entry;
  d.lock = false;
  d.rep = 0;
  d.opsizePrefix = false;
  d.adsizePrefix = false;
  d.segOverride = -1;
  d.rex = rex;
  d.rexW = W;
  d.pp = 0;
  d.vexL = 0;
  d.vexW = false;
  d.vexV = 0;
  d.hasModrm = true;
  d.mod = mod;
  d.regRaw = regRaw;
  d.reg = regRaw | ((rex & 4) << 1);
  d.rm = rm;
  d.hasMem = !isReg;
  d.base = base;
  d.index = index;
  d.scale = scale;
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.seg = seg;
  d.memSize = ms === FM_V ? opSize : ms;
  d.opSize = opSize;
  d.addrSize = addrSize;
  d.immSize = immSize;
  d.immLo = immLo;
  d.immHi = immLo >> 31;
  d.imm2 = 0;
  return DEC_OK;
}
