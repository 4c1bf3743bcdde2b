// Host bridge definitions: the function at 00:00.0 a profile's PCI host carries.

import type { ConfigRegisterSpec } from './config-space.js';
import type { PciFunctionDefinition } from './definition.js';

/**
 * Chipset registers the library keeps as plain guest-writable bytes with their power-on values
 * (QEMU 7.2's reset values, read from a real `pc`), without modelling what they control.
 */
export function storageBytes(name: string, values: readonly (readonly [offset: number, reset: number])[]): ConfigRegisterSpec[] {
  return values.map(([offset, reset]) => ({ offset, size: 1, name: `${name} 0x${offset.toString(16)}`, reset }));
}

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
  // DRAMC (0x57) and SMRAM (0x72) power-on values; PAM/SMRAM behaviour is not modelled.
  registers: storageBytes('i440FX', [
    [0x57, 0x10],
    [0x72, 0x02],
  ]),
});
