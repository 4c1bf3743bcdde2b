// Unary ALU operations: INC DEC NOT NEG.
import type { AluOut, OperandSize } from './api.js';
import { FLAG_CF } from './api.js';
import { addCore as addCoreShared, subCore as subCoreShared } from './binary.js';
import { maskOf as maskOfShared } from './flags.js';

// Module-local bindings of the shared constants and helpers: V8 folds a module-local `const` into the
// optimized code, whereas an imported binding is re-read through its module cell on every use.
const CF = FLAG_CF;
const maskOf = maskOfShared;
const addCore = addCoreShared;
const subCore = subCoreShared;

/** Unary ops. */
export const UN_INC = 0;
export const UN_DEC = 1;
export const UN_NOT = 2;
export const UN_NEG = 3;

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
