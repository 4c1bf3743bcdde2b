// Lays every firmware table out at one guest-physical base into a single image, with each table's
// pointers patched to where the others landed: RSDP first (16-byte aligned, so at 0xE0000–0xFFFFF
// the OS's scan finds it), the MP floating pointer next, then FACS (64-byte aligned), DSDT, FADT,
// MADT, HPET, MCFG, XSDT, RSDT and the MP configuration table. A VMM copies `bytes` to `base` in
// guest RAM and passes `rsdp` to the boot protocol; `e820` already reserves the image.
import { buildDsdt } from './acpi/dsdt.js';
import { buildFacs } from './acpi/facs.js';
import { buildFadt } from './acpi/fadt.js';
import { buildHpetTable } from './acpi/hpet-table.js';
import { buildMadt } from './acpi/madt.js';
import { buildMcfg } from './acpi/mcfg.js';
import { buildRsdt, buildXsdt } from './acpi/root-tables.js';
import { buildRsdp } from './acpi/rsdp.js';
import { checkAcpiIds, HVMDEV_ACPI_IDS, type AcpiIds } from './acpi/sdt-header.js';
import { buildE820, E820_TYPE, type E820Entry } from './e820.js';
import { FirmwareError } from './errors.js';
import type { FirmwarePlatform } from './firmware-platform.js';
import { buildMpConfigTable, buildMpFloatingPointer, mpTableObstacle } from './mp-table.js';

/** Where PC firmware keeps these tables: the top 64 KiB of the BIOS area (the MP scan covers 0xF0000–0xFFFFF). */
export const DEFAULT_FIRMWARE_BASE = 0xf0000;
const BIOS_AREA_START = 0xe0000;
const BIOS_AREA_END = 0x100000;

/** The signature of each ACPI table `layOutFirmware` may write (`FACP` is the FADT, `APIC` the MADT). */
export type AcpiSignature = 'RSDT' | 'XSDT' | 'FACP' | 'FACS' | 'DSDT' | 'APIC' | 'HPET' | 'MCFG';

/** Every firmware table laid out in one image, and where each one is. */
export interface FirmwareImage {
  /** Guest-physical address the image is laid out for. */
  readonly base: number;
  /** The image: copy it to guest-physical `base`. */
  readonly bytes: Uint8Array;
  /** RSDP address (for boot_params.acpi_rsdp_addr or a scan of the BIOS area). */
  readonly rsdp: number;
  /** Every ACPI table's address by signature (absent tables absent). */
  readonly tables: Readonly<Partial<Record<AcpiSignature, number>>>;
  /** The MP floating pointer and configuration table, or null with the reason. */
  readonly mp: { readonly floatingPointer: number; readonly configTable: number } | { readonly omitted: string };
  /** The e820 map with the image reserved. */
  readonly e820: readonly E820Entry[];
}

/** Where and how `layOutFirmware` lays the tables out. */
export interface FirmwareLayoutOptions {
  /** Guest-physical address of the image, 16-byte aligned; default 0xF0000. */
  readonly base?: number;
  /** The OEM and creator ids every table carries (default HVMDEV_ACPI_IDS). */
  readonly ids?: AcpiIds;
  /** Include the MP tables when the platform allows them (default true). */
  readonly mpTable?: boolean;
}

/** The tables the XSDT/RSDT point at (the FADT points at FACS and DSDT). */
const ROOT_LISTED = ['FACP', 'APIC', 'HPET', 'MCFG'];
const align = (v: number, a: number) => Math.ceil(v / a) * a;

/**
 * Lays out every table the platform needs at one guest-physical base, pointers patched, with the e820
 * map reserving the image. A VMM copies `bytes` to `base` and hands `rsdp` to the boot protocol.
 * @throws FirmwareError for a base that is not 16-byte aligned, bad ids, an image ending above 4 GiB,
 * or one placed in the BIOS area (0xE0000–0xFFFFF) that does not fit there
 * @example
 * const p = createPlatform({ profile: 'qemu-pc', vcpus: 2 });
 * setUpLikeBios(p);
 * const image = layOutFirmware(describeFirmwarePlatform(p, { uart: COM1 })); // at 0xF0000
 */
export function layOutFirmware(p: FirmwarePlatform, options: FirmwareLayoutOptions = {}): FirmwareImage {
  const base = options.base ?? DEFAULT_FIRMWARE_BASE;
  const ids = options.ids ?? HVMDEV_ACPI_IDS;
  checkAcpiIds(ids);
  if (!Number.isInteger(base) || base < 0 || base % 16 !== 0) {
    throw new FirmwareError(`firmware base 0x${base.toString(16)} must be a 16-byte aligned guest-physical address`);
  }
  const mpObstacle = options.mpTable === false ? 'not asked for (mpTable: false)' : mpTableObstacle(p);

  // Sizes do not depend on addresses: build once with zero pointers to place, then again for real.
  const build = (addr: Partial<Record<string, number>>) => {
    const parts: [string, Uint8Array, number][] = [];
    parts.push(['RSDP', buildRsdp(addr.RSDT ?? 0, addr.XSDT ?? 0, ids), 16]);
    if (mpObstacle === null) parts.push(['MPFP', buildMpFloatingPointer(addr.MPCT ?? 0), 16]);
    parts.push(['FACS', buildFacs(), 64]);
    parts.push(['DSDT', buildDsdt(p, ids), 16]);
    parts.push(['FACP', buildFadt(p, addr.FACS ?? 0, addr.DSDT ?? 0, ids), 16]);
    if (p.lapicAddress !== null) parts.push(['APIC', buildMadt(p, ids), 16]);
    if (p.hpet !== null) parts.push(['HPET', buildHpetTable(p.hpet, ids), 16]);
    if (p.pci !== null && p.pci.ecam.length > 0) parts.push(['MCFG', buildMcfg(p.pci.ecam, ids), 16]);
    const listed = parts.map(([s]) => s).filter((s) => ROOT_LISTED.includes(s));
    const pointers = listed.map((s) => addr[s] ?? 0);
    parts.push(['XSDT', buildXsdt(pointers, ids), 16]);
    parts.push(['RSDT', buildRsdt(pointers, ids), 16]);
    if (mpObstacle === null) parts.push(['MPCT', buildMpConfigTable(p, ids.oemId), 16]);
    return parts;
  };

  const addresses: Record<string, number> = {};
  let at = base;
  for (const [sig, bytes, alignment] of build({})) {
    at = align(at, alignment);
    addresses[sig] = at;
    at += bytes.length;
  }
  const end = at;
  if (end > 2 ** 32) throw new FirmwareError(`firmware image at 0x${base.toString(16)} would end above 4 GiB (32-bit table pointers): choose a lower base`);
  if (base >= BIOS_AREA_START && base < BIOS_AREA_END && end > BIOS_AREA_END) {
    throw new FirmwareError(`firmware image of ${end - base} bytes does not fit in the BIOS area from 0x${base.toString(16)}: choose a lower base (0xE0000)`);
  }

  const bytes = new Uint8Array(end - base);
  const final = build(addresses);
  for (const [sig, data] of final) bytes.set(data, addresses[sig]! - base);

  const tables: Partial<Record<AcpiSignature, number>> = {};
  for (const s of ['RSDT', 'XSDT', 'FACP', 'FACS', 'DSDT', 'APIC', 'HPET', 'MCFG'] as const) {
    if (addresses[s] !== undefined) tables[s] = addresses[s];
  }
  const reservedBase = Math.floor(base / 4096) * 4096;
  const reserved = { base: reservedBase, size: align(end, 4096) - reservedBase, type: E820_TYPE.RESERVED };
  return {
    base,
    bytes,
    rsdp: addresses.RSDP!,
    tables,
    mp: mpObstacle === null ? { floatingPointer: addresses.MPFP!, configTable: addresses.MPCT! } : { omitted: mpObstacle },
    e820: buildE820(p, [reserved]),
  };
}
