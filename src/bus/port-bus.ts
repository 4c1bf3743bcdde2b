// The 64 KiB port-I/O space. Lookup is one typed-array load (O(1)); the device call is the only
// indirect call on the path.
import { HOST_ACCESS, SIZES_4, type AccessContext, type PortAccessSize } from './access.js';
import { BusCore, XEN_BUS_PROFILE, type BusProfile } from './bus-core.js';
import { BusOverlapError, BusRangeError } from './errors.js';
import type { IoHandler, RegionOptions } from './handler.js';
import { Region, type RegionHost } from './region.js';

export const PORT_SPACE_SIZE = 0x10000;

export class PortBus extends BusCore implements RegionHost {
  /** Region index per port, -1 when unclaimed. */
  private readonly owners = new Int32Array(PORT_SPACE_SIZE).fill(-1);
  private readonly regions: (Region | null)[] = [];
  private readonly freeSlots: number[] = [];

  constructor(profile: BusProfile = XEN_BUS_PROFILE) {
    super('port', profile);
  }

  /** Claims ports [base, base+length) for `handler`. Throws BusOverlapError / BusRangeError. */
  register(base: number, length: number, handler: IoHandler, opts: RegionOptions): Region {
    checkPortRange(base, length, opts.owner);
    if (opts.sizes !== undefined && (opts.sizes & ~SIZES_4) !== 0) {
      throw new BusRangeError(`${opts.owner}: port accesses are 1, 2 or 4 bytes; sizes bit set ${opts.sizes} has others`);
    }
    const region = new Region(this, base, length, handler, opts, SIZES_4);
    this.claim(region, base);
    return region;
  }

  read(port: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    const idx = this.owners[port] ?? -1;
    if (idx >= 0) {
      const r = this.regions[idx]!;
      if (port + size <= r.end && (r.sizes & size) !== 0 && (!r.aligned || (port & (size - 1)) === 0)) {
        const raw = r.handler.read(port - r.base, size, ctx);
        const v = size === 4 ? raw >>> 0 : raw & ((1 << (size << 3)) - 1);
        if (this.tracer !== null) this.tracer.record('port', 'read', port, size, v, r.owner, ctx);
        return v;
      }
    }
    return this.slowRead(port, size, ctx);
  }

  write(port: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    const idx = this.owners[port] ?? -1;
    if (idx >= 0) {
      const r = this.regions[idx]!;
      if (port + size <= r.end && (r.sizes & size) !== 0 && (!r.aligned || (port & (size - 1)) === 0)) {
        const v = size === 4 ? value >>> 0 : value & ((1 << (size << 3)) - 1);
        if (this.tracer !== null) this.tracer.record('port', 'write', port, size, v, r.owner, ctx);
        r.handler.write(port - r.base, size, v, ctx);
        return;
      }
    }
    this.slowWrite(port, size, value, ctx);
  }

  regionAt(port: number): Region | null {
    const idx = this.owners[port] ?? -1;
    return idx >= 0 ? this.regions[idx]! : null;
  }

  protected anyRegionIn(port: number, size: number): boolean {
    for (let p = port; p < port + size && p < PORT_SPACE_SIZE; p++) if ((this.owners[p] ?? -1) >= 0) return true;
    return false;
  }

  /** Every live region, sorted by base. */
  list(): Region[] {
    return this.regions.filter((r): r is Region => r !== null).sort((a, b) => a.base - b.base);
  }

  moveRegion(region: Region, newBase: number): void {
    checkPortRange(newBase, region.length, region.owner);
    const idx = this.regions.indexOf(region);
    const oldBase = region.base;
    this.owners.fill(-1, oldBase, oldBase + region.length);
    try {
      this.checkFree(region, newBase);
    } catch (e) {
      this.owners.fill(idx, oldBase, oldBase + region.length);
      throw e;
    }
    region.base = newBase;
    region.end = newBase + region.length;
    this.owners.fill(idx, newBase, newBase + region.length);
  }

  removeRegion(region: Region): void {
    const idx = this.regions.indexOf(region);
    this.owners.fill(-1, region.base, region.end);
    this.regions[idx] = null;
    this.freeSlots.push(idx);
    region.live = false;
  }

  private claim(region: Region, base: number): void {
    this.checkFree(region, base);
    const idx = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.regions.length;
    this.regions[idx] = region;
    this.owners.fill(idx, base, base + region.length);
  }

  private checkFree(region: Region, base: number): void {
    for (let p = base; p < base + region.length; p++) {
      const other = this.owners[p]!;
      if (other >= 0) {
        throw new BusOverlapError('port', { ...describeRegion(region), base }, describeRegion(this.regions[other]!));
      }
    }
  }
}

function describeRegion(r: Region) {
  return { owner: r.owner, name: r.name, base: r.base, length: r.length };
}

function checkPortRange(base: number, length: number, owner: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > PORT_SPACE_SIZE) {
    throw new BusRangeError(
      `${owner}: port range base=${base} length=${length} is outside the 16-bit port space [0, 0xffff]`,
    );
  }
}
