// FACS (ACPI 6.x §5.2.10): 64 bytes, 64-byte aligned, no checksum. Version 2; no waking vector yet.
import { ByteWriter } from '../byte-writer.js';

/** Bytes in the FACS (it must be 64-byte aligned in guest memory). */
export const FACS_LENGTH = 64;

/** The FACS (version 2): no hardware signature, no waking vector, no global lock owner. */
export function buildFacs(): Uint8Array {
  return new ByteWriter()
    .ascii('FACS', 4)
    .u32(FACS_LENGTH)
    .u32(0) // hardware signature
    .u32(0) // firmware waking vector
    .u32(0) // global lock
    .u32(0) // flags: no S4BIOS, no 64-bit wake
    .u64(0) // X firmware waking vector
    .u8(2) // version
    .zeros(3)
    .u32(0) // OSPM flags
    .zeros(24)
    .toBytes();
}
