// The decoder's fast path in 64-bit mode (issue 14, ninth pass): what a VMM's MMIO exits are made of,
// decoded by table look-ups small enough in bytecode for V8 to inline into the caller (a call into the
// lane was a fifth of the decode time). The legacy prefixes it takes (66, F0, F2, F3, and REX, which
// counts only when last), the opcode (primary or 0F map) and the prefixWord's low four bits (66, REX.W,
// the last of F2/F3) make the instruction's index; one table gives its form validity, ModRM presence,
// pp and memory size, another its whole opWord (operand, address and immediate sizes), and one per
// opcode and ModRM /digit and form the /digit's validity and LOCK's. The ModRM and SIB bytes' parts of
// the record read whole from tables, and the record is written at the end as its eleven numbers
// (insn.ts packs the small fields into four words). VEX (C5, and C4 with map 0F) for the moves the
// executor runs (VMOVUPS/UPD/APS/APD, VMOVDQA/DQU, VMOVNTPS/NTDQ) gets its index from its VEX bytes,
// with the VEX.pp and per-instruction VEX rules of validity.ts folded in, out of line. Anything else
// (67 and segment prefixes, 0F38/0F3A, EVEX/XOP, opcodes with special rules), an instruction that runs
// out of bytes or fails a validity or LOCK rule returns -1 having written nothing, and the general
// decoder decides. Whatever it decodes, the record is the general decoder's, field for field
// (test/x86emu/decode-fast.test.ts).
import type { CpuFeatures } from '../features.js';
import * as In from '../insn.js';
import type { Insn } from '../insn.js';
import { lockLegalForm } from './lock.js';
import * as Tb from './tables.js';
import * as Va from './validity.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decode.ts).
const {
  BASE_RIP,
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

// The bits the lane tests, as literals: a module constant read in a function is a context load and a
// hole check in its bytecode, and the lane must stay under V8's inlining limits. The record's layouts
// are insn.ts's (PW_*, EW_*, MW_*, OW_*); test/x86emu/decode-fast.test.ts compares every record with
// the general decoder's, field by field.

/** DESC's flags (besides the memory size at EW_MEMSIZE). */
const enum Desc {
  /** The memory / register form is not defined under this prefix (both: the index is not taken). */
  NoMem = 1 << 27,
  NoReg = 1 << 28,
  /** In every DESC, to meet DIGIT's BadDigit. */
  Any = 1 << 29,
  /** Has a ModRM byte (the sign bit). */
  Modrm = 1 << 31,
  /** Where pp is (the record's is at PW_PP). */
  PpShift = 24,
}

/** DIGIT's flags: an instruction is taken when (DESC | prefixWord) & DIGIT is 0. */
const enum Digit {
  /** The form of this ModRM byte (meets Desc.NoMem / Desc.NoReg). */
  IsMem = 1 << 27,
  IsReg = 1 << 28,
  /** The /digit is not defined in this form, or not taken (meets Desc.Any). */
  BadDigit = 1 << 29,
  /** LOCK may not prefix this form (PW_LOCK's bit: meets the prefixWord's LOCK). */
  NoLock = 64,
}

/** MEM_WORD's fields beyond the memWord's 16 bits (a SIB byte follows when the word is negative). */
const enum MemWord {
  /** The displacement's size in bytes. */
  DispShift = 24,
  /** The SIB_WORD row (mod 0, REX.X, REX.B). */
  RowShift = 27,
}

/** insn.ts's constants the lane reads. */
const enum Rec {
  /** PW_REX, PW_PP. */
  PwRex = 11,
  PwPp = 4,
  /** OW_IMMSIZE: the opWord's top field. */
  OwImmShift = 24,
  /** The modrmWord of an instruction without ModRM: mod 3, nothing else. */
  NoModrm = 6,
  /** DEC_OK. */
  Ok = 0,
}

// ---- the tables, by the instruction's index: legacy (map << 8 | opcode) << 4 | prefixWord & 15 (66,
// REX.W and the last of F2/F3: all a legacy opcode's sizes and mandatory prefix depend on); VEX
// VX_BASE | opcode << 5 | pp << 3 | (vvvv !== 0) << 2 | L << 1 | W. An index's row (index >>> 4) is
// map << 8 | opcode for legacy, 512 and up for VEX. ----
const VX_BASE = 8192;
/**
 * Per index: Desc.Modrm, the forms not defined (Desc.NoMem, Desc.NoReg: both for an index the path
 * does not take), Desc.Any, pp at Desc.PpShift (legacy: the record's pp) and the memory operand's
 * size at EW_MEMSIZE, as the memWord holds it.
 */
const DESC = new Int32Array(2 * VX_BASE).fill(Desc.NoMem | Desc.NoReg | Desc.Any);
/** Per index: the record's opWord (opcode, map, encoding, mode, operand, address and immediate sizes). */
const OPWORD = new Int32Array(2 * VX_BASE);
/** Per row: the record's entry. */
const ENTRY = new Int32Array(1024);
/**
 * Per row and ModRM.mod << 3 | ModRM.reg (row << 5 | modrm >>> 3; an opcode without ModRM is probed
 * as 0xC0): Digit.IsMem or Digit.IsReg, Digit.BadDigit when the /digit is not defined in that form
 * (or not taken: group 3's /2-/7, whose immediate the /digit decides, and CMPXCHG8B/16B's others),
 * Digit.NoLock when LOCK may not prefix it.
 */
const DIGIT = new Int32Array(1024 * 32);
/**
 * Per legacy prefix byte (66 F0 F2 F3, REX): the prefixWord bits it sets (0: not a prefix this path
 * takes; negative: a VEX escape, C4 or C5) and the ones it keeps.
 */
const PREFIX_SET = new Int32Array(256);
const PREFIX_KEEP = new Int32Array(256);
/**
 * Per VEX byte with W vvvv L pp (C4's third; C5's second with bit 7 clear): the prefixWord, and the
 * index without the opcode.
 */
const VEX_PW = new Int32Array(256);
const VEX_INDEX = new Int32Array(256);

(function build(): void {
  const REX_BITS = (0xff << PW_REX) | PW_REXW;
  for (const b of [0x66, 0xf0, 0xf2, 0xf3]) {
    PREFIX_SET[b] = b === 0x66 ? PW_OPSIZE : b === 0xf0 ? PW_LOCK : (b & 3) << PW_REP;
    // a legacy prefix after REX cancels it; F2/F3 replace each other
    PREFIX_KEEP[b] = ~(REX_BITS | (b >= 0xf2 ? 3 << PW_REP : 0));
  }
  for (let b = 0x40; b < 0x50; b++) {
    PREFIX_SET[b] = (b << PW_REX) | ((b >>> 2) & PW_REXW);
    PREFIX_KEEP[b] = ~REX_BITS;
  }
  // VEX, first byte only: -1 for C4, -4 for C5
  PREFIX_SET[0xc4] = -1;
  PREFIX_SET[0xc5] = -4;
  const msBytes: Record<number, number> = { [MS_NONE]: 0, [MS_B]: 1, [MS_W]: 2, [MS_D]: 4, [MS_Q]: 8, [MS_DQ]: 16, [MS_X]: 16 };
  for (let k = 0; k < 512; k++) {
    const map = k >>> 8;
    const op = k & 0xff;
    const e = map === 0 ? PRIMARY[op]! : MAP0F[op]!;
    ENTRY[k] = e;
    const ik = e & IMM_MASK;
    const mk = (e & MS_MASK) >>> MS_SHIFT;
    for (let md = 0; md < 32; md++) {
      const isReg = md >= 24;
      const r = md & 7;
      const defined = (DIGITS[k]! & (1 << (r | (isReg ? 8 : 0)))) !== 0;
      const taken = !(ik === IMM_GRP3 && r >= 2) && !(mk === MS_CX && r !== 1);
      DIGIT[(k << 5) | md] =
        (isReg ? Digit.IsReg : Digit.IsMem) | (defined && taken ? 0 : Digit.BadDigit) | (!isReg && lockLegalForm(map, op, true, r, r, true) ? 0 : Digit.NoLock);
    }
    if ((e & (F_INVALID | F_REGONLY | F_INV64)) !== 0) continue;
    // escapes and opcodes with rules of their own stay with the general decoder: 0F, BOUND/EVEX,
    // LES/LDS/VEX, POP/XOP, group 5 (its operand size depends on the /digit); in the 0F map the
    // three-byte maps, 3DNow!, SSE4a EXTRQ/INSERTQ, POPCNT/JMPE (0F B8) and UD0
    if (map === 0 && (op === 0x0f || op === 0x62 || op === 0xc4 || op === 0xc5 || op === 0x8f || op === 0xff)) continue;
    // prefixes are not opcodes (the ones this path takes, and 67 and the segment overrides, which it leaves)
    const prefix = PREFIX_SET[op]! > 0 || op === 0x26 || op === 0x2e || op === 0x36 || op === 0x3e || op === 0x64 || op === 0x65 || op === 0x67;
    if (map === 0 && prefix) continue;
    if (map === 1 && (op === 0x38 || op === 0x3a || op === 0x0f || op === 0x0e || op === 0x78 || op === 0x79 || op === 0xb8 || op === 0xff)) continue;
    if ((DIGITS[k]! & D_SPECIAL) !== 0) continue;
    if (ik !== IMM_NONE && ik !== IMM_B && ik !== IMM_Z && ik !== IMM_GRP3) continue;
    // a default-64 operand with a 16/32-bit immediate (PUSH imm, near CALL/JMP/Jcc): 66's effect is vendor-specific
    if ((e & F_DEF64) !== 0 && ik === IMM_Z) continue;
    for (let sel = 0; sel < 16; sel++) {
      const opsz = (sel & PW_OPSIZE) !== 0;
      const W = (sel & PW_REXW) !== 0;
      const rep = (sel >>> PW_REP) & 3;
      if (rep === 1) continue;
      const pp = rep === 3 ? 2 : rep === 2 ? 3 : opsz ? 1 : 0;
      const forms = FORMS[k]! >>> (pp * 2);
      if ((forms & 3) === 0) continue;
      const opSize = (e & F_BYTE) !== 0 ? 1 : W || (e & F_FORCE64) !== 0 ? 8 : opsz ? 2 : (e & F_DEF64) !== 0 ? 8 : 4;
      // group 3: only /0 and /1 are taken, which have an immediate
      const immSize = ik === IMM_B ? 1 : ik === IMM_NONE ? 0 : opSize === 1 ? 1 : opSize === 2 ? 2 : 4;
      let mem = msBytes[mk] ?? 0;
      if (mk === MS_V) mem = opSize;
      else if (mk === MS_Y) mem = W ? 8 : 4;
      else if (mk === MS_MOVSXD) mem = opSize === 8 ? 4 : opSize;
      else if (mk === MS_CX)
        mem = W ? 16 : 8; // CMPXCHG8B/16B (only /1 is taken)
      else if (mk === MS_SSE) {
        const sz = SSE_MEM_SIZE[op * 4 + pp]!;
        mem = sz === SSE_SIZE_Y ? (W ? 8 : 4) : sz;
      }
      const x = (k << 4) | sel;
      DESC[x] =
        ((e & F_MODRM) !== 0 ? Desc.Modrm : 0) |
        ((forms & 1) !== 0 ? 0 : Desc.NoMem) |
        ((forms & 2) !== 0 ? 0 : Desc.NoReg) |
        Desc.Any |
        (pp << Desc.PpShift) |
        (mem << EW_MEMSIZE);
      OPWORD[x] = k | (ENC_LEGACY << OW_ENC) | OW_LONG64 | (opSize << OW_OPSIZE) | (immSize << OW_IMMSIZE);
    }
  }
  // VEX (C5, and C4 with map 0F): the moves the executor runs, with the VEX.pp and per-instruction VEX
  // rules of validity.ts folded into the index (L, W, vvvv zero or not)
  ENTRY.fill(VEX_SSE_ENTRY, 512);
  for (let x = 512 << 5; x < 1024 << 5; x++) DIGIT[x] = (x & 31) >= 24 ? Digit.IsReg : Digit.IsMem;
  for (let p = 0; p < 256; p++) {
    const W = p >>> 7;
    const vexV = (~p >>> 3) & 15;
    const L = (p >>> 2) & 1;
    const pp = p & 3;
    VEX_PW[p] = (W !== 0 ? PW_REXW | (1 << PW_VEXW) : 0) | (pp << PW_PP) | (L << PW_VEXL) | (vexV << PW_VEXV);
    VEX_INDEX[p] = VX_BASE | (pp << 3) | ((vexV !== 0 ? 1 : 0) << 2) | (L << 1) | W;
  }
  for (let op = 0; op < 256; op++) {
    if (!vexExecutable(op)) continue;
    for (let pp = 0; pp < 4; pp++) {
      const r = VEX_RULE[((256 | op) << 2) | pp]!;
      if ((VEX_PP[256 | op]! & (1 << pp)) === 0 || (r & (V_DIG | V_VSIB)) !== 0) continue;
      for (let low = 0; low < 8; low++) {
        const W = low & 1;
        const L = (low >>> 1) & 1;
        const vnz = low >>> 2;
        if ((r & ((L !== 0 ? V_L0 : V_L1) | (W !== 0 ? V_W0 : V_W1) | (vnz !== 0 ? V_NOV : 0))) !== 0) continue;
        const sz = SSE_MEM_SIZE[op * 4 + pp]!;
        const mem = sz === SSE_SIZE_Y ? (W !== 0 ? 8 : 4) : sz === 16 ? 16 << L : sz;
        const noMem = (r & V_REG) !== 0 || (vnz !== 0 && (r & V_NOVMEM) !== 0);
        const x = VX_BASE | (op << 5) | (pp << 3) | low;
        DESC[x] = Desc.Modrm | (noMem ? Desc.NoMem : 0) | ((r & V_MEM) !== 0 ? Desc.NoReg : 0) | Desc.Any | (mem << EW_MEMSIZE);
        OPWORD[x] = op | (MAP_0F << OW_MAP) | (ENC_VEX << OW_ENC) | OW_LONG64 | ((W !== 0 ? 8 : 4) << OW_OPSIZE);
      }
    }
  }
})();

/**
 * The record's words for a ModRM byte, read whole instead of computed field by field:
 * MRM_WORD[rex << 8 | modrm] is the modrmWord (mod, the /digit, reg with REX.R, rm with REX.B in the
 * register form) under REX.R (4), REX.X (2) and REX.B (1) (VEX.R, X and B are put in the same bits).
 */
const MRM_WORD = new Int32Array(8 * 256);
/**
 * MEM_WORD[rex << 8 | modrm] (REX.R is not looked at): the memWord's hasMem, base and segment without a SIB byte (mod 0,
 * rm 5: RIP-relative; mod 3: the register form's word, no memory operand), the displacement's size in
 * bytes at MemWord.DispShift, and, when a SIB byte follows, the sign bit and the SIB_WORD row (mod 0, REX.X,
 * REX.B) at MemWord.RowShift.
 */
const MEM_WORD = new Int32Array(8 * 256);
/**
 * SIB_WORD[row << 8 | sib], row = (mod === 0) << 2 | REX.X << 1 | REX.B: the memWord's base, index (4
 * is none), scale and segment, and 4 at MemWord.DispShift for the disp32 that replaces the base (base 5, mod 0).
 */
const SIB_WORD = new Int32Array(8 * 256);
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
      MRM_WORD[(rex << 8) | m] =
        MW_HAS | (mod << MW_MOD) | (regRaw << MW_REGRAW) | ((regRaw | (R << 3)) << MW_REG) | (mod === 3 ? (rm | (B << 3)) << MW_RM : 0);
      let w = 3 << EW_SEG;
      if (mod !== 3) {
        const dispSize = mod === 1 ? 1 : mod === 2 || (mod === 0 && rm === 5) ? 4 : 0;
        w = EW_HAS | (dispSize << MemWord.DispShift);
        if (rm === 4) w |= (1 << 31) | (((mod === 0 ? 4 : 0) | (rex & 3)) << MemWord.RowShift);
        else {
          const base = mod === 0 && rm === 5 ? BASE_RIP : rm | (B << 3);
          w |= ((base + 1) << EW_BASE) | (segOf(base) << EW_SEG);
        }
      }
      MEM_WORD[(rex << 8) | m] = w;
      if (rex < 4) {
        const sib = m;
        for (let mod0 = 0; mod0 < 2; mod0++) {
          const idx = ((sib >>> 3) & 7) | (X << 3);
          const index = idx === 4 ? NO_REG : idx;
          const noBase = (sib & 7) === 5 && mod0 === 1;
          const base = noBase ? NO_REG : (sib & 7) | (B << 3);
          SIB_WORD[(((mod0 << 2) | rex) << 8) | sib] =
            ((base + 1) << EW_BASE) | ((index + 1) << EW_INDEX) | ((sib >>> 6) << EW_SCALE) | (segOf(base) << EW_SEG) | ((noBase ? 4 : 0) << MemWord.DispShift);
        }
      }
    }
  }
})();

/**
 * Decode buf[0 .. avail) in 64-bit mode when it is a fast-path instruction; returns DEC_OK with `d`
 * filled exactly as decode() would, or -1 for the general decoder (a -1 leaves the record as it
 * was). This part reads the legacy prefixes and the opcode, which pick the instruction's index, and
 * {@link decodeModrm64} the rest (VEX: {@link decodeVex64}). decode() and these two stay small enough
 * for V8 to inline into the caller: under 460 bytes of bytecode each and about 760 together (V8
 * counts what a function's own optimized code inlined when it decides to inline it); a call into a
 * function V8 does not inline was a fifth of the decode time (issue 14).
 */
export function decodeFast64(d: Insn, buf: Uint8Array, avail: number, f: CpuFeatures): number {
  if (avail < 1) return -1;
  let b = buf[0]!;
  let s = PREFIX_SET[b]!;
  if (s < 0) return decodeVex64(d, buf, avail, f);
  // 66 F0 F2 F3 and REX (at most four; REX counts only when last)
  let i = 1;
  let pw = 0; // the prefixWord
  for (; s > 0; s = PREFIX_SET[b]!) {
    if (i >= avail || i > 4) return -1;
    pw = (pw & PREFIX_KEEP[b]!) | s;
    b = buf[i]!;
    i++;
  }
  if (b === 0x0f) {
    if (i >= avail) return -1;
    b = 256 | buf[i]!;
    i++;
  }
  return decodeModrm64(d, buf, avail, i, (b << 4) | (pw & 15), pw, (pw >>> Rec.PwRex) & 7);
}

/** VEX: C5 (R vvvv L pp, map 0F), C4 with map 0F (R X B 00001, W vvvv L pp); out of line, it is rarer. */
function decodeVex64(d: Insn, buf: Uint8Array, avail: number, f: CpuFeatures): number {
  const c4 = buf[0]! & 1 ? 0 : 1;
  const b1 = buf[1]!;
  if (f.avx !== true || avail < 4 + c4 || (c4 !== 0 && (b1 & 31) !== 1)) return -1;
  const p = c4 !== 0 ? buf[2]! : b1 & 0x7f; // C5: W is 0
  return decodeModrm64(d, buf, avail, 3 + c4, VEX_INDEX[p]! | (buf[2 + c4]! << 5), VEX_PW[p]!, (~b1 >>> 5) & (c4 !== 0 ? 7 : 4));
}

/**
 * {@link decodeFast64} from the byte after the opcode at `i`, with the instruction's index `x`, its
 * prefixWord `pw` (without pp for legacy prefixes) and REX.R/X/B `rex`: the ModRM and SIB bytes,
 * the validity, the displacement and the immediate, and the record.
 */
function decodeModrm64(d: Insn, buf: Uint8Array, avail: number, i: number, x: number, pw: number, rex: number): number {
  const desc = DESC[x]!;
  let m = 0xc0; // no ModRM: the register form, digit 0 (as the general decoder's validity probe sees it)
  if (desc < 0) {
    if (i >= avail) return -1;
    m = buf[i]!;
    i++;
  }
  // the form defined under the mandatory prefix, the /digit defined, LOCK only where it may be
  if (((desc | pw) & DIGIT[((x >>> 4) << 5) | (m >>> 3)]!) !== 0) return -1;
  const mi = (rex << 8) | m; // the ModRM tables' index
  let w = MEM_WORD[mi]!;
  if (w < 0) {
    if (i >= avail) return -1;
    w |= SIB_WORD[((w >>> (MemWord.RowShift - 8)) & 0x700) | buf[i]!]!;
    i++;
  }
  const at = i + ((w >>> MemWord.DispShift) & 7); // the immediate
  const ow = OPWORD[x]!;
  const end = at + (ow >>> Rec.OwImmShift);
  if (end > avail) return -1;
  // the displacement (0, 1 or 4 bytes) and the immediate (0, 1, 2 or 4), little-endian, sign-extended
  // from their top byte (loops: straight-line reads were 90 bytes of bytecode more)
  let disp = at > i ? (buf[at - 1]! << 24) >> 24 : 0;
  for (let j = at - 1; j > i; ) disp = (disp << 8) | buf[--j]!;
  let imm = end > at ? (buf[end - 1]! << 24) >> 24 : 0;
  for (let j = end - 1; j > at; ) imm = (imm << 8) | buf[--j]!;
  // ---- the record: eleven stores ----
  d.length = end;
  d.entry = ENTRY[x >>> 4]!;
  d.opWord = ow;
  d.prefixWord = pw | ((desc >>> (Desc.PpShift - Rec.PwPp)) & (3 << Rec.PwPp));
  d.modrmWord = desc < 0 ? MRM_WORD[mi]! : Rec.NoModrm;
  d.memWord = ((w | desc) << 8) >>> 8;
  d.dispLo = disp;
  d.dispHi = disp >> 31;
  d.immLo = imm;
  d.immHi = imm >> 31;
  d.imm2 = 0;
  return Rec.Ok;
}
