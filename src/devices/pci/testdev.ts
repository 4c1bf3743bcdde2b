// QEMU's pci-testdev (1b36:0005, class 0x00ff): the example of a user-defined device, with the
// IDs, BARs and slot QEMU gives it under `pc -nodefaults -device pci-testdev` (00:02.0), so
// recorded config-space transcripts (BAR sizing) replay unchanged. QEMU's ioeventfd test
// registers behind the BARs are not modelled: this stand-in reads 0 and ignores writes there.
import type { IoHandler } from '../../bus/handler.js';
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import { QEMU_SUBSYSTEM } from './host-bridge.js';
import type { PciHost } from './host.js';

/** The slot QEMU's tests put pci-testdev in: device 2 (00:02.0). */
export const PCI_TESTDEV_SLOT = 2;

const QUIET: IoHandler = { read: () => 0, write: () => undefined };

/**
 * QEMU's `pci-testdev` (1b36:0005, class 0x00ff00): BAR0 4 KiB of memory and BAR1 256 bytes of I/O that read 0 and
 * ignore writes. The smallest complete {@link PciFunctionDefinition}; used to exercise BAR sizing and placement.
 */
export const PCI_TESTDEV: PciFunctionDefinition = Object.freeze<PciFunctionDefinition>({
  name: 'pci-testdev',
  vendorId: 0x1b36,
  deviceId: 0x0005,
  classCode: 0x00ff00,
  ...QEMU_SUBSYSTEM,
  bars: [
    { index: 0, kind: 'mem32', size: 0x1000, handler: QUIET, name: 'pci-testdev-mmio' },
    { index: 1, kind: 'io', size: 0x100, handler: QUIET, name: 'pci-testdev-portio' },
  ],
});

/**
 * Attaches {@link PCI_TESTDEV} to `host` at `device`.`fn` (default 00:02.0) and returns the function.
 * @throws PciSlotError if the slot is taken.
 *
 * @example
 * ```ts
 * const testdev = attachPciTestdev(p.device<PciHost>('pci'));
 * ```
 */
export function attachPciTestdev(host: PciHost, device = PCI_TESTDEV_SLOT, fn = 0): PciFunction {
  return host.attach({ device, function: fn }, PCI_TESTDEV);
}
