// The decoded-instruction record. One instance is preallocated per decoder and overwritten by every
// decode: nothing is allocated per instruction. Register and memory operands live in separate fields
// (a memory operand is present only when `hasMem`), so an unused prefix can never alias one into
// the other (docs/robustness.md entry 60).
import type { CpuMode } from './modes.js';

/** Instruction encodings. */
export const ENC_LEGACY = 0,
  ENC_VEX = 1,
  ENC_EVEX = 2,
  ENC_XOP = 3,
  ENC_3DNOW = 4;
/** Opcode maps. */
export const MAP_PRIMARY = 0,
  MAP_0F = 1,
  MAP_0F38 = 2,
  MAP_0F3A = 3;
/** Pseudo base register number for RIP-relative addressing. */
export const BASE_RIP = 16;
/** Register field value for "none" (no base or no index register in a memory operand). */
export const NO_REG = -1;

/** Decode outcome codes (0 = decoded; others say why not). */
export const DEC_OK = 0;
/** Invalid opcode: #UD. */
export const DEC_UD = 1;
/** Longer than 15 bytes: #GP(0). */
export const DEC_TOO_LONG = 2;
/** Ran out of fetched bytes (the fetch callback stopped early): deliver the fetch fault. */
export const DEC_FETCH = 3;

/**
 * A decoded instruction, as {@link decode} fills it and `X86Emulator.lastInsn` shows it: encoding,
 * opcode map and opcode, prefixes, ModRM, the memory operand (base, index, scale, displacement,
 * effective segment) and the immediate. One record is reused for every decode; copy what you keep.
 */
export class Insn {
  /** The mode it was decoded in (MODE_*). */
  mode: CpuMode = 0;
  /** Total length in bytes (valid when decode returned DEC_OK; otherwise the bytes consumed so far). */
  length = 0;
  /** ENC_LEGACY, ENC_VEX, ENC_EVEX, ENC_XOP or ENC_3DNOW. */
  encoding = ENC_LEGACY;
  /** Opcode map: MAP_PRIMARY, MAP_0F, MAP_0F38 or MAP_0F3A. */
  map = MAP_PRIMARY;
  /** The opcode byte within its map (0–0xFF). */
  opcode = 0;
  /** Table entry (see decoder/tables.ts), after group/prefix resolution. */
  entry = 0;
  // ---- prefixes ----
  /** A LOCK (F0) prefix was present. */
  lock = false;
  /** Last of F2/F3 (0 when none). */
  rep = 0;
  /** An operand-size (66) prefix was present. */
  opsizePrefix = false;
  /** An address-size (67) prefix was present. */
  adsizePrefix = false;
  /** Segment override (SEG_*) or -1. In 64-bit mode ES/CS/SS/DS overrides are recorded here but ignored for addressing. */
  segOverride = -1;
  /** Effective REX byte (0 when none or not last before the opcode). */
  rex = 0;
  /** REX.W, or the W bit of a VEX/EVEX/XOP prefix. */
  rexW = false;
  /** Mandatory-prefix selector for SSE maps: 0 none, 1 = 66, 2 = F3, 3 = F2 (VEX.pp order). */
  pp = 0;
  // ---- VEX ----
  /** Vector length: VEX.L (0: 128-bit, 1: 256-bit), EVEX L'L (0–3). */
  vexL = 0;
  /** VEX.W. */
  vexW = false;
  /** VEX.vvvv (already un-inverted), 0..15. */
  vexV = 0;
  // ---- ModRM ----
  /** The instruction has a ModRM byte. */
  hasModrm = false;
  /** ModRM.mod (0–3; 3 is a register operand). */
  mod = 0;
  /** ModRM.reg with REX.R / VEX.R applied. */
  reg = 0;
  /** ModRM.rm with REX.B applied (meaningful when mod == 3). */
  rm = 0;
  /** ModRM.reg without extension (the /digit of group opcodes). */
  regRaw = 0;
  // ---- memory operand ----
  /** The instruction has a memory operand (then base, index, scale, disp and seg describe it). */
  hasMem = false;
  /** Base register 0..15, BASE_RIP, or NO_REG. */
  base = NO_REG;
  /** Index register 0..15, or NO_REG. */
  index = NO_REG;
  /** Scale of the index: 1, 2, 4 or 8. */
  scale = 1;
  /**
   * Displacement (sign-extended to 64 bits; moffs forms carry the full offset). Like immLo/immHi,
   * the halves are int32 bit patterns (`>>> 0` gives the unsigned half): int32 values stay small
   * integers in V8, uint32 values above 2^31 would be boxed on every decode.
   */
  dispLo = 0;
  /** High half of the displacement (see dispLo). */
  dispHi = 0;
  /** Effective segment (SEG_*) of the memory operand, after overrides (in 64-bit mode only FS/GS override). */
  seg = 3;
  /** Memory operand size in bytes when the table knows it (0 = not described). */
  memSize = 0;
  // ---- sizes ----
  /** Operand size in bytes: 1, 2, 4 or 8. */
  opSize = 4;
  /** Address size in bytes: 2, 4 or 8. */
  addrSize = 4;
  // ---- immediates ----
  /** Immediate size in bytes as encoded (0 when none). */
  immSize = 0;
  /** Immediate, sign-extended to 64 bits, as int32 bit-pattern halves (like dispLo/dispHi). */
  immLo = 0;
  /** High half of the immediate (see immLo). */
  immHi = 0;
  /** Second immediate (ENTER's nesting level, EXTRQ/INSERTQ's second byte). */
  imm2 = 0;
}
