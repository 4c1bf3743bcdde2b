// The HPET description table (IA-PC HPET 1.0a §3.2.4): the block's GCAP_ID low half, its address,
// the sequence number and the smallest periodic tick.
import { ByteWriter } from '../byte-writer.js';
import type { FirmwarePlatform } from '../firmware-platform.js';
import { gas, GAS_MEMORY, sdt, type AcpiIds } from './sdt-header.js';

/** The HPET description table for the platform's HPET block (FirmwarePlatform.hpet). */
export function buildHpetTable(hpet: NonNullable<FirmwarePlatform['hpet']>, ids: AcpiIds): Uint8Array {
  const w = new ByteWriter().u32(hpet.eventTimerBlockId);
  gas(w, GAS_MEMORY, 64, 0, hpet.address);
  w.u8(0) // HPET number
    .u16(hpet.minimumTick)
    .u8(0); // page protection: none
  return sdt('HPET', 1, w.toBytes(), ids);
}
