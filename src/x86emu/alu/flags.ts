// EFLAGS helpers shared by the ALU modules: the parity table, SF/ZF/PF of a result, operand-size masks, and
// the Jcc/SETcc/CMOVcc condition codes. (The status bit values are the FLAG_* constants of api.ts.)
import type { OperandSize } from './api.js';

// ---- status bits ---------------------------------------------------------------------------------
const CF = 0x0001;
const PF = 0x0004;
const ZF = 0x0040;
const SF = 0x0080;
const OF = 0x0800;

/** PF for each byte value. */
const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let v = i;
  v ^= v >> 4;
  v ^= v >> 2;
  v ^= v >> 1;
  PARITY[i] = (v & 1) === 0 ? PF : 0;
}

/** The parity table, for the other ALU modules (PF for each byte value). */
export const PARITY_TABLE: Uint8Array = PARITY;

/** Value mask for sizes 1/2/4 (size 8 uses both halves). */
export function maskOf(size: number): number {
  return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
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
