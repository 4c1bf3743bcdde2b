// QEMU's isa-debug-exit (hw/misc/debugexit.c), as kvm-unit-tests configure it: ports 0xF4–0xF7
// (`-device isa-debug-exit,iobase=0xf4,iosize=4`). A write of `code` (1, 2 or 4 bytes) ends the VM;
// QEMU exits with status (code << 1) | 1, which the VMM reproduces from the code given here.
// Reads return 0 (QEMU has no read handler; an unassigned read of this region gives 0).
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';

export const ISA_DEBUG_EXIT_PORT = 0xf4;
export const ISA_DEBUG_EXIT_SIZE = 4;

/** QEMU's process exit status for a debug-exit write of `code`: (code << 1) | 1, as a byte. */
export function debugExitStatus(code: number): number {
  return ((code << 1) | 1) & 0xff;
}

export class IsaDebugExit implements IoHandler {
  readonly id = 'isa-debug-exit';
  readonly kind = 'isa-debug-exit';
  /** The last code written, or null before any write. */
  lastCode: number | null = null;

  constructor(private readonly onExit: (code: number) => void) {}

  read(_offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    return 0;
  }

  write(_offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.lastCode = value >>> 0;
    this.onExit(value >>> 0);
  }

  reset(): void {
    this.lastCode = null;
  }
}
