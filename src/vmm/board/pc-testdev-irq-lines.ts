// pc-testdev's IRQ-line block (QEMU hw/misc/pc-testdev.c, "pc-testdev-irq-line"): 24 byte ports at
// 0x2000. A byte write to 0x2000 + n sets input line n to (value != 0); reads return 0. QEMU drives
// its GSI n (on the pc board also PIC input n for n < 16). kvm-unit-tests' ioapic test raises and
// lowers IO-APIC inputs 0x0E and 0x0F this way (x86/ioapic.c, set_irq_line).
//
// Each line is its own interrupt source on GSI n (wired-OR with whatever else drives that GSI), so
// the test device never disturbs a device's own assertion.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { IrqLine } from '../../irq/line.js';

export const PC_TESTDEV_IRQ_PORT = 0x2000;
export const PC_TESTDEV_IRQ_LINES = 24;

/** Makes the source for line n (GSI n; PIC input n for n < 16). */
export type IrqSourceFactory = (line: number) => IrqLine;

export class PcTestdevIrqLines implements IoHandler {
  readonly id = 'pc-testdev-irq';
  readonly kind = 'pc-testdev-irq-line';
  private readonly lines: IrqLine[];

  constructor(makeLine: IrqSourceFactory, count = PC_TESTDEV_IRQ_LINES) {
    this.lines = Array.from({ length: count }, (_, n) => makeLine(n));
  }

  read(_offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    return 0;
  }

  write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.lines[offset]?.set((value & 0xff) !== 0);
  }

  /** The level the guest last set on line n. */
  level(n: number): boolean {
    return this.lines[n]?.level ?? false;
  }

  reset(): void {
    for (const l of this.lines) l.lower();
  }
}
