// The 64 KiB port-I/O space. Lookup is O(1) and reads nothing but two arrays at the port's index:
// per port, one word with the owner's base and the access sizes served directly (in range,
// implemented, aligned as required), and the owner's handler. The handler comes from the port's
// index, not from an owner index, so the device call waits for one load after the port, as a
// direct call waits for its device reference; the device call is the only indirect call.
import { HOST_ACCESS, SIZES_4, type AccessContext, type PortAccessSize } from './access.js';
import { BusCore, XEN_BUS_PROFILE, type BusProfile } from './bus-core.js';
import { BusOverlapError, BusRangeError } from './errors.js';
import type { IoHandler, RegionOptions } from './handler.js';
import { packedArray } from './packed-array.js';
import { Region, type RegionHost } from './region.js';

/** Ports 0–0xFFFF: the x86 I/O address space (SDM Vol. 1, "I/O Address Space"), 64 Ki ports. */
export const PORT_SPACE_SIZE = 0x10000;
/** The value mask per access size 1, 2, 4, without a branch on the size (guests mix sizes). */
const SIZE_MASK = new Int32Array([0, 0xff, 0xffff, 0, -1]);
/** The handler of every unclaimed port's slot: never called (the direct word there is 0). */
const UNCLAIMED: IoHandler = {
  read: () => 0,
  write: () => undefined,
};

/**
 * The x86 I/O port space (0–0xFFFF): devices register port ranges with an {@link IoHandler}; the
 * host or a vCPU front-end reads and writes ports. A guest access never throws: an unclaimed port
 * reads all-ones of the access size (writes are dropped), and an access the range does not
 * implement follows the profile's width policy (docs/architecture.md, Buses). Registration throws
 * {@link BusOverlapError} or {@link BusRangeError}.
 * @example
 * ```ts
 * const ports = new PortBus();
 * let latch = 0;
 * ports.register(0x700, 2, {
 *   read: (offset) => (offset === 0 ? latch : 0),
 *   write: (offset, _size, value) => { if (offset === 0) latch = value; },
 * }, { owner: 'scratch', sizes: 1 | 2 });
 * ports.write(0x700, 2, 0x1234);
 * ports.read(0x700, 2);  // 0x1234
 * ports.read(0x702, 1);  // 0xff: unclaimed
 * ```
 */
export class PortBus extends BusCore implements RegionHost {
  /** Region index per port, -1 when unclaimed. */
  private readonly owners = new Int32Array(PORT_SPACE_SIZE).fill(-1);
  /**
   * Per port: the owner's base << 3 | the bit set of the sizes (1, 2, 4) an access there is served
   * with directly (0 when none is: unclaimed, or nothing fits).
   */
  private readonly direct = new Int32Array(PORT_SPACE_SIZE);
  /** Per port, the owner's handler (UNCLAIMED where none): read at the port's index on the fast path. */
  private readonly portHandlers: IoHandler[];
  private readonly regions: (Region | null)[] = [];
  private readonly freeSlots: number[] = [];

  constructor(profile: BusProfile = XEN_BUS_PROFILE) {
    super('port', profile);
    this.portHandlers = packedArray(PORT_SPACE_SIZE, UNCLAIMED);
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

  /** Reads `size` bytes at `port` (0–0xFFFF) as vCPU `ctx.vcpu`: a uint32 masked to the size. Never throws. */
  read(port: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    // Kept small so that V8 inlines read and write into a caller's loop; tracing is in readOther.
    const d = this.direct[port]!; // undefined past 0xFFFF: & gives 0
    if ((d & size) !== 0 && this.tracer === null) {
      // The offset as a small integer (exact: a port the table answers for is an integer index).
      return (this.portHandlers[port]!.read((port - (d >>> 3)) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    }
    return this.readOther(port, size, ctx);
  }

  /** Writes the low `size` bytes of `value` at `port` (0–0xFFFF) as vCPU `ctx.vcpu`. Never throws. */
  write(port: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    const d = this.direct[port]!;
    if ((d & size) !== 0 && this.tracer === null) {
      this.portHandlers[port]!.write((port - (d >>> 3)) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
      return;
    }
    this.writeOther(port, size, value, ctx);
  }

  /** read for what its inline path leaves: a direct access while tracing, and everything the width policy decides. */
  private readOther(port: number, size: PortAccessSize, ctx: AccessContext): number {
    const d = this.direct[port]!;
    if ((d & size) === 0) return this.slowRead(port, size, ctx);
    const v = (this.portHandlers[port]!.read(port - (d >>> 3), size, ctx) & SIZE_MASK[size]!) >>> 0;
    if (this.tracer !== null) this.tracer.record('port', 'read', port, size, v, this.regions[this.owners[port]!]!.owner, ctx);
    return v;
  }

  /** write for what its inline path leaves (see readOther). */
  private writeOther(port: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const d = this.direct[port]!;
    if ((d & size) === 0) {
      this.slowWrite(port, size, value, ctx);
      return;
    }
    const v = (value & SIZE_MASK[size]!) >>> 0;
    if (this.tracer !== null) this.tracer.record('port', 'write', port, size, v, this.regions[this.owners[port]!]!.owner, ctx);
    this.portHandlers[port]!.write(port - (d >>> 3), size, v, ctx);
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

  /** Moves `region` to `newBase`: what Region.move calls (use that). Throws BusOverlapError / BusRangeError, leaving it in place. */
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
    this.direct.fill(0, oldBase, oldBase + region.length);
    this.portHandlers.fill(UNCLAIMED, oldBase, oldBase + region.length);
    region.base = newBase;
    region.end = newBase + region.length;
    this.owners.fill(idx, newBase, newBase + region.length);
    this.markDirect(region);
  }

  /** Unregisters `region`: what Region.remove calls (use that). Its ports become unclaimed. */
  removeRegion(region: Region): void {
    const idx = this.regions.indexOf(region);
    this.owners.fill(-1, region.base, region.end);
    this.direct.fill(0, region.base, region.end);
    this.portHandlers.fill(UNCLAIMED, region.base, region.end);
    this.regions[idx] = null;
    this.freeSlots.push(idx);
    region.live = false;
  }

  private claim(region: Region, base: number): void {
    this.checkFree(region, base);
    const idx = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.regions.length;
    this.regions[idx] = region;
    this.owners.fill(idx, base, base + region.length);
    this.markDirect(region);
  }

  /** Records, for each port of the region, its handler, its base and which sizes it serves there without the slow path. */
  private markDirect(r: Region): void {
    for (let p = r.base; p < r.end; p++) {
      let sizes = 0;
      for (const size of [1, 2, 4]) if (r.serves(p, size)) sizes |= size;
      this.direct[p] = sizes === 0 ? 0 : (r.base << 3) | sizes;
      this.portHandlers[p] = r.handler;
    }
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
    throw new BusRangeError(`${owner}: port range base=${base} length=${length} is outside the 16-bit port space [0, 0xffff]`);
  }
}
