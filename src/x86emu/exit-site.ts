// The per-vCPU record of recent MMIO instruction sites behind X86Emulator.emulateMmioExit (issue 14,
// fifth pass). A VMM's MMIO exits come from a few instruction sites (a driver's readl/writel), and
// for a MOV with a memory operand everything `emulate` works out before the access depends only on
// the RIP, the instruction's bytes and a handful of state fields: the mode (CR0, EFER, RFLAGS.VM,
// CS.L/D), the CPL (SS.DPL), the fetch bounds (CS base and limit). A site keeps those inputs with
// the decode record and the next RIP; when they are all equal again the instruction goes straight
// to its access. What the access depends on (registers, data segments, alignment checking,
// translation, the bus) is read afresh on every hit, by the same code emulate runs.
import * as Cs from './cpu-state.js';
import type { CpuState } from './cpu-state.js';
import { Insn } from './insn.js';
import { MODE_LONG64, type CpuMode } from './modes.js';
import type { X86EmulateOps } from './ops.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decode.ts).
const { RFLAGS_VM, SEG_CS, SEG_SS } = Cs;

/** log2 of the number of sites an emulator keeps (direct-mapped by RIP). */
export const EXIT_SITE_BITS = 4;

/** One remembered instruction site: its key (RIP, the bytes, the mode inputs) and what follows from it. */
export class ExitSite {
  /** The callbacks it was recorded with (null: empty). Another ops object never hits. */
  ops: X86EmulateOps | null = null;
  /** RIP as int32 bit-pattern halves. */
  ripLo = 0;
  ripHi = 0;
  // ---- the mode inputs ----
  /** The state object and its CpuState.modeGeneration when recorded or last compared equal (-1: none). */
  state: CpuState | null = null;
  modeGen = -1;
  cr0 = 0;
  efer = 0;
  /** RFLAGS.VM. */
  vm = 0;
  csAttr = 0;
  ssAttr = 0;
  csBase = 0;
  csLimit = 0;
  // ---- the bytes ----
  /** True: fetched from guest RAM through ops.insnWindow; false: supplied with the exit. */
  fetched = false;
  /** How many bytes the fetch may take at this RIP (what fetchRoom gave). */
  room = 0;
  /** Linear address of the first instruction byte (the fetch's; int32 halves). */
  fetchLo = 0;
  fetchHi = 0;
  /** The instruction's bytes (its length is insn.length). */
  readonly bytes = new Uint8Array(16);
  // ---- what follows from the key ----
  /** A copy of the decode record (the decode cache's records are overwritten by later misses). */
  readonly insn = new Insn();
  /** The decode-table handler (H_MOV_EG or H_MOV_EI). */
  handler = 0;
  mode: CpuMode = MODE_LONG64;
  is64 = true;
  cpl = 0;
  nextRipLo = 0;
  nextRipHi = 0;

  /**
   * The mode inputs of `s` are the ones recorded: the same state object at the same
   * CpuState.modeGeneration (when the caller keeps one, ≥ 0), else compared field by field (and the
   * generation taken when they are equal).
   */
  sameMode(s: CpuState): boolean {
    const g = s.modeGeneration;
    if (g >= 0 && g === this.modeGen && s === this.state) return true;
    const cs = s.seg[SEG_CS]!;
    const same =
      s.cr0 === this.cr0 &&
      s.efer === this.efer &&
      (s.rflags & RFLAGS_VM) === this.vm &&
      cs.attr === this.csAttr &&
      s.seg[SEG_SS]!.attr === this.ssAttr &&
      cs.baseLo === this.csBase &&
      cs.limit === this.csLimit;
    if (same) {
      this.modeGen = g;
      this.state = s;
    }
    return same;
  }

  /** Records the mode inputs of `s`. */
  keepMode(s: CpuState): void {
    const cs = s.seg[SEG_CS]!;
    this.modeGen = s.modeGeneration;
    this.state = s;
    this.cr0 = s.cr0;
    this.efer = s.efer;
    this.vm = s.rflags & RFLAGS_VM;
    this.csAttr = cs.attr;
    this.ssAttr = s.seg[SEG_SS]!.attr;
    this.csBase = cs.baseLo;
    this.csLimit = cs.limit;
  }
}

/** The site slot for a RIP (int32 halves). */
export function exitSiteSlot(ripLo: number, ripHi: number): number {
  return Math.imul(ripLo ^ ripHi, 0x9e3779b1) >>> (32 - EXIT_SITE_BITS);
}

/** a[0, n) equals b[at, at + n). */
export function sameBytes(a: Uint8Array, b: Uint8Array, at: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

/** Copies every field of a decode record (no allocation: the fields are plain values). */
export function copyInsn(dst: Insn, src: Insn): void {
  // the record is eleven numbers (its small fields are packed: insn.ts)
  dst.length = src.length;
  dst.entry = src.entry;
  dst.opWord = src.opWord;
  dst.prefixWord = src.prefixWord;
  dst.modrmWord = src.modrmWord;
  dst.memWord = src.memWord;
  dst.dispLo = src.dispLo;
  dst.dispHi = src.dispHi;
  dst.immLo = src.immLo;
  dst.immHi = src.immHi;
  dst.imm2 = src.imm2;
}
