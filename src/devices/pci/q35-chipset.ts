// The PCI functions of QEMU 7.2's `q35` machine as its qtest shows them (`-nodefaults`): the MCH
// host bridge at 00:00.0 (PCIEXBAR places ECAM), the ICH9 LPC bridge at 00:1f.0 (PMBASE/ACPI_CNTL
// place the ACPI PM block), and the ICH9 AHCI (1f.2) and SMBus (1f.3) functions with their identity,
// BARs and capability list (config space only: no SATA or SMBus controller decodes behind the BARs,
// which read all-ones). Values were read from a real QEMU 7.2 in qtest mode (docs/qtest.md, "Recording a transcript").
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import { QEMU_SUBSYSTEM } from './host-bridge.js';
import type { PciHost } from './host.js';
import { Ich9Lpc, ICH9_SLOT } from './ich9-lpc.js';
import type { Ich9Tco } from './ich9-tco.js';
import { Pam, Q35_MCH_PAM0 } from './pam.js';
import type { PmBlockPlacement } from './piix4-pm.js';
import { type MchMemory, Q35Mch, QEMU_Q35_MCH_PARAMS, type Q35MchParams } from './q35-mch.js';

/**
 * ICH9 AHCI (8086:2922, class 0x010601, revision 2): BAR4 32 bytes of I/O, BAR5 (ABAR) 4 KiB of
 * memory; an MSI capability at 0x80 (one vector, 64-bit address) with the AHCI address map
 * register at 0x90 (0x40: AHCI mode) inside it, as QEMU lays them out, and the SATA capability
 * (0x12, revision 1.0, BAR offset 0x48) at 0xA8.
 */
export const ICH9_AHCI_CONFIG_ONLY: PciFunctionDefinition = Object.freeze<PciFunctionDefinition>({
  name: 'ich9-ahci',
  vendorId: 0x8086,
  deviceId: 0x2922,
  revision: 0x02,
  classCode: 0x010601,
  multiFunction: true,
  interruptPin: 1,
  ...QEMU_SUBSYSTEM,
  bars: [
    { index: 4, kind: 'io', size: 32 },
    { index: 5, kind: 'mem32', size: 4096 },
  ],
  capabilityBase: 0x80,
  capabilities: [
    {
      // MSI as a plain capability (0x80–0xA7): no message is ever sent, since nothing behind the
      // BARs raises an interrupt; the registers keep what the guest writes.
      kind: 'custom',
      id: 0x05,
      length: 0x28,
      registers: [
        { offset: 0x02, size: 2, name: 'MSI message control', reset: 0x0080, ro: 0xff8e },
        { offset: 0x04, size: 4, name: 'MSI address', ro: 0x3 },
        { offset: 0x08, size: 4, name: 'MSI upper address' },
        { offset: 0x0c, size: 2, name: 'MSI data' },
        { offset: 0x10, size: 1, name: 'AHCI address map', reset: 0x40 },
      ],
    },
    {
      kind: 'custom',
      id: 0x12,
      length: 8,
      registers: [
        { offset: 0x02, size: 2, name: 'SATA capability revision', reset: 0x0010, ro: 0xffff },
        { offset: 0x04, size: 4, name: 'SATA BAR offset', reset: 0x00000048, ro: 0xffffffff },
      ],
    },
  ],
});

/** ICH9 SMBus (8086:2930, class 0x0c0500, revision 2): BAR4 64 bytes of I/O; HOSTC (0x40) bit 3 read-only. */
export const ICH9_SMBUS_CONFIG_ONLY: PciFunctionDefinition = Object.freeze<PciFunctionDefinition>({
  name: 'ich9-smbus',
  vendorId: 0x8086,
  deviceId: 0x2930,
  revision: 0x02,
  classCode: 0x0c0500,
  multiFunction: true,
  interruptPin: 1,
  ...QEMU_SUBSYSTEM,
  bars: [{ index: 4, kind: 'io', size: 64 }],
  registers: [{ offset: 0x40, size: 1, name: 'HOSTC', ro: 0x08 }],
});

/**
 * The PCI functions of QEMU 7.2's `q35` machine: the MCH host bridge at 00:00.0 (PCIEXBAR places ECAM; SMRAM/TSEG
 * and PAM when `memory` is given), the ICH9 LPC bridge at 00:1f.0 (places the ACPI PM block and the TCO watchdog),
 * and the ICH9 AHCI (1f.2) and SMBus (1f.3) functions as config space only.
 * @throws PciSlotError if those slots are taken on `host`.
 */
export class Q35Chipset {
  readonly mch: Q35Mch;
  /** The MCH's PAM0–PAM6 (0x90–0x96) over 0xC0000–0xFFFFF, or null without RAM. */
  readonly pam: Pam | null;
  readonly lpc: Ich9Lpc;
  readonly ahci: PciFunction;
  readonly smbus: PciFunction;

  /**
   * `tco`: the ICH9 TCO watchdog the LPC function places (null: none; its ports stay unclaimed).
   * `memory`: where the MCH hides TSEG and SMRAM (null: no RAM to hide).
   */
  constructor(
    host: PciHost,
    pmBlock: PmBlockPlacement,
    readonly tco: Ich9Tco | null = null,
    mchParams: Q35MchParams = QEMU_Q35_MCH_PARAMS,
    memory: MchMemory | null = null,
  ) {
    this.mch = new Q35Mch(host, mchParams, memory);
    this.pam = memory === null ? null : new Pam(this.mch.fn, Q35_MCH_PAM0, memory.mmio);
    this.lpc = new Ich9Lpc(host, pmBlock, tco);
    this.ahci = host.attach({ device: ICH9_SLOT, function: 2 }, ICH9_AHCI_CONFIG_ONLY);
    this.smbus = host.attach({ device: ICH9_SLOT, function: 3 }, ICH9_SMBUS_CONFIG_ONLY);
  }
}
