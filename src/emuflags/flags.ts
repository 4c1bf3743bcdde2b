/**
 * The eleven `XEN_X86_EMU_*` emulation flags (public ABI, `struct xen_arch_domainconfig.emulation_flags`).
 * Pure data: bit, value, the Xen release that introduced the flag, and what it selects.
 */

export const EMU_FLAGS = [
  { name: 'LAPIC', bit: 0, value: 0x001, since: '4.7', meaning: 'Per-vCPU local APIC (xAPIC MMIO, x2APIC MSRs, APIC timer)' },
  { name: 'HPET', bit: 1, value: 0x002, since: '4.7', meaning: 'HPET at 0xFED00000 (3 timers, 62.5 MHz)' },
  { name: 'PM', bit: 2, value: 0x004, since: '4.7', meaning: 'ACPI PM timer and PM1a_STS/EN event block' },
  { name: 'RTC', bit: 3, value: 0x008, since: '4.7', meaning: 'MC146818 RTC (CMOS indices 0x00-0x0D)' },
  { name: 'IOAPIC', bit: 4, value: 0x010, since: '4.7', meaning: 'Virtual IO-APIC(s)' },
  { name: 'PIC', bit: 5, value: 0x020, since: '4.7', meaning: 'Dual 8259A PIC and ELCR' },
  { name: 'VGA', bit: 6, value: 0x040, since: '4.7', meaning: 'stdvga support (today only buffered VRAM-write acceleration)' },
  { name: 'IOMMU', bit: 7, value: 0x080, since: '4.7', meaning: 'Virtual IOMMU placeholder: selects no device (no vIOMMU exists)' },
  { name: 'PIT', bit: 8, value: 0x100, since: '4.7', meaning: 'i8254 PIT and port 0x61' },
  { name: 'USE_PIRQ', bit: 9, value: 0x200, since: '4.9', meaning: 'Not a device: lets an HVM guest route interrupts over event channels (PIRQs)' },
  { name: 'VPCI', bit: 10, value: 0x400, since: '4.11', meaning: 'Xen-internal PCI config-space emulation (vPCI), PVH dom0 only on x86' },
] as const;

/** One row of {@link EMU_FLAGS}: name, bit, value, the Xen release that introduced it, and what it selects. */
export type EmuFlagInfo = (typeof EMU_FLAGS)[number];
/** A flag's short name (`'LAPIC'`, `'HPET'`, …), without the `XEN_X86_EMU_` prefix. */
export type EmuFlagName = EmuFlagInfo['name'];

/** `XEN_X86_EMU_LAPIC`: per-vCPU local APIC. */
export const XEN_X86_EMU_LAPIC = 0x001;
/** `XEN_X86_EMU_HPET`: HPET. */
export const XEN_X86_EMU_HPET = 0x002;
/** `XEN_X86_EMU_PM`: ACPI PM timer and PM1a event block. */
export const XEN_X86_EMU_PM = 0x004;
/** `XEN_X86_EMU_RTC`: MC146818 RTC. */
export const XEN_X86_EMU_RTC = 0x008;
/** `XEN_X86_EMU_IOAPIC`: IO-APIC(s). */
export const XEN_X86_EMU_IOAPIC = 0x010;
/** `XEN_X86_EMU_PIC`: dual 8259A PIC and ELCR. */
export const XEN_X86_EMU_PIC = 0x020;
/** `XEN_X86_EMU_VGA`: stdvga window. */
export const XEN_X86_EMU_VGA = 0x040;
/** `XEN_X86_EMU_IOMMU`: virtual IOMMU placeholder (selects no device). */
export const XEN_X86_EMU_IOMMU = 0x080;
/** `XEN_X86_EMU_PIT`: i8254 PIT and port 0x61. */
export const XEN_X86_EMU_PIT = 0x100;
/** `XEN_X86_EMU_USE_PIRQ`: not a device: interrupts over event channels (PIRQs). */
export const XEN_X86_EMU_USE_PIRQ = 0x200;
/** `XEN_X86_EMU_VPCI`: Xen's vPCI (PVH dom0 only). */
export const XEN_X86_EMU_VPCI = 0x400;

/** OR of all 11 flags: `XEN_X86_EMU_ALL` at master (4.11 and later). Older values: see `allFlagsFor()`. */
export const XEN_X86_EMU_ALL = 0x7ff;

/** Short name → value, e.g. `FLAG_VALUES.LAPIC === 0x001`. */
export const FLAG_VALUES: Readonly<Record<EmuFlagName, number>> = Object.freeze(
  Object.fromEntries(EMU_FLAGS.map((f) => [f.name, f.value])) as Record<EmuFlagName, number>,
);

/** The {@link EMU_FLAGS} row of flag `name`; throws RangeError for a name that is not a flag. */
export function flagInfo(name: EmuFlagName): EmuFlagInfo {
  const info = EMU_FLAGS.find((f) => f.name === name);
  if (info === undefined) throw new RangeError(`not an emulation flag: ${String(name)}`);
  return info;
}

/** Full C name, e.g. `XEN_X86_EMU_LAPIC`. */
export function fullFlagName(name: EmuFlagName): `XEN_X86_EMU_${EmuFlagName}` {
  return `XEN_X86_EMU_${name}`;
}

/** Names of the known flags set in `flags`, in bit order. Unknown bits are ignored. */
export function flagNames(flags: number): EmuFlagName[] {
  return EMU_FLAGS.filter((f) => (flags & f.value) !== 0).map((f) => f.name);
}

/** Number of set bits of a uint32. */
export function popcount(x: number): number {
  let v = x >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
}

/** Names for a mask, known flags by short name and unknown bits as `bitN`. */
export function describeBits(mask: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 32; bit++) {
    const v = 2 ** bit;
    if (Math.floor((mask >>> 0) / v) % 2 === 0) continue;
    const known = EMU_FLAGS.find((f) => f.bit === bit);
    out.push(known !== undefined ? known.name : `bit${bit}`);
  }
  return out;
}
