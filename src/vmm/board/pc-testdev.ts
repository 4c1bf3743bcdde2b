// QEMU's pc-testdev (hw/misc/pc-testdev.c), the parts a guest sees besides the IRQ-line block
// (pc-testdev-irq-lines.ts):
//   0xE0–0xE3  a 32-bit scratch register; an access of any size reads/writes the byte lanes it
//              covers (offset & 3 picks the first lane). kvm-unit-tests' emulator test uses it for
//              IN/OUT/INS/OUTS.
//   0xE4–0xE7  "flush page": a 4-byte write names a guest page QEMU re-protects in the host; with
//              guest RAM shared with KVM there is nothing to flush here. Reads 0.
//   0xE8–0xEB  the same scratch register, served a byte at a time (QEMU's ioport-byte region).
//   0xFF000000 64 KiB of scratch memory (iomem).
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';

export const PC_TESTDEV_PORT = 0xe0;
export const PC_TESTDEV_PORT_COUNT = 12;
export const PC_TESTDEV_IOMEM_BASE = 0xff000000;
export const PC_TESTDEV_IOMEM_SIZE = 0x10000;

export class PcTestdev implements IoHandler {
  readonly id = 'pc-testdev';
  readonly kind = 'pc-testdev';
  /** The scratch register behind 0xE0 and 0xE8. */
  data = 0;
  /** Flush-page writes seen (guest-physical page addresses are not kept). */
  flushes = 0;

  // Registered as 0xE0–0xE7 and (where free) 0xE8–0xEB: offsets 0–3 and 0 (second range) are the
  // register, 4–7 the flush port.
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    if (offset >= 4 && offset < 8) return 0; // flush page
    return this.lanes(offset & 3, size);
  }

  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    if (offset >= 4 && offset < 8) {
      if (size === 4) this.flushes++;
      return;
    }
    const start = (offset & 3) * 8;
    const bits = Math.min(size * 8, 32 - start);
    const mask = bits >= 32 ? 0xffffffff : ((1 << bits) - 1) << start;
    this.data = ((this.data & ~mask) | ((value << start) & mask)) >>> 0;
  }

  private lanes(lane: number, size: number): number {
    const start = lane * 8;
    const v = this.data >>> start;
    return size >= 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1);
  }

  reset(): void {
    this.data = 0;
    this.flushes = 0;
  }
}

/** pc-testdev's 64 KiB scratch memory at 0xFF000000: plain bytes, any access size. */
export class PcTestdevIomem implements IoHandler {
  readonly id = 'pc-testdev-iomem';
  readonly bytes = new Uint8Array(PC_TESTDEV_IOMEM_SIZE);

  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v * 256 + (this.bytes[offset + i] ?? 0)) >>> 0;
    return v;
  }

  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    let v = value >>> 0;
    for (let i = 0; i < size && offset + i < this.bytes.length; i++) {
      this.bytes[offset + i] = v & 0xff;
      v >>>= 8;
    }
  }

  reset(): void {
    this.bytes.fill(0);
  }
}
