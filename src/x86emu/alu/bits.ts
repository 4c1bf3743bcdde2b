// Bit operations: BT BTS BTR BTC (register and memory bit addressing), BSF BSR, TZCNT LZCNT, POPCNT.
import type { AluOut, BitAddrOut, OperandSize } from './api.js';
import { FLAGS_STATUS, FLAG_CF, FLAG_OF, FLAG_ZF } from './api.js';
import { PARITY_TABLE, maskOf as maskOfShared } from './flags.js';

// Module-local bindings of the shared constants and helpers: V8 folds a module-local `const` into the
// optimized code, whereas an imported binding is re-read through its module cell on every use.
const CF = FLAG_CF;
const ZF = FLAG_ZF;
const OF = FLAG_OF;
const KEEP = ~FLAGS_STATUS;
const PARITY = PARITY_TABLE;
const maskOf = maskOfShared;

/** Bit-test ops: the /r order of 0F BA /4../7 (BT, BTS, BTR, BTC) minus 4. */
export const BT_BT = 0;
export const BT_BTS = 1;
export const BT_BTR = 2;
export const BT_BTC = 3;

// ---- bit test ------------------------------------------------------------------------------------

/** BT/BTS/BTR/BTC (BT_*) on a; bit is taken modulo the operand width (register form, or memory form after bitAddress()). CF = old bit; out = new value. Sizes 2, 4, 8. */
export function bitTest(op: number, size: OperandSize, aLo: number, aHi: number, bit: number, flagsIn: number, out: AluOut): void {
  let lo: number;
  let hi: number;
  let k: number;
  if (size === 8) {
    lo = aLo >>> 0;
    hi = aHi >>> 0;
    k = bit & 63;
  } else {
    lo = (aLo & maskOf(size)) >>> 0;
    hi = 0;
    k = bit & (size * 8 - 1);
  }
  const inHi = k >= 32;
  const mk = 1 << (k & 31);
  const word = inHi ? hi : lo;
  const cf = (word & mk) !== 0 ? CF : 0;
  let nw = word;
  if (op === BT_BTS) nw = (word | mk) >>> 0;
  else if (op === BT_BTR) nw = (word & ~mk) >>> 0;
  else if (op === BT_BTC) nw = (word ^ mk) >>> 0;
  else if (op !== BT_BT) throw new RangeError(`x86emu/alu: bad bit-test op ${op}`);
  if (inHi) hi = nw;
  else lo = nw;
  out.lo = lo;
  out.hi = hi;
  // only CF is defined; the reference CPU leaves OF SF AF PF (undefined) and ZF unchanged
  out.flags = (flagsIn & ~CF) | cf;
}

/** Memory form of BT* with a register bit offset: offset (signed, `size` bytes, as lo/hi) -> signed byte displacement (multiple of size) and bit within the operand. */
export function bitAddress(size: OperandSize, offLo: number, offHi: number, out: BitAddrOut): void {
  if (size === 8) {
    const lo = offLo >>> 0;
    const hi = offHi | 0;
    // disp = (off >> 6) * 8 = (off >> 3) & ~7 (arithmetic shift)
    out.dispLo = (((lo >>> 3) | (hi << 29)) & ~7) >>> 0;
    out.dispHi = (hi >> 3) >>> 0;
    out.bit = lo & 63;
    return;
  }
  let v: number;
  let sh: number;
  if (size === 4) {
    v = offLo | 0;
    sh = 5;
  } else {
    v = (offLo << 16) >> 16;
    sh = size === 2 ? 4 : 3;
    if (size === 1) v = (offLo << 24) >> 24;
  }
  const units = v >> sh; // signed operand index
  out.dispLo = (units * size) >>> 0;
  out.dispHi = units < 0 ? 0xffffffff : 0;
  out.bit = v & ((1 << sh) - 1);
}

// ---- scans and counts ----------------------------------------------------------------------------

/** Index of the lowest set bit of a non-zero 32-bit value. */
function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/** Flags after BSF/BSR (reference CPU): ZF = (src == 0); CF OF SF AF cleared; PF from the result parity. */
function scanFlags(flagsIn: number, zero: boolean, rl: number): number {
  return (flagsIn & KEEP) | (zero ? ZF : 0) | PARITY[rl & 0xff]!;
}

/**
 * BSF: out = index of the lowest set bit of src. src == 0: ZF=1 and out = dest (unchanged). The reference CPU
 * then does not write the register at all, not even the zero-extension of a 32-bit destination in 64-bit
 * mode: callers should skip the write when out.flags has ZF set.
 */
export function bsf(size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
  bitScan(false, size, srcLo, srcHi, destLo, destHi, flagsIn, out);
}

/** BSR: out = index of the highest set bit of src; src == 0 as for BSF (ZF=1, out = dest, no register write). */
export function bsr(size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
  bitScan(true, size, srcLo, srcHi, destLo, destHi, flagsIn, out);
}

/** BSF (`reverse` false) and BSR (true): they differ only in which end of src they scan from. */
function bitScan(reverse: boolean, size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
  let lo: number;
  let hi = 0;
  if (size === 8) {
    lo = srcLo >>> 0;
    hi = srcHi >>> 0;
  } else lo = (srcLo & maskOf(size)) >>> 0;
  if ((lo | hi) === 0) {
    out.lo = size === 8 ? destLo >>> 0 : (destLo & maskOf(size)) >>> 0;
    out.hi = size === 8 ? destHi >>> 0 : 0;
    out.flags = scanFlags(flagsIn, true, srcLo);
    return;
  }
  let r: number;
  if (reverse) r = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  else r = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
  out.lo = r;
  out.hi = 0;
  out.flags = scanFlags(flagsIn, false, r);
}

/** Flags after TZCNT/LZCNT (reference CPU): CF = (src == 0), ZF = (result == 0); SF AF PF cleared, OF unchanged. */
function cntFlags(flagsIn: number, srcZero: boolean, r: number): number {
  return (flagsIn & (KEEP | OF)) | (srcZero ? CF : 0) | (r === 0 ? ZF : 0);
}

/** TZCNT (BMI1): trailing zero count; CF = (src == 0), ZF = (result == 0). */
export function tzcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  let r: number;
  if (size === 8) {
    const lo = srcLo >>> 0;
    const hi = srcHi >>> 0;
    r = lo !== 0 ? ctz32(lo) : hi !== 0 ? 32 + ctz32(hi) : 64;
  } else {
    const v = (srcLo & maskOf(size)) >>> 0;
    r = v === 0 ? size * 8 : ctz32(v);
  }
  out.lo = r;
  out.hi = 0;
  out.flags = cntFlags(flagsIn, r === size * 8, r);
}

/** LZCNT (ABM): leading zero count; CF = (src == 0), ZF = (result == 0). */
export function lzcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  let r: number;
  if (size === 8) {
    const hi = srcHi >>> 0;
    r = hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(srcLo >>> 0);
  } else {
    const v = (srcLo & maskOf(size)) >>> 0;
    r = Math.clz32(v) - (32 - size * 8);
  }
  out.lo = r;
  out.hi = 0;
  out.flags = cntFlags(flagsIn, r === size * 8, r);
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** POPCNT: population count; ZF = (src == 0), CF PF AF SF OF cleared. */
export function popcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  const r = size === 8 ? popcount32(srcLo >>> 0) + popcount32(srcHi >>> 0) : popcount32((srcLo & maskOf(size)) >>> 0);
  out.lo = r;
  out.hi = 0;
  out.flags = (flagsIn & KEEP) | (r === 0 ? ZF : 0);
}
