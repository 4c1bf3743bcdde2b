// The physical memory bus: device ranges and guest RAM side by side. Addresses are numbers: x86
// physical addresses are at most 52 bits (MAXPHYADDR ≤ 52, Intel SDM Vol. 3A §4.1.4), which a
// double holds exactly; an address outside [0, 2^52) simply finds no range. Lookup: a last-hit
// check; below 4 GiB two small tables built lazily after registrations change — one Uint16 per
// 64 KiB chunk (128 KiB, cache-friendly) naming the only range in that chunk, and, for chunks
// several ranges share, one Uint16 per 4 KiB page: O(1); above 4 GiB, or on a page shared by
// several ranges, a binary search over the sorted range starts: O(log n).
import { HOST_ACCESS, SIZES_8, type AccessContext, type PortAccessSize } from './access.js';
import { BusCore, XEN_BUS_PROFILE, type BusProfile } from './bus-core.js';
import { BusOverlapError, BusRangeError } from './errors.js';
import type { IoHandler, RegionOptions } from './handler.js';
import { Region, type RegionHost } from './region.js';

/** Largest physical address width the bus accepts for registrations (Intel SDM: MAXPHYADDR ≤ 52). */
export const MAX_PHYS_ADDR = 2 ** 52;

const RAM_HANDLER: IoHandler = {
  // Never called: RAM regions are served from their bytes. Present so a RAM region is a Region.
  read: () => 0,
  write: () => undefined,
};

const ALL_ONES_64 = 0xffff_ffff_ffff_ffffn;
const PAGE_SHIFT = 12;
const CHUNK_SHIFT = 16;
const TABLE_LIMIT = 2 ** 32;
/** Page-table entry: several ranges share the page, use the binary search. */
const MIXED = 0xffff;

export class MmioBus extends BusCore implements RegionHost {
  private sorted: Region[] = [];
  private starts = new Float64Array(0);
  private last: Region | null = null;
  private chunkTable: Uint16Array | null = null;
  private pageTable: Uint16Array | null = null;
  private pageTableDirty = true;

  constructor(profile: BusProfile = XEN_BUS_PROFILE) {
    super('mmio', profile);
  }

  /** Claims [base, base+length) for a device. Throws BusOverlapError / BusRangeError. */
  register(base: number, length: number, handler: IoHandler, opts: RegionOptions): Region {
    checkMemRange(base, length, opts.owner);
    if (opts.sizes !== undefined && (opts.sizes & ~SIZES_8) !== 0) {
      throw new BusRangeError(`${opts.owner}: memory accesses are 1, 2, 4 or 8 bytes; sizes bit set ${opts.sizes} has others`);
    }
    const region = new Region(this, base, length, handler, opts, SIZES_8);
    this.insert(region);
    return region;
  }

  /**
   * Maps guest RAM at [base, base+bytes.length). `bytes` may be a view of a larger ArrayBuffer
   * shared with the host. Returns the region (movable and removable like any other).
   */
  addRam(base: number, bytes: Uint8Array, opts: { owner?: string; name?: string } = {}): Region {
    const owner = opts.owner ?? 'ram';
    checkMemRange(base, bytes.length, owner);
    const region = new Region(this, base, bytes.length, RAM_HANDLER, { owner, name: opts.name ?? owner }, SIZES_8, bytes);
    this.insert(region);
    return region;
  }

  read(addr: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    const r = this.find(addr);
    if (r !== null && addr + size <= r.end) {
      const view = r.view;
      if (view !== null) {
        const off = addr - r.base;
        return size === 4 ? view.getUint32(off, true) : size === 2 ? view.getUint16(off, true) : view.getUint8(off);
      }
      if ((r.sizes & size) !== 0 && (!r.aligned || addr % size === 0)) {
        const raw = r.handler.read(addr - r.base, size, ctx);
        const v = size === 4 ? raw >>> 0 : raw & ((1 << (size << 3)) - 1);
        if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, size, v, r.owner, ctx);
        return v;
      }
    }
    return this.slowRead(addr, size, ctx);
  }

  write(addr: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    const r = this.find(addr);
    if (r !== null && addr + size <= r.end) {
      const view = r.view;
      if (view !== null) {
        const off = addr - r.base;
        if (size === 4) view.setUint32(off, value >>> 0, true);
        else if (size === 2) view.setUint16(off, value & 0xffff, true);
        else view.setUint8(off, value & 0xff);
        return;
      }
      if ((r.sizes & size) !== 0 && (!r.aligned || addr % size === 0)) {
        const v = size === 4 ? value >>> 0 : value & ((1 << (size << 3)) - 1);
        if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, size, v, r.owner, ctx);
        r.handler.write(addr - r.base, size, v, ctx);
        return;
      }
    }
    this.slowWrite(addr, size, value, ctx);
  }

  /** 8-byte read, exact. */
  read64(addr: number, ctx: AccessContext = HOST_ACCESS): bigint {
    const r = this.find(addr);
    if (r !== null && addr + 8 <= r.end) {
      if (r.view !== null) return r.view.getBigUint64(addr - r.base, true);
      if ((r.sizes & 8) !== 0 && (!r.aligned || addr % 8 === 0)) {
        const v = BigInt.asUintN(64, r.handler.read64!(addr - r.base, ctx));
        if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, 8, v, r.owner, ctx);
        return v;
      }
    }
    if (r === null && !this.anyRegionIn(addr, 8)) {
      this.unclaimedAccesses++;
      const v = this.profile.unclaimedRead === 'ones' ? ALL_ONES_64 : 0n;
      if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, 8, v, null, ctx);
      return v;
    }
    if (this.policyOf(r) === 'reject') {
      this.rejectedAccesses++;
      const v = this.profile.unclaimedRead === 'ones' ? ALL_ONES_64 : 0n;
      if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, 8, v, r?.owner ?? null, ctx);
      return v;
    }
    const lo = this.read(addr, 4, ctx);
    const hi = this.read(addr + 4, 4, ctx);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** 8-byte write, exact. */
  write64(addr: number, value: bigint, ctx: AccessContext = HOST_ACCESS): void {
    const v = BigInt.asUintN(64, value);
    const r = this.find(addr);
    if (r !== null && addr + 8 <= r.end) {
      if (r.view !== null) {
        r.view.setBigUint64(addr - r.base, v, true);
        return;
      }
      if ((r.sizes & 8) !== 0 && (!r.aligned || addr % 8 === 0)) {
        if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, 8, v, r.owner, ctx);
        r.handler.write64!(addr - r.base, v, ctx);
        return;
      }
    }
    if (r === null && !this.anyRegionIn(addr, 8)) {
      this.unclaimedAccesses++;
      if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, 8, v, null, ctx);
      return;
    }
    if (this.policyOf(r) === 'reject') {
      this.rejectedAccesses++;
      if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, 8, v, r?.owner ?? null, ctx);
      return;
    }
    this.write(addr, 4, Number(v & 0xffff_ffffn), ctx);
    this.write(addr + 4, 4, Number(v >> 32n), ctx);
  }

  /**
   * 8-byte read as two uint32 halves into out[0] (low) and out[1] (high), for guest paths: no
   * bigint when the range is RAM or its handler has read64Halves. Otherwise (and while tracing)
   * exactly the access read64 makes.
   */
  read64Halves(addr: number, out: Uint32Array, ctx: AccessContext = HOST_ACCESS): void {
    const r = this.find(addr);
    if (r !== null && addr + 8 <= r.end && this.tracer === null) {
      const view = r.view;
      if (view !== null) {
        const off = addr - r.base;
        out[0] = view.getUint32(off, true);
        out[1] = view.getUint32(off + 4, true);
        return;
      }
      if (r.handler.read64Halves !== undefined && (r.sizes & 8) !== 0 && (!r.aligned || addr % 8 === 0)) {
        r.handler.read64Halves(addr - r.base, out, ctx);
        return;
      }
    }
    const v = this.read64(addr, ctx);
    out[0] = Number(v & 0xffff_ffffn);
    out[1] = Number(v >> 32n);
  }

  /** 8-byte write from uint32 halves; the bigint-free counterpart of write64 (see read64Halves). */
  write64Halves(addr: number, lo: number, hi: number, ctx: AccessContext = HOST_ACCESS): void {
    const r = this.find(addr);
    if (r !== null && addr + 8 <= r.end && this.tracer === null) {
      const view = r.view;
      if (view !== null) {
        const off = addr - r.base;
        view.setUint32(off, lo >>> 0, true);
        view.setUint32(off + 4, hi >>> 0, true);
        return;
      }
      if (r.handler.write64Halves !== undefined && (r.sizes & 8) !== 0 && (!r.aligned || addr % 8 === 0)) {
        r.handler.write64Halves(addr - r.base, lo >>> 0, hi >>> 0, ctx);
        return;
      }
    }
    this.write64(addr, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), ctx);
  }

  /** Reads `dst.length` bytes starting at `addr` (RAM copied directly; devices byte by byte). */
  readBytes(addr: number, dst: Uint8Array, ctx: AccessContext = HOST_ACCESS): void {
    let i = 0;
    while (i < dst.length) {
      const r = this.find(addr + i);
      if (r !== null && r.ram !== null) {
        const n = Math.min(dst.length - i, r.end - (addr + i));
        const off = addr + i - r.base;
        dst.set(r.ram.subarray(off, off + n), i);
        i += n;
      } else {
        dst[i] = this.read(addr + i, 1, ctx);
        i++;
      }
    }
  }

  /** Writes `src` starting at `addr` (RAM copied directly; devices byte by byte). */
  writeBytes(addr: number, src: Uint8Array, ctx: AccessContext = HOST_ACCESS): void {
    let i = 0;
    while (i < src.length) {
      const r = this.find(addr + i);
      if (r !== null && r.ram !== null) {
        const n = Math.min(src.length - i, r.end - (addr + i));
        r.ram.set(src.subarray(i, i + n), addr + i - r.base);
        i += n;
      } else {
        this.write(addr + i, 1, src[i]!, ctx);
        i++;
      }
    }
  }

  /** A direct view of guest RAM when [addr, addr+length) lies inside one RAM region, else null. */
  ramView(addr: number, length: number): Uint8Array | null {
    const r = this.find(addr);
    if (r === null || r.ram === null || addr + length > r.end) return null;
    const off = addr - r.base;
    return r.ram.subarray(off, off + length);
  }

  regionAt(addr: number): Region | null {
    return this.find(addr);
  }

  /** Every live region, sorted by base. */
  list(): readonly Region[] {
    return this.sorted.slice();
  }

  moveRegion(region: Region, newBase: number): void {
    checkMemRange(newBase, region.length, region.owner);
    this.detach(region);
    const oldBase = region.base;
    region.base = newBase;
    region.end = newBase + region.length;
    try {
      this.insert(region);
    } catch (e) {
      region.base = oldBase;
      region.end = oldBase + region.length;
      this.insert(region);
      throw e;
    }
  }

  removeRegion(region: Region): void {
    this.detach(region);
    region.live = false;
  }

  protected anyRegionIn(addr: number, size: number): boolean {
    const i = this.indexAtOrBefore(addr + size - 1);
    return i >= 0 && this.sorted[i]!.end > addr;
  }

  private find(addr: number): Region | null {
    const last = this.last;
    if (last !== null && addr >= last.base && addr < last.end) return last;
    if (addr < TABLE_LIMIT && addr >= 0) {
      if (this.pageTableDirty) this.buildPageTable();
      let e = this.chunkTable![addr >>> CHUNK_SHIFT]!;
      if (e === MIXED) e = this.pageTable![addr >>> PAGE_SHIFT]!;
      if (e === 0) return null;
      if (e !== MIXED) {
        const r = this.sorted[e - 1]!;
        if (addr >= r.base && addr < r.end) {
          this.last = r;
          return r;
        }
        return null;
      }
    }
    const i = this.indexAtOrBefore(addr);
    if (i < 0) return null;
    const r = this.sorted[i]!;
    if (addr < r.end) {
      this.last = r;
      return r;
    }
    return null;
  }

  /** Index of the last region whose base ≤ addr, or -1. */
  private indexAtOrBefore(addr: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= addr) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  private insert(region: Region): void {
    const i = this.indexAtOrBefore(region.end - 1);
    // The only candidate overlaps are the region starting at or before our end, and the one before it.
    for (const j of [i, i - 1]) {
      const other = this.sorted[j];
      if (other !== undefined && other.end > region.base && other.base < region.end) {
        throw new BusOverlapError('mmio', describe(region), describe(other));
      }
    }
    this.sorted.splice(i + 1, 0, region);
    this.rebuild();
  }

  private detach(region: Region): void {
    const i = this.sorted.indexOf(region);
    if (i >= 0) this.sorted.splice(i, 1);
    this.rebuild();
  }

  private rebuild(): void {
    this.starts = Float64Array.from(this.sorted, (r) => r.base);
    this.last = null;
    this.pageTableDirty = true;
  }

  private buildPageTable(): void {
    this.chunkTable = this.fillTable(this.chunkTable, CHUNK_SHIFT);
    this.pageTable = this.fillTable(this.pageTable, PAGE_SHIFT);
    this.pageTableDirty = false;
  }

  /** One entry per 2^shift bytes below 4 GiB: 0 none, i+1 the only range there, MIXED several. */
  private fillTable(existing: Uint16Array | null, shift: number): Uint16Array {
    const table = existing ?? new Uint16Array(TABLE_LIMIT / 2 ** shift);
    table.fill(0);
    this.sorted.forEach((r, i) => {
      if (r.base >= TABLE_LIMIT) return;
      const first = Math.floor(r.base / 2 ** shift);
      const last = Math.floor((Math.min(r.end, TABLE_LIMIT) - 1) / 2 ** shift);
      const entry = i + 1 < MIXED ? i + 1 : MIXED;
      // Only the first and last unit can be shared with a neighbour (ranges do not overlap).
      for (const u of first === last ? [first] : [first, last]) table[u] = table[u] === 0 ? entry : MIXED;
      if (last - first > 1) table.fill(entry, first + 1, last);
    });
    return table;
  }

}

function describe(r: Region) {
  return { owner: r.owner, name: r.name, base: r.base, length: r.length };
}

function checkMemRange(base: number, length: number, owner: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > MAX_PHYS_ADDR) {
    throw new BusRangeError(
      `${owner}: memory range base=${base} length=${length} must be whole bytes inside the 52-bit physical address space`,
    );
  }
}
