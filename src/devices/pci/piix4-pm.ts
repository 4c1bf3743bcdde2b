// PIIX4 power management function (Intel 82371AB datasheet §3.2), function 3 of QEMU `pc`'s device 1:
// 8086:7113, class 0x068000, revision 0x03. PMBA (0x40, bits 15:6, bit 0 reads 1 = I/O space) holds
// the base of the ACPI PM I/O block and PMREGMISC (0x80) bit 0 PMIOSE enables its decoding; the
// block itself (PM1 event/control, PM timer) is the PM device's, placed through PmBlockPlacement.
// QEMU keeps PMBA and PMREGMISC as plain storage (all bits read back); this model keeps the
// datasheet's writable bits and decodes the same base (QEMU: pm_io_space_update, base & 0xffc0).
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import type { PciHost } from './host.js';
import { QEMU_SUBSYSTEM, storageBytes } from './host-bridge.js';

/** Config offset of the PIIX4 PM function's PMBA (0x40): ACPI PM I/O block base in bits 15:6, bit 0 reads 1 (82371AB §3.2). */
export const PIIX4_PMBA = 0x40;
/** Config offset of PMREGMISC (0x80): bit 0 ({@link PMREGMISC_PMIOSE}) enables decoding of the PM I/O block. */
export const PIIX4_PMREGMISC = 0x80;
/** PMBA bits that form the block's I/O address (15:6): the block is 64 bytes, 64-byte aligned. */
export const PMBA_ADDRESS_MASK = 0xffc0;
/** PMREGMISC bit 0, PMIOSE: the PM I/O block is decoded at PMBA. */
export const PMREGMISC_PMIOSE = 0x01;

/** Implemented by the ACPI PM block (src/devices/pm): decode the block at `base`, or stop decoding (null). */
export interface PmBlockPlacement {
  /**
   * Decode the PM I/O block (PM1 event/control, PM timer) at I/O port `base`, or nowhere when null. Never throws for a guest-chosen base.
   */
  placePmBlock(base: number | null): void;
}

/**
 * The definition of QEMU `pc`'s PIIX4 power management function (8086:7113 rev 3, class 0x068000, INTA#): PMBA and
 * PMREGMISC with the datasheet's writable bits, calling `changed` after each write, and QEMU's power-on values of
 * the SMBus and device-resource bytes as storage.
 */
export function piix4PmDefinition(changed: () => void): PciFunctionDefinition {
  return {
    name: 'piix4-pm',
    vendorId: 0x8086,
    deviceId: 0x7113,
    revision: 0x03,
    classCode: 0x068000,
    interruptPin: 1,
    status: 0x0280, // DEVSEL# medium, fast back-to-back capable
    ...QEMU_SUBSYSTEM,
    registers: [
      {
        offset: PIIX4_PMBA,
        size: 4,
        name: 'PMBA',
        reset: 0x00000001,
        ro: ~PMBA_ADDRESS_MASK >>> 0,
        write: (reg, v) => {
          reg.store(v);
          changed();
        },
      },
      {
        offset: PIIX4_PMREGMISC,
        size: 1,
        name: 'PMREGMISC',
        ro: 0xfe,
        write: (reg, v) => {
          reg.store(v);
          changed();
        },
      },
      // DEVRESD, DEVRESB (0x5f, 0x63), SMBBA (0x90) and SMBHSTCFG (0xd2) power-on values; SMBus is not modelled.
      ...storageBytes('PIIX4 PM', [
        [0x5f, 0x10],
        [0x63, 0x60],
        [0x90, 0x01],
        [0x91, 0xb1],
        [0xd2, 0x09],
      ]),
    ],
  };
}

/**
 * The PIIX4 PM function attached to a {@link PciHost} (default 00:01.3, as QEMU `pc`), which places the ACPI PM block
 * through a {@link PmBlockPlacement} wherever the guest's PMBA/PMIOSE say, including after reset and restore.
 */
export class Piix4Pm {
  readonly fn: PciFunction;
  /** Where the PM block was last placed (null: not decoded). */
  placedAt: number | null = null;

  constructor(
    host: PciHost,
    private readonly pm: PmBlockPlacement,
    device = 1,
    fnNumber = 3,
  ) {
    this.fn = host.attach(
      { device, function: fnNumber },
      piix4PmDefinition(() => this.update(false)),
    );
    // After reset or restore, tell the PM block where it belongs even if this cache agrees.
    this.fn.onStateReplaced(() => this.update(true));
  }

  /** The base the registers select, or null when PMIOSE is clear. */
  selectedBase(): number | null {
    const misc = this.fn.configRead(PIIX4_PMREGMISC, 1);
    if ((misc & PMREGMISC_PMIOSE) === 0) return null;
    return this.fn.configRead(PIIX4_PMBA, 4) & PMBA_ADDRESS_MASK;
  }

  private update(force: boolean): void {
    const base = this.selectedBase();
    if (base === this.placedAt && !force) return;
    this.placedAt = base;
    this.pm.placePmBlock(base);
  }
}
