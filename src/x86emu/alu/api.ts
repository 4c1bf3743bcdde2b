// Contract between the instruction executor (src/x86emu) and the ALU semantics (src/x86emu/alu).
// Operands and results are exact 64-bit values carried as two uint32 halves (lo, hi): no bigint and
// no allocation on the emulator's path. For sizes 1/2/4 only `lo` is meaningful (hi must be 0 in results).
// `flags` is the full EFLAGS/RFLAGS low 32 bits; the ALU changes only the arithmetic bits the
// instruction defines (CF PF AF ZF SF OF) and leaves every other bit as given.

export const FLAG_CF = 0x0001;
export const FLAG_PF = 0x0004;
export const FLAG_AF = 0x0010;
export const FLAG_ZF = 0x0040;
export const FLAG_SF = 0x0080;
export const FLAG_TF = 0x0100;
export const FLAG_IF = 0x0200;
export const FLAG_DF = 0x0400;
export const FLAG_OF = 0x0800;
/** The six arithmetic status flags. */
export const FLAGS_STATUS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

export type OperandSize = 1 | 2 | 4 | 8;

/** Reusable output record: callers preallocate one and pass it to every call. */
export interface AluOut {
  lo: number;
  hi: number;
  flags: number;
}

/** Reusable output record for MUL/IMUL/DIV/IDIV (accumulator pair: AL/AX/EAX/RAX and AH/DX/EDX/RDX). */
export interface MulDivOut {
  accLo: number;
  accHi: number;
  extLo: number;
  extHi: number;
  flags: number;
}

/**
 * Reusable output record for the memory-operand form of BT/BTS/BTR/BTC with a register bit offset:
 * the signed byte displacement (64-bit two's complement, as lo/hi halves; always a multiple of the
 * operand size) to add to the effective address, and the bit number inside the addressed operand.
 */
export interface BitAddrOut {
  dispLo: number;
  dispHi: number;
  bit: number;
}
