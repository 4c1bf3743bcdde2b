// The local APIC register page (Intel SDM Vol. 3A §11.4.1, Table 11-1 "Local APIC Register Address
// Map"): 32-bit registers on 16-byte boundaries. Register index = offset >> 4, which is also the
// x2APIC MSR number minus 0x800 (SDM §11.12.1.2, Table 11-6).

import type { RegisterSpec } from '../../device-model/register-map.js';

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
/** Size of the xAPIC MMIO window in bytes: one 4 KiB page (SDM Vol. 3A §11.4.1). */
export const XAPIC_WINDOW_BYTES = 0x1000;
/** Physical address of the xAPIC window after reset, 0xFEE00000 (IA32_APIC_BASE's reset base, SDM Vol. 3A §11.4.4). */
export const XAPIC_DEFAULT_BASE = 0xfee00000;

// LVT and ICR fields (SDM §11.5.1 Figure 11-8, §11.6.1 Figure 11-12).
/** LVT/ICR bits 7:0: the interrupt vector (SDM Vol. 3A §11.5.1 Figure 11-8, §11.6.1 Figure 11-12). */
export const VECTOR_MASK = 0xff;
/**
 * LVT/ICR bits 10:8: the delivery mode (000 Fixed, 001 Lowest priority in the ICR, 010 SMI, 100 NMI, 101 INIT,
 * 110 Start-up in the ICR, 111 ExtINT; SDM Vol. 3A §11.5.1, §11.6.1).
 */
export const DELIVERY_MODE_MASK = 0x700;
/** ICR bit 11: destination mode, set = logical (the destination is matched against LDR/DFR), clear = physical (an APIC ID). */
export const DEST_LOGICAL = 0x800;
/** LVT/ICR bit 12: delivery status (read-only on hardware; set while a message is pending). Here messages go out at once. */
export const DELIVERY_STATUS = 0x1000;
/** LVT LINT0/LINT1 bit 13: pin polarity, set = active low (SDM Vol. 3A §11.5.1). */
export const INPUT_POLARITY = 0x2000;
/** LVT LINT0/LINT1 bit 14: remote IRR, set while a level-triggered interrupt accepted from the pin awaits its EOI. */
export const REMOTE_IRR = 0x4000;
/** ICR bit 14: level, set = assert (INIT level de-assert uses clear; SDM Vol. 3A §11.6.1). Same bit as {@link REMOTE_IRR} in an LVT. */
export const LEVEL_ASSERT = 0x4000;
/** LVT LINT0/LINT1 and ICR bit 15: trigger mode, set = level, clear = edge. */
export const TRIGGER_LEVEL = 0x8000;
/** LVT bit 16: the entry is masked (no interrupt is sent). Every LVT reads 0x10000 after reset (SDM Vol. 3A §11.5.1). */
export const LVT_MASKED = 0x10000;
/** LVT timer bits 18:17: the timer mode (see {@link LapicTimerMode}; SDM Vol. 3A §11.5.4). */
export const TIMER_MODE_MASK = 0x60000;
/** ICR bits 19:18: destination shorthand (00 none, 01 self, 10 all including self, 11 all excluding self). */
export const SHORTHAND_MASK = 0xc0000;

/**
 * Values of the LVT timer's mode field (bits 18:17, SDM Vol. 3A §11.5.4.1): one-shot, periodic, TSC-deadline (needs
 * `tscDeadline` in the params; otherwise it acts as reserved), and the reserved value 3. Exported as `LapicTimerMode`.
 */
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
/**
 * Spurious-interrupt vector register bit 8: APIC software enable (clear = software-disabled, every LVT forced masked; SDM Vol. 3A §11.4.7.2).
 */
export const SVR_APIC_ENABLED = 0x100;
/** SVR bits a guest write keeps: 9:0 (vector, APIC enable, focus processor checking), as Xen does (xen/arch/x86/hvm/vlapic.c). */
export const SVR_WRITE_MASK = 0x3ff;

/** Writable bits of TDCR (bits 0, 1, 3; SDM §11.5.4 Figure 11-10). */
export const TDCR_MASK = 0xb;
/** xAPIC logical destination: bits 31:24 (SDM §11.6.2.2). */
export const LDR_XAPIC_MASK = 0xff000000;
/** DFR: only the model (bits 31:28) is writable; the rest reads as ones. */
export const DFR_RESERVED_ONES = 0x0fffffff;
/** DFR value for the flat logical model (bits 31:28 = 1111; the reset value): LDR bits 31:24 are a bit mask of CPUs. */
export const DFR_FLAT = 0xffffffff;
/** DFR value for the cluster logical model (bits 31:28 = 0000): LDR bits 31:28 are the cluster, 27:24 a mask within it. */
export const DFR_CLUSTER = 0x0fffffff;

// ESR bits (SDM §11.5.3 Figure 11-9).
/** ESR bit 5: the APIC tried to send an interrupt with an illegal vector (0–15; SDM Vol. 3A §11.5.3 Figure 11-9). */
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
/** ESR bit 6: the APIC received (or an LVT would have generated) an interrupt with an illegal vector (0–15). */
export const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;

// IA32_APIC_BASE (SDM §11.4.4 Figure 11-5, §11.12.1 Table 11-5).
/** MSR index of IA32_APIC_BASE (0x1B): APIC base address, global enable, x2APIC enable (EXTD), BSP flag (SDM Vol. 3A §11.4.4). */
export const MSR_IA32_APIC_BASE = 0x1b;
/** MSR index of IA32_TSC_DEADLINE (0x6E0): the TSC value at which the timer fires in TSC-deadline mode (SDM Vol. 3A §11.5.4.1). */
export const MSR_IA32_TSC_DEADLINE = 0x6e0;
/** First MSR of the x2APIC register window (0x800; register at xAPIC offset `o` is MSR 0x800 + o / 16, SDM Vol. 3A §11.12.1). */
export const MSR_X2APIC_FIRST = 0x800;
/** The architectural x2APIC window; Xen decodes only 0x800–0x83F and #GPs the rest (XSA-108). */
export const MSR_X2APIC_LAST = 0xbff;
/** IA32_APIC_BASE bit 8 (BSP flag, read-only): set on the bootstrap processor, vCPU 0. */
export const APIC_BASE_BSP = 0x100n;
/** IA32_APIC_BASE bit 10 (EXTD): x2APIC mode, with bit 11 also set (SDM Vol. 3A §11.12.1 Table 11-5). */
export const APIC_BASE_EXTD = 0x400n;
/** IA32_APIC_BASE bit 11: APIC global enable; clear = hardware-disabled (SDM Vol. 3A §11.4.3). */
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
  const mask = LAPIC_WRITE_MASK[index]!;
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

/** One LAPIC register: the common columns plus what the x2APIC MSR interface and the snapshot need. */
export interface LapicRegisterSpec extends RegisterSpec {
  readonly width: 32;
  /** Page index (offset >> 4; x2APIC MSR − 0x800). */
  readonly index: number;
  /** The page slot holds state (snapshotted); other slots always hold 0 (computed or write-only registers). */
  readonly stored: boolean;
  /** RDMSR may read it in x2APIC mode (Xen's guest_rdmsr_x2apic). */
  readonly x2apicRead: boolean;
  /** WRMSR may write it in x2APIC mode: the bits the low and high halves may set (a bit outside → #GP); null → #GP. */
  readonly x2apicWrite: readonly [lo: number, hi: number] | null;
}

const LVT_NOTE = 'masked while SVR bit 8 is clear';
function lvt(index: number, name: string, note: string): LapicRegisterSpec {
  const mask = BigInt(LVT_WRITE_MASK[index]!);
  return {
    offset: index << 4,
    index,
    name,
    width: 32,
    readMask: mask,
    writeMask: mask,
    reset: BigInt(LVT_MASKED),
    stored: true,
    x2apicRead: true,
    x2apicWrite: [LVT_WRITE_MASK[index]!, 0],
    note,
  };
}

/**
 * The local APIC register page (SDM Table 11-1, Xen's vlapic.c): the write masks a guest write
 * keeps, the reset values INIT restores, which slots hold state, and Xen's x2APIC MSR whitelists
 * (docs/robustness.md entries 1, 2; XSA-108). The access paths, the snapshot check, the docs
 * (docs/devices/lapic.md) and `hvmdev describe --registers` read it.
 */
export const LAPIC_REGISTERS: readonly LapicRegisterSpec[] = Object.freeze([
  reg(Reg.Id, 'ID', 0xffff_ffff, 0xffff_ffff, null, true, true, null, 'reset (stride·vcpu) << 24; x2APIC: read-only stride·vcpu'),
  reg(Reg.Version, 'Version', LAPIC_VERSION, 0, LAPIC_VERSION, true, true, null, 'version 0x14, 6 LVTs, no directed EOI'),
  reg(Reg.Tpr, 'TPR', 0xff, 0xff, 0, true, true, [0xff, 0], 'task priority; CR8 = TPR[7:4]'),
  reg(Reg.Apr, 'APR', 0, 0, 0, false, false, null, 'reads 0 (as Xen and QEMU)'),
  reg(Reg.Ppr, 'PPR', 0xff, 0, 0, false, true, null, 'computed: TPR, or ISRV & 0xF0 if higher (SDM §11.8.3.1)'),
  reg(Reg.Eoi, 'EOI', 0, 0, 0, false, false, [0, 0], 'any write retires the highest ISR vector (x2APIC: only 0)'),
  reg(Reg.Rrd, 'RRD', 0, 0, 0, false, false, null, 'reads 0'),
  reg(Reg.Ldr, 'LDR', 0xffff_ffff, LDR_XAPIC_MASK, 0, true, true, null, 'x2APIC: read-only, derived from the ID'),
  reg(Reg.Dfr, 'DFR', 0xffff_ffff, ~DFR_RESERVED_ONES >>> 0, DFR_FLAT, true, false, null, 'bits 27:0 read as ones; no DFR in x2APIC'),
  reg(Reg.Svr, 'SVR', SVR_WRITE_MASK, SVR_WRITE_MASK, 0xff, true, true, [SVR_WRITE_MASK, 0], 'clearing bit 8 masks every LVT'),
  { ...reg(Reg.Isr0, 'ISR', 0xffff_ffff, 0, 0, true, true, null, 'vectors 32·i to 32·i + 31; vectors 0–15 never set'), count: 8, stride: 0x10 },
  { ...reg(Reg.Tmr0, 'TMR', 0xffff_ffff, 0, 0, true, true, null, 'vectors 32·i to 32·i + 31; vectors 0–15 never set'), count: 8, stride: 0x10 },
  { ...reg(Reg.Irr0, 'IRR', 0xffff_ffff, 0, 0, true, true, null, 'vectors 32·i to 32·i + 31; vectors 0–15 never set'), count: 8, stride: 0x10 },
  reg(
    Reg.Esr,
    'ESR',
    ESR_SEND_ILLEGAL_VECTOR | ESR_RECEIVE_ILLEGAL_VECTOR,
    0,
    0,
    true,
    true,
    [0, 0],
    'a write publishes the errors latched since the previous one (x2APIC: only 0)',
  ),
  reg(
    Reg.LvtCmci,
    'LVT CMCI',
    0,
    0,
    0,
    false,
    true,
    [LVT_WRITE_MASK[Reg.LvtCmci]!, 0],
    'x2APIC only: a write is accepted and not stored (no CMCI for HVM guests)',
  ),
  reg(
    Reg.IcrLow,
    'ICR low',
    ~DELIVERY_STATUS >>> 0,
    ~DELIVERY_STATUS >>> 0,
    0,
    true,
    true,
    [0x000c_cfff, 0xffff_ffff],
    'a write sends the IPI; x2APIC: the 64-bit ICR, high half = destination',
  ),
  reg(Reg.IcrHigh, 'ICR high', 0xffff_ffff, LDR_XAPIC_MASK, 0, true, false, null, 'destination in bits 31:24; x2APIC: part of the ICR MSR'),
  lvt(Reg.LvtTimer, 'LVT Timer', `${LVT_NOTE}; mode bit 18 only with TSC-deadline`),
  lvt(Reg.LvtThermal, 'LVT Thermal', LVT_NOTE),
  lvt(Reg.LvtPerfmon, 'LVT PerfMon', LVT_NOTE),
  lvt(Reg.LvtLint0, 'LVT LINT0', `${LVT_NOTE}; the BSP resets to LapicParams.bspLint0Reset (QEMU 0x700: ExtINT)`),
  lvt(Reg.LvtLint1, 'LVT LINT1', LVT_NOTE),
  lvt(Reg.LvtError, 'LVT Error', LVT_NOTE),
  reg(
    Reg.TimerInitial,
    'TMICT',
    0xffff_ffff,
    0xffff_ffff,
    0,
    true,
    true,
    [0xffff_ffff, 0xffff_ffff],
    'reads 0 and ignores writes outside one-shot/periodic mode',
  ),
  reg(Reg.TimerCurrent, 'TMCCT', 0xffff_ffff, 0, 0, false, true, null, 'computed from virtual time'),
  reg(Reg.TimerDivide, 'TDCR', TDCR_MASK, TDCR_MASK, 0, true, true, [TDCR_MASK, 0], 'bits 0, 1, 3: divide by 2 at reset'),
  reg(Reg.SelfIpi, 'SELF IPI', 0, 0, 0, false, false, [0xff, 0], 'x2APIC only: an ICR write with the self shorthand'),
]);

function reg(
  index: number,
  name: string,
  readMask: number,
  writeMask: number,
  reset: number | null,
  stored: boolean,
  x2apicRead: boolean,
  x2apicWrite: readonly [number, number] | null,
  note: string,
): LapicRegisterSpec {
  return {
    offset: index << 4,
    index,
    name,
    width: 32,
    readMask: BigInt(readMask >>> 0),
    writeMask: BigInt(writeMask >>> 0),
    reset: reset === null ? null : BigInt(reset >>> 0),
    stored,
    x2apicRead,
    x2apicWrite,
    note,
  };
}

/** Every page slot a spec covers (the vector maps cover eight). */
export function lapicSlots(r: LapicRegisterSpec): number[] {
  return Array.from({ length: r.count ?? 1 }, (_, i) => r.index + i);
}

/** Bits a guest write keeps, by page slot (from LAPIC_REGISTERS). */
export const LAPIC_WRITE_MASK = new Uint32Array(REG_SLOTS);
/** 1 where the page slot holds state (from LAPIC_REGISTERS). */
export const LAPIC_STORED = new Uint8Array(REG_SLOTS);
/** [slot, value] for every register INIT sets to a non-zero value (from LAPIC_REGISTERS; ID is per instance). */
export const LAPIC_INIT_VALUES: readonly (readonly [number, number])[] = LAPIC_REGISTERS.filter((r) => r.reset !== null && r.reset !== 0n).map(
  (r) => [r.index, Number(r.reset)] as const,
);
for (const r of LAPIC_REGISTERS) {
  for (const slot of lapicSlots(r)) {
    LAPIC_WRITE_MASK[slot] = Number(r.writeMask);
    LAPIC_STORED[slot] = r.stored ? 1 : 0;
  }
}
