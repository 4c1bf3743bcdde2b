// Host bridge definitions: the function at 00:00.0 a profile's PCI host carries.

import type { PciFunctionDefinition } from './definition.js';

/** QEMU's default subsystem IDs (Red Hat, Inc. 0x1af4 / 0x1100) that every `pc` function reports at 0x2C. */
export const QEMU_SUBSYSTEM = Object.freeze({ subsystemVendorId: 0x1af4, subsystemId: 0x1100 });

/**
 * Intel 82441FX (i440FX) PMC, as in QEMU's `pc` and in Xen HVM guests (whose device model is
 * QEMU's i440FX/PIIX3): 8086:1237, class 0x060000 (host bridge), revision 0x02. The chipset
 * registers (PAM, SMRAM) are not modelled: their offsets behave as the host's gap policy says.
 */
export const I440FX_HOST_BRIDGE: PciFunctionDefinition = Object.freeze({
  name: 'i440fx',
  vendorId: 0x8086,
  deviceId: 0x1237,
  revision: 0x02,
  classCode: 0x060000,
  ...QEMU_SUBSYSTEM,
});
