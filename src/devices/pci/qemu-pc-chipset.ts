// The PCI functions QEMU 7.2's `pc` machine has beside its host bridge: PIIX3 ISA bridge 00:01.0,
// the PIIX3 IDE function 00:01.1 (config space only) and PIIX4 PM 00:01.3.
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import { QEMU_SUBSYSTEM } from './host-bridge.js';
import type { PciHost } from './host.js';
import { Piix3IsaBridge } from './piix3.js';
import { Piix4Pm, type PmBlockPlacement } from './piix4-pm.js';

/**
 * PIIX3 IDE (8086:7010, class 0x010180): its config space as QEMU shows it, with the 16-byte
 * bus-master BAR4. No IDE controller is modelled behind it: the BAR decodes all-ones.
 */
export const PIIX3_IDE_CONFIG_ONLY: PciFunctionDefinition = Object.freeze<PciFunctionDefinition>({
  name: 'piix3-ide',
  vendorId: 0x8086,
  deviceId: 0x7010,
  classCode: 0x010180,
  status: 0x0280,
  ...QEMU_SUBSYSTEM,
  bars: [{ index: 4, kind: 'io', size: 16 }],
});

/**
 * The PCI functions QEMU 7.2's `pc` machine has beside its host bridge: the PIIX3 ISA bridge (00:01.0, PIRQ routing),
 * the PIIX3 IDE function (00:01.1, config space only) and PIIX4 PM (00:01.3, places the ACPI PM block).
 * @throws PciSlotError if those slots are taken on `host`.
 */
export class QemuPcChipset {
  readonly isa: Piix3IsaBridge;
  readonly ide: PciFunction;
  readonly pm: Piix4Pm;

  constructor(host: PciHost, pmBlock: PmBlockPlacement) {
    this.isa = new Piix3IsaBridge(host, 1);
    this.ide = host.attach({ device: 1, function: 1 }, PIIX3_IDE_CONFIG_ONLY);
    this.pm = new Piix4Pm(host, pmBlock, 1, 3);
  }
}
