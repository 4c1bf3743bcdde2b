// The firmware tables of a VMM guest, as a PC BIOS leaves them: the platform is first set up the
// way a BIOS does (PM block placed, PCI links routed: src/firmware/bios-setup.ts), then described,
// and the image (RSDP, MP floating pointer, ACPI tables, MP configuration table) is copied to the
// BIOS area at 0xF0000, where the OS's scan of 0xE0000–0xFFFFF finds the RSDP and its scan of
// 0xF0000–0xFFFFF the MP table. The e820 map reserves that image; the loaders pass it on.
import type { Platform } from '../platform/platform.js';
import { describeFirmwarePlatform, type FirmwarePlatform } from '../firmware/firmware-platform.js';
import { setUpLikeBios } from '../firmware/bios-setup.js';
import { DEFAULT_FIRMWARE_BASE, layOutFirmware, type FirmwareImage } from '../firmware/layout.js';
import { COM1_IRQ, COM1_PORT } from './board/uart-16550a.js';

export interface GuestFirmware {
  readonly facts: FirmwarePlatform;
  readonly image: FirmwareImage;
}

/**
 * Sets the platform up like a BIOS, builds its tables (with the board's COM1 in the DSDT and MP
 * table) and writes them into `ram` (guest-physical 0 … ram.length) at 0xF0000.
 */
export function installFirmwareTables(platform: Platform, ram: Uint8Array): GuestFirmware {
  setUpLikeBios(platform);
  const facts = describeFirmwarePlatform(platform, { uart: { port: COM1_PORT, irq: COM1_IRQ } });
  const image = layOutFirmware(facts, { base: DEFAULT_FIRMWARE_BASE });
  // A VM has at least 2 MiB (vm.ts), so the BIOS area is always inside `ram`.
  ram.set(image.bytes, image.base);
  return { facts, image };
}
