// PS/2 System Control Port A at 0x92 (IBM PS/2 technical reference; QEMU hw/i386/pc.c "port92"):
// bit 0 is "fast reset" (a 0→1 write resets the CPU; it reads back 1 until the reset happens),
// bit 1 gates address line A20. The board
// reports the reset request to the VMM; A20 is kept only as the value read back (a VMM's guest RAM
// has no 1 MiB wrap-around).
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';

export const SYSTEM_CONTROL_PORT_A = 0x92;
export const PORT_A = { FAST_RESET: 0x01, A20: 0x02 } as const;

export class SystemControlPortA implements IoHandler {
  readonly id = 'port92';
  readonly kind = 'system-control-port-a';
  private value = 0;
  /** Reset requests seen. */
  resets = 0;

  constructor(private readonly onReset: () => void) {}

  read(_offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    return this.value;
  }

  write(_offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    const v = value & 0xff;
    const pulse = (v & PORT_A.FAST_RESET) !== 0 && (this.value & PORT_A.FAST_RESET) === 0;
    this.value = v & (PORT_A.A20 | PORT_A.FAST_RESET);
    if (pulse) {
      this.resets++;
      this.onReset();
    }
  }

  /** Whether the guest has A20 enabled through this port. */
  get a20(): boolean {
    return (this.value & PORT_A.A20) !== 0;
  }

  /** The reset itself clears the fast-reset bit; A20 keeps its setting (QEMU port92_reset). */
  reset(): void {
    this.value &= ~PORT_A.FAST_RESET;
  }
}
