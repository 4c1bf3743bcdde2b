// Firmware tables generated from a built platform: ACPI (RSDP, RSDT/XSDT, FADT, FACS, DSDT, MADT,
// HPET, MCFG), the Intel MP table, the e820 map, and the AML writer behind the DSDT.
export { FirmwareError } from './errors.js';
export { byteSum, ByteWriter, fixChecksum } from './byte-writer.js';
export {
  COM1,
  describeFirmwarePlatform,
  type FirmwareCpu,
  type FirmwareIoapic,
  type FirmwarePci,
  type FirmwarePlatform,
  type FirmwarePlatformOptions,
  LAPIC_DEFAULT_ADDRESS,
  type PciRoute,
  RESET_CONTROL_VALUE,
  RTC_CENTURY_INDEX,
} from './firmware-platform.js';
export { type BiosSetupOptions, type BiosSetupResult, setUpLikeBios } from './bios-setup.js';
export { type AcpiIds, checkAcpiIds, gas, GAS_IO, GAS_MEMORY, HVMDEV_ACPI_IDS, sdt, SDT_CHECKSUM_OFFSET, SDT_HEADER_LENGTH } from './acpi/sdt-header.js';
export { buildRsdp, RSDP_LENGTH } from './acpi/rsdp.js';
export { buildRsdt, buildXsdt } from './acpi/root-tables.js';
export { buildFacs, FACS_LENGTH } from './acpi/facs.js';
export { buildFadt, FADT_FLAGS, FADT_LENGTH, FADT_OFFSET, FADT_REVISION, fadtFlags, IAPC_BOOT_ARCH, iapcBootArch } from './acpi/fadt.js';
export { buildMadt, interruptSourceOverrides, INTI_CONFORMS, INTI_LEVEL_HIGH, MADT_PCAT_COMPAT, MADT_TYPE, type SourceOverride } from './acpi/madt.js';
export { buildHpetTable } from './acpi/hpet-table.js';
export { buildMcfg } from './acpi/mcfg.js';
export { buildDsdt, PCI_WINDOW64, pciHoleWindows } from './acpi/dsdt.js';
export { buildMpConfigTable, buildMpFloatingPointer, MP_FLOATING_POINTER_LENGTH, MP_INT, mpTableObstacle } from './mp-table.js';
export { buildE820, E820_TYPE, type E820Entry } from './e820.js';
export { type AcpiSignature, DEFAULT_FIRMWARE_BASE, type FirmwareImage, type FirmwareLayoutOptions, layOutFirmware } from './layout.js';
/** The AML (ACPI Machine Language) writer behind the DSDT: primitive encodings, terms (Scope, Device, Name, Method, ...) and resource descriptors. */
export * as aml from './aml/index.js';
