// The decoder's fast path for the commonest encodings, in two levels. The first: a one-byte opcode
// with ModRM, without legacy prefixes, with at most a REX prefix (the MOV, ALU, TEST, XCHG, shift
// and group forms an MMIO exit is made of). The second, keyed by (map, opcode) with the prefix set
// applied at run time through the same validity tables: an opcode of the primary or the 0F map
// after any of 66, F2, F3, F0 and REX, with or without ModRM (string instructions with REP,
// CMPXCHG/XADD with LOCK, the SSE moves with their mandatory prefix, MOVZX/MOVSX). What the general
// decoder derives from the prefix walk, the escape checks and the entry's flags is looked up here:
// per opcode whether it qualifies, its immediate and memory-operand size kinds; per ModRM byte its
// SIB/displacement layout. Everything else (67 and segment prefixes, 0F38/0F3A, VEX/EVEX/XOP,
// opcodes with special rules), and any instruction that runs out of bytes or fails a validity or
// LOCK rule, goes to the general decoder, which then decides; the record written (as its eleven
// numbers: insn.ts's packed words, composed here) is the same,
// field for field (test/x86emu/decode-fast.test.ts compares them).
import * as In from '../insn.js';
import type { Insn } from '../insn.js';
import { decodeFast64 } from './decode-fast64.js';
import type { CpuFeatures } from '../features.js';
import { lockLegalForm } from './lock.js';
import type { CpuMode } from '../modes.js';
import * as Tb from './tables.js';
import * as Va from './validity.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decode.ts).
const {
  F_BYTE,
  F_DEF64,
  F_FORCE64,
  F_INV64,
  F_INVALID,
  F_MODRM,
  F_REGONLY,
  IMM_B,
  IMM_GRP3,
  IMM_MASK,
  IMM_NONE,
  IMM_Z,
  MAP0F,
  MS_B,
  MS_CX,
  MS_D,
  MS_DQ,
  MS_MASK,
  MS_MOVSXD,
  MS_Q,
  MS_SHIFT,
  MS_SSE,
  MS_V,
  MS_W,
  MS_X,
  MS_Y,
  PRIMARY,
  SSE_MEM_SIZE,
  SSE_SIZE_Y,
} = Tb;
const { D_SPECIAL, DIGITS, FORMS } = Va;
const {
  BASE_RIP,
  DEC_OK,
  ENC_LEGACY,
  EW_BASE,
  EW_HAS,
  EW_INDEX,
  EW_MEMSIZE,
  EW_SCALE,
  EW_SEG,
  MAP_PRIMARY,
  MW_HAS,
  MW_MOD,
  MW_REG,
  MW_REGRAW,
  MW_RM,
  NO_REG,
  OW_ADDRSIZE,
  OW_ENC,
  OW_IMMSIZE,
  OW_MAP,
  OW_MODE,
  OW_OPSIZE,
  PW_LOCK,
  PW_OPSIZE,
  PW_PP,
  PW_REP,
  PW_REX,
  PW_REXW,
} = In;
const MODE_LONG64 = 6;
const MODE_PROT32 = 3;
const MODE_COMPAT32 = 5;
const MAX_LENGTH = 15;

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
 * FAST2[map << 8 | op] (map 0: primary, 1: 0F): 0 = general decoder; else 1 | immediate kind << 1
 * (FI_*). The entry itself is read from the map's table at decode time.
 */
const FAST2 = new Int32Array(512);

(function buildFast2(): void {
  for (let k = 0; k < 512; k++) {
    const map = k >>> 8;
    const op = k & 0xff;
    const e = map === 0 ? PRIMARY[op]! : MAP0F[op]!;
    if ((e & (F_INVALID | F_REGONLY)) !== 0) continue;
    // escapes and opcodes with rules of their own stay with the general decoder: 0F, BOUND/EVEX,
    // LES/LDS/VEX, POP/XOP, group 5 (its operand size depends on the /digit); in the 0F map the
    // three-byte maps, 3DNow!, SSE4a EXTRQ/INSERTQ, POPCNT/JMPE (0F B8) and UD0
    if (map === 0 && (op === 0x0f || op === 0x62 || op === 0xc4 || op === 0xc5 || op === 0x8f || op === 0xff)) continue;
    // the prefixes the loop does not take (67, segment overrides) are not opcodes
    if (map === 0 && (op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65 || op === 0x67)) continue;
    if (map === 1 && (op === 0x38 || op === 0x3a || op === 0x0f || op === 0x0e || op === 0x78 || op === 0x79 || op === 0xb8 || op === 0xff)) continue;
    if ((DIGITS[k]! & D_SPECIAL) !== 0) continue;
    const ik = e & IMM_MASK;
    const fi = ik === IMM_NONE ? FI_NONE : ik === IMM_B ? FI_B : ik === IMM_Z ? FI_Z : ik === IMM_GRP3 ? FI_GRP3 : -1;
    if (fi < 0) continue;
    // a default-64 operand with a 16/32-bit immediate (PUSH imm, near CALL/JMP/Jcc): 66's effect is vendor-specific
    if ((e & F_DEF64) !== 0 && ik === IMM_Z) continue;
    FAST2[k] = 1 | (fi << 1);
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
 * decoder. 64-bit mode has a path of its own (decode-fast64.ts).
 */
export function decodeFast(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode, f: CpuFeatures): number {
  if (mode === MODE_LONG64) return decodeFast64(d, buf, avail, f);
  const st = decodeFastPlain(d, buf, avail, mode);
  return st >= 0 ? st : decodeFastPrefixed(d, buf, avail, mode);
}

/** The first level: a one-byte opcode with ModRM, no prefix but one REX. */
function decodeFastPlain(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode): number {
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
  let scale = 0; // log2
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
      scale = sib >>> 6;
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
  // the record as its eleven numbers (insn.ts's words: through the 36 setters a decode was 55-210 ns)
  d.length = i;
  d.entry = entry;
  d.opWord =
    b | (MAP_PRIMARY << OW_MAP) | (ENC_LEGACY << OW_ENC) | (mode << OW_MODE) | (opSize << OW_OPSIZE) | (addrSize << OW_ADDRSIZE) | (immSize << OW_IMMSIZE);
  d.prefixWord = (rex << PW_REX) | (W ? PW_REXW : 0);
  d.modrmWord = MW_HAS | (mod << MW_MOD) | (regRaw << MW_REGRAW) | ((regRaw | ((rex & 4) << 1)) << MW_REG) | (rm << MW_RM);
  d.memWord =
    (isReg ? 0 : EW_HAS) |
    ((base + 1) << EW_BASE) |
    ((index + 1) << EW_INDEX) |
    (scale << EW_SCALE) |
    (seg << EW_SEG) |
    ((ms === FM_V ? opSize : ms) << EW_MEMSIZE);
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.immLo = immLo;
  d.immHi = immLo >> 31;
  d.imm2 = 0;
  return DEC_OK;
}

/**
 * The second level: prefixes 66, F2, F3, F0 and REX, the primary and the 0F map, with or without
 * ModRM. Returns DEC_OK with `d` filled exactly as decode() would, or -1 (nothing written).
 */
function decodeFastPrefixed(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode): number {
  const is64 = mode === MODE_LONG64;
  let i = 0;
  let b = 0;
  let rex = 0;
  let opsz = false;
  let lock = false;
  let rep = 0;
  // prefixes: 66, F0, F2, F3 (the last of F2/F3 counts) and REX, which counts only when last
  for (;;) {
    if (i >= avail || i > 4) return -1;
    b = buf[i]!;
    if (b === 0x66) opsz = true;
    else if (b === 0xf3 || b === 0xf2) rep = b;
    else if (b === 0xf0) lock = true;
    else if (is64 && (b & 0xf0) === 0x40) {
      rex = b;
      i++;
      continue;
    } else break;
    rex = 0;
    i++;
  }
  i++;
  let map = 0;
  if (b === 0x0f) {
    if (i >= avail) return -1;
    b = buf[i++]!;
    map = 1;
  }
  const k = (map << 8) | b;
  const fast = FAST2[k]!;
  if (fast === 0) return -1;
  const entry = map === 0 ? PRIMARY[b]! : MAP0F[b]!;
  if (is64 && (entry & F_INV64) !== 0) return -1;
  const pp = rep === 0xf3 ? 2 : rep === 0xf2 ? 3 : opsz ? 1 : 0;
  const hasModrm = (entry & F_MODRM) !== 0;
  let m = 0xc0; // no ModRM: the register form, digit 0 (as the general decoder's validity probe sees it)
  if (hasModrm) {
    if (i >= avail) return -1;
    m = buf[i++]!;
  }
  const mod = m >>> 6;
  const regRaw = hasModrm ? (m >>> 3) & 7 : 0;
  const isReg = mod === 3;
  // validity tables, with the mandatory prefix, as the general decoder probes them
  if ((FORMS[k]! & (1 << ((pp << 1) | (isReg ? 1 : 0)))) === 0 || (DIGITS[k]! & (1 << (regRaw | (isReg ? 8 : 0)))) === 0) return -1;
  const bits32 = mode === MODE_PROT32 || mode === MODE_COMPAT32;
  const W = (rex & 8) !== 0;
  const rB = (rex & 1) << 3;
  let opSize: number;
  if ((entry & F_BYTE) !== 0) opSize = 1;
  else if (is64) opSize = W || (entry & F_FORCE64) !== 0 ? 8 : (entry & F_DEF64) !== 0 ? (opsz ? 2 : 8) : opsz ? 2 : 4;
  else if ((entry & F_FORCE64) !== 0) opSize = 4;
  else opSize = bits32 !== opsz ? 4 : 2;
  const addrSize = is64 ? 8 : bits32 ? 4 : 2;
  let base = NO_REG;
  let index = NO_REG;
  let scale = 0; // log2
  let disp = 0;
  let seg = 3;
  let rm = 0;
  if (!hasModrm) {
    // no operand fields
  } else if (isReg) rm = (m & 7) | rB;
  else if (addrSize !== 2) {
    const lay = MODRM32[m]!;
    const dispSize = lay & 7;
    if ((lay & 8) !== 0) {
      if (i >= avail) return -1;
      const sib = buf[i++]!;
      scale = sib >>> 6;
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
  if (i > MAX_LENGTH) return -1;
  // memory operand size, as the general decoder derives it
  let memSize = 0;
  switch ((entry & MS_MASK) >>> MS_SHIFT) {
    case MS_B:
      memSize = 1;
      break;
    case MS_W:
      memSize = 2;
      break;
    case MS_D:
      memSize = 4;
      break;
    case MS_Q:
      memSize = 8;
      break;
    case MS_V:
      memSize = opSize;
      break;
    case MS_DQ:
    case MS_X:
      memSize = 16;
      break;
    case MS_Y:
      memSize = is64 && W ? 8 : 4;
      break;
    case MS_MOVSXD:
      memSize = !is64 ? 2 : opSize === 8 ? 4 : opSize;
      break;
    case MS_SSE:
      memSize = SSE_MEM_SIZE[b * 4 + pp]!;
      if (memSize === SSE_SIZE_Y) memSize = is64 && W ? 8 : 4;
      break;
    case MS_CX:
      memSize = regRaw === 1 ? (W ? 16 : 8) : 0;
      break;
  }
  const reg = hasModrm ? regRaw | ((rex & 4) << 1) : 0;
  // LOCK on a form that does not allow it: the general decoder answers #UD (0F 20/22, where the vendor matters, never get here)
  if (lock && !lockLegalForm(map, b, !isReg, regRaw, reg, true)) return -1;
  // the record as its eleven numbers (insn.ts's words: through the 36 setters a decode was 55-210 ns)
  d.length = i;
  d.entry = entry;
  d.opWord = b | (map << OW_MAP) | (ENC_LEGACY << OW_ENC) | (mode << OW_MODE) | (opSize << OW_OPSIZE) | (addrSize << OW_ADDRSIZE) | (immSize << OW_IMMSIZE);
  d.prefixWord = (lock ? PW_LOCK : 0) | ((rep & 3) << PW_REP) | (opsz ? PW_OPSIZE : 0) | (rex << PW_REX) | (W ? PW_REXW : 0) | (pp << PW_PP);
  d.modrmWord = (hasModrm ? MW_HAS : 0) | (mod << MW_MOD) | (regRaw << MW_REGRAW) | (reg << MW_REG) | (rm << MW_RM);
  d.memWord = (isReg ? 0 : EW_HAS) | ((base + 1) << EW_BASE) | ((index + 1) << EW_INDEX) | (scale << EW_SCALE) | (seg << EW_SEG) | (memSize << EW_MEMSIZE);
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.immLo = immLo;
  d.immHi = immLo >> 31;
  d.imm2 = 0;
  return DEC_OK;
}
