// ECAM / MMCFG (PCIe Base 3.0 §7.2.2): config space mapped into memory, 4 KiB per function and
// 1 MiB per bus: address = base + ((bus − busStart) << 20 | device << 15 | function << 12 | register).
// As Xen's vPCI MMCFG handler: 1, 2, 4 or 8-byte naturally aligned accesses only (others read
// all-ones, writes dropped, under every profile), an 8-byte access is two 4-byte accesses.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { ConfigAccessTarget } from './mechanism1.js';
import type { EcamRegionSpec } from './params.js';

/** Bytes of ECAM space per bus: 1 MiB (32 devices × 8 functions × 4 KiB; PCI Express Base §7.2.2). */
export const ECAM_BYTES_PER_BUS = 1 << 20;

/**
 * One ECAM window (PCI Express enhanced configuration access; "MMCONFIG"): memory offset `bus << 20 | device << 15 |
 * function << 12 | register` reaches that function's config space, for the segment and bus range of `spec`.
 * Added through {@link PciHost.addEcamRegion}. Never throws for guest accesses.
 */
export class EcamWindow implements IoHandler {
  constructor(
    private readonly target: ConfigAccessTarget,
    readonly spec: EcamRegionSpec,
  ) {}

  get length(): number {
    return (this.spec.busEnd - this.spec.busStart + 1) * ECAM_BYTES_PER_BUS;
  }

  /** A guest read of `size` bytes at `offset` into the window: the addressed function's config register (all-ones when absent). */
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    return this.target.configRead(this.spec.segment, this.spec.busStart + (offset >>> 20), (offset >>> 12) & 0xff, offset & 0xfff, size);
  }

  /** A guest write of `size` bytes at `offset` into the window, to the addressed function's config space. */
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.target.configWrite(this.spec.segment, this.spec.busStart + (offset >>> 20), (offset >>> 12) & 0xff, offset & 0xfff, size, value);
  }

  /** A guest 8-byte read: two 4-byte config reads, low dword first. */
  read64(offset: number, ctx: AccessContext): bigint {
    const lo = this.read(offset, 4, ctx);
    const hi = this.read(offset + 4, 4, ctx);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A guest 8-byte write: two 4-byte config writes, low dword first. */
  write64(offset: number, value: bigint, ctx: AccessContext): void {
    this.write(offset, 4, Number(value & 0xffff_ffffn), ctx);
    this.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn), ctx);
  }
}
