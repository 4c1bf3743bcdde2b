// ECAM / MMCFG (PCIe Base 3.0 §7.2.2): config space mapped into memory, 4 KiB per function and
// 1 MiB per bus: address = base + ((bus − busStart) << 20 | device << 15 | function << 12 | register).
// As Xen's vPCI MMCFG handler: 1, 2, 4 or 8-byte naturally aligned accesses only (others read
// all-ones, writes dropped, under every profile), an 8-byte access is two 4-byte accesses.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { ConfigAccessTarget } from './mechanism1.js';
import type { EcamRegionSpec } from './params.js';

export const ECAM_BYTES_PER_BUS = 1 << 20;

export class EcamWindow implements IoHandler {
  constructor(
    private readonly target: ConfigAccessTarget,
    readonly spec: EcamRegionSpec,
  ) {}

  get length(): number {
    return (this.spec.busEnd - this.spec.busStart + 1) * ECAM_BYTES_PER_BUS;
  }

  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    return this.target.configRead(this.spec.segment, this.spec.busStart + (offset >>> 20), (offset >>> 12) & 0xff, offset & 0xfff, size);
  }

  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    this.target.configWrite(this.spec.segment, this.spec.busStart + (offset >>> 20), (offset >>> 12) & 0xff, offset & 0xfff, size, value);
  }

  read64(offset: number, ctx: AccessContext): bigint {
    const lo = this.read(offset, 4, ctx);
    const hi = this.read(offset + 4, 4, ctx);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  write64(offset: number, value: bigint, ctx: AccessContext): void {
    this.write(offset, 4, Number(value & 0xffff_ffffn), ctx);
    this.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn), ctx);
  }
}
