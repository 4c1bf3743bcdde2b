// The physical memory bus: device ranges and guest RAM side by side. Addresses are numbers: x86
// physical addresses are at most 52 bits (MAXPHYADDR ≤ 52, Intel SDM Vol. 3A §4.1.4), which a
// double holds exactly; an address outside [0, 2^52) simply finds no range. Lookup: a radix table
// with 16-byte leaves (MmioRangeMap): the same few loads for any region size, address and layout,
// and updates that touch only the ranges that change.
import { HOST_ACCESS, SIZES_8, type AccessContext, type PortAccessSize } from './access.js';
import { BusCore, XEN_BUS_PROFILE, type BusProfile } from './bus-core.js';
import { BusOverlapError, BusRangeError } from './errors.js';
import type { IoHandler, RegionOptions } from './handler.js';
import { MmioLowTable } from './mmio-low-table.js';
import { MmioRangeMap } from './mmio-range-map.js';
import { Region, type RegionHost } from './region.js';

/** Largest physical address width the bus accepts for registrations (Intel SDM: MAXPHYADDR ≤ 52). */
export const MAX_PHYS_ADDR = 2 ** 52;

const RAM_HANDLER: IoHandler = {
  // Never called: RAM regions are served from their bytes. Present so a RAM region is a Region.
  read: () => 0,
  write: () => undefined,
};

const ALL_ONES_64 = 0xffff_ffff_ffff_ffffn;

/** Per-id flags: bits 1, 2, 4, 8 the sizes the handler takes directly, then these. */
const ALIGNED = 0x10;
/** A device range longer than 2^30 bytes: its offsets may not fit a small integer. */
const LARGE = 0x40;
/** The value mask per access size 1, 2, 4, without a branch on the size (guests mix sizes). */
const SIZE_MASK = new Int32Array([0, 0xff, 0xffff, 0, -1]);
const RAM = 0x20;
const UNUSUAL = ALIGNED | RAM | LARGE;

/**
 * Guest-physical memory (addresses below 2^52): device ranges and guest RAM side by side. Devices
 * register ranges with an {@link IoHandler}; `addRam` maps host bytes as RAM, served without a
 * handler call. A guest access never throws: an unclaimed address reads all-ones (Xen) or 0 (the
 * profile's `unclaimedRead`), writes are dropped, and an access the range does not implement
 * follows the width policy (docs/architecture.md, Buses). Registration throws
 * {@link BusOverlapError} or {@link BusRangeError}.
 * @example
 * ```ts
 * const mmio = new MmioBus();
 * mmio.addRam(0, new Uint8Array(0x10000));
 * const regs = new Uint32Array(4);
 * const bar = mmio.register(0xe0000000, 16, {
 *   read: (offset) => regs[offset >> 2]!,
 *   write: (offset, _size, value) => { regs[offset >> 2] = value; },
 * }, { owner: 'nic', name: 'BAR0', sizes: 4, aligned: true });
 * mmio.write(0xe0000004, 4, 0xcafe);
 * mmio.read(0xe0000004, 4);   // 0xcafe
 * mmio.read(0xe0000005, 1);   // 0xff: a byte read of a dword-only range is rejected (Xen's rule)
 * bar.move(0xe0100000);       // the handler keeps its offsets
 * mmio.write64(0x1000, 0x1122334455667788n);
 * mmio.read(0x1004, 4);       // 0x11223344 (RAM is little-endian)
 * ```
 */
export class MmioBus extends BusCore implements RegionHost {
  private readonly map = new MmioRangeMap();
  /** Per 64 KiB granule (modulo 4 GiB), page or 256 bytes: the region there (id and flags), its handler and its bounds (else 0: walk the map). */
  private readonly low = new MmioLowTable(RAM_HANDLER, this.map);
  private last: Region | null = null;

  /** By region id (MmioRangeMap), so the fast path reads compact arrays, not Region objects. */
  private readonly handlers: IoHandler[] = [RAM_HANDLER];
  private readonly views: (DataView | null)[] = [null];

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

  /**
   * Reads `size` (1, 2, 4) bytes at guest-physical `addr` as vCPU `ctx.vcpu`: a uint32, little-endian
   * from RAM. Never throws. 8-byte reads: {@link MmioBus.read64}.
   */
  read(addr: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    // Kept small (the bus's own table, the common case only), so that V8 inlines read and write
    // into a caller's loop: everything else is in readWalk.
    const low = this.low;
    const at = low.find(addr);
    // The entry's flags, then its region's bounds, all at the table's index: an empty entry's
    // [0, 0) fails the check, and so does a region of another 4 GiB window sharing the slot.
    const bounds = low.bounds;
    const base = bounds[at << 1]!;
    if ((low.entries[at]! & (size | UNUSUAL)) === size && addr >= base && addr + size <= bounds[(at << 1) | 1]! && this.tracer === null) {
      // The offset as a small integer: a double would be boxed for the device call.
      return (low.handlers[at]!.read((addr - base) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    }
    return this.readWalk(addr, size, ctx);
  }

  /** Writes the low `size` (1, 2, 4) bytes of `value` at guest-physical `addr` as vCPU `ctx.vcpu`. Never throws. */
  write(addr: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    const low = this.low;
    const at = low.find(addr);
    const bounds = low.bounds;
    const base = bounds[at << 1]!;
    if ((low.entries[at]! & (size | UNUSUAL)) === size && addr >= base && addr + size <= bounds[(at << 1) | 1]! && this.tracer === null) {
      low.handlers[at]!.write((addr - base) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
      return;
    }
    this.writeWalk(addr, size, value, ctx);
  }

  /** read for what the bus's table does not serve: the range map's walk, then the same check and call. */
  private readWalk(addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const map = this.map;
    const id = map.candidate(addr);
    const rec = map.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]! && (map.tags[id]! & (size | UNUSUAL)) === size && this.tracer === null) {
      return (this.handlers[id]!.read((addr - base) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    }
    return this.readOther(id, addr, size, ctx);
  }

  /** write for what the bus's table does not serve (see readWalk). */
  private writeWalk(addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const map = this.map;
    const id = map.candidate(addr);
    const rec = map.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]! && (map.tags[id]! & (size | UNUSUAL)) === size && this.tracer === null) {
      this.handlers[id]!.write((addr - base) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
      return;
    }
    this.writeOther(id, addr, size, value, ctx);
  }

  /** read for what its inline path leaves: RAM, aligned-only or large ranges, tracing, and accesses no range serves whole. */
  private readOther(id: number, addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const map = this.map;
    const rec = map.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]!) {
      const f = map.tags[id]!;
      if ((f & size) !== 0) {
        if ((f & UNUSUAL) === 0) {
          const v = (this.handlers[id]!.read((addr - base) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
          if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, size, v, map.byId[id]!.owner, ctx);
          return v;
        }
        if ((f & RAM) !== 0) {
          const view = this.views[id]!;
          const off = addr - base;
          return size === 4 ? view.getUint32(off, true) : size === 2 ? view.getUint16(off, true) : view.getUint8(off);
        }
        if ((f & ALIGNED) === 0 || addr % size === 0) return this.handlerRead(id, addr, size, ctx);
      }
    }
    return this.slowRead(addr, size, ctx);
  }

  /** write for what its inline path leaves (see readOther). */
  private writeOther(id: number, addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const map = this.map;
    const rec = map.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]!) {
      const f = map.tags[id]!;
      if ((f & size) !== 0) {
        if ((f & UNUSUAL) === 0) {
          const v = (value & SIZE_MASK[size]!) >>> 0;
          if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, size, v, map.byId[id]!.owner, ctx);
          this.handlers[id]!.write((addr - base) | 0, size, v, ctx);
          return;
        }
        if ((f & RAM) !== 0) {
          const view = this.views[id]!;
          const off = addr - base;
          if (size === 4) view.setUint32(off, value >>> 0, true);
          else if (size === 2) view.setUint16(off, value & 0xffff, true);
          else view.setUint8(off, value & 0xff);
          return;
        }
        if ((f & ALIGNED) === 0 || addr % size === 0) {
          this.handlerWrite(id, addr, size, value, ctx);
          return;
        }
      }
    }
    this.slowWrite(addr, size, value, ctx);
  }

  /** A device access the fast path leaves aside (an aligned-only range, or offsets past 2^30). */
  private handlerRead(id: number, addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const v = (this.handlers[id]!.read(addr - this.map.rec[2 * id]!, size, ctx) & SIZE_MASK[size]!) >>> 0;
    if (this.tracer !== null) this.tracer.record('mmio', 'read', addr, size, v, this.map.byId[id]!.owner, ctx);
    return v;
  }

  private handlerWrite(id: number, addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const v = (value & SIZE_MASK[size]!) >>> 0;
    if (this.tracer !== null) this.tracer.record('mmio', 'write', addr, size, v, this.map.byId[id]!.owner, ctx);
    this.handlers[id]!.write(addr - this.map.rec[2 * id]!, size, v, ctx);
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

  /** The id of the region containing `addr` in the current generation, or 0 (for a caller's cache). */
  regionIdAt(addr: number): number {
    return this.map.lookupId(addr);
  }

  /** Region `id`'s base (0 for id 0). */
  idBase(id: number): number {
    return this.map.rec[2 * id]!;
  }

  /** Region `id`'s end, exclusive (0 for id 0: the empty range). */
  idEnd(id: number): number {
    return this.map.rec[2 * id + 1]!;
  }

  /**
   * The access sizes (bits 1, 2, 4) a caller may hand straight to region `id`'s handler with the
   * offset `addr − idBase(id)` and the value masked to the size, exactly as `read`/`write` would:
   * a device range without alignment rules or offsets past 2^30, while nothing traces; else 0
   * (RAM, unusual ranges and tracing go through `read`/`write`).
   */
  idDirectSizes(id: number): number {
    const f = this.map.tags[id]!;
    return id === 0 || (f & UNUSUAL) !== 0 || this.tracer !== null ? 0 : f & 7;
  }

  /**
   * For a caller's cache (the emulator's): writes the base, end and direct sizes (idDirectSizes) of the
   * region containing `addr` to out[at], out[at + 1], out[at + 2] (0, 0, 0 where none does) and
   * returns its handler: one lookup, the same answer as regionIdAt and the id* accessors.
   */
  cacheEntry(addr: number, out: Float64Array, at: number): IoHandler {
    const map = this.map;
    const id = map.lookupId(addr);
    const rec = map.rec;
    const f = map.tags[id]!;
    out[at] = rec[2 * id]!;
    out[at + 1] = rec[2 * id + 1]!;
    out[at + 2] = this.tracer !== null || (f & UNUSUAL) !== 0 ? 0 : f & 7;
    return this.handlers[id]!;
  }

  /** @internal For tests: the bus's table in front of the range map. */
  get lowTable(): MmioLowTable {
    return this.low;
  }

  /** Region `id`'s handler (for a caller's cache; see idDirectSizes). */
  idHandler(id: number): IoHandler {
    return this.handlers[id]!;
  }

  /** Every live region, sorted by base. */
  list(): readonly Region[] {
    return this.map.regions();
  }

  /** Moves `region` to `newBase`: what Region.move calls (use that). Throws BusOverlapError / BusRangeError, leaving it in place. */
  moveRegion(region: Region, newBase: number): void {
    checkMemRange(newBase, region.length, region.owner);
    const other = this.map.overlapping(newBase, newBase + region.length, region);
    if (other !== null) throw new BusOverlapError('mmio', { ...describe(region), base: newBase }, describe(other));
    this.drop(region);
    region.base = newBase;
    region.end = newBase + region.length;
    this.add(region);
    this.last = null;
  }

  /** Unregisters `region`: what Region.remove calls (use that). Its addresses become unclaimed. */
  removeRegion(region: Region): void {
    this.drop(region);
    this.last = null;
    region.live = false;
  }

  protected anyRegionIn(addr: number, size: number): boolean {
    for (let i = 0; i < size; i++) if (this.map.lookup(addr + i) !== null) return true;
    return false;
  }

  private find(addr: number): Region | null {
    const last = this.last;
    if (last !== null && addr >= last.base && addr < last.end) return last;
    const r = this.map.lookup(addr);
    if (r !== null) this.last = r;
    return r;
  }

  private insert(region: Region): void {
    const other = this.map.overlapping(region.base, region.end);
    if (other !== null) throw new BusOverlapError('mmio', describe(region), describe(other));
    this.add(region);
  }

  /** Takes a region out of the map and the fast path's arrays (no reference to its device stays). */
  private drop(region: Region): void {
    this.generation++;
    const id = this.map.delete(region);
    this.handlers[id] = RAM_HANDLER;
    this.views[id] = null;
    this.low.update(region.base, region.end, 0, RAM_HANDLER, this.map, this.handlers);
  }

  /** Enters a region (already checked) in the map and in the fast path's arrays. */
  private add(region: Region): void {
    this.generation++;
    // RAM takes every size; a device range what it declared, naturally aligned if it asked to be.
    const flags = region.ram !== null ? RAM | SIZES_8 : region.sizes | (region.aligned ? ALIGNED : 0) | (region.length > 2 ** 30 ? LARGE : 0);
    const id = this.map.add(region, flags);
    this.handlers[id] = region.handler;
    this.views[id] = region.view;
    this.low.update(region.base, region.end, id, region.handler, this.map, this.handlers);
  }
}

function describe(r: Region) {
  return { owner: r.owner, name: r.name, base: r.base, length: r.length };
}

function checkMemRange(base: number, length: number, owner: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(length) || length < 1 || base < 0 || base + length > MAX_PHYS_ADDR) {
    throw new BusRangeError(`${owner}: memory range base=${base} length=${length} must be whole bytes inside the 52-bit physical address space`);
  }
}
