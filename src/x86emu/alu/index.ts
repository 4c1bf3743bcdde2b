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


/** Binary ALU op (OP_*): out = a op b with flags. For CMP/TEST the computed value is still written to out (the caller discards it). ADC/SBB read CF from flagsIn. */
export function alu(op: number, size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** Unary op (UN_*): INC/DEC (CF preserved), NOT (no flags changed), NEG. */
export function unary(op: number, size: OperandSize, aLo: number, aHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** One-operand MUL: ext:acc = acc * src (unsigned). a = AL/AX/EAX/RAX, b = source. For size 1 out.accLo = AL and out.extLo = AH. */
export function mul(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: MulDivOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** One-operand IMUL: ext:acc = acc * src (signed). Same layout as mul(). */
export function imul(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: MulDivOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** Two/three-operand IMUL (0F AF, 69, 6B): out = truncated signed product; CF=OF=1 iff it does not fit. */
export function imulTrunc(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** DIV: dividend ext:acc (size 1: AH:AL), divisor src. Returns true on #DE (zero divisor or quotient overflow), in which case out holds the inputs unchanged. Otherwise out.acc = quotient, out.ext = remainder. */
export function div(size: OperandSize, accLo: number, accHi: number, extLo: number, extHi: number, srcLo: number, srcHi: number, flagsIn: number, out: MulDivOut): boolean {
  throw new Error('x86emu/alu: not implemented yet');
}
/** IDIV (signed, quotient truncated toward zero, remainder has the dividend's sign). Same contract as div(). */
export function idiv(size: OperandSize, accLo: number, accHi: number, extLo: number, extHi: number, srcLo: number, srcHi: number, flagsIn: number, out: MulDivOut): boolean {
  throw new Error('x86emu/alu: not implemented yet');
}
/** Shift/rotate (SH_*) of a by count; count is the raw CL/imm8 value (masked here to 5 bits, 6 for size 8). */
export function shift(op: number, size: OperandSize, aLo: number, aHi: number, count: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** SHLD dest=a, src=b, raw count (masked here). Sizes 2, 4, 8. */
export function shld(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, count: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** SHRD dest=a, src=b, raw count (masked here). Sizes 2, 4, 8. */
export function shrd(size: OperandSize, aLo: number, aHi: number, bLo: number, bHi: number, count: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** BT/BTS/BTR/BTC (BT_*) on a; bit is taken modulo the operand width (register form, or memory form after bitAddress()). CF = old bit; out = new value. Sizes 2, 4, 8. */
export function bitTest(op: number, size: OperandSize, aLo: number, aHi: number, bit: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** Memory form of BT* with a register bit offset: offset (signed, `size` bytes, as lo/hi) -> signed byte displacement (multiple of size) and bit within the operand. */
export function bitAddress(size: OperandSize, offLo: number, offHi: number, out: BitAddrOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** BSF: out = index of lowest set bit of src; src == 0: ZF=1 and out = dest (unchanged). */
export function bsf(size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** BSR: out = index of highest set bit of src; src == 0: ZF=1 and out = dest (unchanged). */
export function bsr(size: OperandSize, srcLo: number, srcHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** TZCNT (BMI1): trailing zero count; CF = (src == 0), ZF = (result == 0). */
export function tzcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** LZCNT (ABM): leading zero count; CF = (src == 0), ZF = (result == 0). */
export function lzcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** POPCNT: population count; ZF = (src == 0), CF PF AF SF OF cleared. */
export function popcnt(size: OperandSize, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** CMPXCHG comparison: out.flags = flags of CMP acc, dest (out.lo/hi = acc - dest); returns true when equal (store src to dest), false (load dest into acc). */
export function cmpxchg(size: OperandSize, accLo: number, accHi: number, destLo: number, destHi: number, flagsIn: number, out: AluOut): boolean {
  throw new Error('x86emu/alu: not implemented yet');
}
/** XADD: out = dest + src with ADD flags (the caller writes the old dest to the source register). */
export function xadd(size: OperandSize, destLo: number, destHi: number, srcLo: number, srcHi: number, flagsIn: number, out: AluOut): void {
  throw new Error('x86emu/alu: not implemented yet');
}
/** Condition code 0..15 (the low nibble of Jcc/SETcc/CMOVcc: O NO B AE E NE BE A S NS P NP L GE LE G) evaluated on flags. */
export function condition(cc: number, flags: number): boolean {
  throw new Error('x86emu/alu: not implemented yet');
}
/** FLAG_PF if the low byte of v has an even number of set bits, else 0. */
export function parityFlag(v: number): number {
  throw new Error('x86emu/alu: not implemented yet');
}
/** SF | ZF | PF bits for a result of the given size. */
export function szpFlags(size: OperandSize, lo: number, hi: number): number {
  throw new Error('x86emu/alu: not implemented yet');
}
