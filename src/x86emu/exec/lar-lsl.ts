// 0F 02 LAR and 0F 03 LSL (SDM Vol. 2A "LAR—Load Access Rights Byte", "LSL—Load Segment Limit"):
// read the descriptor a selector names in the GDT or LDT and, when it is visible at the CPL and RPL
// and of a type the instruction accepts, load its access rights (LAR) or its byte-granular limit
// (LSL) and set ZF; otherwise clear ZF and leave the destination as it was (all 64 bits of it, also
// for a 32-bit operand size: measured on this host's CPU, tools/cpu-vectors/lar-lsl.c). Only ZF
// changes. Linux reads its CPU number this way (LSL of the per-CPU GDT segment) on entries that
// cannot trust GS, e.g. the NMI entry with FSGSBASE.
import { canonical, type Emu } from '../core.js';
import { SA_P, SA_UNUSABLE, SEG_TYPE_CODE } from '../cpu-state.js';
import { entryArg } from '../decoder/tables.js';
import { MODE_COMPAT16, MODE_REAL, MODE_V86 } from '../modes.js';
import { VEC_GP, VEC_UD, X86EMUL_OKAY } from '../ops.js';

const ZF = 0x40;
/** Descriptor high dword: S (bit 12), DPL (14:13), type (11:8), G (23). */
const DESC_S = 1 << 12;
const DESC_G = 1 << 23;
/** Conforming code: type bits C and code (S = 1, type 11xx). */
const CONFORMING_CODE = SEG_TYPE_CODE | 4;

/**
 * System-descriptor types (S = 0) each instruction accepts, as a bit per type, outside and inside
 * IA-32e mode (SDM Vol. 2A, the "Segment and Gate Types" tables of LAR and LSL): TSSs and the LDT
 * for both; LAR also call and task gates in legacy mode and the 64-bit call gate in IA-32e mode,
 * where the SDM lists the LDT as not valid for LAR (AMD's APM lists it as valid; we follow the SDM).
 */
const LAR_LEGACY = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 9) | (1 << 0xb) | (1 << 0xc);
const LAR_IA32E = (1 << 9) | (1 << 0xb) | (1 << 0xc);
const LSL_LEGACY = (1 << 1) | (1 << 2) | (1 << 3) | (1 << 9) | (1 << 0xb);
const LSL_IA32E = (1 << 2) | (1 << 9) | (1 << 0xb);

/** LAR (entry argument 0) and LSL (1), every operand size, register or m16 source. */
export function execLarLsl(e: Emu): number {
  const d = e.insn;
  // Protected and IA-32e mode only.
  if (e.mode === MODE_REAL || e.mode === MODE_V86) return e.fault(VEC_UD);
  const lsl = entryArg(d.entry) === 1;
  const r = e.readRm(2); // the selector: bits 15:0 of a register, or a 16-bit memory operand
  if (r !== X86EMUL_OKAY) return r;
  const sel = e.vLo & 0xffff;
  const st = e.state;
  let ok = false;
  let hiDword = 0;
  let loDword = 0;
  const index = sel & 0xfff8;
  // A null selector (index 0 in the GDT) names no descriptor.
  if ((sel & 4) !== 0 || index !== 0) {
    const got = readDescriptor(e, sel);
    if (got !== FOUND && got !== NOT_FOUND) return got; // a fault (or a callback's refusal)
    if (got === FOUND) {
      loDword = e.buf32[0]!;
      hiDword = e.buf32[1]!;
      ok = accepts(e, lsl, sel, hiDword);
    }
  }
  if (!ok) {
    st.rflags &= ~ZF;
    return X86EMUL_OKAY;
  }
  let value: number;
  if (lsl) {
    const raw = (loDword & 0xffff) | (hiDword & 0xf0000);
    value = (hiDword & DESC_G) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
  } else {
    // Bits 23:8 of the high dword: type, S, DPL, P, limit 19:16 (the SDM's "undefined" x; this
    // host's CPU returns the limit bits), AVL, L, D/B, G; 16-bit operand size keeps 15:8.
    value = hiDword & 0x00ffff00;
  }
  e.setReg(d.reg, d.opSize, d.opSize === 2 ? value & 0xffff : value, 0);
  st.rflags |= ZF;
  return X86EMUL_OKAY;
}

/** readDescriptor()'s answers besides the X86EMUL_* codes of a failed read (distinct from all of them). */
const FOUND = -1;
const NOT_FOUND = -2;

/**
 * Reads the 8-byte descriptor `sel` names into e.buf, an implicit supervisor-mode access at the
 * GDTR or LDTR base (linear; 64-bit in IA-32e mode, wrapping at 4 GiB outside it): FOUND, NOT_FOUND
 * when it lies beyond the table limit or the LDTR is unusable, else the read's X86EMUL_* code
 * (EXCEPTION with a #PF recorded, or #GP(0) for a non-canonical address).
 */
function readDescriptor(e: Emu, sel: number): number {
  const st = e.state;
  const offset = sel & 0xfff8;
  let baseLo: number;
  let baseHi: number;
  let limit: number;
  if ((sel & 4) !== 0) {
    const l = st.ldtr;
    if ((l.attr & SA_UNUSABLE) !== 0 || (l.attr & SA_P) === 0) return NOT_FOUND;
    baseLo = l.baseLo >>> 0;
    baseHi = l.baseHi >>> 0;
    limit = l.limit >>> 0;
  } else {
    baseLo = st.gdtrBaseLo >>> 0;
    baseHi = st.gdtrBaseHi >>> 0;
    limit = st.gdtrLimit & 0xffff;
  }
  if (offset + 7 > limit) return NOT_FOUND;
  const sum = baseLo + offset;
  const lo = sum >>> 0;
  let hi = 0;
  if (e.mode >= MODE_COMPAT16) {
    hi = (baseHi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    const endHi = lo + 7 > 0xffffffff ? (hi + 1) >>> 0 : hi;
    if (!canonical(hi) || !canonical(endHi)) return e.fault(VEC_GP, 0);
  }
  e.systemAccess = true;
  const r = e.status(e.ops.read(lo | 0, hi | 0, 8, e.buf, e));
  e.systemAccess = false;
  return r === X86EMUL_OKAY ? FOUND : r;
}

/** The visibility and type checks: a conforming code segment is visible at any CPL and RPL. */
function accepts(e: Emu, lsl: boolean, sel: number, hiDword: number): boolean {
  const type = (hiDword >>> 8) & 0xf;
  const dpl = (hiDword >>> 13) & 3;
  if ((hiDword & DESC_S) === 0) {
    const ia32e = e.mode >= MODE_COMPAT16; // compatibility or 64-bit mode
    const valid = lsl ? (ia32e ? LSL_IA32E : LSL_LEGACY) : ia32e ? LAR_IA32E : LAR_LEGACY;
    if ((valid & (1 << type)) === 0) return false;
  } else if ((type & CONFORMING_CODE) === CONFORMING_CODE) return true;
  return e.cpl <= dpl && (sel & 3) <= dpl;
}
