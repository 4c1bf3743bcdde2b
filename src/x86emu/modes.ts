// Operating modes and how they follow from the state (SDM Vol. 3 §2.2, §9.8.5; AMD APM Vol. 2 §1.2).
import { CR0_PE, type CpuState, EFER_LMA, RFLAGS_VM, SA_DB, SA_DPL_SHIFT, SA_L, SEG_CS, SEG_SS } from './cpu-state.js';

/** Real-address mode: CR0.PE = 0; 16-bit code, segment base = selector × 16. */
export const MODE_REAL = 0;
/** Virtual-8086 mode: protected mode with RFLAGS.VM = 1; real-mode addressing at CPL 3. */
export const MODE_V86 = 1;
/** Protected mode with a 16-bit code segment (CS.D = 0). */
export const MODE_PROT16 = 2;
/** Protected mode with a 32-bit code segment (CS.D = 1). */
export const MODE_PROT32 = 3;
/** Compatibility mode (EFER.LMA = 1, CS.L = 0) with a 16-bit code segment. */
export const MODE_COMPAT16 = 4;
/** Compatibility mode (EFER.LMA = 1, CS.L = 0) with a 32-bit code segment. */
export const MODE_COMPAT32 = 5;
/** 64-bit mode (EFER.LMA = 1, CS.L = 1). */
export const MODE_LONG64 = 6;
/** One of the MODE_* values: the operating mode {@link currentMode} derives from a CpuState (SDM Vol. 3A §2.2). */
export type CpuMode = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** Default code size (operand and address size) in bytes for a mode. */
export function modeBits(mode: CpuMode): 16 | 32 | 64 {
  if (mode === MODE_LONG64) return 64;
  if (mode === MODE_PROT32 || mode === MODE_COMPAT32) return 32;
  return 16;
}

/** The mode the state is in: CR0.PE, RFLAGS.VM, EFER.LMA and CS.L/CS.D. */
export function currentMode(s: CpuState): CpuMode {
  if ((s.cr0 & CR0_PE) === 0) return MODE_REAL;
  const cs = s.seg[SEG_CS]!.attr;
  if ((s.efer & EFER_LMA) !== 0) {
    if ((cs & SA_L) !== 0) return MODE_LONG64;
    return (cs & SA_DB) !== 0 ? MODE_COMPAT32 : MODE_COMPAT16;
  }
  if ((s.rflags & RFLAGS_VM) !== 0) return MODE_V86;
  return (cs & SA_DB) !== 0 ? MODE_PROT32 : MODE_PROT16;
}

/** Current privilege level: 0 in real mode, 3 in v8086 mode, else SS.DPL (as VMX and SVM report it). */
export function currentCpl(s: CpuState, mode: CpuMode): number {
  if (mode === MODE_REAL) return 0;
  if (mode === MODE_V86) return 3;
  return (s.seg[SEG_SS]!.attr >>> SA_DPL_SHIFT) & 3;
}
