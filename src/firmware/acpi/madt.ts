// MADT (ACPI 6.x §5.2.12): a Local APIC entry per vCPU (Local x2APIC when its ID does not fit in a
// byte), each IO-APIC with its GSI base, interrupt source overrides for ISA IRQs that do not reach
// GSI n edge/high (IRQ0 → GSI 2; the level-triggered SCI and PCI link IRQs), and LINT1 as NMI.
import { ByteWriter } from '../byte-writer.js';
import type { FirmwarePlatform } from '../firmware-platform.js';
import { sdt, type AcpiIds } from './sdt-header.js';

/** MADT interrupt controller structure types (ACPI 6.x Table 5.21). */
export const MADT_TYPE = {
  LOCAL_APIC: 0,
  IO_APIC: 1,
  INTERRUPT_SOURCE_OVERRIDE: 2,
  LOCAL_APIC_NMI: 4,
  LOCAL_X2APIC: 9,
  LOCAL_X2APIC_NMI: 0x0a,
} as const;

/** MPS INTI flags (Table 5.50): polarity bits 1:0 (1 = active high), trigger bits 3:2 (3 = level). */
/** MPS INTI flags: polarity and trigger conform to the bus (ISA: edge, active high). */
export const INTI_CONFORMS = 0x0000;
/** MPS INTI flags: level-triggered, active high (the SCI and PCI link IRQs on this fabric). */
export const INTI_LEVEL_HIGH = 0x000d;
/** MADT flags bit 0: the platform also has dual 8259s. */
export const MADT_PCAT_COMPAT = 1;
/** Local APIC flags bit 0: enabled. */
const ENABLED = 1;
/** The highest xAPIC ID a Local APIC entry carries; 0xFF means broadcast. */
const MAX_XAPIC_ID = 0xfe;

/** The MADT (`APIC`, revision 5) for a platform with local APICs. */
export function buildMadt(p: FirmwarePlatform, ids: AcpiIds): Uint8Array {
  const w = new ByteWriter().u32(p.lapicAddress ?? 0).u32(p.pic ? MADT_PCAT_COMPAT : 0);
  let x2 = false;
  let x1 = false;
  for (const cpu of p.cpus) {
    if (cpu.apicId <= MAX_XAPIC_ID && cpu.uid <= 0xfe) {
      w.u8(MADT_TYPE.LOCAL_APIC).u8(8).u8(cpu.uid).u8(cpu.apicId).u32(ENABLED);
      x1 = true;
    } else {
      w.u8(MADT_TYPE.LOCAL_X2APIC).u8(16).u16(0).u32(cpu.apicId).u32(ENABLED).u32(cpu.uid);
      x2 = true;
    }
  }
  for (const io of p.ioapics) w.u8(MADT_TYPE.IO_APIC).u8(12).u8(io.apicId).u8(0).u32(io.address).u32(io.gsiBase);
  for (const o of interruptSourceOverrides(p)) w.u8(MADT_TYPE.INTERRUPT_SOURCE_OVERRIDE).u8(10).u8(0).u8(o.irq).u32(o.gsi).u16(o.flags);
  // LINT1 of every processor is NMI, as on a PC; flags "conforms to the bus" (edge, active high).
  if (x1) w.u8(MADT_TYPE.LOCAL_APIC_NMI).u8(6).u8(0xff).u16(INTI_CONFORMS).u8(1);
  if (x2) w.u8(MADT_TYPE.LOCAL_X2APIC_NMI).u8(12).u16(INTI_CONFORMS).u32(0xffffffff).u8(1).zeros(3);
  return sdt('APIC', 5, w.toBytes(), ids);
}

/** One MADT interrupt source override: ISA IRQ `irq` arrives at `gsi` with INTI `flags`. */
export interface SourceOverride {
  /** The ISA IRQ (0–15). */
  readonly irq: number;
  /** The GSI it reaches. */
  readonly gsi: number;
  /** MPS INTI flags (INTI_CONFORMS or INTI_LEVEL_HIGH). */
  readonly flags: number;
}

/** ISA IRQs whose GSI or trigger differs from "IRQ n = GSI n, edge, active high"; none without an IO-APIC. */
export function interruptSourceOverrides(p: FirmwarePlatform): SourceOverride[] {
  if (p.ioapics.length === 0) return [];
  const reachable = (gsi: number) => p.ioapics.some((io) => gsi >= io.gsiBase && gsi < io.gsiBase + io.pins);
  const out: SourceOverride[] = [];
  p.isaIrqGsi.forEach((gsi, irq) => {
    const level = p.levelIsaIrqs.includes(irq);
    if ((gsi !== irq || level) && reachable(gsi)) out.push({ irq, gsi, flags: level ? INTI_LEVEL_HIGH : INTI_CONFORMS });
  });
  return out;
}
