// MSR access results and Xen's x2APIC MSR tables (hvm/vlapic.c guest_rdmsr_x2apic /
// guest_wrmsr_x2apic; bad-inputs entries 1, 2: a whitelist, #GP for everything else).
import { LVT_WRITE_MASK, Reg, SVR_WRITE_MASK, TDCR_MASK } from './registers.js';

export type MsrReadResult =
  | { readonly kind: 'ok'; readonly value: bigint }
  | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 }
  /** Not an MSR the local APIC owns: the CPU model asks its other MSR owners. */
  | { readonly kind: 'unhandled' };

export type MsrWriteResult =
  | { readonly kind: 'ok' }
  | { readonly kind: 'fault'; readonly vector: 13; readonly errorCode: 0 }
  | { readonly kind: 'unhandled' };

export const MSR_GP = Object.freeze({ kind: 'fault', vector: 13, errorCode: 0 } as const);
export const MSR_WRITE_OK = Object.freeze({ kind: 'ok' } as const);
export const MSR_UNHANDLED = Object.freeze({ kind: 'unhandled' } as const);

/** x2APIC registers RDMSR may read (register index = MSR − 0x800). EOI and SELF_IPI are write-only. */
export const X2APIC_READABLE: ReadonlySet<number> = new Set([
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
]);

/**
 * x2APIC registers WRMSR may write, with the bits a write may set (a set bit outside → #GP).
 * ICR: the high half is the 32-bit destination and is not checked; TMICT: Xen does not check the
 * high half and keeps the low 32 bits; EOI and ESR accept only 0.
 */
export const X2APIC_WRITE_MASK: ReadonlyMap<number, bigint> = new Map<number, bigint>([
  [Reg.Tpr, 0xffn],
  [Reg.Eoi, 0n],
  [Reg.Svr, BigInt(SVR_WRITE_MASK)],
  [Reg.Esr, 0n],
  [Reg.LvtCmci, BigInt(LVT_WRITE_MASK[Reg.LvtCmci]!)],
  [Reg.IcrLow, 0xffff_ffff_000c_cfffn],
  [Reg.LvtTimer, BigInt(LVT_WRITE_MASK[Reg.LvtTimer]!)],
  [Reg.LvtThermal, BigInt(LVT_WRITE_MASK[Reg.LvtThermal]!)],
  [Reg.LvtPerfmon, BigInt(LVT_WRITE_MASK[Reg.LvtPerfmon]!)],
  [Reg.LvtLint0, BigInt(LVT_WRITE_MASK[Reg.LvtLint0]!)],
  [Reg.LvtLint1, BigInt(LVT_WRITE_MASK[Reg.LvtLint1]!)],
  [Reg.LvtError, BigInt(LVT_WRITE_MASK[Reg.LvtError]!)],
  [Reg.TimerInitial, 0xffff_ffff_ffff_ffffn],
  [Reg.TimerDivide, BigInt(TDCR_MASK)],
  [Reg.SelfIpi, 0xffn],
]);
