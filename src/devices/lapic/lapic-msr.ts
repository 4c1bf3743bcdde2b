// The LAPIC's MSR interface (Xen hvm/vlapic.c guest_rdmsr_x2apic / guest_wrmsr_x2apic /
// guest_wrmsr_apic_base; SDM Vol. 3A §11.12): IA32_APIC_BASE, IA32_TSC_DEADLINE, and the x2APIC
// window 0x800–0xBFF from Xen's whitelists (docs/robustness.md entries 1, 2, 7), decoded onto the
// LAPIC's register interface. Every guest value is a result, never an exception.
import {
  MSR_GP,
  MSR_STATUS_GP,
  MSR_STATUS_OK,
  MSR_STATUS_UNHANDLED,
  MSR_UNHANDLED,
  MSR_WRITE_OK,
  X2APIC_READABLE,
  X2APIC_WRITABLE,
  X2APIC_WRITE_HI,
  X2APIC_WRITE_LO,
  type MsrReadResult,
  type MsrWriteResult,
} from './msr.js';
import { MSR_IA32_APIC_BASE, MSR_IA32_TSC_DEADLINE, MSR_X2APIC_FIRST, MSR_X2APIC_LAST, Reg, SHORTHAND_MASK, VECTOR_MASK } from './registers.js';

/** ICR "self" shorthand (bits 19:18 = 01). */
const SHORTHAND_SELF = 0x40000 & SHORTHAND_MASK;

/** What the MSR decoder needs of a LAPIC: its mode and its register interface. */
export interface LapicMsrTarget {
  readonly apicBase: bigint;
  readonly hwEnabled: boolean;
  readonly x2apicMode: boolean;
  /** IA32_TSC_DEADLINE exists (LapicParams.tscDeadline). */
  readonly hasTscDeadline: boolean;
  readRegister(index: number): number;
  writeRegister(index: number, val: number): void;
  /** The 64-bit x2APIC ICR write: high half as is, then the send. */
  writeIcr(low: number, high: number): void;
  eoi(): void;
  /** IA32_TSC_DEADLINE as RDMSR reads it, into out[0..1]. */
  readTscDeadline(out: Uint32Array): void;
  writeTscDeadline(lo: number, hi: number): void;
  /** IA32_APIC_BASE write through the SDM state machine; false: #GP, nothing changed. */
  writeApicBase(value: bigint): boolean;
}

/**
 * RDMSR with plain numbers (the guest path): the value's halves into out[0] (low) and out[1]
 * (high); returns MSR_STATUS_OK, MSR_STATUS_GP or MSR_STATUS_UNHANDLED.
 */
export function lapicReadMsrHalves(l: LapicMsrTarget, msr: number, out: Uint32Array): number {
  if (msr === MSR_IA32_APIC_BASE) {
    const v = l.apicBase; // not a per-access register: read once per boot or mode change
    out[0] = Number(v & 0xffff_ffffn);
    out[1] = Number(v >> 32n);
    return MSR_STATUS_OK;
  }
  if (msr === MSR_IA32_TSC_DEADLINE) {
    if (!l.hasTscDeadline) return MSR_STATUS_GP;
    l.readTscDeadline(out);
    return MSR_STATUS_OK;
  }
  const index = msr - MSR_X2APIC_FIRST;
  if (index < 0 || msr > MSR_X2APIC_LAST) return MSR_STATUS_UNHANDLED;
  if (!l.x2apicMode || X2APIC_READABLE[index] === 0) return MSR_STATUS_GP;
  out[0] = l.readRegister(index);
  out[1] = index === Reg.IcrLow ? l.readRegister(Reg.IcrHigh) : 0;
  return MSR_STATUS_OK;
}

/** WRMSR with plain numbers (the guest path): returns MSR_STATUS_OK, MSR_STATUS_GP or MSR_STATUS_UNHANDLED. */
export function lapicWriteMsrHalves(l: LapicMsrTarget, msr: number, lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  if (msr === MSR_IA32_TSC_DEADLINE) {
    // First: the one MSR a tickless guest writes at every timer interrupt.
    if (!l.hasTscDeadline) return MSR_STATUS_GP;
    // Xen: ignored while hardware-disabled or outside TSC-deadline mode.
    if (l.hwEnabled) l.writeTscDeadline(lo, hi);
    return MSR_STATUS_OK;
  }
  const index = msr - MSR_X2APIC_FIRST;
  if (index >= 0 && msr <= MSR_X2APIC_LAST) {
    if (!l.x2apicMode || X2APIC_WRITABLE[index] === 0) return MSR_STATUS_GP;
    if ((lo & ~X2APIC_WRITE_LO[index]!) !== 0 || (hi & ~X2APIC_WRITE_HI[index]!) !== 0) return MSR_STATUS_GP;
    switch (index) {
      case Reg.Eoi:
        l.eoi();
        break;
      case Reg.IcrLow:
        l.writeIcr(lo, hi);
        break;
      case Reg.SelfIpi:
        // Xen turns SELF_IPI into an ICR write with the self shorthand (ICR then reads it back).
        l.writeRegister(Reg.IcrLow, SHORTHAND_SELF | (lo & VECTOR_MASK));
        break;
      case Reg.LvtCmci:
        break; // accepted, not stored (Xen has no CMCI for HVM guests)
      default:
        l.writeRegister(index, lo);
    }
    return MSR_STATUS_OK;
  }
  if (msr === MSR_IA32_APIC_BASE) {
    // Rare (boot, mode changes): the SDM state machine keeps its 64-bit masks as bigint.
    return l.writeApicBase((BigInt(hi) << 32n) | BigInt(lo)) ? MSR_STATUS_OK : MSR_STATUS_GP;
  }
  return MSR_STATUS_UNHANDLED;
}

/** RDMSR at a host boundary (qtest, a VMM's exit): the value as a bigint. */
export function lapicReadMsr(l: LapicMsrTarget, msr: number): MsrReadResult {
  const out = hostHalves;
  const st = lapicReadMsrHalves(l, msr, out);
  if (st === MSR_STATUS_GP) return MSR_GP;
  if (st === MSR_STATUS_UNHANDLED) return MSR_UNHANDLED;
  return { kind: 'ok', value: (BigInt(out[1]!) << 32n) | BigInt(out[0]!) };
}

/** WRMSR at a host boundary: any bigint, taken modulo 2^64 as the CPU would see it. */
export function lapicWriteMsr(l: LapicMsrTarget, msr: number, value: bigint): MsrWriteResult {
  value = BigInt.asUintN(64, value);
  const st = lapicWriteMsrHalves(l, msr, Number(value & 0xffff_ffffn), Number(value >> 32n));
  return st === MSR_STATUS_OK ? MSR_WRITE_OK : st === MSR_STATUS_GP ? MSR_GP : MSR_UNHANDLED;
}

const hostHalves = new Uint32Array(2);
