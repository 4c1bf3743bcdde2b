// The LAPIC's MSR interface (Xen hvm/vlapic.c guest_rdmsr_x2apic / guest_wrmsr_x2apic /
// guest_wrmsr_apic_base; SDM Vol. 3A §11.12): IA32_APIC_BASE with the SDM's state machine,
// IA32_TSC_DEADLINE, and the x2APIC window 0x800–0xBFF from Xen's whitelists (bad-inputs
// entries 1, 2, 7). Every guest value is a result, never an exception.
import type { Lapic } from './lapic.js';
import { MSR_GP, MSR_UNHANDLED, MSR_WRITE_OK, X2APIC_READABLE, X2APIC_WRITE_MASK, type MsrReadResult, type MsrWriteResult } from './msr.js';
import {
  APIC_BASE_ADDR_MASK, APIC_BASE_BSP, APIC_BASE_ENABLE, APIC_BASE_EXTD, MSR_IA32_APIC_BASE, MSR_IA32_TSC_DEADLINE,
  MSR_X2APIC_FIRST, MSR_X2APIC_LAST, Reg, SHORTHAND_MASK, TimerMode, VECTOR_MASK, XAPIC_DEFAULT_BASE,
} from './registers.js';

/** ICR "self" shorthand (bits 19:18 = 01). */
const SHORTHAND_SELF = 0x40000 & SHORTHAND_MASK;

/** x2APIC LDR of an x2APIC ID (SDM §11.12.10.2): cluster ID[19:4] in bits 31:16, 1 << ID[3:0]. */
export function x2apicLdrFromId(id: number): number {
  return (((id & ~0xf) << 12) | (1 << (id & 0xf))) >>> 0;
}

export function lapicReadMsr(l: Lapic, msr: number): MsrReadResult {
  if (msr === MSR_IA32_APIC_BASE) return { kind: 'ok', value: l.apicBase };
  if (msr === MSR_IA32_TSC_DEADLINE) {
    if (!l.params.tscDeadline) return MSR_GP;
    return { kind: 'ok', value: l.timerMode === TimerMode.TscDeadline ? l.timer.tscDeadline : 0n };
  }
  if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST) return MSR_UNHANDLED;
  const index = msr - MSR_X2APIC_FIRST;
  if (!l.x2apicMode || !X2APIC_READABLE.has(index)) return MSR_GP;
  const low = BigInt(l.readRegister(index) >>> 0);
  if (index === Reg.IcrLow) return { kind: 'ok', value: (BigInt(l.regs[Reg.IcrHigh]!) << 32n) | low };
  return { kind: 'ok', value: low };
}

export function lapicWriteMsr(l: Lapic, msr: number, value: bigint): MsrWriteResult {
  value = BigInt.asUintN(64, value);
  if (msr === MSR_IA32_APIC_BASE) return writeApicBase(l, value);
  if (msr === MSR_IA32_TSC_DEADLINE) {
    if (!l.params.tscDeadline) return MSR_GP;
    // Xen: ignored while hardware-disabled or outside TSC-deadline mode.
    if (l.hwEnabled && l.timerMode === TimerMode.TscDeadline) l.timer.writeDeadline(value);
    return MSR_WRITE_OK;
  }
  if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST) return MSR_UNHANDLED;
  const index = msr - MSR_X2APIC_FIRST;
  const allowed = X2APIC_WRITE_MASK.get(index);
  if (!l.x2apicMode || allowed === undefined || (value & ~allowed) !== 0n) return MSR_GP;
  const low = Number(value & 0xffff_ffffn);
  switch (index) {
    case Reg.IcrLow:
      l.regs[Reg.IcrHigh] = Number(value >> 32n);
      l.writeRegister(Reg.IcrLow, low);
      break;
    case Reg.SelfIpi:
      // Xen turns SELF_IPI into an ICR write with the self shorthand (ICR then reads it back).
      l.writeRegister(Reg.IcrLow, SHORTHAND_SELF | (low & VECTOR_MASK));
      break;
    case Reg.LvtCmci:
      break; // accepted, not stored (Xen has no CMCI for HVM guests)
    default:
      l.writeRegister(index, low);
  }
  return MSR_WRITE_OK;
}

/** IA32_APIC_BASE write: the SDM §11.12.5 state machine, as Xen's guest_wrmsr_apic_base. */
function writeApicBase(l: Lapic, value: bigint): MsrWriteResult {
  const allowed = APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE | APIC_BASE_BSP | (l.params.x2apic ? APIC_BASE_EXTD : 0n);
  if ((value & ~allowed) !== 0n) return MSR_GP;
  // Xen refuses to move the xAPIC window ("tried to move the APIC MMIO window"); KVM moves it.
  if (
    !l.params.relocatableWindow &&
    (value & (APIC_BASE_EXTD | APIC_BASE_ENABLE)) === APIC_BASE_ENABLE &&
    (value & APIC_BASE_ADDR_MASK) !== BigInt(XAPIC_DEFAULT_BASE)
  ) {
    return MSR_GP;
  }
  const changed = l.apicBase ^ value;
  if ((changed & APIC_BASE_ENABLE) !== 0n) {
    if ((value & APIC_BASE_EXTD) !== 0n) return MSR_GP; // disabled ↔ x2APIC directly
    if ((value & APIC_BASE_ENABLE) !== 0n) {
      l.resetRegisters(); // disabled → xAPIC: the APIC comes back in its reset state
    }
  } else if ((changed & APIC_BASE_EXTD) !== 0n && !(l.hwEnabled && !l.x2apicMode)) {
    return MSR_GP; // x2APIC → xAPIC, or EXTD toggled while disabled
  }
  l.setApicBase(value);
  if (l.x2apicMode) l.setX2apicIdentity();
  l.windowChanged();
  l.apicBaseObserver?.(value);
  return MSR_WRITE_OK;
}
