// The ICH9 LPC bridge (8086:2918, class 0x060100) at 00:1f.0 of QEMU 7.2's `q35` machine, with the
// registers QEMU's qtests use (Intel I/O Controller Hub 9 datasheet §13.1): PMBASE (0x40, the ACPI
// PM I/O block base in bits 15:7, bit 0 reads 1 = I/O space), ACPI_CNTL (0x44, bit 7 ACPI_EN
// enables the block's decoding) and the PIRQA–D/PIRQE–H routing registers (0x60–0x63, 0x68–0x6B,
// reset 0x80: routing disabled). The block itself is the PM device's, placed through
// PmBlockPlacement, as PIIX4 PM does on `pc`. PIRQ routing to ISA IRQs is not modelled (q35's PCI
// functions here raise no INTx).
// QEMU 7.2 (hw/isa/lpc_ich9.c) gives PMBASE the write mask 0xFF87 (bits 15:7 and, by an
// overlapping byte write in ich9_lpc_realize, bits 7 and 2:0), leaves every other device-specific
// byte writable storage, and decodes the block at PMBASE & 0xFF80 while ACPI_EN is set
// (ich9_lpc_pmbase_sci_update); this model has the same masks so recorded transcripts replay.
// RCBA (0xF0: base bits 31:14, bit 0 enable; §13.1.35) places the chipset configuration window, and
// the PM block's placement also places the TCO watchdog's registers (ich9-tco.ts) when there is one.
import type { PciFunctionDefinition } from './definition.js';
import type { PciFunction } from './function.js';
import type { PciHost } from './host.js';
import { QEMU_SUBSYSTEM, storageBytes } from './host-bridge.js';
import type { Ich9Tco } from './ich9-tco.js';
import type { PmBlockPlacement } from './piix4-pm.js';

/** Config offset of the ICH9 LPC bridge's PMBASE (0x40): the ACPI PM I/O block base in bits 15:7, bit 0 reads 1 (ICH9 datasheet §13.1). */
export const ICH9_LPC_PMBASE = 0x40;
/** Config offset of ACPI_CNTL (0x44): bit 7 ({@link ICH9_ACPI_EN}) enables decoding of the PM block at PMBASE. */
export const ICH9_LPC_ACPI_CNTL = 0x44;
/** ACPI_CNTL bit 7, ACPI_EN: the PM I/O block (and the TCO registers in it) is decoded at PMBASE. */
export const ICH9_ACPI_EN = 0x80;
/** PMBASE bits that form the block's I/O address (15:7): the block is 128 bytes, 128-byte aligned. */
export const ICH9_PMBASE_ADDRESS_MASK = 0xff80;
/** QEMU's write mask of PMBASE (see the file comment). */
export const QEMU_ICH9_PMBASE_WRITABLE = 0xff87;
/** Config offset of PIRQA_ROUT (0x60); PIRQB–D_ROUT follow at 0x61–0x63. Reset 0x80 (routing disabled). Stored, not routed here. */
export const ICH9_LPC_PIRQA_ROUT = 0x60;
/** Config offset of PIRQE_ROUT (0x68); PIRQF–H_ROUT follow at 0x69–0x6B. Reset 0x80 (routing disabled). Stored, not routed here. */
export const ICH9_LPC_PIRQE_ROUT = 0x68;
/** PIRQx_ROUT bit 7, IRQEN# (active high: set = the PIRQ is not routed to an ISA IRQ); the reset value 0x80. */
export const ICH9_PIRQ_ROUT_DISABLED = 0x80;
/** Config offset of RCBA (0xF0): base of the 16 KiB chipset configuration window in bits 31:14, enable in bit 0 (ICH9 §13.1.35). */
export const ICH9_LPC_RCBA = 0xf0;
/** RCBA bit 0: the chipset configuration window is decoded at RCBA & 0xFFFFC000. */
export const ICH9_RCBA_ENABLE = 0x1;
/** RCBA's writable bits: the base (31:14) and the enable (0). */
export const ICH9_RCBA_WRITABLE = 0xffffc001;
/** QEMU's slot for the ICH9 functions. */
export const ICH9_SLOT = 0x1f;

/**
 * The definition of QEMU 7.2 `q35`'s ICH9 LPC bridge (8086:2918 rev 2, class 0x060100, multi-function, at 00:1f.0):
 * PMBASE and ACPI_CNTL call `changed` on every write (the owner re-places the PM block), RCBA calls `rcbaChanged`,
 * and the PIRQ routing bytes are plain storage with QEMU's reset values and write masks.
 */
export function ich9LpcDefinition(changed: () => void, rcbaChanged: () => void = () => undefined): PciFunctionDefinition {
  const placeOnWrite = { write: (reg: { store(v: number): void }, v: number) => (reg.store(v), changed()) };
  const rcbaOnWrite = { write: (reg: { store(v: number): void }, v: number) => (reg.store(v), rcbaChanged()) };
  return {
    name: 'ich9-lpc',
    vendorId: 0x8086,
    deviceId: 0x2918,
    revision: 0x02,
    classCode: 0x060100,
    multiFunction: true,
    ...QEMU_SUBSYSTEM,
    registers: [
      { offset: ICH9_LPC_PMBASE, size: 4, name: 'PMBASE', reset: 0x00000001, ro: ~QEMU_ICH9_PMBASE_WRITABLE >>> 0, ...placeOnWrite },
      { offset: ICH9_LPC_ACPI_CNTL, size: 1, name: 'ACPI_CNTL', ...placeOnWrite },
      { offset: ICH9_LPC_RCBA, size: 4, name: 'RCBA', ro: ~ICH9_RCBA_WRITABLE >>> 0, ...rcbaOnWrite },
      ...storageBytes(
        'ICH9 LPC',
        [0, 1, 2, 3].flatMap((i) => [
          [ICH9_LPC_PIRQA_ROUT + i, ICH9_PIRQ_ROUT_DISABLED],
          [ICH9_LPC_PIRQE_ROUT + i, ICH9_PIRQ_ROUT_DISABLED],
        ]) as [number, number][],
      ),
    ],
  };
}

/** The LPC function and the PM block placement its PMBASE/ACPI_CNTL select. */
export class Ich9Lpc {
  readonly fn: PciFunction;
  /** Where the PM block was last placed (null: not decoded). */
  placedAt: number | null = null;

  constructor(
    host: PciHost,
    private readonly pm: PmBlockPlacement,
    private readonly tco: Ich9Tco | null = null,
  ) {
    this.fn = host.attach(
      { device: ICH9_SLOT, function: 0 },
      ich9LpcDefinition(
        () => this.update(false),
        () => this.updateRcba(),
      ),
    );
    this.fn.onStateReplaced(() => {
      this.update(true);
      this.updateRcba();
    });
  }

  /** The chipset configuration window's base, or null while RCBA's enable bit is clear. */
  selectedRcba(): number | null {
    const rcba = this.fn.configRead(ICH9_LPC_RCBA, 4);
    return rcba & ICH9_RCBA_ENABLE ? (rcba & ~0x3fff) >>> 0 : null;
  }

  /** The base the registers select, or null while ACPI_EN is clear. */
  selectedBase(): number | null {
    if ((this.fn.configRead(ICH9_LPC_ACPI_CNTL, 1) & ICH9_ACPI_EN) === 0) return null;
    return this.fn.configRead(ICH9_LPC_PMBASE, 4) & ICH9_PMBASE_ADDRESS_MASK;
  }

  private update(force: boolean): void {
    const base = this.selectedBase();
    if (base === this.placedAt && !force) return;
    this.placedAt = base;
    this.pm.placePmBlock(base);
    this.tco?.placePmio(base);
  }

  private updateRcba(): void {
    this.tco?.placeRcba(this.selectedRcba());
  }
}
