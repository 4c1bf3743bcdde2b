// Injection tokens of the PCI layer (the platform builder binds them; tests construct directly).

/** The PciHostParams the host is built from (XEN_PCI_HOST_PARAMS, QEMU_PC_PCI_HOST_PARAMS, ...). */
export const PCI_HOST_PARAMS = Symbol('PciHostParams');
/** The PciHost instance, for companions that add functions to it (the qemu-pc chipset). */
export const PCI_HOST = Symbol('PciHost');
/** Who is told when the guest asks for a platform reset through port 0xCF9. */
export const PLATFORM_RESET_REQUEST = Symbol('PlatformResetRequest');
/** The ACPI PM block that PIIX4 PM's PMBA/PMREGMISC place (implemented in src/devices/pm). */
export const PM_BLOCK_PLACEMENT = Symbol('PmBlockPlacement');
