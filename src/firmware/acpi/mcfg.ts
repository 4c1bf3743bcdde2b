// MCFG (PCI Firmware Specification 3.0 §4.1.2): one allocation per ECAM window.
import { ByteWriter } from '../byte-writer.js';
import type { EcamRegionSpec } from '../../devices/pci/params.js';
import { sdt, type AcpiIds } from './sdt-header.js';

/** The MCFG: one configuration space base address allocation per ECAM window (segment, bus range). */
export function buildMcfg(windows: readonly EcamRegionSpec[], ids: AcpiIds): Uint8Array {
  const w = new ByteWriter().zeros(8);
  for (const e of windows) w.u64(e.base).u16(e.segment).u8(e.busStart).u8(e.busEnd).u32(0);
  return sdt('MCFG', 1, w.toBytes(), ids);
}
