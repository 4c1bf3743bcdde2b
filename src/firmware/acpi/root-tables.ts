// RSDT (32-bit entries) and XSDT (64-bit entries), ACPI 6.x §5.2.7–5.2.8: the tables after the FADT.
import { ByteWriter } from '../byte-writer.js';
import { sdt, type AcpiIds } from './sdt-header.js';

/** The RSDT: the tables' guest-physical addresses as 32-bit entries (an address at or above 4 GiB loses its high bits: the XSDT carries those). */
export function buildRsdt(addresses: readonly number[], ids: AcpiIds): Uint8Array {
  const w = new ByteWriter();
  for (const a of addresses) w.u32(a);
  return sdt('RSDT', 1, w.toBytes(), ids);
}

/** The XSDT: the tables' guest-physical addresses as 64-bit entries. @throws FirmwareError for an address at or above 2^53 */
export function buildXsdt(addresses: readonly number[], ids: AcpiIds): Uint8Array {
  const w = new ByteWriter();
  for (const a of addresses) w.u64(a);
  return sdt('XSDT', 1, w.toBytes(), ids);
}
