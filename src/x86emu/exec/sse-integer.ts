// SSE2 integer arithmetic on XMM registers (legacy 66 0F forms; SDM Vol. 2 "P…" instructions), the
// set a kernel's library code uses (Linux's BLAKE2s, ChaCha, RAID6 and XOR routines):
//  - add/subtract: PADDB/W/D/Q, PSUBB/W/D/Q, with signed (PADDSB/W, PSUBSB/W) and unsigned
//    (PADDUSB/W, PSUBUSB/W) saturation; PAVGB/W; PMINUB/PMAXUB, PMINSW/PMAXSW; PSADBW;
//  - multiply: PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD;
//  - logic: PAND/PANDN/POR/PXOR and the same on packed singles/doubles (ANDPS/ANDNPS/ORPS/XORPS,
//    ANDPD/ANDNPD/ORPD/XORPD: bitwise, no floating-point exception);
//  - compare: PCMPEQB/W/D, PCMPGTB/W/D (signed);
//  - shifts: PSLLW/D/Q, PSRLW/D/Q, PSRAW/D by imm8 (0F 71–73 on the r/m register) or by the low
//    quadword of an XMM/m128 operand; PSLLDQ/PSRLDQ (bytes, imm8);
//  - shuffle/pack/unpack: PSHUFD, PSHUFHW, PSHUFLW, PUNPCKL/HBW, WD, DQ, QDQ, PACKSSWB, PACKSSDW,
//    PACKUSWB; PMOVMSKB (to a GPR);
//  - SSSE3 (when offered): PSHUFB, PALIGNR, PABSB/W/D.
// Legacy SSE: the m128 operand must be 16-byte aligned (#GP(0) otherwise), and bits 255:128 of the
// destination's YMM register are left as they are. Gating (CR0.EM/TS, CR4.OSFXSR) is simdCheck's.
import { ACC_READ, type Emu } from '../core.js';
import { MAP_0F, MAP_0F38, MAP_0F3A } from '../insn.js';
import { VEC_GP, VEC_UD, X86EMUL_OKAY } from '../ops.js';

// Scratch vectors (one instruction at a time; nothing allocated per instruction): A = destination's
// old value, B = source, R = result. Views share each buffer (x86 hosts are little-endian).
const bufA = new ArrayBuffer(16),
  bufB = new ArrayBuffer(16),
  bufR = new ArrayBuffer(32);
const a8 = new Uint8Array(bufA),
  a16 = new Uint16Array(bufA),
  a32 = new Uint32Array(bufA),
  s8a = new Int8Array(bufA),
  s16a = new Int16Array(bufA),
  s32a = new Int32Array(bufA);
const b8 = new Uint8Array(bufB),
  b16 = new Uint16Array(bufB),
  b32 = new Uint32Array(bufB),
  s8b = new Int8Array(bufB),
  s16b = new Int16Array(bufB),
  s32b = new Int32Array(bufB);
const r8 = new Uint8Array(bufR),
  r16 = new Uint16Array(bufR),
  r32 = new Uint32Array(bufR),
  s8r = new Int8Array(bufR),
  s16r = new Int16Array(bufR),
  s32r = new Int32Array(bufR);

// Operation kinds (one per instruction family); 0 = not an integer form.
const PUNPCKLBW = 1,
  PUNPCKLWD = 2,
  PUNPCKLDQ = 3,
  PUNPCKLQDQ = 4,
  PUNPCKHBW = 5,
  PUNPCKHWD = 6,
  PUNPCKHDQ = 7,
  PUNPCKHQDQ = 8,
  PACKSSWB = 9,
  PACKUSWB = 10,
  PACKSSDW = 11,
  PCMPGTB = 12,
  PCMPGTW = 13,
  PCMPGTD = 14,
  PCMPEQB = 15,
  PCMPEQW = 16,
  PCMPEQD = 17,
  PSHUFD = 18,
  PSHUFHW = 19,
  PSHUFLW = 20,
  SHIFT_IMM_W = 21,
  SHIFT_IMM_D = 22,
  SHIFT_IMM_Q = 23,
  PSRLW = 24,
  PSRLD = 25,
  PSRLQ = 26,
  PSRAW = 27,
  PSRAD = 28,
  PSLLW = 29,
  PSLLD = 30,
  PSLLQ = 31,
  PADDB = 32,
  PADDW = 33,
  PADDD = 34,
  PADDQ = 35,
  PSUBB = 36,
  PSUBW = 37,
  PSUBD = 38,
  PSUBQ = 39,
  PADDSB = 40,
  PADDSW = 41,
  PADDUSB = 42,
  PADDUSW = 43,
  PSUBSB = 44,
  PSUBSW = 45,
  PSUBUSB = 46,
  PSUBUSW = 47,
  PMULLW = 48,
  PMULHW = 49,
  PMULHUW = 50,
  PMULUDQ = 51,
  PMADDWD = 52,
  PSADBW = 53,
  PAVGB = 54,
  PAVGW = 55,
  PMINUB = 56,
  PMAXUB = 57,
  PMINSW = 58,
  PMAXSW = 59,
  PAND = 60,
  PANDN = 61,
  POR = 62,
  PXOR = 63,
  PMOVMSKB = 64,
  PSHUFB = 65,
  PALIGNR = 66,
  PABSB = 67,
  PABSW = 68,
  PABSD = 69;

/** 66 0F xx → kind. */
const MAP_0F_66 = new Uint8Array(256);
(() => {
  const m = MAP_0F_66;
  m[0x54] = PAND; // ANDPD
  m[0x55] = PANDN; // ANDNPD
  m[0x56] = POR; // ORPD
  m[0x57] = PXOR; // XORPD
  m[0x60] = PUNPCKLBW;
  m[0x61] = PUNPCKLWD;
  m[0x62] = PUNPCKLDQ;
  m[0x63] = PACKSSWB;
  m[0x64] = PCMPGTB;
  m[0x65] = PCMPGTW;
  m[0x66] = PCMPGTD;
  m[0x67] = PACKUSWB;
  m[0x68] = PUNPCKHBW;
  m[0x69] = PUNPCKHWD;
  m[0x6a] = PUNPCKHDQ;
  m[0x6b] = PACKSSDW;
  m[0x6c] = PUNPCKLQDQ;
  m[0x6d] = PUNPCKHQDQ;
  m[0x70] = PSHUFD;
  m[0x71] = SHIFT_IMM_W;
  m[0x72] = SHIFT_IMM_D;
  m[0x73] = SHIFT_IMM_Q;
  m[0x74] = PCMPEQB;
  m[0x75] = PCMPEQW;
  m[0x76] = PCMPEQD;
  m[0xd1] = PSRLW;
  m[0xd2] = PSRLD;
  m[0xd3] = PSRLQ;
  m[0xd4] = PADDQ;
  m[0xd5] = PMULLW;
  m[0xd7] = PMOVMSKB;
  m[0xd8] = PSUBUSB;
  m[0xd9] = PSUBUSW;
  m[0xda] = PMINUB;
  m[0xdb] = PAND;
  m[0xdc] = PADDUSB;
  m[0xdd] = PADDUSW;
  m[0xde] = PMAXUB;
  m[0xdf] = PANDN;
  m[0xe0] = PAVGB;
  m[0xe1] = PSRAW;
  m[0xe2] = PSRAD;
  m[0xe3] = PAVGW;
  m[0xe4] = PMULHUW;
  m[0xe5] = PMULHW;
  m[0xe8] = PSUBSB;
  m[0xe9] = PSUBSW;
  m[0xea] = PMINSW;
  m[0xeb] = POR;
  m[0xec] = PADDSB;
  m[0xed] = PADDSW;
  m[0xee] = PMAXSW;
  m[0xef] = PXOR;
  m[0xf1] = PSLLW;
  m[0xf2] = PSLLD;
  m[0xf3] = PSLLQ;
  m[0xf4] = PMULUDQ;
  m[0xf5] = PMADDWD;
  m[0xf6] = PSADBW;
  m[0xf8] = PSUBB;
  m[0xf9] = PSUBW;
  m[0xfa] = PSUBD;
  m[0xfb] = PSUBQ;
  m[0xfc] = PADDB;
  m[0xfd] = PADDW;
  m[0xfe] = PADDD;
})();

/** The operation of a legacy-encoded SIMD instruction if it is one of this file's, else 0. */
export function sseIntegerKind(map: number, op: number, pp: number): number {
  if (map === MAP_0F) {
    if (pp === 1) return MAP_0F_66[op]!;
    if (op === 0x70) return pp === 2 ? PSHUFHW : pp === 3 ? PSHUFLW : 0;
    if (pp === 0 && op >= 0x54 && op <= 0x57) return MAP_0F_66[op]!; // ANDPS/ANDNPS/ORPS/XORPS
    return 0;
  }
  if (pp !== 1) return 0;
  if (map === MAP_0F38) return op === 0x00 ? PSHUFB : op === 0x1c ? PABSB : op === 0x1d ? PABSW : op === 0x1e ? PABSD : 0;
  if (map === MAP_0F3A) return op === 0x0f ? PALIGNR : 0;
  return 0;
}

/**
 * Executes the instruction of kind `kind` (sseIntegerKind), once the caller checked the CPU
 * feature (SSSE3 for the 0F 38 / 0F 3A forms) and the SIMD gating (CR0.EM/TS, CR4.OSFXSR).
 */
export function execSseInteger(e: Emu, kind: number): number {
  const d = e.insn;
  const vec = e.state.vec;
  if (kind === SHIFT_IMM_W || kind === SHIFT_IMM_D || kind === SHIFT_IMM_Q) {
    if (d.hasMem) return e.fault(VEC_UD);
    const base = d.rm * 32;
    for (let i = 0; i < 16; i++) a8[i] = vec[base + i]!;
    if (!shiftByImmediate(kind, d.regRaw, d.pp, d.immLo & 0xff)) return e.fault(VEC_UD);
    for (let i = 0; i < 16; i++) vec[base + i] = r8[i]!;
    return X86EMUL_OKAY;
  }
  if (kind === PMOVMSKB) {
    if (d.hasMem) return e.fault(VEC_UD);
    const base = d.rm * 32;
    let mask = 0;
    for (let i = 0; i < 16; i++) mask |= (vec[base + i]! >>> 7) << i;
    e.setReg(d.reg, 8, mask, 0);
    return X86EMUL_OKAY;
  }
  // Source: the r/m register or an aligned m128.
  if (d.hasMem) {
    e.computeEa();
    const r = e.linearize(d.seg, e.eaLo, e.eaHi, 16, ACC_READ);
    if (r !== X86EMUL_OKAY) return r;
    if ((e.linLo & 15) !== 0) return e.fault(VEC_GP, 0);
    const s = e.status(e.ops.read(e.linLo, e.linHi, 16, e.buf, e));
    if (s !== X86EMUL_OKAY) return s;
    for (let i = 0; i < 16; i++) b8[i] = e.buf[i]!;
  } else {
    const src = d.rm * 32;
    for (let i = 0; i < 16; i++) b8[i] = vec[src + i]!;
  }
  const dst = d.reg * 32;
  for (let i = 0; i < 16; i++) a8[i] = vec[dst + i]!;
  compute(kind, d.immLo & 0xff);
  for (let i = 0; i < 16; i++) vec[dst + i] = r8[i]!;
  return X86EMUL_OKAY;
}

/** 0F 71/72/73 /digit ib on A into R; false for an undefined /digit. */
function shiftByImmediate(kind: number, digit: number, pp: number, count: number): boolean {
  if (kind === SHIFT_IMM_Q && (digit === 3 || digit === 7)) {
    if (pp !== 1) return false;
    // PSRLDQ / PSLLDQ: whole register by bytes.
    const n = count > 15 ? 16 : count;
    for (let i = 0; i < 16; i++) {
      const from = digit === 3 ? i + n : i - n;
      r8[i] = from >= 0 && from < 16 ? a8[from]! : 0;
    }
    return true;
  }
  const width = kind === SHIFT_IMM_W ? 16 : kind === SHIFT_IMM_D ? 32 : 64;
  if (digit === 2) shiftLogical(width, false, count);
  else if (digit === 6) shiftLogical(width, true, count);
  else if (digit === 4 && width !== 64) shiftArithmetic(width, count);
  else return false;
  return true;
}

/** PSLL/PSRL of A's elements by `count` (a count ≥ width clears them) into R. */
function shiftLogical(width: number, left: boolean, count: number): void {
  if (count >= width) {
    r32.fill(0, 0, 4);
    return;
  }
  if (width === 16) {
    for (let i = 0; i < 8; i++) r16[i] = left ? a16[i]! << count : a16[i]! >>> count;
  } else if (width === 32) {
    for (let i = 0; i < 4; i++) r32[i] = left ? a32[i]! << count : a32[i]! >>> count;
  } else {
    for (let q = 0; q < 4; q += 2) {
      const lo = a32[q]!,
        hi = a32[q + 1]!;
      if (count === 0) {
        r32[q] = lo;
        r32[q + 1] = hi;
      } else if (left) {
        r32[q] = count >= 32 ? 0 : lo << count;
        r32[q + 1] = count >= 32 ? lo << (count - 32) : (hi << count) | (lo >>> (32 - count));
      } else {
        r32[q] = count >= 32 ? hi >>> (count - 32) : (lo >>> count) | (hi << (32 - count));
        r32[q + 1] = count >= 32 ? 0 : hi >>> count;
      }
    }
  }
}

/** PSRAW/PSRAD of A's elements by `count` (saturated at width − 1: the sign fills) into R. */
function shiftArithmetic(width: number, count: number): void {
  const n = count > width - 1 ? width - 1 : count;
  if (width === 16) for (let i = 0; i < 8; i++) s16r[i] = s16a[i]! >> n;
  else for (let i = 0; i < 4; i++) s32r[i] = s32a[i]! >> n;
}

/** The shift count of the xmm/m128 forms: B's low quadword, as a number capped at 255. */
function countFromB(): number {
  return b32[1] !== 0 || b32[0]! > 255 ? 255 : b32[0]!;
}

const sat8 = (x: number) => (x > 127 ? 127 : x < -128 ? -128 : x);
const sat16 = (x: number) => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);
const satU8 = (x: number) => (x > 255 ? 255 : x < 0 ? 0 : x);
const satU16 = (x: number) => (x > 65535 ? 65535 : x < 0 ? 0 : x);

/** A op B (imm8 for the shuffles) into R. */
function compute(kind: number, imm: number): void {
  switch (kind) {
    case PUNPCKLBW:
    case PUNPCKHBW: {
      const o = kind === PUNPCKHBW ? 8 : 0;
      for (let i = 0; i < 8; i++) {
        r8[2 * i] = a8[o + i]!;
        r8[2 * i + 1] = b8[o + i]!;
      }
      return;
    }
    case PUNPCKLWD:
    case PUNPCKHWD: {
      const o = kind === PUNPCKHWD ? 4 : 0;
      for (let i = 0; i < 4; i++) {
        r16[2 * i] = a16[o + i]!;
        r16[2 * i + 1] = b16[o + i]!;
      }
      return;
    }
    case PUNPCKLDQ:
    case PUNPCKHDQ: {
      const o = kind === PUNPCKHDQ ? 2 : 0;
      r32[0] = a32[o]!;
      r32[1] = b32[o]!;
      r32[2] = a32[o + 1]!;
      r32[3] = b32[o + 1]!;
      return;
    }
    case PUNPCKLQDQ:
    case PUNPCKHQDQ: {
      const o = kind === PUNPCKHQDQ ? 2 : 0;
      r32[0] = a32[o]!;
      r32[1] = a32[o + 1]!;
      r32[2] = b32[o]!;
      r32[3] = b32[o + 1]!;
      return;
    }
    case PACKSSWB:
      for (let i = 0; i < 8; i++) {
        s8r[i] = sat8(s16a[i]!);
        s8r[8 + i] = sat8(s16b[i]!);
      }
      return;
    case PACKUSWB:
      for (let i = 0; i < 8; i++) {
        r8[i] = satU8(s16a[i]!);
        r8[8 + i] = satU8(s16b[i]!);
      }
      return;
    case PACKSSDW:
      for (let i = 0; i < 4; i++) {
        s16r[i] = sat16(s32a[i]!);
        s16r[4 + i] = sat16(s32b[i]!);
      }
      return;
    case PCMPGTB:
      for (let i = 0; i < 16; i++) r8[i] = s8a[i]! > s8b[i]! ? 0xff : 0;
      return;
    case PCMPGTW:
      for (let i = 0; i < 8; i++) r16[i] = s16a[i]! > s16b[i]! ? 0xffff : 0;
      return;
    case PCMPGTD:
      for (let i = 0; i < 4; i++) r32[i] = s32a[i]! > s32b[i]! ? 0xffffffff : 0;
      return;
    case PCMPEQB:
      for (let i = 0; i < 16; i++) r8[i] = a8[i] === b8[i] ? 0xff : 0;
      return;
    case PCMPEQW:
      for (let i = 0; i < 8; i++) r16[i] = a16[i] === b16[i] ? 0xffff : 0;
      return;
    case PCMPEQD:
      for (let i = 0; i < 4; i++) r32[i] = a32[i] === b32[i] ? 0xffffffff : 0;
      return;
    case PSHUFD:
      for (let i = 0; i < 4; i++) r32[i] = b32[(imm >>> (2 * i)) & 3]!;
      return;
    case PSHUFHW:
      r32[0] = b32[0]!;
      r32[1] = b32[1]!;
      for (let i = 0; i < 4; i++) r16[4 + i] = b16[4 + ((imm >>> (2 * i)) & 3)]!;
      return;
    case PSHUFLW:
      for (let i = 0; i < 4; i++) r16[i] = b16[(imm >>> (2 * i)) & 3]!;
      r32[2] = b32[2]!;
      r32[3] = b32[3]!;
      return;
    case PSRLW:
      shiftLogical(16, false, countFromB());
      return;
    case PSRLD:
      shiftLogical(32, false, countFromB());
      return;
    case PSRLQ:
      shiftLogical(64, false, countFromB());
      return;
    case PSLLW:
      shiftLogical(16, true, countFromB());
      return;
    case PSLLD:
      shiftLogical(32, true, countFromB());
      return;
    case PSLLQ:
      shiftLogical(64, true, countFromB());
      return;
    case PSRAW:
      shiftArithmetic(16, countFromB());
      return;
    case PSRAD:
      shiftArithmetic(32, countFromB());
      return;
    case PADDB:
      for (let i = 0; i < 16; i++) r8[i] = a8[i]! + b8[i]!;
      return;
    case PADDW:
      for (let i = 0; i < 8; i++) r16[i] = a16[i]! + b16[i]!;
      return;
    case PADDD:
      for (let i = 0; i < 4; i++) r32[i] = a32[i]! + b32[i]!;
      return;
    case PADDQ:
    case PSUBQ:
      for (let q = 0; q < 4; q += 2) {
        const lo = kind === PADDQ ? a32[q]! + b32[q]! : a32[q]! - b32[q]!;
        // The carry (or borrow) out of the low half: lo is exact in a double.
        const carry = lo > 0xffffffff ? 1 : lo < 0 ? -1 : 0;
        r32[q] = lo;
        r32[q + 1] = kind === PADDQ ? a32[q + 1]! + b32[q + 1]! + carry : a32[q + 1]! - b32[q + 1]! + carry;
      }
      return;
    case PSUBB:
      for (let i = 0; i < 16; i++) r8[i] = a8[i]! - b8[i]!;
      return;
    case PSUBW:
      for (let i = 0; i < 8; i++) r16[i] = a16[i]! - b16[i]!;
      return;
    case PSUBD:
      for (let i = 0; i < 4; i++) r32[i] = a32[i]! - b32[i]!;
      return;
    case PADDSB:
      for (let i = 0; i < 16; i++) s8r[i] = sat8(s8a[i]! + s8b[i]!);
      return;
    case PADDSW:
      for (let i = 0; i < 8; i++) s16r[i] = sat16(s16a[i]! + s16b[i]!);
      return;
    case PSUBSB:
      for (let i = 0; i < 16; i++) s8r[i] = sat8(s8a[i]! - s8b[i]!);
      return;
    case PSUBSW:
      for (let i = 0; i < 8; i++) s16r[i] = sat16(s16a[i]! - s16b[i]!);
      return;
    case PADDUSB:
      for (let i = 0; i < 16; i++) r8[i] = satU8(a8[i]! + b8[i]!);
      return;
    case PADDUSW:
      for (let i = 0; i < 8; i++) r16[i] = satU16(a16[i]! + b16[i]!);
      return;
    case PSUBUSB:
      for (let i = 0; i < 16; i++) r8[i] = satU8(a8[i]! - b8[i]!);
      return;
    case PSUBUSW:
      for (let i = 0; i < 8; i++) r16[i] = satU16(a16[i]! - b16[i]!);
      return;
    case PMULLW:
      for (let i = 0; i < 8; i++) r16[i] = Math.imul(a16[i]!, b16[i]!);
      return;
    case PMULHW:
      for (let i = 0; i < 8; i++) r16[i] = (s16a[i]! * s16b[i]!) >> 16;
      return;
    case PMULHUW:
      for (let i = 0; i < 8; i++) r16[i] = (a16[i]! * b16[i]!) >>> 16;
      return;
    case PMULUDQ:
      for (let q = 0; q < 4; q += 2) {
        const x = a32[q]!,
          y = b32[q]!;
        r32[q] = Math.imul(x, y);
        r32[q + 1] = mulHigh32(x, y);
      }
      return;
    case PMADDWD:
      // Only (−32768 × −32768) × 2 = 2^31 does not fit: it wraps to 0x80000000, as the SDM says.
      for (let i = 0; i < 4; i++) s32r[i] = (s16a[2 * i]! * s16b[2 * i]! + s16a[2 * i + 1]! * s16b[2 * i + 1]!) | 0;
      return;
    case PSADBW:
      r32.fill(0, 0, 4);
      for (let h = 0; h < 16; h += 8) {
        let sum = 0;
        for (let i = h; i < h + 8; i++) sum += Math.abs(a8[i]! - b8[i]!);
        r16[h >>> 1] = sum;
      }
      return;
    case PAVGB:
      for (let i = 0; i < 16; i++) r8[i] = (a8[i]! + b8[i]! + 1) >>> 1;
      return;
    case PAVGW:
      for (let i = 0; i < 8; i++) r16[i] = (a16[i]! + b16[i]! + 1) >>> 1;
      return;
    case PMINUB:
      for (let i = 0; i < 16; i++) r8[i] = Math.min(a8[i]!, b8[i]!);
      return;
    case PMAXUB:
      for (let i = 0; i < 16; i++) r8[i] = Math.max(a8[i]!, b8[i]!);
      return;
    case PMINSW:
      for (let i = 0; i < 8; i++) s16r[i] = Math.min(s16a[i]!, s16b[i]!);
      return;
    case PMAXSW:
      for (let i = 0; i < 8; i++) s16r[i] = Math.max(s16a[i]!, s16b[i]!);
      return;
    case PAND:
      for (let i = 0; i < 4; i++) r32[i] = a32[i]! & b32[i]!;
      return;
    case PANDN:
      for (let i = 0; i < 4; i++) r32[i] = ~a32[i]! & b32[i]!;
      return;
    case POR:
      for (let i = 0; i < 4; i++) r32[i] = a32[i]! | b32[i]!;
      return;
    case PXOR:
      for (let i = 0; i < 4; i++) r32[i] = a32[i]! ^ b32[i]!;
      return;
    case PSHUFB:
      for (let i = 0; i < 16; i++) r8[i] = (b8[i]! & 0x80) !== 0 ? 0 : a8[b8[i]! & 15]!;
      return;
    case PALIGNR:
      // (A:B) as 32 bytes, B low, shifted right by imm8 bytes; the low 16 bytes.
      for (let i = 0; i < 16; i++) {
        const j = i + imm;
        r8[i] = j < 16 ? b8[j]! : j < 32 ? a8[j - 16]! : 0;
      }
      return;
    case PABSB:
      for (let i = 0; i < 16; i++) r8[i] = Math.abs(s8b[i]!);
      return;
    case PABSW:
      for (let i = 0; i < 8; i++) r16[i] = Math.abs(s16b[i]!);
      return;
    case PABSD:
      for (let i = 0; i < 4; i++) r32[i] = Math.abs(s32b[i]!);
      return;
  }
}

/** Bits 63:32 of the unsigned product of two uint32 values. */
function mulHigh32(x: number, y: number): number {
  const xl = x & 0xffff,
    xh = x >>> 16,
    yl = y & 0xffff,
    yh = y >>> 16;
  const ll = xl * yl;
  const cross = xl * yh;
  // < 2^33: every step stays exact in a double.
  const mid = xh * yl + (ll >>> 16) + (cross & 0xffff);
  return (xh * yh + (cross >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}
