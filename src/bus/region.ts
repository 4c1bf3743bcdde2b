// One registered range on a bus: who owns it, what it implements, and where it is now.
import type { IoHandler, RegionOptions, WidthPolicy } from './handler.js';
import { StaleRegionError } from './errors.js';

/** The bus-side operations a region needs to move or remove itself. */
export interface RegionHost {
  moveRegion(region: Region, newBase: number): void;
  removeRegion(region: Region): void;
}

/**
 * One registered range, as `register` and `addRam` return it: where it is now, who owns it and
 * what its handler implements. Keep it to move (a PCI BAR) or remove the range later; after
 * `remove()` both methods throw {@link StaleRegionError}. Read its fields; do not assign them.
 */
export class Region {
  /** First port or guest-physical address (changes on `move`). */
  base: number;
  /** One past the last port or address (exclusive). */
  end: number;
  /** Length in ports or bytes. */
  readonly length: number;
  /** The registering device's id (RegionOptions.owner). */
  readonly owner: string;
  /** The range's name within its owner (default: the owner). */
  readonly name: string;
  /** Bit set of implemented sizes. */
  readonly sizes: number;
  /** Smallest implemented size (for widening in the split policy). */
  readonly minSize: number;
  /** Accesses must be naturally aligned (RegionOptions.aligned). */
  readonly aligned: boolean;
  /** The range's own width policy, or null for the bus profile's. */
  readonly policy: WidthPolicy | null;
  /** Guest RAM backing, or null for a device range. */
  readonly ram: Uint8Array | null;
  /** A DataView over `ram` (little-endian reads), or null. */
  readonly view: DataView | null;
  /** False once removed from its bus. */
  live = true;

  constructor(
    private readonly host: RegionHost,
    base: number,
    length: number,
    /** The device's handler (RAM regions have a placeholder that is never called). */
    readonly handler: IoHandler,
    opts: RegionOptions,
    defaultSizes: number,
    ram: Uint8Array | null = null,
  ) {
    this.base = base;
    this.length = length;
    this.end = base + length;
    this.owner = opts.owner;
    this.name = opts.name ?? opts.owner;
    let sizes = opts.sizes ?? defaultSizes;
    // Size 8 is only deliverable to handlers that implement the 64-bit entry points.
    if (ram === null && (handler.read64 === undefined || handler.write64 === undefined)) sizes &= ~8;
    this.sizes = sizes;
    this.minSize = sizes & 1 ? 1 : sizes & 2 ? 2 : sizes & 4 ? 4 : 8;
    this.aligned = opts.aligned ?? false;
    this.policy = opts.widthPolicy ?? null;
    this.ram = ram;
    this.view = ram === null ? null : new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  }

  /** Moves the range to `newBase` (same length). Throws BusOverlapError if the new place is taken. */
  move(newBase: number): void {
    this.assertLive();
    this.host.moveRegion(this, newBase);
  }

  /** Removes the range; the addresses become unclaimed. */
  remove(): void {
    this.assertLive();
    this.host.removeRegion(this);
  }

  /** True when [addr, addr+size) lies inside the range and the handler implements that access. */
  serves(addr: number, size: number): boolean {
    return addr >= this.base && addr + size <= this.end && (this.sizes & size) !== 0 && (!this.aligned || addr % size === 0);
  }

  private assertLive(): void {
    if (!this.live) {
      throw new StaleRegionError(`${this.owner}/${this.name} was removed from its bus; register it again`);
    }
  }
}
