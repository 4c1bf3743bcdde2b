// MSR access results and Xen's x2APIC MSR tables (hvm/vlapic.c guest_rdmsr_x2apic /
// guest_wrmsr_x2apic; docs/robustness.md entries 1, 2 (XSA-108): a whitelist, #GP for everything else).
import { LVT_WRITE_MASK, Reg, SVR_WRITE_MASK, TDCR_MASK } from './registers.js';

export type MsrReadResult =
  | { readonly kind: 'ok'; readonly value: bigint }
  | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 }
  /** Not an MSR the local APIC owns: the CPU model asks its other MSR owners. */
  | { readonly kind: 'unhandled' };

export type MsrWriteResult = { readonly kind: 'ok' } | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 } | { readonly kind: 'unhandled' };

export const MSR_GP = Object.freeze({ kind: 'fault', vector: 13, errorCode: 0 } as const);
export const MSR_WRITE_OK = Object.freeze({ kind: 'ok' } as const);
export const MSR_UNHANDLED = Object.freeze({ kind: 'unhandled' } as const);

/** x2APIC registers RDMSR may read (register index = MSR − 0x800). EOI and SELF_IPI are write-only. */
const READABLE_INDICES: readonly number[] = [
  Reg.Id,
  Reg.Version,
  Reg.Tpr,
  Reg.Ppr,
  Reg.Ldr,
  Reg.Svr,
  ...Array.from({ length: 24 }, (_, i) => Reg.Isr0 + i), // ISR, TMR, IRR
  Reg.Esr,
  Reg.LvtCmci,
  Reg.IcrLow,
  Reg.LvtTimer,
  Reg.LvtThermal,
  Reg.LvtPerfmon,
  Reg.LvtLint0,
  Reg.LvtLint1,
  Reg.LvtError,
  Reg.TimerInitial,
  Reg.TimerCurrent,
  Reg.TimerDivide,
];

/**
 * x2APIC registers WRMSR may write, with the bits a write may set as [low half, high half] (a set
 * bit outside → #GP). ICR: the high half is the 32-bit destination and is not checked; TMICT: Xen
 * does not check the high half and keeps the low 32 bits; EOI and ESR accept only 0.
 */
const WRITE_MASKS: readonly (readonly [index: number, lo: number, hi: number])[] = [
  [Reg.Tpr, 0xff, 0],
  [Reg.Eoi, 0, 0],
  [Reg.Svr, SVR_WRITE_MASK, 0],
  [Reg.Esr, 0, 0],
  [Reg.LvtCmci, LVT_WRITE_MASK[Reg.LvtCmci]!, 0],
  [Reg.IcrLow, 0x000c_cfff, 0xffff_ffff],
  [Reg.LvtTimer, LVT_WRITE_MASK[Reg.LvtTimer]!, 0],
  [Reg.LvtThermal, LVT_WRITE_MASK[Reg.LvtThermal]!, 0],
  [Reg.LvtPerfmon, LVT_WRITE_MASK[Reg.LvtPerfmon]!, 0],
  [Reg.LvtLint0, LVT_WRITE_MASK[Reg.LvtLint0]!, 0],
  [Reg.LvtLint1, LVT_WRITE_MASK[Reg.LvtLint1]!, 0],
  [Reg.LvtError, LVT_WRITE_MASK[Reg.LvtError]!, 0],
  [Reg.TimerInitial, 0xffff_ffff, 0xffff_ffff],
  [Reg.TimerDivide, TDCR_MASK, 0],
  [Reg.SelfIpi, 0xff, 0],
];

/** Number of registers in the x2APIC MSR window 0x800–0xBFF. */
export const X2APIC_WINDOW = 0x400;

// The tables as flat typed arrays indexed by register: a WRMSR/RDMSR is a few array reads.
/** 1 where RDMSR may read the register. */
export const X2APIC_READABLE = new Uint8Array(X2APIC_WINDOW);
/** 1 where WRMSR may write the register. */
export const X2APIC_WRITABLE = new Uint8Array(X2APIC_WINDOW);
/** Bits a WRMSR may set in the low / high half of the value. */
export const X2APIC_WRITE_LO = new Uint32Array(X2APIC_WINDOW);
export const X2APIC_WRITE_HI = new Uint32Array(X2APIC_WINDOW);
for (const i of READABLE_INDICES) X2APIC_READABLE[i] = 1;
for (const [i, lo, hi] of WRITE_MASKS) {
  X2APIC_WRITABLE[i] = 1;
  X2APIC_WRITE_LO[i] = lo;
  X2APIC_WRITE_HI[i] = hi;
}

/** Outcome of the plain-number MSR entry points (lapicReadMsrHalves / lapicWriteMsrHalves). */
export const MSR_STATUS_OK = 0;
/** #GP(0) to the guest. */
export const MSR_STATUS_GP = 1;
/** Not an MSR the local APIC owns. */
export const MSR_STATUS_UNHANDLED = 2;
