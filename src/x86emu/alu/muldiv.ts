// Multiply and divide: MUL, IMUL (one-, two- and three-operand), DIV, IDIV, with the exact 32x32, 64x64
// and 128/64 limb arithmetic they need (module-level scratch results: no allocation, single-threaded).
import type { AluOut, MulDivOut, OperandSize } from './api.js';
import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from './api.js';
import { maskOf as maskOfShared } from './flags.js';

// Module-local bindings of the shared constants and helpers: V8 folds a module-local `const` into the
// optimized code, whereas an imported binding is re-read through its module cell on every use.
const CF = FLAG_CF;
const PF = FLAG_PF;
const AF = FLAG_AF;
const ZF = FLAG_ZF;
const SF = FLAG_SF;
const OF = FLAG_OF;
const maskOf = maskOfShared;

// ---- limb helpers --------------------------------------------------------------------------------

/** Scratch results of mul32 (module-level: no allocation, single-threaded). */
let tLo = 0;
let tHi = 0;

/** Unsigned 32x32 -> 64 product into tLo/tHi (16-bit limbs, exact). */
function mul32(a: number, b: number): void {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  tLo = ((mid << 16) | (p00 & 0xffff)) >>> 0;
  tHi = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

// ---- multiply ------------------------------------------------------------------------------------

/** Flags after MUL/IMUL: CF=OF=overflow; SF ZF AF PF are undefined and the reference CPU leaves them unchanged. */
function mulFlags(flagsIn: number, overflow: boolean): number {
  return overflow ? (flagsIn & ~(CF | OF)) | CF | OF : flagsIn & ~(CF | OF);
}

/** Scratch for the 128-bit product: w0..w3 (low to high). */
let p0 = 0;
let p1 = 0;
let p2 = 0;
let p3 = 0;

/** Unsigned 64x64 -> 128 product into p0..p3. */
function mul64(aLo: number, aHi: number, bLo: number, bHi: number): void {
  mul32(aLo, bLo);
  const w0 = tLo;
  let c1 = tHi;
  mul32(aLo, bHi);
  const xl = tLo;
  const xh = tHi;
  mul32(aHi, bLo);
  const yl = tLo;
  const yh = tHi;
  mul32(aHi, bHi);
  const zl = tLo;
  const zh = tHi;
  const s1 = c1 + xl + yl; // < 3 * 2^32
  c1 = Math.floor(s1 / 4294967296);
  const s2 = xh + yh + zl + c1;
  const c2 = Math.floor(s2 / 4294967296);
  p0 = w0;
  p1 = s1 >>> 0;
  p2 = s2 >>> 0;
  p3 = (zh + c2) >>> 0;
}

/** One-operand MUL: ext:acc = acc * src (unsigned). a = AL/AX/EAX/RAX, b = source. For size 1 out.accLo = AL and out.extLo = AH. */
export function mul(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: MulDivOut): void {
  let accLo: number;
  let accHi = 0;
  let extLo: number;
  let extHi = 0;
  if (size === 1 || size === 2) {
    const sh = size * 8;
    const m = maskOf(size);
    const p = (aLo & m) * (bLo & m);
    accLo = p & m;
    extLo = p >>> sh;
  } else if (size === 4) {
    mul32(aLo >>> 0, bLo >>> 0);
    accLo = tLo;
    extLo = tHi;
  } else {
    mul64(aLo >>> 0, aHi >>> 0, bLo >>> 0, bHi >>> 0);
    accLo = p0;
    accHi = p1;
    extLo = p2;
    extHi = p3;
  }
  out.accLo = accLo;
  out.accHi = accHi;
  out.extLo = extLo;
  out.extHi = extHi;
  out.flags = mulFlags(flagsIn, (extLo | extHi) !== 0);
}

/** Signed product core: fills accLo..extHi of out and returns whether the product does not fit the operand size. */
function imulCore(size: number, aLo: number, aHi: number, bLo: number, bHi: number, out: MulDivOut): boolean {
  if (size === 1 || size === 2) {
    const sh = 32 - size * 8;
    const m = maskOf(size);
    const p = ((aLo << sh) >> sh) * ((bLo << sh) >> sh); // exact, |p| <= 2^30
    out.accLo = p & m;
    out.extLo = (p >> (size * 8)) & m;
    out.accHi = 0;
    out.extHi = 0;
    return (p << sh) >> sh !== p;
  }
  if (size === 4) {
    const a = aLo >>> 0;
    const b = bLo >>> 0;
    mul32(a, b);
    let hi = tHi;
    if ((a & 0x80000000) !== 0) hi -= b;
    if ((b & 0x80000000) !== 0) hi -= a;
    hi >>>= 0;
    out.accLo = tLo;
    out.accHi = 0;
    out.extLo = hi;
    out.extHi = 0;
    return hi !== ((tLo & 0x80000000) !== 0 ? 0xffffffff : 0);
  }
  aLo >>>= 0;
  aHi >>>= 0;
  bLo >>>= 0;
  bHi >>>= 0;
  mul64(aLo, aHi, bLo, bHi);
  let hLo = p2;
  let hHi = p3;
  if ((aHi & 0x80000000) !== 0) {
    const l = hLo - bLo;
    hHi = (hHi - bHi - (l < 0 ? 1 : 0)) >>> 0;
    hLo = l >>> 0;
  }
  if ((bHi & 0x80000000) !== 0) {
    const l = hLo - aLo;
    hHi = (hHi - aHi - (l < 0 ? 1 : 0)) >>> 0;
    hLo = l >>> 0;
  }
  out.accLo = p0;
  out.accHi = p1;
  out.extLo = hLo;
  out.extHi = hHi;
  const sx = (p1 & 0x80000000) !== 0 ? 0xffffffff : 0;
  return hLo !== sx || hHi !== sx;
}

/** One-operand IMUL: ext:acc = acc * src (signed). Same layout as mul(). */
export function imul(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: MulDivOut): void {
  out.flags = mulFlags(flagsIn, imulCore(size, aLo, aHi, bLo, bHi, out));
}

const imulScratch: MulDivOut = { accLo: 0, accHi: 0, extLo: 0, extHi: 0, flags: 0 };

/** Two/three-operand IMUL (0F AF, 69, 6B): out = truncated signed product; CF=OF=1 iff it does not fit. */
export function imulTrunc(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: AluOut): void {
  const ovf = imulCore(size, aLo, aHi, bLo, bHi, imulScratch);
  out.lo = imulScratch.accLo;
  out.hi = imulScratch.accHi;
  out.flags = mulFlags(flagsIn, ovf);
}

// ---- divide --------------------------------------------------------------------------------------

/**
 * Flags after a non-faulting DIV/IDIV. All six are architecturally undefined; the reference CPU (AMD EPYC)
 * leaves CF and OF unchanged, sets AF and clears PF ZF SF, independent of the operands.
 */
function divFlags(flagsIn: number): number {
  return (flagsIn & ~(PF | AF | ZF | SF)) | AF;
}

function divFault(accLo: number, accHi: number, extLo: number, extHi: number, flagsIn: number, out: MulDivOut): boolean {
  out.accLo = accLo;
  out.accHi = accHi;
  out.extLo = extLo;
  out.extHi = extHi;
  out.flags = flagsIn;
  return true;
}

/** Scratch for the unsigned 128/64 divider: quotient qLo/qHi, remainder rLo/rHi. */
let qLo = 0;
let qHi = 0;
let rLo = 0;
let rHi = 0;

/**
 * Unsigned (nHi3:nHi2:nLo1:nLo0) / (dHi:dLo) where (nHi3:nHi2) < (dHi:dLo), so the quotient fits 64 bits.
 * Results in qLo/qHi, rLo/rHi.
 */
function udiv128(n0: number, n1: number, n2: number, n3: number, dLo: number, dHi: number): void {
  if (dHi === 0) {
    // divisor < 2^32: schoolbook with 16-bit digits; remainder < d < 2^32 so r * 65536 + digit < 2^48 (exact)
    let r = n2; // n3 is 0 since (n3:n2) < d < 2^32
    let q = 0;
    let t = r * 65536 + (n1 >>> 16);
    q = Math.floor(t / dLo);
    r = t - q * dLo;
    let qh = q * 65536;
    t = r * 65536 + (n1 & 0xffff);
    q = Math.floor(t / dLo);
    r = t - q * dLo;
    qHi = (qh + q) >>> 0;
    t = r * 65536 + (n0 >>> 16);
    q = Math.floor(t / dLo);
    r = t - q * dLo;
    qh = q * 65536;
    t = r * 65536 + (n0 & 0xffff);
    q = Math.floor(t / dLo);
    r = t - q * dLo;
    qLo = (qh + q) >>> 0;
    rLo = r;
    rHi = 0;
    return;
  }
  // divisor >= 2^32: restoring binary division over the 64 quotient bits.
  let remHi = n3;
  let remLo = n2;
  let quoHi = 0;
  let quoLo = 0;
  for (let i = 63; i >= 0; i--) {
    const top = remHi >>> 31;
    const bit = i >= 32 ? (n1 >>> (i - 32)) & 1 : (n0 >>> i) & 1;
    remHi = ((remHi << 1) | (remLo >>> 31)) >>> 0;
    remLo = ((remLo << 1) | bit) >>> 0;
    quoHi = ((quoHi << 1) | (quoLo >>> 31)) >>> 0;
    quoLo = (quoLo << 1) >>> 0;
    if (top !== 0 || remHi > dHi || (remHi === dHi && remLo >= dLo)) {
      const l = remLo - dLo;
      remHi = (remHi - dHi - (l < 0 ? 1 : 0)) >>> 0;
      remLo = l >>> 0;
      quoLo = (quoLo | 1) >>> 0;
    }
  }
  qLo = quoLo;
  qHi = quoHi;
  rLo = remLo;
  rHi = remHi;
}

/** DIV: dividend ext:acc (size 1: AH:AL), divisor src. Returns true on #DE (zero divisor or quotient overflow), in which case out holds the inputs unchanged. Otherwise out.acc = quotient, out.ext = remainder. */
export function div(
  size: OperandSize,
  accLo: number,
  accHi: number,
  extLo: number,
  extHi: number,
  srcLo: number,
  srcHi: number,
  flagsIn: number,
  out: MulDivOut,
): boolean {
  if (size === 8) {
    accLo >>>= 0;
    accHi >>>= 0;
    extLo >>>= 0;
    extHi >>>= 0;
    srcLo >>>= 0;
    srcHi >>>= 0;
    // quotient overflow (and divide by zero) iff ext >= src
    if (extHi > srcHi || (extHi === srcHi && extLo >= srcLo)) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    udiv128(accLo, accHi, extLo, extHi, srcLo, srcHi);
    out.accLo = qLo;
    out.accHi = qHi;
    out.extLo = rLo;
    out.extHi = rHi;
  } else {
    const m = maskOf(size);
    const a = (accLo & m) >>> 0;
    const e = (extLo & m) >>> 0;
    const d = (srcLo & m) >>> 0;
    if (e >= d) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    if (size === 4) {
      udiv128(a, e, 0, 0, d, 0); // qHi is 0 since e < d
      out.accLo = qLo;
      out.extLo = rLo;
    } else {
      const n = e * (m + 1) + a; // < 2^32, exact
      const q = Math.floor(n / d);
      out.accLo = q;
      out.extLo = n - q * d;
    }
    out.accHi = 0;
    out.extHi = 0;
  }
  out.flags = divFlags(flagsIn);
  return false;
}

/** IDIV (signed, quotient truncated toward zero, remainder has the dividend's sign). Same contract as div(). */
export function idiv(
  size: OperandSize,
  accLo: number,
  accHi: number,
  extLo: number,
  extHi: number,
  srcLo: number,
  srcHi: number,
  flagsIn: number,
  out: MulDivOut,
): boolean {
  if (size !== 8) {
    const m = maskOf(size);
    const sb = (m >>> 1) + 1;
    const a = (accLo & m) >>> 0;
    const e = (extLo & m) >>> 0;
    let d = (srcLo & m) >>> 0;
    if (d === 0) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    const dNeg = (d & sb) !== 0;
    if (dNeg) d = m + 1 - d;
    const nNeg = (e & sb) !== 0;
    // magnitude of the 2w-bit dividend as (mh:ml), each w bits
    let ml = a;
    let mh = e;
    if (nNeg) {
      ml = (m + 1 - a) % (m + 1);
      mh = (m - e + (a === 0 ? 1 : 0)) % (m + 1);
    }
    let q: number;
    let r: number;
    if (mh >= d) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    if (size === 4) {
      udiv128(ml, mh, 0, 0, d, 0);
      q = qLo;
      r = rLo;
    } else {
      const n = mh * (m + 1) + ml;
      q = Math.floor(n / d);
      r = n - q * d;
    }
    const qNeg = nNeg !== dNeg;
    if (q > (qNeg ? sb : sb - 1)) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    out.accLo = qNeg ? (m + 1 - q) % (m + 1) : q;
    out.extLo = nNeg ? (m + 1 - r) % (m + 1) : r;
    out.accHi = 0;
    out.extHi = 0;
  } else {
    accLo >>>= 0;
    accHi >>>= 0;
    extLo >>>= 0;
    extHi >>>= 0;
    let dLo = srcLo >>> 0;
    let dHi = srcHi >>> 0;
    if ((dLo | dHi) === 0) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    const dNeg = (dHi & 0x80000000) !== 0;
    if (dNeg) {
      dLo = -dLo >>> 0;
      dHi = (~dHi + (dLo === 0 ? 1 : 0)) >>> 0;
    }
    const nNeg = (extHi & 0x80000000) !== 0;
    let n0 = accLo;
    let n1 = accHi;
    let n2 = extLo;
    let n3 = extHi;
    if (nNeg) {
      // 128-bit two's complement negate
      n0 = ~n0 >>> 0;
      n1 = ~n1 >>> 0;
      n2 = ~n2 >>> 0;
      n3 = ~n3 >>> 0;
      n0 = (n0 + 1) >>> 0;
      if (n0 === 0) {
        n1 = (n1 + 1) >>> 0;
        if (n1 === 0) {
          n2 = (n2 + 1) >>> 0;
          if (n2 === 0) n3 = (n3 + 1) >>> 0;
        }
      }
    }
    // |dividend| high half must be below |divisor| (else the magnitude quotient needs > 64 bits)
    if (n3 > dHi || (n3 === dHi && n2 >= dLo)) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    udiv128(n0, n1, n2, n3, dLo, dHi);
    const qNeg = nNeg !== dNeg;
    // range: positive quotient <= 2^63 - 1, negative quotient magnitude <= 2^63
    if (qHi > 0x80000000 || (qHi === 0x80000000 && (!qNeg || qLo !== 0))) return divFault(accLo, accHi, extLo, extHi, flagsIn, out);
    let ql = qLo;
    let qh = qHi;
    if (qNeg) {
      ql = -ql >>> 0;
      qh = (~qh + (ql === 0 ? 1 : 0)) >>> 0;
    }
    let rl = rLo;
    let rh = rHi;
    if (nNeg) {
      rl = -rl >>> 0;
      rh = (~rh + (rl === 0 ? 1 : 0)) >>> 0;
    }
    out.accLo = ql;
    out.accHi = qh;
    out.extLo = rl;
    out.extHi = rh;
  }
  out.flags = divFlags(flagsIn);
  return false;
}
