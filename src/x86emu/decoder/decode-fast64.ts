// The decoder's fast path in 64-bit mode (issue 14, seventh pass): what a VMM's MMIO exits are made
// of, decoded with the mode's constants folded in and one packed descriptor per opcode read once.
// The first byte's class (one table test, in the inlined entry) picks one of two functions:
//   - no legacy prefix: [REX] [0F] opcode, with the prefix state folded to constants;
//   - prefixes 66, F2, F3, F0 and REX (REX counts only when last) with the primary or the 0F map, and
//     VEX (C5, and C4 with map 0F) for the moves the executor runs (VMOVUPS/UPD/APS/APD, VMOVDQA/DQU,
//     VMOVNTPS/NTDQ), with the VEX.pp and per-instruction VEX rules of validity.ts; these two lanes
//     share one ModRM/SIB/displacement step (the first function has its own copy).
// The record is written at the end as its eleven numbers (insn.ts packs the small fields into four
// words), the ModRM and SIB bytes' parts of those words read from tables. Anything else (67 and
// segment prefixes, 0F38/0F3A, EVEX/XOP, opcodes with special rules), an instruction that runs out of
// bytes or fails a validity or LOCK rule returns -1 having written nothing, and the general decoder
// decides. Whatever it decodes, the record is the general decoder's,
// field for field (test/x86emu/decode-fast.test.ts).
import type { CpuFeatures } from '../features.js';
import * as In from '../insn.js';
import type { Insn } from '../insn.js';
import { lockLegalForm } from './lock.js';
import * as Tb from './tables.js';
import * as Va from './validity.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decode.ts).
const {
  BASE_RIP,
  DEC_OK,
  ENC_LEGACY,
  ENC_VEX,
  EW_BASE,
  EW_HAS,
  EW_INDEX,
  EW_MEMSIZE,
  EW_SCALE,
  EW_SEG,
  MAP_0F,
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
  PW_VEXL,
  PW_VEXV,
  PW_VEXW,
} = In;
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
  MS_NONE,
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
const { D_SPECIAL, DIGITS, FORMS, VEX_PP, VEX_RULE, V_L0, V_L1, V_W0, V_W1, V_NOV, V_NOVMEM, V_MEM, V_REG, V_DIG, V_VSIB } = Va;
const MODE_LONG64 = 6;
/** The opWord's constant part in 64-bit mode: the mode and the address size (8). */
const OW_LONG64 = (MODE_LONG64 << OW_MODE) | (8 << OW_ADDRSIZE);
/** ... with the legacy encoding (0). */
const OW_LEGACY64 = OW_LONG64 | (ENC_LEGACY << OW_ENC);
const MAX_LENGTH = 15;

// ---- the descriptor of an opcode under a mandatory-prefix selector (DESC[(map << 8 | op) << 2 | pp]) ----
// (map 0 primary, 1 0F; pp 0 none, 1 = 66, 2 = F3, 3 = F2; 0 = the general decoder decides)
const D_OK = 1;
const D_MODRM = 2;
/** Immediate: 0 none, 1 imm8, 2 imm16/32 by operand size, 3 group 3 (/0 and /1 only). */
const D_IMM_SHIFT = 2;
/** Operand size class: 0 byte, 1 by prefixes (66: 2, REX.W: 8, else 4), 2 default 64, 3 forced 64. */
const D_OPS_SHIFT = 4;
/** Memory size: bytes (0-32), DM_V the operand size, DM_W 8 with REX.W else 4, DM_RULE MOVSXD's and CMPXCHG8B/16B's rules. */
const D_MEM_SHIFT = 6;
const DM_V = 63;
const DM_W = 62;
const DM_RULE = 61;
/** The opcode's /digits are restricted: probe DIGITS. */
const D_DIGITS = 1 << 12;
/** The record's map is 0F. */
const D_MAP0F = 1 << 13;
/** The memory form / the register form (or no ModRM) is defined under this prefix (FORMS). */
const D_MEM_OK = 1 << 14;
const D_REG_OK = 1 << 15;

const FI_NONE = 0,
  FI_B = 1,
  FI_Z = 2,
  FI_GRP3 = 3;

const DESC = new Int32Array(512 * 4);
/** The table entry of an opcode (PRIMARY then MAP0F, by map << 8 | op). */
const ENTRY = new Int32Array(512);
/** First byte → what it is: an opcode, REX, a legacy prefix this path takes (66 F0 F2 F3), 0F, VEX (C4, C5). */
const LEAD = new Uint8Array(256);
const L_OPCODE = 0,
  L_REX = 1,
  L_0F = 2,
  L_PREFIX = 3,
  L_VEX = 4;
/** Per opcode, the /digits whose memory form LOCK may prefix (lock.ts's rule as a table). */
const LOCK_DIGITS = new Uint8Array(512);
/**
 * VEX map 0F moves by (op << 2 | pp): 0 = the general decoder; else VX_OK | the instruction's
 * VEX_RULE bits (L0, L1, W0, W1, vvvv, memory/register form) | its memory size << VX_MEM_SHIFT
 * (16 is doubled by VEX.L; VX_MEM_W: 8 with VEX.W, else 4).
 */
const VEX_DESC = new Int32Array(256 * 4);
const VX_OK = 1 << 15;
const VX_MEM_SHIFT = 16;
const VX_MEM_W = 0xff;

(function build(): void {
  LEAD.fill(L_OPCODE);
  for (const b of [0x66, 0xf2, 0xf3, 0xf0]) LEAD[b] = L_PREFIX;
  for (let b = 0x40; b < 0x50; b++) LEAD[b] = L_REX;
  LEAD[0x0f] = L_0F;
  LEAD[0xc4] = LEAD[0xc5] = L_VEX;
  const msBytes: Record<number, number> = { [MS_NONE]: 0, [MS_B]: 1, [MS_W]: 2, [MS_D]: 4, [MS_Q]: 8, [MS_DQ]: 16, [MS_X]: 16, [MS_V]: DM_V, [MS_Y]: DM_W };
  for (let k = 0; k < 512; k++) {
    const map = k >>> 8;
    const op = k & 0xff;
    const e = map === 0 ? PRIMARY[op]! : MAP0F[op]!;
    ENTRY[k] = e;
    for (let r = 0; r < 8; r++) if (lockLegalForm(map, op, true, r, r, true)) LOCK_DIGITS[k]! |= 1 << r;
    if ((e & (F_INVALID | F_REGONLY | F_INV64)) !== 0) continue;
    // escapes and opcodes with rules of their own stay with the general decoder: 0F, BOUND/EVEX,
    // LES/LDS/VEX, POP/XOP, group 5 (its operand size depends on the /digit); in the 0F map the
    // three-byte maps, 3DNow!, SSE4a EXTRQ/INSERTQ, POPCNT/JMPE (0F B8) and UD0
    if (map === 0 && (op === 0x0f || op === 0x62 || op === 0xc4 || op === 0xc5 || op === 0x8f || op === 0xff)) continue;
    // prefixes are not opcodes (the ones this path takes, and 67 and the segment overrides, which it leaves)
    const prefix =
      LEAD[op] === L_REX || LEAD[op] === L_PREFIX || op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65 || op === 0x67;
    if (map === 0 && prefix) continue;
    if (map === 1 && (op === 0x38 || op === 0x3a || op === 0x0f || op === 0x0e || op === 0x78 || op === 0x79 || op === 0xb8 || op === 0xff)) continue;
    if ((DIGITS[k]! & D_SPECIAL) !== 0) continue;
    const ik = e & IMM_MASK;
    const fi = ik === IMM_NONE ? FI_NONE : ik === IMM_B ? FI_B : ik === IMM_Z ? FI_Z : ik === IMM_GRP3 ? FI_GRP3 : -1;
    if (fi < 0) continue;
    // a default-64 operand with a 16/32-bit immediate (PUSH imm, near CALL/JMP/Jcc): 66's effect is vendor-specific
    if ((e & F_DEF64) !== 0 && ik === IMM_Z) continue;
    const ops = (e & F_BYTE) !== 0 ? 0 : (e & F_FORCE64) !== 0 ? 3 : (e & F_DEF64) !== 0 ? 2 : 1;
    const mk = (e & MS_MASK) >>> MS_SHIFT;
    const digits = DIGITS[k] !== 0xffff ? D_DIGITS : 0;
    for (let pp = 0; pp < 4; pp++) {
      let mem = mk === MS_MOVSXD || mk === MS_CX ? DM_RULE : (msBytes[mk] ?? 0);
      if (mk === MS_SSE) {
        const sz = SSE_MEM_SIZE[op * 4 + pp]!;
        mem = sz === SSE_SIZE_Y ? DM_W : sz;
      }
      const forms = FORMS[k]! >>> (pp * 2);
      const ok = ((forms & 1) !== 0 ? D_MEM_OK : 0) | ((forms & 2) !== 0 ? D_REG_OK : 0);
      if (ok === 0) continue;
      DESC[(k << 2) | pp] =
        D_OK |
        ((e & F_MODRM) !== 0 ? D_MODRM : 0) |
        (fi << D_IMM_SHIFT) |
        (ops << D_OPS_SHIFT) |
        (mem << D_MEM_SHIFT) |
        digits |
        (map !== 0 ? D_MAP0F : 0) |
        ok;
    }
  }
  for (let op = 0; op < 256; op++) {
    if (!vexExecutable(op)) continue;
    for (let pp = 0; pp < 4; pp++) {
      const r = VEX_RULE[((256 | op) << 2) | pp]!;
      if ((VEX_PP[256 | op]! & (1 << pp)) === 0 || (r & (V_DIG | V_VSIB)) !== 0) continue;
      const sz = SSE_MEM_SIZE[op * 4 + pp]!;
      VEX_DESC[(op << 2) | pp] =
        VX_OK | (r & (V_L0 | V_L1 | V_W0 | V_W1 | V_NOV | V_NOVMEM | V_MEM | V_REG)) | ((sz === SSE_SIZE_Y ? VX_MEM_W : sz) << VX_MEM_SHIFT);
    }
  }
})();

/**
 * The record's words for a ModRM byte, read whole instead of computed field by field:
 * MRM_WORD[(rex & 5) << 8 | modrm] is the modrmWord (mod, the /digit, reg with REX.R, rm with REX.B
 * in the register form) under REX.R (4) and REX.B (1) (VEX.R and VEX.B are put in the same bits).
 */
const MRM_WORD = new Int32Array(6 * 256);
/**
 * MEM_WORD[(rex & 1) << 8 | modrm] (memory forms, mod 0-2): the memWord's hasMem, base and segment
 * without a SIB byte (mod 0, rm 5: RIP-relative), the displacement's size in bytes at A_DISP, and
 * A_SIB when a SIB byte follows (then the base, index, scale and segment come from SIB_WORD).
 */
const MEM_WORD = new Int32Array(2 * 256);
/**
 * SIB_WORD[(mod === 0 ? 1024 : 0) | (rex & 3) << 8 | sib]: the memWord's base (REX.B), index (REX.X;
 * 4 is none), scale and segment, and 4 at A_DISP for the disp32 that replaces the base (base 5, mod 0).
 */
const SIB_WORD = new Int32Array(2 * 4 * 256);
const A_DISP = 24;
const A_SIB = 1 << 28;
(function buildModrm(): void {
  const segOf = (base: number): number => (base === 4 || base === 5 ? 2 : 3);
  for (let rex = 0; rex < 8; rex++) {
    const R = (rex >>> 2) & 1;
    const X = (rex >>> 1) & 1;
    const B = rex & 1;
    for (let m = 0; m < 256; m++) {
      const mod = m >>> 6;
      const rm = m & 7;
      const regRaw = (m >>> 3) & 7;
      if ((rex & 2) === 0)
        MRM_WORD[((rex & 5) << 8) | m] =
          MW_HAS | (mod << MW_MOD) | (regRaw << MW_REGRAW) | ((regRaw | (R << 3)) << MW_REG) | (mod === 3 ? (rm | (B << 3)) << MW_RM : 0);
      if (rex < 2 && mod !== 3) {
        const dispSize = mod === 1 ? 1 : mod === 2 || (mod === 0 && rm === 5) ? 4 : 0;
        let w = EW_HAS | (dispSize << A_DISP);
        if (rm === 4) w |= A_SIB;
        else {
          const base = mod === 0 && rm === 5 ? BASE_RIP : rm | (B << 3);
          w |= ((base + 1) << EW_BASE) | (segOf(base) << EW_SEG);
        }
        MEM_WORD[(B << 8) | m] = w;
      }
      if (rex < 4) {
        const sib = m;
        for (let mod0 = 0; mod0 < 2; mod0++) {
          const idx = ((sib >>> 3) & 7) | (X << 3);
          const index = idx === 4 ? NO_REG : idx;
          const noBase = (sib & 7) === 5 && mod0 === 1;
          const base = noBase ? NO_REG : (sib & 7) | (B << 3);
          SIB_WORD[(mod0 << 10) | (rex << 8) | sib] =
            ((base + 1) << EW_BASE) | ((index + 1) << EW_INDEX) | ((sib >>> 6) << EW_SCALE) | (segOf(base) << EW_SEG) | ((noBase ? 4 : 0) << A_DISP);
        }
      }
    }
  }
})();

/**
 * Decode buf[0 .. avail) in 64-bit mode when it is a fast-path instruction; returns DEC_OK with `d`
 * filled exactly as decode() would, or -1 for the general decoder (a -1 leaves the record as it
 * was). Small enough for V8 to inline into its callers: the first byte picks the lane's function.
 */
export function decodeFast64(d: Insn, buf: Uint8Array, avail: number, f: CpuFeatures): number {
  if (avail < 1) return -1;
  return LEAD[buf[0]!]! < L_PREFIX ? decodePlain64(d, buf, avail, f) : decodePrefixed64(d, buf, avail, f);
}

/**
 * No legacy prefix: [REX] [0F] opcode. Its own copy of the ModRM and immediate steps, with the prefix
 * state folded to constants (the commonest MMIO forms; REX before another prefix goes to the general
 * decoder).
 */
function decodePlain64(d: Insn, buf: Uint8Array, avail: number, f: CpuFeatures): number {
  let b = buf[0]!;
  let i = 1;
  let rex = 0;
  if ((b & 0xf0) === 0x40) {
    if (avail < 2) return -1;
    rex = b;
    b = buf[1]!;
    i = 2;
    // REX before another prefix: the prefix loop
    if (LEAD[b]! === L_REX || LEAD[b]! >= L_PREFIX) return decodePrefixed64(d, buf, avail, f);
  }
  let k = b;
  if (b === 0x0f) {
    if (i >= avail) return -1;
    k = 256 | buf[i++]!;
  }
  const desc = DESC[k << 2]!;
  if (desc === 0) return -1;
  const W = (rex & 8) !== 0;
  // ---- ModRM, validity, SIB, displacement ----
  let m = 0xc0; // no ModRM: the register form, digit 0 (as the general decoder's validity probe sees it)
  if ((desc & D_MODRM) !== 0) {
    if (i >= avail) return -1;
    m = buf[i++]!;
  }
  const regRaw = (m >>> 3) & 7;
  const mod = m >>> 6;
  if ((desc & (mod === 3 ? D_REG_OK : D_MEM_OK)) === 0) return -1;
  if ((desc & D_DIGITS) !== 0 && (DIGITS[k]! & (1 << (regRaw | (mod === 3 ? 8 : 0)))) === 0) return -1;
  let mw = 3 << EW_SEG; // the register form: no memory operand (base and index NO_REG, scale 1, DS)
  let disp = 0;
  if (mod !== 3) {
    let w = MEM_WORD[((rex & 1) << 8) | m]!;
    if ((w & A_SIB) !== 0) {
      if (i >= avail) return -1;
      w |= SIB_WORD[(mod === 0 ? 1024 : 0) | ((rex & 3) << 8) | buf[i++]!]!;
    }
    const dispSize = (w >>> A_DISP) & 7;
    if (dispSize !== 0) {
      if (i + dispSize > avail) return -1;
      disp = dispSize === 1 ? (buf[i]! << 24) >> 24 : buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      i += dispSize;
    }
    mw = w & 0xffff;
  }
  // ---- operand size (64-bit mode, no 66) ----
  const ops = (desc >>> D_OPS_SHIFT) & 3;
  const opSize = ops === 0 ? 1 : W || ops >= 2 ? 8 : 4;
  // ---- immediate ----
  const fi = (desc >>> D_IMM_SHIFT) & 3;
  let immSize = 0;
  let immLo = 0;
  if (fi !== FI_NONE) {
    immSize = fi === FI_B ? 1 : fi === FI_Z ? 4 : regRaw >= 2 ? 0 : opSize === 1 ? 1 : 4;
    if (immSize !== 0) {
      if (i + immSize > avail) return -1;
      immLo = immSize === 1 ? (buf[i]! << 24) >> 24 : buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      i += immSize;
    }
  }
  // (at most 12 bytes: no length check)
  let memSize = (desc >>> D_MEM_SHIFT) & 63;
  if (memSize === DM_V) memSize = opSize;
  else if (memSize >= DM_RULE) {
    if (memSize === DM_W) memSize = W ? 8 : 4;
    else if (k === 0x63)
      memSize = opSize === 8 ? 4 : opSize; // MOVSXD
    else memSize = regRaw === 1 ? (W ? 16 : 8) : 0; // CMPXCHG8B/16B
  }
  // ---- the record: eleven stores (k is map << 8 | opcode, the opWord's low bits; no prefix, no segment override) ----
  d.length = i;
  d.entry = ENTRY[k]!;
  d.opWord = k | OW_LEGACY64 | (opSize << OW_OPSIZE) | (immSize << OW_IMMSIZE);
  d.prefixWord = (rex << PW_REX) | (rex & PW_REXW);
  d.modrmWord = (desc & D_MODRM) !== 0 ? MRM_WORD[((rex & 5) << 8) | m]! : 3 << MW_MOD;
  d.memWord = mw | (memSize << EW_MEMSIZE);
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.immLo = immLo;
  d.immHi = immLo >> 31;
  d.imm2 = 0;
  return DEC_OK;
}

/** Legacy prefixes (66, F0, F2, F3, with REX) or VEX first: see {@link decodeFast64}. */
function decodePrefixed64(d: Insn, buf: Uint8Array, avail: number, f: CpuFeatures): number {
  if (avail < 1) return -1;
  let b = buf[0]!;
  let i = 1;
  let k = b; // map << 8 | opcode
  let desc = 0;
  let W = false;
  let opsz = false;
  let rex = 0; // REX's R, X, B bits (and W), also from VEX
  let pw = 0; // the record's prefixWord
  let lock = false;
  let entry = VEX_SSE_ENTRY;
  let enc = ENC_VEX;
  const lead = LEAD[b]!;
  if (lead !== L_VEX) {
    // prefixes 66, F0, F2, F3 (the last of F2/F3 counts) and REX, which counts only when last
    let rep = 0;
    for (let c = lead; c === L_REX || c === L_PREFIX; c = LEAD[b]!) {
      if (c === L_REX) rex = b;
      else {
        if (b === 0x66) opsz = true;
        else if (b === 0xf0) lock = true;
        else rep = b;
        rex = 0;
      }
      if (i >= avail || i > 4) return -1;
      b = buf[i++]!;
    }
    k = b;
    if (b === 0x0f) {
      if (i >= avail) return -1;
      k = 256 | buf[i++]!;
    }
    const pp = rep === 0xf3 ? 2 : rep === 0xf2 ? 3 : opsz ? 1 : 0;
    desc = DESC[(k << 2) | pp]!;
    if (desc === 0) return -1;
    W = (rex & 8) !== 0;
    entry = ENTRY[k]!;
    enc = ENC_LEGACY;
    pw = (lock ? PW_LOCK : 0) | (opsz ? PW_OPSIZE : 0) | (rex & PW_REXW) | (pp << PW_PP) | ((rep & 3) << PW_REP) | (rex << PW_REX);
  } else {
    // VEX: C5 (map 0F implied) or C4 with map 0F, the moves the executor runs
    if (f.avx !== true || avail < 4) return -1;
    const b1 = buf[1]!;
    let p2 = b1; // the byte with vvvv, L and pp
    if (b === 0xc4) {
      if ((b1 & 31) !== 1 || avail < 5) return -1;
      p2 = buf[2]!;
      rex = (~b1 >>> 5) & 3; // VEX.X, VEX.B (the record's rex stays 0)
      W = (p2 & 0x80) !== 0;
      i = 2;
    }
    rex |= (~b1 >>> 5) & 4; // VEX.R
    const vexV = (~p2 >>> 3) & 15;
    const vexL = (p2 >>> 2) & 1;
    const pp = p2 & 3;
    const op = buf[i + 1]!;
    i += 2;
    k = 256 | op;
    const vx = VEX_DESC[(op << 2) | pp]!;
    // the instruction's VEX rules (validity.ts VEX_RULE): VEX.L, VEX.W and vvvv here, the form below
    if (vx === 0 || (vx & ((vexL !== 0 ? V_L0 : V_L1) | (W ? V_W0 : V_W1) | (vexV !== 0 ? V_NOV : 0))) !== 0) return -1;
    let mem = (vx >>> VX_MEM_SHIFT) & 0xff;
    mem = mem === VX_MEM_W ? (W ? 8 : 4) : mem === 16 ? 16 << vexL : mem;
    const memOk = (vx & V_REG) !== 0 || (vexV !== 0 && (vx & V_NOVMEM) !== 0) ? 0 : D_MEM_OK;
    // operand size by VEX.W alone (the class of 66/REX.W-sized operands without a 66)
    desc = D_OK | D_MODRM | (1 << D_OPS_SHIFT) | (mem << D_MEM_SHIFT) | D_MAP0F | memOk | ((vx & V_MEM) !== 0 ? 0 : D_REG_OK);
    pw = (W ? PW_REXW | (1 << PW_VEXW) : 0) | (pp << PW_PP) | (vexL << PW_VEXL) | (vexV << PW_VEXV);
  }
  // ---- ModRM, validity, SIB, displacement ----
  let m = 0xc0; // no ModRM: the register form, digit 0 (as the general decoder's validity probe sees it)
  if ((desc & D_MODRM) !== 0) {
    if (i >= avail) return -1;
    m = buf[i++]!;
  }
  const regRaw = (m >>> 3) & 7;
  const mod = m >>> 6;
  // the form under the mandatory prefix (FORMS) and the /digit (DIGITS), as the general decoder probes them
  if ((desc & (mod === 3 ? D_REG_OK : D_MEM_OK)) === 0) return -1;
  if ((desc & D_DIGITS) !== 0 && (DIGITS[k]! & (1 << (regRaw | (mod === 3 ? 8 : 0)))) === 0) return -1;
  // LOCK only on the read-modify-write forms with a memory destination (lock.ts)
  if (lock && (mod === 3 || (LOCK_DIGITS[k]! & (1 << regRaw)) === 0)) return -1;
  let mw = 3 << EW_SEG; // the register form: no memory operand (base and index NO_REG, scale 1, DS)
  let disp = 0;
  if (mod !== 3) {
    let w = MEM_WORD[((rex & 1) << 8) | m]!;
    if ((w & A_SIB) !== 0) {
      if (i >= avail) return -1;
      w |= SIB_WORD[(mod === 0 ? 1024 : 0) | ((rex & 3) << 8) | buf[i++]!]!;
    }
    const dispSize = (w >>> A_DISP) & 7;
    if (dispSize !== 0) {
      if (i + dispSize > avail) return -1;
      disp = dispSize === 1 ? (buf[i]! << 24) >> 24 : buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      i += dispSize;
    }
    mw = w & 0xffff;
  }
  // ---- operand size (64-bit mode) ----
  const ops = (desc >>> D_OPS_SHIFT) & 3;
  const opSize = ops === 0 ? 1 : W || ops === 3 ? 8 : opsz ? 2 : ops === 2 ? 8 : 4;
  // ---- immediate ----
  const fi = (desc >>> D_IMM_SHIFT) & 3;
  let immSize = 0;
  let immLo = 0;
  if (fi !== FI_NONE) {
    immSize = fi === FI_B ? 1 : fi === FI_Z ? (opSize === 2 ? 2 : 4) : regRaw >= 2 ? 0 : opSize === 1 ? 1 : opSize === 2 ? 2 : 4;
    if (immSize !== 0) {
      if (i + immSize > avail) return -1;
      if (immSize === 1) immLo = (buf[i]! << 24) >> 24;
      else if (immSize === 2) immLo = ((buf[i]! | (buf[i + 1]! << 8)) << 16) >> 16;
      else immLo = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      i += immSize;
    }
  }
  if (i > MAX_LENGTH) return -1;
  // ---- memory operand size, as the general decoder derives it ----
  let memSize = (desc >>> D_MEM_SHIFT) & 63;
  if (memSize === DM_V) memSize = opSize;
  else if (memSize >= DM_RULE) {
    if (memSize === DM_W) memSize = W ? 8 : 4;
    else if (k === 0x63)
      memSize = opSize === 8 ? 4 : opSize; // MOVSXD
    else memSize = regRaw === 1 ? (W ? 16 : 8) : 0; // CMPXCHG8B/16B
  }
  // ---- the record: eleven stores (no segment override: the prefixWord's field is 0) ----
  d.length = i;
  d.entry = entry;
  d.opWord = (k & 0xff) | ((desc & D_MAP0F) !== 0 ? MAP_0F << OW_MAP : 0) | (enc << OW_ENC) | OW_LONG64 | (opSize << OW_OPSIZE) | (immSize << OW_IMMSIZE);
  d.prefixWord = pw;
  d.modrmWord = (desc & D_MODRM) !== 0 ? MRM_WORD[((rex & 5) << 8) | m]! : 3 << MW_MOD;
  d.memWord = mw | (memSize << EW_MEMSIZE);
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.immLo = immLo;
  d.immHi = immLo >> 31;
  d.imm2 = 0;
  return DEC_OK;
}
