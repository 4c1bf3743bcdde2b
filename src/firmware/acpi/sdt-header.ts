// The 36-byte System Description Table header every ACPI table but the RSDP and FACS starts with
// (ACPI 6.x §5.2.6), and the checksum that makes the whole table sum to zero.
import { ByteWriter, fixChecksum } from '../byte-writer.js';
import { FirmwareError } from '../errors.js';

/** Bytes in the common header of every ACPI system description table (§5.2.6). */
export const SDT_HEADER_LENGTH = 36;
/** Offset of the checksum byte in an SDT header. */
export const SDT_CHECKSUM_OFFSET = 9;

/** Who made the tables: OEM ID (6), OEM table ID (8), revisions and creator (4). */
export interface AcpiIds {
  readonly oemId: string;
  readonly oemTableId: string;
  readonly oemRevision: number;
  readonly creatorId: string;
  readonly creatorRevision: number;
}

/** The ids hvmdev's tables carry by default: OEM `HVMDEV`, creator `HVMD`, revisions 1. */
export const HVMDEV_ACPI_IDS: AcpiIds = Object.freeze({
  oemId: 'HVMDEV',
  oemTableId: 'HVMDEV',
  oemRevision: 1,
  creatorId: 'HVMD',
  creatorRevision: 1,
});

/** @throws FirmwareError when an id is longer than its field or not printable ASCII, or a revision is not a uint32 */
export function checkAcpiIds(ids: AcpiIds): void {
  const ascii = (s: string, max: number, what: string) => {
    if (!/^[\x20-\x7e]*$/.test(s) || s.length > max) throw new FirmwareError(`${what} '${s}' must be at most ${max} printable ASCII characters`);
  };
  ascii(ids.oemId, 6, 'oemId');
  ascii(ids.oemTableId, 8, 'oemTableId');
  ascii(ids.creatorId, 4, 'creatorId');
  for (const [k, v] of [
    ['oemRevision', ids.oemRevision],
    ['creatorRevision', ids.creatorRevision],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new FirmwareError(`${k} ${v} must be a 32-bit value`);
  }
}

/** A whole table: header (signature, length, revision, ids) + body, checksum fixed. */
export function sdt(signature: string, revision: number, body: readonly number[] | Uint8Array, ids: AcpiIds): Uint8Array {
  const w = new ByteWriter()
    .ascii(signature, 4)
    .u32(SDT_HEADER_LENGTH + body.length)
    .u8(revision)
    .u8(0)
    .ascii(ids.oemId, 6, 0x20)
    .ascii(ids.oemTableId, 8, 0x20)
    .u32(ids.oemRevision)
    .ascii(ids.creatorId, 4, 0x20)
    .u32(ids.creatorRevision)
    .raw(body);
  const t = w.toBytes();
  fixChecksum(t, 0, t.length, SDT_CHECKSUM_OFFSET);
  return t;
}

/** A Generic Address Structure (§5.2.3.2): space (0 memory, 1 I/O), bit width, bit offset, access size, address. */
export function gas(w: ByteWriter, space: number, bitWidth: number, accessSize: number, address: number): ByteWriter {
  return w.u8(space).u8(bitWidth).u8(0).u8(accessSize).u64(address);
}

/** Generic Address Structure address space: system memory. */
export const GAS_MEMORY = 0;
/** Generic Address Structure address space: system I/O ports. */
export const GAS_IO = 1;
