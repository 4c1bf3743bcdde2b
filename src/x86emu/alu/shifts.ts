// Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR, and the double shifts SHLD SHRD, with the 64-bit
// shift helpers they need (module-level scratch results: no allocation, single-threaded).
import type { AluOut, OperandSize } from './api.js';
import { FLAGS_STATUS, FLAG_AF, FLAG_CF, FLAG_OF } from './api.js';
import { maskOf as maskOfShared, szpFlags as szpFlagsShared } from './flags.js';

// Module-local bindings of the shared constants and helpers: V8 folds a module-local `const` into the
// optimized code, whereas an imported binding is re-read through its module cell on every use.
const CF = FLAG_CF;
const AF = FLAG_AF;
const OF = FLAG_OF;
const KEEP = ~FLAGS_STATUS;
const maskOf = maskOfShared;
const szpFlags = szpFlagsShared;

/** Shift/rotate ops: the /r order of group 2 (C0/C1/D0..D3); /6 is SAL (alias of SHL). */
export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;

// ---- 64-bit helpers ------------------------------------------------------------------------------

/** Scratch results of shl64/shr64 (module-level: no allocation, single-threaded). */
let tLo = 0;
let tHi = 0;

/** (hi:lo) << n for 0 <= n, into tLo/tHi (n >= 64 gives 0). */
function shl64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    tLo = lo;
    tHi = hi;
  } else if (n < 32) {
    tHi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
    tLo = (lo << n) >>> 0;
  } else if (n < 64) {
    tHi = (lo << (n - 32)) >>> 0;
    tLo = 0;
  } else {
    tHi = 0;
    tLo = 0;
  }
}

/** (hi:lo) >>> n (logical) for 0 <= n, into tLo/tHi (n >= 64 gives 0). */
function shr64(lo: number, hi: number, n: number): void {
  if (n === 0) {
    tLo = lo;
    tHi = hi;
  } else if (n < 32) {
    tLo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
    tHi = hi >>> n;
  } else if (n < 64) {
    tLo = hi >>> (n - 32);
    tHi = 0;
  } else {
    tHi = 0;
    tLo = 0;
  }
}

/** 32-bit logical shifts valid for any count >= 0 (>= 32 gives 0). */
function lsh32(a: number, n: number): number {
  return n >= 32 ? 0 : (a << n) >>> 0;
}
function rsh32(a: number, n: number): number {
  return n >= 32 ? 0 : a >>> n;
}

/** Bit k (0..63) of hi:lo. */
function bit64(lo: number, hi: number, k: number): number {
  return k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
}

// ---- shifts and rotates --------------------------------------------------------------------------

/**
 * Status flags after a shift/rotate with a non-zero masked count. CF and OF as computed; for shifts
 * (szp = true) SF ZF PF from the result and AF per the reference CPU; rotates change only CF and OF.
 */
function shiftFlags(size: number, flagsIn: number, rl: number, rh: number, cf: number, of: number, szp: boolean): number {
  if (!szp) return (flagsIn & ~(CF | OF)) | cf | (of !== 0 ? OF : 0);
  return (flagsIn & KEEP) | cf | (of !== 0 ? OF : 0) | szpFlags(size as OperandSize, rl, rh) | SHIFT_AF;
}

/** AF after SHL/SHR/SAR/SHLD/SHRD with a non-zero count: undefined architecturally; the reference CPU sets it. */
const SHIFT_AF = AF;

/** Shift/rotate (SH_*) of a by count; count is the raw CL/imm8 value (masked here to 5 bits, 6 for size 8). */
export function shift(op: number, size: OperandSize, aLo: number, aHi: number, count: number, flagsIn: number, out: AluOut): void {
  if (size === 8) {
    shift64(op, aLo >>> 0, aHi >>> 0, count & 63, flagsIn, out);
    return;
  }
  const c = count & 31;
  const m = maskOf(size);
  const w = size * 8;
  const a = (aLo & m) >>> 0;
  out.hi = 0;
  if (c === 0) {
    out.lo = a;
    out.flags = flagsIn;
    return;
  }
  let r: number;
  let cf: number;
  let of: number;
  switch (op) {
    case SH_ROL: {
      const n = c & (w - 1);
      r = n === 0 ? a : ((lsh32(a, n) | (a >>> (w - n))) & m) >>> 0;
      cf = r & 1;
      of = (r >>> (w - 1)) ^ cf;
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, cf, of, false);
      return;
    }
    case SH_ROR: {
      const n = c & (w - 1);
      r = n === 0 ? a : ((rsh32(a, n) | lsh32(a, w - n)) & m) >>> 0;
      cf = r >>> (w - 1);
      of = cf ^ ((r >>> (w - 2)) & 1);
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, cf, of, false);
      return;
    }
    case SH_RCL: {
      const n = size === 1 ? c % 9 : size === 2 ? c % 17 : c;
      const cin = flagsIn & CF;
      if (n === 0) {
        r = a;
        cf = cin;
      } else {
        r = ((lsh32(a, n) | lsh32(cin, n - 1) | rsh32(a, w + 1 - n)) & m) >>> 0;
        cf = rsh32(a, w - n) & 1;
      }
      of = (r >>> (w - 1)) ^ cf;
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, cf, of, false);
      return;
    }
    case SH_RCR: {
      const n = size === 1 ? c % 9 : size === 2 ? c % 17 : c;
      const cin = flagsIn & CF;
      if (n === 0) {
        r = a;
        cf = cin;
      } else {
        r = ((rsh32(a, n) | lsh32(cin, w - n) | lsh32(a, w + 1 - n)) & m) >>> 0;
        cf = (a >>> (n - 1)) & 1;
      }
      of = (r >>> (w - 1)) ^ ((r >>> (w - 2)) & 1);
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, cf, of, false);
      return;
    }
    case SH_SHL:
    case SH_SAL:
      r = (lsh32(a, c) & m) >>> 0;
      cf = c <= w ? (a >>> (w - c)) & 1 : 0;
      of = (r >>> (w - 1)) ^ cf;
      break;
    case SH_SHR:
      r = rsh32(a, c);
      cf = c <= w ? (a >>> (c - 1)) & 1 : 0;
      of = c === 1 ? a >>> (w - 1) : (r >>> (w - 1)) ^ ((r >>> (w - 2)) & 1);
      break;
    case SH_SAR: {
      const sa = (a << (32 - w)) >> (32 - w);
      r = ((sa >> (c > 31 ? 31 : c)) & m) >>> 0;
      cf = (sa >> (c - 1 > 31 ? 31 : c - 1)) & 1;
      of = 0;
      break;
    }
    default:
      throw new RangeError(`x86emu/alu: bad shift op ${op}`);
  }
  out.lo = r;
  out.flags = shiftFlags(size, flagsIn, r, 0, cf, of, true);
}

function shift64(op: number, a0: number, a1: number, c: number, flagsIn: number, out: AluOut): void {
  if (c === 0) {
    out.lo = a0;
    out.hi = a1;
    out.flags = flagsIn;
    return;
  }
  let rl: number;
  let rh: number;
  let cf: number;
  let of: number;
  let szp = true;
  switch (op) {
    case SH_ROL:
      shl64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      shr64(a0, a1, 64 - c);
      rl = (rl | tLo) >>> 0;
      rh = (rh | tHi) >>> 0;
      cf = rl & 1;
      of = (rh >>> 31) ^ cf;
      szp = false;
      break;
    case SH_ROR:
      shr64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      shl64(a0, a1, 64 - c);
      rl = (rl | tLo) >>> 0;
      rh = (rh | tHi) >>> 0;
      cf = rh >>> 31;
      of = cf ^ ((rh >>> 30) & 1);
      szp = false;
      break;
    case SH_RCL: {
      const cin = flagsIn & CF;
      shl64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      shr64(a0, a1, 65 - c);
      rl |= tLo;
      rh |= tHi;
      shl64(cin, 0, c - 1);
      rl = (rl | tLo) >>> 0;
      rh = (rh | tHi) >>> 0;
      cf = bit64(a0, a1, 64 - c);
      of = (rh >>> 31) ^ cf;
      szp = false;
      break;
    }
    case SH_RCR: {
      const cin = flagsIn & CF;
      shr64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      shl64(a0, a1, 65 - c);
      rl |= tLo;
      rh |= tHi;
      shl64(cin, 0, 64 - c);
      rl = (rl | tLo) >>> 0;
      rh = (rh | tHi) >>> 0;
      cf = bit64(a0, a1, c - 1);
      of = (rh >>> 31) ^ ((rh >>> 30) & 1);
      szp = false;
      break;
    }
    case SH_SHL:
    case SH_SAL:
      shl64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      cf = bit64(a0, a1, 64 - c);
      of = (rh >>> 31) ^ cf;
      break;
    case SH_SHR:
      shr64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      cf = bit64(a0, a1, c - 1);
      of = c === 1 ? a1 >>> 31 : (rh >>> 31) ^ ((rh >>> 30) & 1);
      break;
    case SH_SAR: {
      shr64(a0, a1, c);
      rl = tLo;
      rh = tHi;
      if ((a1 & 0x80000000) !== 0) {
        shl64(0xffffffff, 0xffffffff, 64 - c);
        rl = (rl | tLo) >>> 0;
        rh = (rh | tHi) >>> 0;
      }
      cf = bit64(a0, a1, c - 1);
      of = 0;
      break;
    }
    default:
      throw new RangeError(`x86emu/alu: bad shift op ${op}`);
  }
  out.lo = rl;
  out.hi = rh;
  out.flags = shiftFlags(8, flagsIn, rl, rh, cf, of, szp);
}

/** SHLD dest=a, src=b, raw count (masked here). Sizes 2, 4, 8. */
export function shld(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, count: number, flagsIn: number, out: AluOut): void {
  if (size === 8) {
    const c = count & 63;
    aLo >>>= 0;
    aHi >>>= 0;
    if (c === 0) {
      out.lo = aLo;
      out.hi = aHi;
      out.flags = flagsIn;
      return;
    }
    shl64(aLo, aHi, c);
    let rl = tLo;
    let rh = tHi;
    shr64(bLo >>> 0, bHi >>> 0, 64 - c);
    rl = (rl | tLo) >>> 0;
    rh = (rh | tHi) >>> 0;
    const cf = bit64(aLo, aHi, 64 - c);
    out.lo = rl;
    out.hi = rh;
    out.flags = shiftFlags(8, flagsIn, rl, rh, cf, (rh >>> 31) ^ cf, true);
    return;
  }
  const c = count & 31;
  const m = maskOf(size);
  const w = size * 8;
  const a = (aLo & m) >>> 0;
  const b = (bLo & m) >>> 0;
  out.hi = 0;
  if (c === 0) {
    out.lo = a;
    out.flags = flagsIn;
    return;
  }
  let r: number;
  let cf: number;
  if (size === 4) {
    r = ((a << c) | (b >>> (32 - c))) >>> 0;
    cf = (a >>> (32 - c)) & 1;
  } else {
    // 16-bit: counts 17..31 (the reference CPU shifts the 48-bit pattern dest:src:src, i.e. the result is
    // src rotated left by count-16) with CF = 0 and OF = 0
    if (c > 16) {
      const n = c - 16;
      r = ((b << n) | (b >>> (16 - n))) & 0xffff;
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, 0, 0, true);
      return;
    }
    r = ((a << c) | (b >>> (16 - c))) & 0xffff;
    cf = (a >>> (16 - c)) & 1;
    if (c === 16) {
      // reference CPU: OF = CF ^ MSB(dest << count), and dest << 16 has no bits left in 16 bits
      out.lo = r;
      out.flags = shiftFlags(size, flagsIn, r, 0, cf, cf, true);
      return;
    }
  }
  out.lo = r;
  out.flags = shiftFlags(size, flagsIn, r, 0, cf, (r >>> (w - 1)) ^ cf, true);
}

/** SHRD dest=a, src=b, raw count (masked here). Sizes 2, 4, 8. */
export function shrd(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, count: number, flagsIn: number, out: AluOut): void {
  if (size === 8) {
    const c = count & 63;
    aLo >>>= 0;
    aHi >>>= 0;
    if (c === 0) {
      out.lo = aLo;
      out.hi = aHi;
      out.flags = flagsIn;
      return;
    }
    shr64(aLo, aHi, c);
    let rl = tLo;
    let rh = tHi;
    shl64(bLo >>> 0, bHi >>> 0, 64 - c);
    rl = (rl | tLo) >>> 0;
    rh = (rh | tHi) >>> 0;
    const cf = bit64(aLo, aHi, c - 1);
    out.lo = rl;
    out.hi = rh;
    out.flags = shiftFlags(8, flagsIn, rl, rh, cf, ((rh >>> 31) ^ (rh >>> 30)) & 1, true);
    return;
  }
  const c = count & 31;
  const m = maskOf(size);
  const w = size * 8;
  const a = (aLo & m) >>> 0;
  const b = (bLo & m) >>> 0;
  out.hi = 0;
  if (c === 0) {
    out.lo = a;
    out.flags = flagsIn;
    return;
  }
  let r: number;
  let cf: number;
  if (size === 4) {
    r = ((a >>> c) | (b << (32 - c))) >>> 0;
    cf = (a >>> (c - 1)) & 1;
  } else {
    // 16-bit: counts 17..31 (the reference CPU shifts the 48-bit pattern src:src:dest, i.e. the result is
    // src rotated right by count-16) with CF = 0; OF as for other counts
    if (c > 16) {
      const n = c - 16;
      r = ((b >>> n) | (b << (16 - n))) & 0xffff;
      cf = 0;
    } else {
      r = ((a >>> c) | (b << (16 - c))) & 0xffff;
      cf = (a >>> (c - 1)) & 1;
    }
  }
  out.lo = r;
  out.flags = shiftFlags(size, flagsIn, r, 0, cf, ((r >>> (w - 1)) ^ (r >>> (w - 2))) & 1, true);
}
