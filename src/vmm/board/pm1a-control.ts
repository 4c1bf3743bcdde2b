// PM1a_CNT (ACPI §4.8.3.2.1) where the platform's PM block leaves it to the device model: Xen's
// ACPI PM emulation serves PM1a_STS/EN and PM_TMR only (xen/arch/x86/hvm/pmtimer.c registers
// handle_evt_io and handle_pmt_io, not the control block), and a Xen guest's PM1a_CNT writes go to
// its device model, here the VMM's board. Two bytes at the block's base + 4: SCI_EN, BM_RLD and
// SLP_TYP read back; SLP_EN (write-only) asks for the sleep state in SLP_TYP.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import { PM1_CNT } from '../../devices/pm/pm-params.js';

/** PM1a_CNT bits that read back (GBL_RLS and SLP_EN are write-only). */
const READABLE = PM1_CNT.SCI_EN | PM1_CNT.BM_RLD | PM1_CNT.SLP_TYP_MASK;

export class Pm1aControl implements IoHandler {
  readonly id = 'pm1a-cnt';
  readonly kind = 'acpi-pm1a-control';
  private cnt = 0;

  /** `onSleep(slpTyp)` runs on every write that sets SLP_EN. */
  constructor(private readonly onSleep: (slpTyp: number) => void) {}

  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    return (this.cnt >>> (offset * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    // A byte write changes its byte only; a word write at 0 both.
    const v = ((value & (size === 1 ? 0xff : 0xffff)) << (offset * 8)) & 0xffff;
    const keep = offset === 0 && size !== 1 ? 0 : offset === 0 ? 0xff00 : 0x00ff;
    this.cnt = ((this.cnt & keep) | (v & ~keep)) & READABLE;
    if ((v & PM1_CNT.SLP_EN) !== 0) this.onSleep((this.cnt & PM1_CNT.SLP_TYP_MASK) >>> PM1_CNT.SLP_TYP_SHIFT);
  }

  reset(): void {
    this.cnt = 0;
  }
}
