// The Intel MultiProcessor Specification 1.4 tables for guests without ACPI: the MP floating pointer
// structure (found on a 16-byte boundary in 0xF0000–0xFFFFF) and the configuration table listing
// processors, buses, IO-APICs, I/O interrupt assignments and local interrupts (MP spec §4).
import { ByteWriter, fixChecksum } from './byte-writer.js';
import { FirmwareError } from './errors.js';
import type { FirmwarePlatform } from './firmware-platform.js';

/** Bytes in the MP floating pointer structure (it must be 16-byte aligned). */
export const MP_FLOATING_POINTER_LENGTH = 16;
/** MP interrupt types (Table 4-9). */
export const MP_INT = { INT: 0, NMI: 1, SMI: 2, EXTINT: 3 } as const;
/** Polarity/trigger flags: conforming to the bus, or level-triggered active high. */
const CONFORMS = 0x0;
const LEVEL_HIGH = 0x0d;
/** An APIC ID the MP table can carry (one byte, 0xFF = all). */
const MAX_MP_APIC_ID = 0xfe;

/** The MP floating pointer structure (spec 1.4) pointing at the configuration table's guest-physical address. */
export function buildMpFloatingPointer(configTableAddress: number): Uint8Array {
  const t = new ByteWriter()
    .ascii('_MP_', 4)
    .u32(configTableAddress)
    .u8(1) // length in 16-byte units
    .u8(4) // spec revision 1.4
    .u8(0) // checksum
    .u8(0) // feature 1: a configuration table is present
    .u8(0) // feature 2: IMCRP clear (virtual wire mode)
    .zeros(3)
    .toBytes();
  fixChecksum(t, 0, t.length, 10);
  return t;
}

/** Why this platform cannot have an MP table, or null when it can. */
export function mpTableObstacle(p: FirmwarePlatform): string | null {
  if (p.lapicAddress === null) return 'the platform has no local APICs';
  const big = p.cpus.find((c) => c.apicId > MAX_MP_APIC_ID);
  if (big !== undefined) return `vCPU ${big.uid} has APIC ID ${big.apicId}, which does not fit in the MP table's byte`;
  const bigIo = p.ioapics.find((io) => io.apicId > MAX_MP_APIC_ID);
  if (bigIo !== undefined) return `IO-APIC ID ${bigIo.apicId} does not fit in the MP table's byte`;
  return null;
}

/**
 * The MP configuration table: processors, ISA (and PCI) buses, IO-APICs, I/O interrupt and local
 * interrupt assignments. @throws FirmwareError when `mpTableObstacle` names a reason the platform cannot have one
 */
export function buildMpConfigTable(p: FirmwarePlatform, oemId = 'HVMDEV'): Uint8Array {
  const obstacle = mpTableObstacle(p);
  if (obstacle !== null) throw new FirmwareError(`no MP table: ${obstacle} (use the ACPI MADT)`);
  const entries = new ByteWriter();
  let count = 0;
  const add = (fill: (w: ByteWriter) => void) => {
    fill(entries);
    count++;
  };
  p.cpus.forEach((cpu, i) => {
    // Processor: LAPIC version 0x14 (integrated), EN | BP for vCPU 0; family 6 signature, FPU + APIC features.
    add((w) =>
      w
        .u8(0)
        .u8(cpu.apicId)
        .u8(0x14)
        .u8(1 | (i === 0 ? 2 : 0))
        .u32(0x600)
        .u32(0x201)
        .zeros(8),
    );
  });
  const pciBus = p.pci !== null ? 0 : null;
  const isaBus = pciBus === null ? 0 : 1;
  if (pciBus !== null) add((w) => w.u8(1).u8(pciBus).ascii('PCI', 6));
  add((w) => w.u8(1).u8(isaBus).ascii('ISA', 6));
  for (const io of p.ioapics) add((w) => w.u8(2).u8(io.apicId).u8(io.version).u8(1).u32(io.address));

  const pinOf = (gsi: number) => {
    const io = p.ioapics.find((x) => gsi >= x.gsiBase && gsi < x.gsiBase + x.pins);
    return io === undefined ? null : { id: io.apicId, pin: gsi - io.gsiBase };
  };
  const ioInt = (type: number, flags: number, bus: number, irq: number, gsi: number) => {
    const dst = pinOf(gsi);
    if (dst !== null) add((w) => w.u8(3).u8(type).u16(flags).u8(bus).u8(irq).u8(dst.id).u8(dst.pin));
  };
  if (p.ioapics.length > 0) {
    if (p.pic) ioInt(MP_INT.EXTINT, CONFORMS, isaBus, 0, 0);
    p.isaIrqGsi.forEach((gsi, irq) => {
      if (irq === 2) return; // the 8259 cascade: no device line
      ioInt(MP_INT.INT, p.levelIsaIrqs.includes(irq) ? LEVEL_HIGH : CONFORMS, isaBus, irq, gsi);
    });
    for (const r of p.pci?.routes ?? []) ioInt(MP_INT.INT, LEVEL_HIGH, pciBus!, (r.device << 2) | r.pin, r.gsi);
  }
  // Local interrupts: LINT0 is ExtINT (the 8259's INTR), LINT1 NMI, on every LAPIC.
  add((w) => w.u8(4).u8(MP_INT.EXTINT).u16(CONFORMS).u8(isaBus).u8(0).u8(0xff).u8(0));
  add((w) => w.u8(4).u8(MP_INT.NMI).u16(CONFORMS).u8(isaBus).u8(0).u8(0xff).u8(1));

  const body = entries.toArray();
  const t = new ByteWriter()
    .ascii('PCMP', 4)
    .u16(44 + body.length)
    .u8(4)
    .u8(0) // checksum
    .ascii(oemId, 8)
    .ascii('HVMDEV', 12)
    .u32(0) // OEM table pointer
    .u16(0) // OEM table size
    .u16(count)
    .u32(p.lapicAddress!)
    .u16(0) // extended table length
    .u8(0) // extended table checksum
    .u8(0)
    .raw(body)
    .toBytes();
  fixChecksum(t, 0, t.length, 7);
  return t;
}
