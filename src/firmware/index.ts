// Firmware tables generated from a built platform: ACPI (RSDP, RSDT/XSDT, FADT, FACS, DSDT, MADT,
// HPET, MCFG), the Intel MP table, the e820 map, and the AML writer behind the DSDT.
export * from './errors.js';
export * from './byte-writer.js';
export * from './firmware-platform.js';
export * from './bios-setup.js';
export * from './acpi/sdt-header.js';
export * from './acpi/rsdp.js';
export * from './acpi/root-tables.js';
export * from './acpi/facs.js';
export * from './acpi/fadt.js';
export * from './acpi/madt.js';
export * from './acpi/hpet-table.js';
export * from './acpi/mcfg.js';
export * from './acpi/dsdt.js';
export * from './mp-table.js';
export * from './e820.js';
export * from './layout.js';
/** The AML (ACPI Machine Language) writer behind the DSDT: primitive encodings, terms (Scope, Device, Name, Method, ...) and resource descriptors. */
export * as aml from './aml/index.js';
