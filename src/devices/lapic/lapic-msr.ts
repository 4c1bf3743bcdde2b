// The LAPIC's MSR interface (Xen hvm/vlapic.c guest_rdmsr_x2apic / guest_wrmsr_x2apic /
// guest_wrmsr_apic_base; SDM Vol. 3A §11.12): IA32_APIC_BASE with the SDM's state machine,
// IA32_TSC_DEADLINE, and the x2APIC window 0x800–0xBFF from Xen's whitelists (docs/robustness.md
// entries 1, 2, 7). Every guest value is a result, never an exception.
import type { Lapic } from './lapic.js';
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
import {
  APIC_BASE_ADDR_MASK,
  APIC_BASE_BSP,
  APIC_BASE_ENABLE,
  APIC_BASE_EXTD,
  MSR_IA32_APIC_BASE,
  MSR_IA32_TSC_DEADLINE,
  MSR_X2APIC_FIRST,
  MSR_X2APIC_LAST,
  Reg,
  SHORTHAND_MASK,
  TimerMode,
  VECTOR_MASK,
  XAPIC_DEFAULT_BASE,
} from './registers.js';

/** ICR "self" shorthand (bits 19:18 = 01). */
const SHORTHAND_SELF = 0x40000 & SHORTHAND_MASK;

/** x2APIC LDR of an x2APIC ID (SDM §11.12.10.2): cluster ID[19:4] in bits 31:16, 1 << ID[3:0]. */
export function x2apicLdrFromId(id: number): number {
  return (((id & ~0xf) << 12) | (1 << (id & 0xf))) >>> 0;
}

/**
 * RDMSR with plain numbers (the guest path): the value's halves into out[0] (low) and out[1]
 * (high); returns MSR_STATUS_OK, MSR_STATUS_GP or MSR_STATUS_UNHANDLED.
 */
export function lapicReadMsrHalves(l: Lapic, msr: number, out: Uint32Array): number {
  if (msr === MSR_IA32_APIC_BASE) {
    const v = l.apicBase; // not a per-access register: read once per boot or mode change
    out[0] = Number(v & 0xffff_ffffn);
    out[1] = Number(v >> 32n);
    return MSR_STATUS_OK;
  }
  if (msr === MSR_IA32_TSC_DEADLINE) {
    if (!l.params.tscDeadline) return MSR_STATUS_GP;
    const t = l.timer;
    const on = l.timerMode === TimerMode.TscDeadline;
    out[0] = on ? t.deadlineLo : 0;
    out[1] = on ? t.deadlineHi : 0;
    return MSR_STATUS_OK;
  }
  const index = msr - MSR_X2APIC_FIRST;
  if (index < 0 || msr > MSR_X2APIC_LAST) return MSR_STATUS_UNHANDLED;
  if (!l.x2apicMode || X2APIC_READABLE[index] === 0) return MSR_STATUS_GP;
  out[0] = l.readRegister(index);
  out[1] = index === Reg.IcrLow ? l.regs[Reg.IcrHigh]! : 0;
  return MSR_STATUS_OK;
}

/** WRMSR with plain numbers (the guest path): returns MSR_STATUS_OK, MSR_STATUS_GP or MSR_STATUS_UNHANDLED. */
export function lapicWriteMsrHalves(l: Lapic, msr: number, lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  const index = msr - MSR_X2APIC_FIRST;
  if (index >= 0 && msr <= MSR_X2APIC_LAST) {
    if (!l.x2apicMode || X2APIC_WRITABLE[index] === 0) return MSR_STATUS_GP;
    if ((lo & ~X2APIC_WRITE_LO[index]!) !== 0 || (hi & ~X2APIC_WRITE_HI[index]!) !== 0) return MSR_STATUS_GP;
    switch (index) {
      case Reg.Eoi:
        l.eoi();
        break;
      case Reg.IcrLow:
        l.regs[Reg.IcrHigh] = hi;
        l.writeRegister(Reg.IcrLow, lo);
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
  if (msr === MSR_IA32_TSC_DEADLINE) {
    if (!l.params.tscDeadline) return MSR_STATUS_GP;
    // Xen: ignored while hardware-disabled or outside TSC-deadline mode.
    if (l.hwEnabled && l.timerMode === TimerMode.TscDeadline) l.timer.writeDeadlineHalves(lo, hi);
    return MSR_STATUS_OK;
  }
  if (msr === MSR_IA32_APIC_BASE) {
    // Rare (boot, mode changes): the SDM state machine keeps its 64-bit masks as bigint.
    return writeApicBase(l, (BigInt(hi) << 32n) | BigInt(lo)) === MSR_WRITE_OK ? MSR_STATUS_OK : MSR_STATUS_GP;
  }
  return MSR_STATUS_UNHANDLED;
}

/** RDMSR at a host boundary (qtest, a VMM's exit): the value as a bigint. */
export function lapicReadMsr(l: Lapic, msr: number): MsrReadResult {
  const out = hostHalves;
  const st = lapicReadMsrHalves(l, msr, out);
  if (st === MSR_STATUS_GP) return MSR_GP;
  if (st === MSR_STATUS_UNHANDLED) return MSR_UNHANDLED;
  return { kind: 'ok', value: (BigInt(out[1]!) << 32n) | BigInt(out[0]!) };
}

/** WRMSR at a host boundary: any bigint, taken modulo 2^64 as the CPU would see it. */
export function lapicWriteMsr(l: Lapic, msr: number, value: bigint): MsrWriteResult {
  value = BigInt.asUintN(64, value);
  const st = lapicWriteMsrHalves(l, msr, Number(value & 0xffff_ffffn), Number(value >> 32n));
  return st === MSR_STATUS_OK ? MSR_WRITE_OK : st === MSR_STATUS_GP ? MSR_GP : MSR_UNHANDLED;
}

const hostHalves = new Uint32Array(2);

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
