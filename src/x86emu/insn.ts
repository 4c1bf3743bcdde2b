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

// ---- the packed words of Insn (bit layouts; the decoders compose them, the accessors read them) ----
/** {@link Insn.opWord}: opcode (bits 0-7), map (8-9), encoding (10-12), mode (13-15), opSize (16-19), addrSize (20-23), immSize (24-27). */
export const OW_MAP = 8,
  OW_ENC = 10,
  OW_MODE = 13,
  OW_OPSIZE = 16,
  OW_ADDRSIZE = 20,
  OW_IMMSIZE = 24;
/**
 * {@link Insn.prefixWord}: 66 (bit 0), REX.W/VEX.W (1), the last F2/F3 as its low two bits (2-3:
 * 2 = F2, 3 = F3, 0 none), pp (4-5), LOCK (6), 67 (7), segment override + 1 (8-10), REX byte (11-18),
 * VEX.L (19-20), VEX.W (21), VEX.vvvv (22-26). The low four bits are what a legacy opcode's operand,
 * immediate and memory sizes and its mandatory prefix depend on: the 64-bit fast path indexes its
 * tables with them (decoder/decode-fast64.ts).
 */
export const PW_OPSIZE = 1,
  PW_REXW = 2,
  PW_REP = 2,
  PW_PP = 4,
  PW_LOCK = 64,
  PW_ADSIZE = 128,
  PW_SEGOV = 8,
  PW_REX = 11,
  PW_VEXL = 19,
  PW_VEXW = 21,
  PW_VEXV = 22;
/** {@link Insn.modrmWord}: hasModrm (bit 0), mod (1-2), regRaw (3-5), reg (6-10), rm (11-15). */
export const MW_HAS = 1,
  MW_MOD = 1,
  MW_REGRAW = 3,
  MW_REG = 6,
  MW_RM = 11;
/** {@link Insn.memWord}: hasMem (bit 0), base + 1 (1-5), index + 1 (6-10), log2 scale (11-12), seg (13-15), memSize (16-23). */
export const EW_HAS = 1,
  EW_BASE = 1,
  EW_INDEX = 6,
  EW_SCALE = 11,
  EW_SEG = 13,
  EW_MEMSIZE = 16;

/**
 * A decoded instruction, as {@link decode} fills it and `X86Emulator.lastInsn` shows it: encoding,
 * opcode map and opcode, prefixes, ModRM, the memory operand (base, index, scale, displacement,
 * effective segment) and the immediate. One record is reused for every decode; copy what you keep.
 *
 * The record holds eleven numbers: the small fields are packed into four words ({@link opWord},
 * {@link prefixWord}, {@link modrmWord}, {@link memWord}) that a decoder writes with one store each
 * (issue 14: the 64-bit fast path stored 36 fields per decode), and read through the accessors
 * below, which V8 inlines into their callers (a load, a shift and a mask).
 */
export class Insn {
  /** Total length in bytes (valid when decode returned DEC_OK; otherwise the bytes consumed so far). */
  length = 0;
  /** Table entry (see decoder/tables.ts), after group/prefix resolution. */
  entry = 0;
  /** Opcode, map, encoding, mode and the operand, address and immediate sizes (layout: OW_*). */
  opWord = (4 << OW_OPSIZE) | (4 << OW_ADDRSIZE);
  /** The prefixes and the VEX fields (layout: PW_*). */
  prefixWord = 0;
  /** The ModRM fields (layout: MW_*). */
  modrmWord = 0;
  /** The memory operand's base, index, scale, segment and size (layout: EW_*). */
  memWord = 3 << EW_SEG;
  /**
   * Displacement (sign-extended to 64 bits; moffs forms carry the full offset). Like immLo/immHi,
   * the halves are int32 bit patterns (`>>> 0` gives the unsigned half): int32 values stay small
   * integers in V8, uint32 values above 2^31 would be boxed on every decode.
   */
  dispLo = 0;
  /** High half of the displacement (see dispLo). */
  dispHi = 0;
  /** Immediate, sign-extended to 64 bits, as int32 bit-pattern halves (like dispLo/dispHi). */
  immLo = 0;
  /** High half of the immediate (see immLo). */
  immHi = 0;
  /** Second immediate (ENTER's nesting level, EXTRQ/INSERTQ's second byte, a far pointer's selector). */
  imm2 = 0;

  // ---- opWord ----
  /** The mode it was decoded in (MODE_*). */
  get mode(): CpuMode {
    return ((this.opWord >>> OW_MODE) & 7) as CpuMode;
  }
  set mode(v: CpuMode) {
    this.opWord = (this.opWord & ~(7 << OW_MODE)) | ((v & 7) << OW_MODE);
  }
  /** ENC_LEGACY, ENC_VEX, ENC_EVEX, ENC_XOP or ENC_3DNOW. */
  get encoding(): number {
    return (this.opWord >>> OW_ENC) & 7;
  }
  set encoding(v: number) {
    this.opWord = (this.opWord & ~(7 << OW_ENC)) | ((v & 7) << OW_ENC);
  }
  /** Opcode map: MAP_PRIMARY, MAP_0F, MAP_0F38 or MAP_0F3A. */
  get map(): number {
    return (this.opWord >>> OW_MAP) & 3;
  }
  set map(v: number) {
    this.opWord = (this.opWord & ~(3 << OW_MAP)) | ((v & 3) << OW_MAP);
  }
  /** The opcode byte within its map (0–0xFF). */
  get opcode(): number {
    return this.opWord & 0xff;
  }
  set opcode(v: number) {
    this.opWord = (this.opWord & ~0xff) | (v & 0xff);
  }
  /** Operand size in bytes: 1, 2, 4 or 8. */
  get opSize(): number {
    return (this.opWord >>> OW_OPSIZE) & 15;
  }
  set opSize(v: number) {
    this.opWord = (this.opWord & ~(15 << OW_OPSIZE)) | ((v & 15) << OW_OPSIZE);
  }
  /** Address size in bytes: 2, 4 or 8. */
  get addrSize(): number {
    return (this.opWord >>> OW_ADDRSIZE) & 15;
  }
  set addrSize(v: number) {
    this.opWord = (this.opWord & ~(15 << OW_ADDRSIZE)) | ((v & 15) << OW_ADDRSIZE);
  }
  /** Immediate size in bytes as encoded (0 when none). */
  get immSize(): number {
    return (this.opWord >>> OW_IMMSIZE) & 15;
  }
  set immSize(v: number) {
    this.opWord = (this.opWord & ~(15 << OW_IMMSIZE)) | ((v & 15) << OW_IMMSIZE);
  }

  // ---- prefixWord ----
  /** A LOCK (F0) prefix was present. */
  get lock(): boolean {
    return (this.prefixWord & PW_LOCK) !== 0;
  }
  set lock(v: boolean) {
    this.prefixWord = v ? this.prefixWord | PW_LOCK : this.prefixWord & ~PW_LOCK;
  }
  /** Last of F2/F3 (0 when none). */
  get rep(): number {
    const r = (this.prefixWord >>> PW_REP) & 3;
    return r === 0 ? 0 : 0xf0 | r;
  }
  set rep(v: number) {
    this.prefixWord = (this.prefixWord & ~(3 << PW_REP)) | ((v & 3) << PW_REP);
  }
  /** An operand-size (66) prefix was present. */
  get opsizePrefix(): boolean {
    return (this.prefixWord & PW_OPSIZE) !== 0;
  }
  set opsizePrefix(v: boolean) {
    this.prefixWord = v ? this.prefixWord | PW_OPSIZE : this.prefixWord & ~PW_OPSIZE;
  }
  /** An address-size (67) prefix was present. */
  get adsizePrefix(): boolean {
    return (this.prefixWord & PW_ADSIZE) !== 0;
  }
  set adsizePrefix(v: boolean) {
    this.prefixWord = v ? this.prefixWord | PW_ADSIZE : this.prefixWord & ~PW_ADSIZE;
  }
  /** Segment override (SEG_*) or -1. In 64-bit mode ES/CS/SS/DS overrides are recorded here but ignored for addressing. */
  get segOverride(): number {
    return ((this.prefixWord >>> PW_SEGOV) & 7) - 1;
  }
  set segOverride(v: number) {
    this.prefixWord = (this.prefixWord & ~(7 << PW_SEGOV)) | (((v + 1) & 7) << PW_SEGOV);
  }
  /** Effective REX byte (0 when none or not last before the opcode). */
  get rex(): number {
    return (this.prefixWord >>> PW_REX) & 0xff;
  }
  set rex(v: number) {
    this.prefixWord = (this.prefixWord & ~(0xff << PW_REX)) | ((v & 0xff) << PW_REX);
  }
  /** REX.W, or the W bit of a VEX/EVEX/XOP prefix. */
  get rexW(): boolean {
    return (this.prefixWord & PW_REXW) !== 0;
  }
  set rexW(v: boolean) {
    this.prefixWord = v ? this.prefixWord | PW_REXW : this.prefixWord & ~PW_REXW;
  }
  /** Mandatory-prefix selector for SSE maps: 0 none, 1 = 66, 2 = F3, 3 = F2 (VEX.pp order). */
  get pp(): number {
    return (this.prefixWord >>> PW_PP) & 3;
  }
  set pp(v: number) {
    this.prefixWord = (this.prefixWord & ~(3 << PW_PP)) | ((v & 3) << PW_PP);
  }
  /** Vector length: VEX.L (0: 128-bit, 1: 256-bit), EVEX L'L (0–3). */
  get vexL(): number {
    return (this.prefixWord >>> PW_VEXL) & 3;
  }
  set vexL(v: number) {
    this.prefixWord = (this.prefixWord & ~(3 << PW_VEXL)) | ((v & 3) << PW_VEXL);
  }
  /** VEX.W. */
  get vexW(): boolean {
    return ((this.prefixWord >>> PW_VEXW) & 1) !== 0;
  }
  set vexW(v: boolean) {
    this.prefixWord = v ? this.prefixWord | (1 << PW_VEXW) : this.prefixWord & ~(1 << PW_VEXW);
  }
  /** VEX.vvvv (already un-inverted), 0..15. */
  get vexV(): number {
    return (this.prefixWord >>> PW_VEXV) & 31;
  }
  set vexV(v: number) {
    this.prefixWord = (this.prefixWord & ~(31 << PW_VEXV)) | ((v & 31) << PW_VEXV);
  }

  // ---- modrmWord ----
  /** The instruction has a ModRM byte. */
  get hasModrm(): boolean {
    return (this.modrmWord & MW_HAS) !== 0;
  }
  set hasModrm(v: boolean) {
    this.modrmWord = v ? this.modrmWord | MW_HAS : this.modrmWord & ~MW_HAS;
  }
  /** ModRM.mod (0–3; 3 is a register operand). */
  get mod(): number {
    return (this.modrmWord >>> MW_MOD) & 3;
  }
  set mod(v: number) {
    this.modrmWord = (this.modrmWord & ~(3 << MW_MOD)) | ((v & 3) << MW_MOD);
  }
  /** ModRM.reg with REX.R / VEX.R applied. */
  get reg(): number {
    return (this.modrmWord >>> MW_REG) & 31;
  }
  set reg(v: number) {
    this.modrmWord = (this.modrmWord & ~(31 << MW_REG)) | ((v & 31) << MW_REG);
  }
  /** ModRM.rm with REX.B applied (meaningful when mod == 3). */
  get rm(): number {
    return (this.modrmWord >>> MW_RM) & 31;
  }
  set rm(v: number) {
    this.modrmWord = (this.modrmWord & ~(31 << MW_RM)) | ((v & 31) << MW_RM);
  }
  /** ModRM.reg without extension (the /digit of group opcodes). */
  get regRaw(): number {
    return (this.modrmWord >>> MW_REGRAW) & 7;
  }
  set regRaw(v: number) {
    this.modrmWord = (this.modrmWord & ~(7 << MW_REGRAW)) | ((v & 7) << MW_REGRAW);
  }

  // ---- memWord ----
  /** The instruction has a memory operand (then base, index, scale, disp and seg describe it). */
  get hasMem(): boolean {
    return (this.memWord & EW_HAS) !== 0;
  }
  set hasMem(v: boolean) {
    this.memWord = v ? this.memWord | EW_HAS : this.memWord & ~EW_HAS;
  }
  /** Base register 0..15, BASE_RIP, or NO_REG. */
  get base(): number {
    return ((this.memWord >>> EW_BASE) & 31) - 1;
  }
  set base(v: number) {
    this.memWord = (this.memWord & ~(31 << EW_BASE)) | (((v + 1) & 31) << EW_BASE);
  }
  /** Index register 0..15, or NO_REG. */
  get index(): number {
    return ((this.memWord >>> EW_INDEX) & 31) - 1;
  }
  set index(v: number) {
    this.memWord = (this.memWord & ~(31 << EW_INDEX)) | (((v + 1) & 31) << EW_INDEX);
  }
  /** Scale of the index: 1, 2, 4 or 8. */
  get scale(): number {
    return 1 << ((this.memWord >>> EW_SCALE) & 3);
  }
  set scale(v: number) {
    this.memWord = (this.memWord & ~(3 << EW_SCALE)) | (((31 - Math.clz32(v)) & 3) << EW_SCALE);
  }
  /** Effective segment (SEG_*) of the memory operand, after overrides (in 64-bit mode only FS/GS override). */
  get seg(): number {
    return (this.memWord >>> EW_SEG) & 7;
  }
  set seg(v: number) {
    this.memWord = (this.memWord & ~(7 << EW_SEG)) | ((v & 7) << EW_SEG);
  }
  /** Memory operand size in bytes when the table knows it (0 = not described). */
  get memSize(): number {
    return (this.memWord >>> EW_MEMSIZE) & 0xff;
  }
  set memSize(v: number) {
    this.memWord = (this.memWord & ~(0xff << EW_MEMSIZE)) | ((v & 0xff) << EW_MEMSIZE);
  }
}
