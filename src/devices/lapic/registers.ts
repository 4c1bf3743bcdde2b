// The local APIC register page (Intel SDM Vol. 3A §11.4.1, Table 11-1 "Local APIC Register Address
// Map"): 32-bit registers on 16-byte boundaries. Register index = offset >> 4, which is also the
// x2APIC MSR number minus 0x800 (SDM §11.12.1.2, Table 11-6).

/** Register indices (page offset >> 4). */
export const enum Reg {
  Id = 0x02,
  Version = 0x03,
  Tpr = 0x08,
  Apr = 0x09,
  Ppr = 0x0a,
  Eoi = 0x0b,
  Rrd = 0x0c,
  Ldr = 0x0d,
  Dfr = 0x0e,
  Svr = 0x0f,
  Isr0 = 0x10,
  Tmr0 = 0x18,
  Irr0 = 0x20,
  Esr = 0x28,
  LvtCmci = 0x2f,
  IcrLow = 0x30,
  IcrHigh = 0x31,
  LvtTimer = 0x32,
  LvtThermal = 0x33,
  LvtPerfmon = 0x34,
  LvtLint0 = 0x35,
  LvtLint1 = 0x36,
  LvtError = 0x37,
  TimerInitial = 0x38,
  TimerCurrent = 0x39,
  TimerDivide = 0x3e,
  SelfIpi = 0x3f,
}

/** Xen's LVR: version 0x14, max LVT entry 5 (six LVTs), no directed EOI (vlapic.c VLAPIC_VERSION). */
export const LAPIC_VERSION = 0x00050014;

/** Slots in the page (0x000–0x3F0); Xen's LAPIC_REGS save record is this image. */
export const REG_SLOTS = 0x40;
/** Last xAPIC offset Xen serves (TDCR); above it reads 0 and writes are ignored. */
export const LAST_MMIO_REG = Reg.TimerDivide;
export const XAPIC_WINDOW_BYTES = 0x1000;
export const XAPIC_DEFAULT_BASE = 0xfee00000;

// LVT and ICR fields (SDM §11.5.1 Figure 11-8, §11.6.1 Figure 11-12).
export const VECTOR_MASK = 0xff;
export const DELIVERY_MODE_MASK = 0x700;
export const DEST_LOGICAL = 0x800;
export const DELIVERY_STATUS = 0x1000;
export const INPUT_POLARITY = 0x2000;
export const REMOTE_IRR = 0x4000;
export const LEVEL_ASSERT = 0x4000;
export const TRIGGER_LEVEL = 0x8000;
export const LVT_MASKED = 0x10000;
export const TIMER_MODE_MASK = 0x60000;
export const SHORTHAND_MASK = 0xc0000;

export const enum TimerMode {
  OneShot = 0,
  Periodic = 1,
  TscDeadline = 2,
  Reserved = 3,
}

// Xen's write masks (hvm/vlapic.c LVT_MASK / LINT_MASK). Xen keeps the delivery-status bit (12) and,
// for LINT0/1, Remote-IRR (14) in what a guest write can set: a guest reads back what it wrote there.
const LVT_BASE = LVT_MASKED | DELIVERY_STATUS | VECTOR_MASK;
const LINT_BITS = LVT_BASE | DELIVERY_MODE_MASK | INPUT_POLARITY | REMOTE_IRR | TRIGGER_LEVEL;

/** Write mask of each LVT, by register index. */
export const LVT_WRITE_MASK: Readonly<Record<number, number>> = Object.freeze({
  [Reg.LvtTimer]: LVT_BASE | TIMER_MODE_MASK,
  [Reg.LvtThermal]: LVT_BASE | DELIVERY_MODE_MASK,
  [Reg.LvtPerfmon]: LVT_BASE | DELIVERY_MODE_MASK,
  [Reg.LvtLint0]: LINT_BITS,
  [Reg.LvtLint1]: LINT_BITS,
  [Reg.LvtError]: LVT_BASE,
  [Reg.LvtCmci]: LVT_BASE | DELIVERY_MODE_MASK,
});

/** The six LVTs the version register advertises (max LVT entry 5), in page order. */
export const LVT_REGS: readonly number[] = Object.freeze([Reg.LvtTimer, Reg.LvtThermal, Reg.LvtPerfmon, Reg.LvtLint0, Reg.LvtLint1, Reg.LvtError]);

// Spurious-interrupt vector register (SDM §11.9, Figure 11-23). Xen keeps bits 9:0.
export const SVR_APIC_ENABLED = 0x100;
export const SVR_WRITE_MASK = 0x3ff;

/** Writable bits of TDCR (bits 0, 1, 3; SDM §11.5.4 Figure 11-10). */
export const TDCR_MASK = 0xb;
/** xAPIC logical destination: bits 31:24 (SDM §11.6.2.2). */
export const LDR_XAPIC_MASK = 0xff000000;
/** DFR: only the model (bits 31:28) is writable; the rest reads as ones. */
export const DFR_RESERVED_ONES = 0x0fffffff;
export const DFR_FLAT = 0xffffffff;
export const DFR_CLUSTER = 0x0fffffff;

// ESR bits (SDM §11.5.3 Figure 11-9).
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;

// IA32_APIC_BASE (SDM §11.4.4 Figure 11-5, §11.12.1 Table 11-5).
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_TSC_DEADLINE = 0x6e0;
export const MSR_X2APIC_FIRST = 0x800;
/** The architectural x2APIC window; Xen decodes only 0x800–0x83F and #GPs the rest (XSA-108). */
export const MSR_X2APIC_LAST = 0xbff;
export const APIC_BASE_BSP = 0x100n;
export const APIC_BASE_EXTD = 0x400n;
export const APIC_BASE_ENABLE = 0x800n;
/** Base address bits 51:12 (Xen's APIC_BASE_ADDR_MASK). */
export const APIC_BASE_ADDR_MASK = 0x000f_ffff_ffff_f000n;

/** x2APIC LDR of an x2APIC ID (SDM §11.12.10.2): cluster ID[19:4] in bits 31:16, 1 << ID[3:0]. */
export function x2apicLdrFromId(id: number): number {
  return (((id & ~0xf) << 12) | (1 << (id & 0xf))) >>> 0;
}

/**
 * The bits LVT `index` keeps of a guest write (Xen's vlapic_reg_write): its write mask; without
 * TSC-deadline support the timer modes 2 and 3 do not exist.
 */
export function lvtWriteMask(index: number, tscDeadline: boolean): number {
  const mask = LVT_WRITE_MASK[index]!;
  return index === Reg.LvtTimer && !tscDeadline ? mask & ~0x40000 : mask;
}

/** What LVT `index` holds after a guest write of `val`: masked while the APIC is software-disabled (SDM §11.4.7.2). */
export function lvtStoredValue(index: number, val: number, svr: number, tscDeadline: boolean): number {
  if ((svr & SVR_APIC_ENABLED) === 0) val |= LVT_MASKED;
  return (val & lvtWriteMask(index, tscDeadline)) >>> 0;
}

/** The time-base divider selected by TDCR bits 3,1,0 (SDM Figure 11-10): 2,4,8,16,32,64,128,1. */
export function tdcrDivisor(tdcr: number): number {
  const code = ((tdcr & 3) | ((tdcr & 8) >> 1)) + 1;
  return 1 << (code & 7);
}

/** Human-readable register map (docs, `describe`, tests). */
export const LAPIC_REGISTER_MAP = Object.freeze([
  { offset: 0x020, name: 'ID', access: 'rw (xAPIC), ro (x2APIC)' },
  { offset: 0x030, name: 'Version', access: 'ro' },
  { offset: 0x080, name: 'TPR', access: 'rw' },
  { offset: 0x090, name: 'APR', access: 'ro (reads 0, as Xen)' },
  { offset: 0x0a0, name: 'PPR', access: 'ro' },
  { offset: 0x0b0, name: 'EOI', access: 'wo' },
  { offset: 0x0c0, name: 'RRD', access: 'ro (0)' },
  { offset: 0x0d0, name: 'LDR', access: 'rw (xAPIC), ro (x2APIC)' },
  { offset: 0x0e0, name: 'DFR', access: 'rw (xAPIC only)' },
  { offset: 0x0f0, name: 'SVR', access: 'rw' },
  { offset: 0x100, name: 'ISR[0..7]', access: 'ro' },
  { offset: 0x180, name: 'TMR[0..7]', access: 'ro' },
  { offset: 0x200, name: 'IRR[0..7]', access: 'ro' },
  { offset: 0x280, name: 'ESR', access: 'rw (write publishes pending errors)' },
  { offset: 0x2f0, name: 'LVT CMCI', access: 'x2APIC only: write accepted, not stored' },
  { offset: 0x300, name: 'ICR low', access: 'rw' },
  { offset: 0x310, name: 'ICR high', access: 'rw (xAPIC only)' },
  { offset: 0x320, name: 'LVT Timer', access: 'rw' },
  { offset: 0x330, name: 'LVT Thermal', access: 'rw' },
  { offset: 0x340, name: 'LVT PerfMon', access: 'rw' },
  { offset: 0x350, name: 'LVT LINT0', access: 'rw' },
  { offset: 0x360, name: 'LVT LINT1', access: 'rw' },
  { offset: 0x370, name: 'LVT Error', access: 'rw' },
  { offset: 0x380, name: 'TMICT', access: 'rw' },
  { offset: 0x390, name: 'TMCCT', access: 'ro' },
  { offset: 0x3e0, name: 'TDCR', access: 'rw' },
  { offset: 0x3f0, name: 'SELF IPI', access: 'wo (x2APIC only)' },
] as const);
