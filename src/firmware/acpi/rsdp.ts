// RSDP (ACPI 6.x §5.2.5.3): revision 2, pointing at both the RSDT and the XSDT. Found by the OS in
// the BIOS area 0xE0000–0xFFFFF on a 16-byte boundary, or handed over by the boot protocol.
import { ByteWriter, fixChecksum } from '../byte-writer.js';
import type { AcpiIds } from './sdt-header.js';

/** Bytes in an ACPI 2.0+ RSDP (revision 2, with the XSDT address and extended checksum). */
export const RSDP_LENGTH = 36;

/** The RSDP (revision 2) pointing at the RSDT and XSDT (guest-physical addresses), both checksums fixed. */
export function buildRsdp(rsdtAddress: number, xsdtAddress: number, ids: AcpiIds): Uint8Array {
  const t = new ByteWriter()
    .ascii('RSD PTR ', 8)
    .u8(0) // checksum of the first 20 bytes
    .ascii(ids.oemId, 6, 0x20)
    .u8(2)
    .u32(rsdtAddress)
    .u32(RSDP_LENGTH)
    .u64(xsdtAddress)
    .u8(0) // extended checksum of all 36 bytes
    .zeros(3)
    .toBytes();
  fixChecksum(t, 0, 20, 8);
  fixChecksum(t, 0, RSDP_LENGTH, 32);
  return t;
}
