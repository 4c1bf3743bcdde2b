// Binary ALU operations: ADD OR ADC SBB AND SUB XOR CMP TEST, plus XADD and the CMPXCHG comparison.
// addCore/subCore are also the adder behind INC/DEC/NEG (unary.ts).
import type { AluOut, OperandSize } from './api.js';
import { FLAGS_STATUS, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_SF, FLAG_ZF } from './api.js';
import { PARITY_TABLE, maskOf as maskOfShared, szpFlags as szpFlagsShared } from './flags.js';

// Module-local bindings of the shared constants and helpers: V8 folds a module-local `const` into the
// optimized code, whereas an imported binding is re-read through its module cell on every use.
const CF = FLAG_CF;
const AF = FLAG_AF;
const ZF = FLAG_ZF;
const SF = FLAG_SF;
const OF = FLAG_OF;
const KEEP = ~FLAGS_STATUS;
const PARITY = PARITY_TABLE;
const maskOf = maskOfShared;
const szpFlags = szpFlagsShared;

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

// ---- adder and logic cores -----------------------------------------------------------------------
/** a + b + c with ADD flags; `keepMask` selects status bits preserved from flagsIn (CF for INC). */
export function addCore(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number, flagsIn: number, keep: number, out: AluOut): void {
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
    f = (h > 0xffffffff ? CF : 0) | (((aHi ^ rHi) & (bHi ^ rHi) & 0x80000000) !== 0 ? OF : 0);
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
    f = (r > m ? CF : 0) | (((aLo ^ rLo) & (bLo ^ rLo) & sb) !== 0 ? OF : 0);
    if (rLo === 0) f |= ZF;
    if ((rLo & sb) !== 0) f |= SF;
  }
  f |= PARITY[rLo & 0xff]! | ((aLo ^ bLo ^ rLo) & AF);
  out.lo = rLo;
  out.hi = rHi;
  out.flags = (flagsIn & (KEEP | keep)) | (f & ~keep);
}

/** a - b - c with SUB flags; `keep` selects status bits preserved from flagsIn (CF for DEC). */
export function subCore(size: number, aLo: number, aHi: number, bLo: number, bHi: number, c: number, flagsIn: number, keep: number, out: AluOut): void {
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
    f = (h < 0 ? CF : 0) | (((aHi ^ bHi) & (aHi ^ rHi) & 0x80000000) !== 0 ? OF : 0);
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
    f = (r < 0 ? CF : 0) | (((aLo ^ bLo) & (aLo ^ rLo) & sb) !== 0 ? OF : 0);
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

// ---- binary ops ----------------------------------------------------------------------------------

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

/** CMPXCHG comparison: out.flags = flags of CMP acc, dest (out.lo/hi = acc - dest); returns true when equal (store src to dest), false (load dest into acc). */
export function cmpxchg(size: OperandSize, accLo: number, accHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): boolean {
  subCore(size, accLo, accHi, destLo, destHi, 0, flagsIn, 0, out);
  return (out.flags & ZF) !== 0;
}

/** XADD: out = dest + src with ADD flags (the caller writes the old dest to the source register). */
export function xadd(size: OperandSize, destLo: number, destHi: number, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  addCore(size, destLo, destHi, srcLo, srcHi, 0, flagsIn, 0, out);
}
