/**
 * Beyond Xen: structural dependencies between the emulated devices, for users composing their own
 * platforms from this library. Xen only checks fixed combinations; this explains *why* pieces need
 * each other (interrupt delivery paths), as structured findings.
 */
import { describeBits, EMU_FLAGS } from './flags.js';
import { formatHex } from './parse.js';

/**
 * How much a structural finding matters: `error` (a device cannot work at all, e.g. an IO-APIC with no
 * LAPIC to deliver to), `warning` (a device loses a function, e.g. its interrupt line), `info` (a
 * remark, e.g. HPET legacy routing replacing the PIT's IRQ 0).
 */
export type Severity = 'error' | 'warning' | 'info';

/** One dependency `checkStructure` found missing (or worth a remark) in a flag set. */
export interface StructureFinding {
  readonly severity: Severity;
  /** Stable identifier, e.g. `ioapic-needs-lapic`. */
  readonly code: string;
  /** The flags the finding is about (mask). */
  readonly flags: number;
  /** The finding in words. */
  readonly message: string;
}

const F = {
  LAPIC: 0x001,
  HPET: 0x002,
  PM: 0x004,
  RTC: 0x008,
  IOAPIC: 0x010,
  PIC: 0x020,
  VGA: 0x040,
  IOMMU: 0x080,
  PIT: 0x100,
  USE_PIRQ: 0x200,
  VPCI: 0x400,
} as const;

const KNOWN = EMU_FLAGS.reduce((acc, f) => acc | f.value, 0);

interface Rule {
  readonly code: string;
  readonly severity: Severity;
  /** Applies when all of `when` are set… */
  readonly when: number;
  /** …and none of `unless` are set (0 = no condition). */
  readonly unless: number;
  /** Mask reported in the finding. */
  readonly involves: number;
  readonly message: string;
}

/** The dependency rules, as data. */
export const STRUCTURE_RULES: readonly Rule[] = [
  {
    code: 'ioapic-needs-lapic',
    severity: 'error',
    when: F.IOAPIC,
    unless: F.LAPIC,
    involves: F.IOAPIC | F.LAPIC,
    message:
      'The IOAPIC delivers every interrupt as an APIC message to local APICs; without a LAPIC its redirection ' +
      'entries have no destination, and its EOIs only come from LAPIC EOI broadcasts.',
  },
  {
    code: 'pic-extint-without-lapic',
    severity: 'warning',
    when: F.PIC,
    unless: F.LAPIC,
    involves: F.PIC | F.LAPIC,
    message:
      'The 8259 PIC raises INTR; with a LAPIC that arrives as ExtINT through LINT0. Without a LAPIC the platform ' +
      'must wire the PIC straight to the CPU INTR pin (a LAPIC-less HVM guest is what XSA-256 forbade in Xen).',
  },
  {
    code: 'vpci-msi-needs-lapic',
    severity: 'error',
    when: F.VPCI,
    unless: F.LAPIC,
    involves: F.VPCI | F.LAPIC,
    message: 'vPCI MSI/MSI-X messages are writes to the LAPIC window at 0xFEE00000; without a LAPIC nothing receives them.',
  },
  {
    code: 'vpci-intx-needs-ioapic',
    severity: 'warning',
    when: F.VPCI,
    unless: F.IOAPIC,
    involves: F.VPCI | F.IOAPIC,
    message: 'PCI INTx lines map to GSI 16 and up, which only IOAPIC pins provide (the PIC covers IRQ 0-15); only MSI/MSI-X would work.',
  },
  {
    code: 'hpet-no-irq-path',
    severity: 'error',
    when: F.HPET,
    unless: F.IOAPIC | F.PIC,
    involves: F.HPET | F.IOAPIC | F.PIC,
    message:
      'The HPET has no FSB/MSI delivery: normal mode routes only to IOAPIC inputs 20-23 and legacy replacement ' +
      'uses IRQ0/IRQ8; with neither an IOAPIC nor a PIC its interrupts go nowhere.',
  },
  {
    code: 'hpet-routes-need-ioapic',
    severity: 'warning',
    when: F.HPET | F.PIC,
    unless: F.IOAPIC,
    involves: F.HPET | F.IOAPIC,
    message: 'Without an IOAPIC the HPET can only interrupt in legacy replacement mode (IRQ0/IRQ8 via the PIC); its normal routes are IOAPIC inputs 20-23.',
  },
  {
    code: 'hpet-legacy-replaces-pit',
    severity: 'info',
    when: F.HPET | F.PIT,
    unless: 0,
    involves: F.HPET | F.PIT,
    message: 'HPET legacy replacement takes over ISA IRQ0 (GSI 2) for timer 0 and stops PIT channel 0 interrupts while enabled.',
  },
  {
    code: 'hpet-legacy-replaces-rtc',
    severity: 'info',
    when: F.HPET | F.RTC,
    unless: 0,
    involves: F.HPET | F.RTC,
    message: 'HPET legacy replacement routes timer 1 to IRQ8, the RTC interrupt line, while enabled.',
  },
  {
    code: 'pit-no-irq-path',
    severity: 'warning',
    when: F.PIT,
    unless: F.IOAPIC | F.PIC,
    involves: F.PIT | F.IOAPIC | F.PIC,
    message: 'PIT channel 0 interrupts on ISA IRQ0 (GSI 2); with neither PIC nor IOAPIC only its ports and port 0x61 remain useful (as for a PV dom0).',
  },
  {
    code: 'rtc-no-irq-path',
    severity: 'warning',
    when: F.RTC,
    unless: F.IOAPIC | F.PIC,
    involves: F.RTC | F.IOAPIC | F.PIC,
    message: 'The RTC interrupts on IRQ8; with neither PIC nor IOAPIC its periodic, alarm and update interrupts are lost.',
  },
  {
    code: 'pm-sci-no-irq-path',
    severity: 'warning',
    when: F.PM,
    unless: F.IOAPIC | F.PIC,
    involves: F.PM | F.IOAPIC | F.PIC,
    message: 'The ACPI SCI is ISA IRQ 9; with neither PIC nor IOAPIC the PM timer and button events cannot interrupt.',
  },
  {
    code: 'use-pirq-not-a-device',
    severity: 'info',
    when: F.USE_PIRQ,
    unless: 0,
    involves: F.USE_PIRQ,
    message:
      'USE_PIRQ is not a device: it lets an HVM guest receive interrupts as event channels (PIRQs, XENFEAT_hvm_pirqs) ' +
      'instead of through the emulated PIC/IOAPIC. It emulates nothing.',
  },
  {
    code: 'iommu-selects-nothing',
    severity: 'info',
    when: F.IOMMU,
    unless: 0,
    involves: F.IOMMU,
    message:
      'IOMMU selects no device in Xen: there is no vIOMMU (the AMD guest IOMMU was disconnected in 4.7 and deleted in 4.19), ' +
      'yet an HVM domU must set the bit because it is part of 0x1FF.',
  },
  {
    code: 'vga-is-acceleration-only',
    severity: 'info',
    when: F.VGA,
    unless: 0,
    involves: F.VGA,
    message: 'VGA is not a display adapter: the device model (QEMU) emulates the card; Xen only buffers single direct writes to 0xA0000-0xBFFFF.',
  },
];

/** Explain the structural dependencies of a bitmap. Findings are ordered error, warning, info. */
export function checkStructure(flags: number): StructureFinding[] {
  const v = flags >>> 0;
  const findings: StructureFinding[] = [];
  const unknown = (v & ~KNOWN) >>> 0;
  if (unknown !== 0) {
    findings.push({
      severity: 'error',
      code: 'unknown-bits',
      flags: unknown,
      message: `${formatHex(unknown)} (${describeBits(unknown).join(', ')}) selects no known device.`,
    });
  }
  for (const r of STRUCTURE_RULES) {
    if ((v & r.when) === r.when && (v & r.unless) === 0) {
      findings.push({ severity: r.severity, code: r.code, flags: r.involves, message: r.message });
    }
  }
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}
