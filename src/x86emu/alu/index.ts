// x86 integer arithmetic/logic semantics, including EFLAGS as computed by the reference CPU (AMD EPYC;
// see docs/x86emu-alu.md for the undefined-flag choices). Values are exact 64-bit quantities carried as
// uint32 halves (lo, hi); for sizes 1/2/4 only the low `size` bytes of `lo` are read and `hi` is ignored,
// and results always have the unused bits zero. Every function writes a caller-preallocated out record
// and never allocates. `flagsIn` is the full EFLAGS value: only the status bits the instruction defines
// are changed in `out.flags`, every other bit is passed through.
import type { AluOut, BitAddrOut, MulDivOut, OperandSize } from './api.js';
export * from './api.js';

// ---- operation codes (x86 encoding order) -------------------------------------------------------
/** Binary ALU ops: the /r order of opcodes 00..3F / group 1 (80..83), plus TEST. */
export const OP_ADD = 0;
export const OP_OR = 1;
export const OP_ADC = 2;
export const OP_SBB = 3;
export const OP_AND = 4;
export const OP_SUB = 5;
export const OP_XOR = 6;
export const OP_CMP = 7;
export const OP_TEST = 8;
/** Unary ops. */
export const UN_INC = 0;
export const UN_DEC = 1;
export const UN_NOT = 2;
export const UN_NEG = 3;
/** Shift/rotate ops: the /r order of group 2 (C0/C1/D0..D3); /6 is SAL (alias of SHL). */
export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;
/** Bit-test ops: the /r order of 0F BA /4../7 (BT, BTS, BTR, BTC) minus 4. */
export const BT_BT = 0;
export const BT_BTS = 1;
export const BT_BTR = 2;
export const BT_BTC = 3;


// ---- internal tables and helpers -----------------------------------------------------------------
const CF = 0x0001;
const PF = 0x0004;
const AF = 0x0010;
const ZF = 0x0040;
const SF = 0x0080;
const OF = 0x0800;
const STATUS = CF | PF | AF | ZF | SF | OF;
const KEEP = ~STATUS;

/** PF for each byte value. */
const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let v = i;
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  PARITY[i] = (v & 1) === 0 ? PF : 0;
}

/** Value mask for sizes 1/2/4 (size 8 uses both halves). */
function maskOf(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
}

/** Scratch results of the 64-bit helpers (module-level: no allocation, single-threaded). */
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

/** SF | ZF | PF of a result of the given size. */
export function szpFlags(size: OperandSize, lo: number, hi: number): number {
  let f = PARITY[lo & 0xff]!;
  if (size === 8) {
    if ((lo | hi) === 0) f |= ZF;
    if ((hi & 0x80000000) !== 0) f |= SF;
  } else {
    const m = maskOf(size);
    const v = lo & m;
    if (v === 0) f |= ZF;
    if ((v & ((m >>> 1) + 1)) !== 0) f |= SF;
  }
  return f;
}

/** FLAG_PF if the low byte of v has even parity, else 0. */
export function parityFlag(v: number): number {
  return PARITY[v & 0xff]!;
}

/** a + b + c with ADD flags; `keepMask` selects status bits preserved from flagsIn (CF for INC). */
function addCore(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number, flagsIn: number, keep: number, out: AluOut): void {
  let rLo: number;
  let rHi = 0;
  let f: number;
  if (size === 8) {
    aLo >>>= 0;
    bLo >>>= 0;
    aHi >>>= 0;
    bHi >>>= 0;
    const l = aLo + bLo + c;
    rLo = l >>> 0;
    const h = aHi + bHi + (l > 0xffffffff ? 1 : 0);
    rHi = h >>> 0;
    f = (h > 0xffffffff ? CF : 0) | ((((aHi ^ rHi) & (bHi ^ rHi)) & 0x80000000) !== 0 ? OF : 0);
    if ((rLo | rHi) === 0) f |= ZF;
    if ((rHi & 0x80000000) !== 0) f |= SF;
  } else {
    const m = maskOf(size);
    const sb = (m >>> 1) + 1;
    aLo &= m;
    bLo &= m;
    if (size === 4) {
      aLo >>>= 0;
      bLo >>>= 0;
    }
    const r = aLo + bLo + c;
    rLo = size === 4 ? r >>> 0 : r & m;
    f = (r > m ? CF : 0) | ((((aLo ^ rLo) & (bLo ^ rLo)) & sb) !== 0 ? OF : 0);
    if (rLo === 0) f |= ZF;
    if ((rLo & sb) !== 0) f |= SF;
  }
  f |= PARITY[rLo & 0xff]! | ((aLo ^ bLo ^ rLo) & AF);
  out.lo = rLo;
  out.hi = rHi;
  out.flags = (flagsIn & (KEEP | keep)) | (f & ~keep);
}

/** a - b - c with SUB flags; `keep` selects status bits preserved from flagsIn (CF for DEC). */
function subCore(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number, flagsIn: number, keep: number, out: AluOut): void {
  let rLo: number;
  let rHi = 0;
  let f: number;
  if (size === 8) {
    aLo >>>= 0;
    bLo >>>= 0;
    aHi >>>= 0;
    bHi >>>= 0;
    const l = aLo - bLo - c;
    rLo = l >>> 0;
    const h = aHi - bHi - (l < 0 ? 1 : 0);
    rHi = h >>> 0;
    f = (h < 0 ? CF : 0) | ((((aHi ^ bHi) & (aHi ^ rHi)) & 0x80000000) !== 0 ? OF : 0);
    if ((rLo | rHi) === 0) f |= ZF;
    if ((rHi & 0x80000000) !== 0) f |= SF;
  } else {
    const m = maskOf(size);
    const sb = (m >>> 1) + 1;
    aLo &= m;
    bLo &= m;
    if (size === 4) {
      aLo >>>= 0;
      bLo >>>= 0;
    }
    const r = aLo - bLo - c;
    rLo = size === 4 ? r >>> 0 : r & m;
    f = (r < 0 ? CF : 0) | ((((aLo ^ bLo) & (aLo ^ rLo)) & sb) !== 0 ? OF : 0);
    if (rLo === 0) f |= ZF;
    if ((rLo & sb) !== 0) f |= SF;
  }
  f |= PARITY[rLo & 0xff]! | ((aLo ^ bLo ^ rLo) & AF);
  out.lo = rLo;
  out.hi = rHi;
  out.flags = (flagsIn & (KEEP | keep)) | (f & ~keep);
}

/** Logic result flags: CF=OF=AF=0 (AF is undefined; the reference CPU clears it). */
function logicOut(size: number, rLo: number, rHi: number, flagsIn: number, out: AluOut): void {
  if (size === 8) {
    rLo >>>= 0;
    rHi >>>= 0;
  } else {
    rLo = (rLo & maskOf(size)) >>> 0;
    rHi = 0;
  }
  out.lo = rLo;
  out.hi = rHi;
  out.flags = (flagsIn & KEEP) | szpFlags(size as OperandSize, rLo, rHi);
}

// ---- binary / unary ------------------------------------------------------------------------------

/** Binary ALU op (OP_*): out = a op b with flags. For CMP/TEST the computed value is still written to out (the caller discards it). ADC/SBB read CF from flagsIn. */
export function alu(op: number, size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: AluOut): void {
  switch (op) {
    case OP_ADD:
      addCore(size, aLo, aHi, bLo, bHi, 0, flagsIn, 0, out);
      return;
    case OP_ADC:
      addCore(size, aLo, aHi, bLo, bHi, flagsIn & CF, flagsIn, 0, out);
      return;
    case OP_SUB:
    case OP_CMP:
      subCore(size, aLo, aHi, bLo, bHi, 0, flagsIn, 0, out);
      return;
    case OP_SBB:
      subCore(size, aLo, aHi, bLo, bHi, flagsIn & CF, flagsIn, 0, out);
      return;
    case OP_OR:
      logicOut(size, aLo | bLo, aHi | bHi, flagsIn, out);
      return;
    case OP_AND:
    case OP_TEST:
      logicOut(size, aLo & bLo, aHi & bHi, flagsIn, out);
      return;
    case OP_XOR:
      logicOut(size, aLo ^ bLo, aHi ^ bHi, flagsIn, out);
      return;
    default:
      throw new RangeError(`x86emu/alu: bad binary op ${op}`);
  }
}

/** Unary op (UN_*): INC/DEC (CF preserved), NOT (no flags changed), NEG. */
export function unary(op: number, size: OperandSize, aLo: number, aHi: number, flagsIn: number, out: AluOut): void {
  switch (op) {
    case UN_INC:
      addCore(size, aLo, aHi, 1, 0, 0, flagsIn, CF, out);
      return;
    case UN_DEC:
      subCore(size, aLo, aHi, 1, 0, 0, flagsIn, CF, out);
      return;
    case UN_NEG:
      subCore(size, 0, 0, aLo, aHi, 0, flagsIn, 0, out);
      return;
    case UN_NOT:
      if (size === 8) {
        out.lo = ~aLo >>> 0;
        out.hi = ~aHi >>> 0;
      } else {
        out.lo = (~aLo & maskOf(size)) >>> 0;
        out.hi = 0;
      }
      out.flags = flagsIn;
      return;
    default:
      throw new RangeError(`x86emu/alu: bad unary op ${op}`);
  }
}

/** CMPXCHG comparison: out.flags = flags of CMP acc, dest (out.lo/hi = acc - dest); returns true when equal (store src to dest), false (load dest into acc). */
export function cmpxchg(size: OperandSize, accLo: number, accHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): boolean {
  subCore(size, accLo, accHi, destLo, destHi, 0, flagsIn, 0, out);
  return (out.flags & ZF) !== 0;
}

/** XADD: out = dest + src with ADD flags (the caller writes the old dest to the source register). */
export function xadd(size: OperandSize, destLo: number, destHi: number, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  addCore(size, destLo, destHi, srcLo, srcHi, 0, flagsIn, 0, out);
}

// ---- multiply / divide ---------------------------------------------------------------------------

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
    return ((p << sh) >> sh) !== p;
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
export function div(size: OperandSize, accLo: number, accHi: number, extLo: number, extHi: number, srcLo: number, srcHi: number, flagsIn: number, out: MulDivOut): boolean {
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
export function idiv(size: OperandSize, accLo: number, accHi: number, extLo: number, extHi: number, srcLo: number, srcHi: number, flagsIn: number, out: MulDivOut): boolean {
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

// ---- shifts and rotates --------------------------------------------------------------------------

/** Bit k (0..63) of hi:lo. */
function bit64(lo: number, hi: number, k: number): number {
  return k >= 32 ? (hi >>> (k - 32)) & 1 : (lo >>> k) & 1;
}

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
      of = c === 1 ? a >>> (w - 1) : ((r >>> (w - 1)) ^ ((r >>> (w - 2)) & 1));
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

// ---- bit operations ------------------------------------------------------------------------------

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
  const r = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
  out.lo = r;
  out.hi = 0;
  out.flags = scanFlags(flagsIn, false, r);
}

/**
 * BSR: out = index of the highest set bit of src. src == 0: ZF=1 and out = dest (unchanged). The reference CPU
 * then does not write the register at all, not even the zero-extension of a 32-bit destination in 64-bit
 * mode: callers should skip the write when out.flags has ZF set.
 */
export function bsr(size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
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
  const r = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
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

// ---- conditions ----------------------------------------------------------------------------------

/** Condition code 0..15 (the low nibble of Jcc/SETcc/CMOVcc: O NO B AE E NE BE A S NS P NP L GE LE G) evaluated on flags. */
export function condition(cc: number, flags: number): boolean {
  let t: boolean;
  switch ((cc >> 1) & 7) {
    case 0:
      t = (flags & OF) !== 0;
      break;
    case 1:
      t = (flags & CF) !== 0;
      break;
    case 2:
      t = (flags & ZF) !== 0;
      break;
    case 3:
      t = (flags & (CF | ZF)) !== 0;
      break;
    case 4:
      t = (flags & SF) !== 0;
      break;
    case 5:
      t = (flags & PF) !== 0;
      break;
    case 6:
      t = ((flags & SF) !== 0) !== ((flags & OF) !== 0);
      break;
    default:
      t = (flags & ZF) !== 0 || ((flags & SF) !== 0) !== ((flags & OF) !== 0);
      break;
  }
  return (cc & 1) !== 0 ? !t : t;
}
