// Table-driven x86 decoder: prefixes, REX, VEX/EVEX/XOP escapes, ModRM/SIB/displacement,
// immediates and the 15-byte limit (SDM Vol. 2 ch. 2; AMD APM Vol. 3 ch. 1). It fills the caller's
// preallocated Insn record and returns a DEC_* code; it never throws and never allocates.
import type { CpuFeatures } from '../features.js';
import * as In from '../insn.js';
import type { Insn } from '../insn.js';
import * as Md from '../modes.js';
import type { CpuMode } from '../modes.js';
import { decodeFast } from './decode-fast.js';
import { decodeFast64 } from './decode-fast64.js';
import { lockLegal } from './lock.js';
import * as Tb from './tables.js';
import * as Va from './validity.js';

// Local copies of the constants: reading an imported binding in optimized code carries a TDZ
// check, a local const folds away (measured ~20% of decode time).
const { BASE_RIP, DEC_FETCH, DEC_OK, DEC_TOO_LONG, DEC_UD, ENC_EVEX, ENC_LEGACY, ENC_VEX, ENC_XOP, MAP_0F, MAP_0F38, MAP_0F3A, MAP_PRIMARY, NO_REG } = In;
const { MODE_LONG64, MODE_PROT32, MODE_COMPAT32, MODE_REAL, MODE_V86 } = Md;
const {
  CRC32_ENTRY,
  F_BYTE,
  F_DEF64,
  F_FORCE64,
  F_INV64,
  F_INVALID,
  F_MODRM,
  F_REGONLY,
  H_SHIFT,
  H_SSE,
  IMM_AP,
  IMM_B,
  IMM_BB,
  IMM_ENTER,
  IMM_GRP3,
  IMM_MASK,
  IMM_MOFFS,
  IMM_V,
  IMM_W,
  IMM_Z,
  MAP0F,
  MAP0F38,
  MAP0F3A,
  MS_B,
  MS_D,
  MS_DQ,
  MS_CX,
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
  VEX_SSE_ENTRY,
  vexExecutable,
} = Tb;
const { DIGITS, FORMS, VEX_PP, VEX_RULE, special, vexValid } = Va;

// The fast paths as local bindings too: a call through an imported binding loads and checks it first.
const fastLegacyModes = decodeFast;
const fast64 = decodeFast64;

/** Most bytes an instruction may have; a longer one raises #GP(0). */
export const MAX_INSN_LENGTH = 15;

const VEX_SIMD_ENTRY = F_MODRM | (H_SSE << H_SHIFT);

function stop(d: Insn, i: number): number {
  d.length = i;
  return i >= MAX_INSN_LENGTH ? DEC_TOO_LONG : DEC_FETCH;
}
/** Needed bytes up to (exclusive) `end` but fewer were available. */
function stopN(d: Insn, end: number): number {
  d.length = end > MAX_INSN_LENGTH ? MAX_INSN_LENGTH : end;
  return end > MAX_INSN_LENGTH ? DEC_TOO_LONG : DEC_FETCH;
}
function ud(d: Insn, i: number): number {
  d.length = i;
  return DEC_UD;
}

/**
 * Decode one instruction from `buf[0 .. avail)` in `mode`. Returns DEC_OK, DEC_UD, DEC_TOO_LONG
 * (more than 15 bytes: #GP(0)) or DEC_FETCH (needed a byte at `d.length` that was not fetched).
 */
export function decode(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode, f: CpuFeatures): number {
  // 64-bit mode: the fast path (decode-fast64.ts); this function and it stay small enough for V8 to
  // inline into the caller (the literal 6 is MODE_LONG64: a constant read costs bytecode). `avail | 0`:
  // a typed array's length reaches V8's optimized code as a double, and the lane's compares against
  // it were a checked conversion each; a smaller value only makes the lane decline (never past 15 bytes)
  if (mode === 6) {
    const st = fast64(d, buf, avail | 0, f);
    if (st >= 0) return st;
  }
  return decodeSlow(d, buf, avail, mode, f);
}

/** {@link decode} past the 64-bit fast path: the other modes' fast path (decode-fast.ts), then the general decoder. */
function decodeSlow(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode, f: CpuFeatures): number {
  const st = mode === MODE_LONG64 ? -1 : fastLegacyModes(d, buf, avail, mode, f);
  return st >= 0 ? st : decodeGeneral(d, buf, avail, mode, f);
}

/** {@link decode} without the one-byte fast path: every instruction through the prefix walk and the maps. */
export function decodeGeneral(d: Insn, buf: Uint8Array, avail: number, mode: CpuMode, f: CpuFeatures): number {
  const is64 = mode === MODE_LONG64;
  const bits32 = mode === MODE_PROT32 || mode === MODE_COMPAT32;
  const lim = avail < MAX_INSN_LENGTH ? avail : MAX_INSN_LENGTH;
  let i = 0;
  let opsz = false,
    adsz = false,
    lock = false,
    rep = 0,
    segOv = -1,
    rex = 0;
  let b = 0;
  // ---- legacy prefixes and REX (any order, any repetition; REX counts only when last) ----
  for (;;) {
    if (i >= lim) return stop(d, i);
    b = buf[i]!;
    if (b === 0x66) opsz = true;
    else if (b === 0x67) adsz = true;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf2 || b === 0xf3) rep = b;
    else if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) {
      // In 64-bit mode these are null prefixes: they never displace an FS/GS override.
      if (!is64 || segOv < 4) segOv = (b >>> 3) & 3;
    } else if (b === 0x64 || b === 0x65) segOv = b - 0x60;
    else if (is64 && (b & 0xf0) === 0x40) {
      rex = b;
      i++;
      continue;
    } else break;
    rex = 0;
    i++;
  }
  i++; // opcode byte b
  d.mode = mode;
  d.lock = lock;
  d.rep = rep;
  d.opsizePrefix = opsz;
  d.adsizePrefix = adsz;
  d.segOverride = segOv;
  d.vexL = 0;
  d.vexW = false;
  d.vexV = 0;
  d.imm2 = 0;
  let enc = ENC_LEGACY;
  let map = MAP_PRIMARY;
  let rR = 0,
    rX = 0,
    rB = 0,
    W = false;
  let entry = 0;
  let pp = rep === 0xf3 ? 2 : rep === 0xf2 ? 3 : opsz ? 1 : 0;
  let hasModrm = false,
    immKind = 0;
  let vvvv = 0; // inverted VEX.vvvv with bit 3 also outside 64-bit mode (d.vexV drops it there)
  if (rex !== 0) {
    W = (rex & 8) !== 0;
    rR = (rex & 4) << 1;
    rX = (rex & 2) << 2;
    rB = (rex & 1) << 3;
  }
  if (b === 0x0f) {
    if (i >= lim) return stop(d, i);
    b = buf[i++]!;
    if (b === 0x38 || b === 0x3a) {
      map = b === 0x38 ? MAP_0F38 : MAP_0F3A;
      if (i >= lim) return stop(d, i);
      b = buf[i++]!;
      entry = map === MAP_0F38 ? MAP0F38[b]! : MAP0F3A[b]!;
      if ((entry & F_INVALID) !== 0) return ud(d, i);
      if (rep === 0xf2 && map === MAP_0F38 && (b === 0xf0 || b === 0xf1)) entry = CRC32_ENTRY[b & 1]!; // not MOVBE
    } else {
      map = MAP_0F;
      entry = MAP0F[b]!;
      if (b === 0x0f) {
        // 3DNow!: ModRM, then the opcode as an imm8 suffix.
        if (!f.threeDNow) return ud(d, i);
        entry = F_MODRM | IMM_B;
      } else if (b === 0x0e) {
        if (!f.threeDNow) return ud(d, i);
      } else if ((b === 0x78 || b === 0x79) && (pp === 1 || pp === 3)) {
        if (!f.sse4a) return ud(d, i);
        entry = F_MODRM | (b === 0x78 ? IMM_BB : 0);
      } else if (b === 0xb8 && pp !== 2) {
        return ud(d, i);
      } else if (b === 0xff) {
        return ud(d, i);
      }
    }
  } else if (b === 0xc4 || b === 0xc5 || b === 0x62 || b === 0x8f) {
    if (i >= lim) return stop(d, i);
    const b1 = buf[i]!;
    const isVex = (b === 0xc4 || b === 0xc5) && (is64 || (b1 & 0xc0) === 0xc0);
    const isEvex = b === 0x62 && (is64 || (b1 & 0xc0) === 0xc0);
    const isXop = b === 0x8f && (b1 & 0x1f) >= 8;
    if (isVex || isEvex || isXop) {
      // A VEX/EVEX/XOP escape after 66, F2, F3, LOCK or REX is #UD; so is one in real or v8086 mode.
      if (opsz || rep !== 0 || lock || rex !== 0 || mode === MODE_REAL || mode === MODE_V86) return ud(d, i);
      if (isEvex && !f.avx512) return ud(d, i);
      if (isXop && !f.xop) return ud(d, i);
      if (isVex && !f.avx) return ud(d, i);
      let b2 = 0;
      i++;
      if (b !== 0xc5) {
        if (i >= lim) return stop(d, i);
        b2 = buf[i++]!;
      }
      let mm: number;
      if (b === 0xc5) {
        rR = (~b1 >>> 4) & 8;
        mm = 1;
        W = false;
        d.vexV = (~b1 >>> 3) & 15;
        d.vexL = (b1 >>> 2) & 1;
        pp = b1 & 3;
      } else {
        rR = (~b1 >>> 4) & 8;
        rX = (~b1 >>> 3) & 8;
        rB = (~b1 >>> 2) & 8;
        mm = isEvex ? b1 & 7 : b1 & 31;
        W = (b2 & 0x80) !== 0;
        d.vexV = (~b2 >>> 3) & 15;
        pp = b2 & 3;
        if (isEvex) {
          if (i >= lim) return stop(d, i);
          d.vexL = (buf[i++]! >>> 5) & 3;
        } else d.vexL = (b2 >>> 2) & 1;
      }
      vvvv = d.vexV;
      if (!is64) {
        rR = rX = rB = 0;
        d.vexV &= 7;
      }
      d.vexW = W;
      if (i >= lim) return stop(d, i);
      b = buf[i++]!;
      hasModrm = true;
      if (isXop) {
        if (mm < 8 || mm > 10) return ud(d, i);
        immKind = mm === 8 ? IMM_B : mm === 10 ? IMM_Z : 0;
        enc = ENC_XOP;
        map = MAP_0F;
      } else {
        if (mm < 1 || mm > 3) return ud(d, i);
        map = mm;
        enc = isEvex ? ENC_EVEX : ENC_VEX;
        if (map === MAP_0F && b === 0x77 && !isEvex) hasModrm = false;
        if (map === MAP_0F3A || (map === MAP_0F && ((b >= 0x70 && b <= 0x73) || b === 0xc2 || (b >= 0xc4 && b <= 0xc6)))) {
          immKind = IMM_B;
        }
        if (enc === ENC_VEX) {
          if ((VEX_PP[map * 256 + b]! & (1 << pp)) === 0) return ud(d, i);
          // Executable moves get their memory sizes; every other VEX instruction still goes to the SIMD
          // handler so that its #UD/#NM gating happens before 'unimplemented' (BMI1/2 and RORX are
          // GPR instructions without that gating).
          if (map === MAP_0F && vexExecutable(b)) entry = VEX_SSE_ENTRY;
          else if (!((map === MAP_0F38 && b >= 0xf0) || (map === MAP_0F3A && b === 0xf0))) entry = VEX_SIMD_ENTRY;
        }
      }
    } else {
      entry = PRIMARY[b]!;
    }
  } else {
    entry = PRIMARY[b]!;
  }
  d.encoding = enc;
  d.map = map;
  d.opcode = b;
  d.pp = pp;
  d.rex = rex;
  d.rexW = W;
  if (enc === ENC_LEGACY) {
    if ((entry & F_INVALID) !== 0 || (is64 && (entry & F_INV64) !== 0)) return ud(d, i);
    hasModrm = (entry & F_MODRM) !== 0;
    immKind = entry & IMM_MASK;
  }
  d.entry = entry;

  // ---- operand and address size ----
  let opSize: number;
  if ((entry & F_BYTE) !== 0) opSize = 1;
  else if (is64) {
    if (W || (entry & F_FORCE64) !== 0) opSize = 8;
    else if ((entry & F_DEF64) !== 0) {
      // Intel ignores 66 on near branches in 64-bit mode; AMD (the reference CPU) honours it.
      opSize = opsz && (f.amdDecoding || immKind !== IMM_Z || b === 0x68) ? 2 : 8;
    } else opSize = opsz ? 2 : 4;
  } else if ((entry & F_FORCE64) !== 0) opSize = 4;
  else opSize = bits32 !== opsz ? 4 : 2;
  const addrSize = is64 ? (adsz ? 4 : 8) : bits32 !== adsz ? 4 : 2;
  d.addrSize = addrSize;

  // ---- ModRM / SIB / displacement ----
  d.hasModrm = hasModrm;
  d.hasMem = false;
  d.base = NO_REG;
  d.index = NO_REG;
  d.scale = 1;
  d.dispLo = 0;
  d.dispHi = 0;
  d.mod = 3;
  d.regRaw = 0;
  d.reg = 0;
  d.rm = 0;
  let seg = 3;
  let rmLow = 0; // ModRM.rm without REX.B
  if (hasModrm) {
    if (i >= lim) return stop(d, i);
    const m = buf[i++]!;
    let mod = m >>> 6;
    const rmRaw = m & 7;
    rmLow = rmRaw;
    d.regRaw = (m >>> 3) & 7;
    d.reg = d.regRaw | rR;
    if ((entry & F_REGONLY) !== 0) mod = 3;
    d.mod = mod;
    if (mod === 3) {
      d.rm = rmRaw | rB;
    } else {
      d.hasMem = true;
      let dispSize = mod === 1 ? 1 : mod === 2 ? (addrSize === 2 ? 2 : 4) : 0;
      if (addrSize === 2) {
        switch (rmRaw) {
          case 0:
            d.base = 3;
            d.index = 6;
            break; // BX+SI
          case 1:
            d.base = 3;
            d.index = 7;
            break; // BX+DI
          case 2:
            d.base = 5;
            d.index = 6;
            seg = 2;
            break; // BP+SI
          case 3:
            d.base = 5;
            d.index = 7;
            seg = 2;
            break; // BP+DI
          case 4:
            d.base = 6;
            break; // SI
          case 5:
            d.base = 7;
            break; // DI
          case 6:
            if (mod === 0) dispSize = 2;
            else {
              d.base = 5;
              seg = 2;
            }
            break;
          default:
            d.base = 3; // BX
        }
      } else {
        let base: number;
        if (rmRaw === 4) {
          if (i >= lim) return stop(d, i);
          const sib = buf[i++]!;
          d.scale = 1 << (sib >>> 6);
          const idx = ((sib >>> 3) & 7) | rX;
          d.index = idx === 4 ? NO_REG : idx;
          base = (sib & 7) === 5 && mod === 0 ? NO_REG : (sib & 7) | rB;
          if (base === NO_REG) dispSize = 4;
        } else if (rmRaw === 5 && mod === 0) {
          base = is64 ? BASE_RIP : NO_REG;
          dispSize = 4;
        } else base = rmRaw | rB;
        d.base = base;
        if (base === 4 || base === 5) seg = 2;
      }
      if (dispSize !== 0) {
        if (i + dispSize > lim) return stopN(d, i + dispSize);
        let v: number;
        if (dispSize === 1) v = (buf[i]! << 24) >> 24;
        else if (dispSize === 2) v = ((buf[i]! | (buf[i + 1]! << 8)) << 16) >> 16;
        else v = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
        i += dispSize;
        d.dispLo = v;
        d.dispHi = v >> 31;
      }
      // In 64-bit mode ES/CS/SS/DS overrides are null prefixes: the default segment stays, so an
      // rBP/rSP-based non-canonical address is still #SS and an SS override on another base #GP.
      if (segOv >= 0 && (!is64 || segOv >= 4)) seg = segOv;
    }
  }

  // Mandatory prefix, memory/register form and /digit must be defined (SDM Vol. 2 Appendix A).
  // (validity.ts legacyValid, inlined: two table probes on the hot path)
  if (enc === ENC_LEGACY) {
    const k = (map << 8) | b;
    const isReg = d.mod === 3;
    const dg = DIGITS[k]!;
    if ((FORMS[k]! & (1 << ((pp << 1) | (isReg ? 1 : 0)))) === 0 || (dg & (1 << (d.regRaw | (isReg ? 8 : 0)))) === 0) return ud(d, i);
    if (dg > 0xffff && !special(k, pp, isReg, d.regRaw, d.reg, rmLow, is64, opsz)) return ud(d, i); // D_SPECIAL
  } else if (enc === ENC_VEX) {
    // Per-instruction VEX.L / VEX.W / VEX.vvvv / form rules (validity.ts VEX_RULE).
    const k = (map << 8) | b;
    const r = VEX_RULE[(k << 2) | pp]!;
    if (r !== 0 && !vexValid(r, k, d, vvvv, rmLow)) return ud(d, i);
  }

  // Group 5 (FF): near CALL/JMP and PUSH default to 64-bit operands in 64-bit mode.
  if (is64 && map === MAP_PRIMARY && b === 0xff && !W) {
    const r = d.regRaw;
    if (r === 2 || r === 4) opSize = opsz && f.amdDecoding ? 2 : 8;
    else if (r === 6) opSize = opsz ? 2 : 8;
  }
  const farIndirect = map === MAP_PRIMARY && b === 0xff && (d.regRaw === 3 || d.regRaw === 5);
  d.opSize = opSize;

  // ---- immediates ----
  let immSize = 0;
  switch (immKind) {
    case IMM_B:
      immSize = 1;
      break;
    case IMM_W:
      immSize = 2;
      break;
    case IMM_Z:
      immSize = opSize === 2 ? 2 : 4;
      break;
    case IMM_V:
      immSize = opSize;
      break;
    case IMM_AP:
      immSize = opSize === 2 ? 4 : 6;
      break;
    case IMM_MOFFS:
      immSize = addrSize;
      break;
    case IMM_ENTER:
      immSize = 3;
      break;
    case IMM_GRP3:
      immSize = d.regRaw < 2 ? (opSize === 1 ? 1 : opSize === 2 ? 2 : 4) : 0;
      break;
    case IMM_BB:
      immSize = 2;
      break;
  }
  d.immSize = immSize;
  d.immLo = 0;
  d.immHi = 0;
  if (immSize !== 0) {
    if (i + immSize > lim) return stopN(d, i + immSize);
    if (immKind === IMM_MOFFS) {
      d.hasMem = true;
      d.dispLo = buf[i]! | (buf[i + 1]! << 8) | (immSize > 2 ? (buf[i + 2]! << 16) | (buf[i + 3]! << 24) : 0);
      d.dispHi = immSize === 8 ? buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24) : 0;
      seg = segOv >= 0 && (!is64 || segOv >= 4) ? segOv : 3;
    } else if (immKind === IMM_ENTER || immKind === IMM_BB || immKind === IMM_AP) {
      const n = immSize - (immKind === IMM_AP ? 2 : 1);
      let v = 0;
      for (let k = n - 1; k >= 0; k--) v = v * 256 + buf[i + k]!;
      d.immLo = v | 0;
      d.imm2 = immKind === IMM_AP ? buf[i + n]! | (buf[i + n + 1]! << 8) : buf[i + n]!;
    } else if (immSize === 1) {
      const v = (buf[i]! << 24) >> 24;
      d.immLo = v;
      d.immHi = v >> 31;
    } else if (immSize === 2) {
      const v = ((buf[i]! | (buf[i + 1]! << 8)) << 16) >> 16;
      d.immLo = v;
      d.immHi = v >> 31;
    } else {
      const v = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      d.immLo = v;
      d.immHi = immSize === 8 ? buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24) : v >> 31;
    }
    i += immSize;
  }
  d.seg = seg;
  d.length = i;

  // ---- memory operand size (for executors and the differential test) ----
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
      memSize = 16;
      break;
    case MS_X:
      memSize = 16 << d.vexL;
      break;
    case MS_Y:
      memSize = is64 && W ? 8 : 4;
      break;
    case MS_MOVSXD:
      memSize = !is64 ? 2 : opSize === 8 ? 4 : opSize;
      break;
    case MS_SSE:
      memSize = SSE_MEM_SIZE[b * 4 + pp]!;
      if (enc === ENC_VEX && memSize === 16) memSize <<= d.vexL;
      else if (memSize === SSE_SIZE_Y) memSize = is64 && W ? 8 : 4;
      break;
    case MS_CX:
      memSize = d.regRaw === 1 ? (W ? 16 : 8) : 0;
      break;
  }
  if (farIndirect) memSize = 0; // far pointers
  d.memSize = memSize;

  if (lock && !lockLegal(d, f.amdDecoding)) return DEC_UD;
  return DEC_OK;
}
