// x86 integer arithmetic/logic semantics, including EFLAGS as computed by the reference CPU (AMD EPYC;
// see docs/x86emu-alu.md for the undefined-flag choices). Values are exact 64-bit quantities carried as
// uint32 halves (lo, hi); for sizes 1/2/4 only the low `size` bytes of `lo` are read and `hi` is ignored,
// and results always have the unused bits zero. Every function writes a caller-preallocated out record
// and never allocates. `flagsIn` is the full EFLAGS value: only the status bits the instruction defines
// are changed in `out.flags`, every other bit is passed through.
//
// One concept per file: flags.ts (parity, SF/ZF/PF, size masks, conditions), binary.ts (ADD..TEST, XADD,
// CMPXCHG), unary.ts (INC DEC NOT NEG), muldiv.ts (MUL IMUL DIV IDIV), shifts.ts (rotates, shifts,
// SHLD SHRD), bits.ts (BT*, BSF BSR TZCNT LZCNT POPCNT). This file is the public surface.
export * from './api.js';
export { condition, parityFlag, szpFlags } from './flags.js';
export { OP_ADC, OP_ADD, OP_AND, OP_CMP, OP_OR, OP_SBB, OP_SUB, OP_TEST, OP_XOR, alu, cmpxchg, xadd } from './binary.js';
export { UN_DEC, UN_INC, UN_NEG, UN_NOT, unary } from './unary.js';
export { div, idiv, imul, imulTrunc, mul } from './muldiv.js';
export { SH_RCL, SH_RCR, SH_ROL, SH_ROR, SH_SAL, SH_SAR, SH_SHL, SH_SHR, shift, shld, shrd } from './shifts.js';
export { BT_BT, BT_BTC, BT_BTR, BT_BTS, bitAddress, bitTest, bsf, bsr, lzcnt, popcnt, tzcnt } from './bits.js';
