// Which memory range owns an address: a six-level radix table over the 52-bit physical address
// space (Intel SDM Vol. 3A §4.1.4: MAXPHYADDR ≤ 52), so a lookup costs the same for any region
// size, any address (below or above 4 GiB) and any number of regions: at most six loads from two
// Int32Arrays, then the range check against the region's record (base, end and the bus's flags in
// one 32-byte slot, so the check and the access after it read one cache line); a small
// direct-mapped cache of recent 4 MiB spans replaces the top three loads. Levels split the
// address as bits 51..42 | 41..32 | 31..22 | 21..12 (one entry per 4 KiB page) | 11..8 (one per
// 256 bytes) | 7..4 (leaves: one per 16 bytes). The two sub-page levels have 16 entries, one
// cache line each: a page shared by ranges on 256-byte boundaries (small PCI BARs, MSI-X tables)
// costs one line, not a 1 KiB leaf.
//
// An entry holds 0 (nothing there), a region id (the only region that touches the entry's span:
// the lookup still checks that region's bounds, which keeps a span shared with empty space at one
// entry, so most lookups stop above the leaves), or -n: node n one level down. A second region
// arriving in a span held by an id splits it into a node; a 16-byte granule two regions share is
// MIXED and answered from that leaf's short list. Updates touch only the entries of the ranges
// that change: registering, moving or removing a range costs O(entries at its edges), independent
// of how many other ranges exist.
import type { Region } from './region.js';

/** log2 of the bytes one entry covers, per level. */
const ENTRY_SHIFT = [42, 32, 22, 12, 8, 4] as const;
const LEAF_LEVEL = 5;
/** Nodes of levels 0-3 have 2^10 entries; the sub-page levels 4 and 5 2^4 (64 bytes). */
const NODE_BITS = 10;
const SUB_BITS = 4;
/** A leaf entry two or more regions share. */
const MIXED = -1;
/** Node offsets (n << bits) must stay within int32. */
const MAX_NODES = 1 << 21;
const INV_TWO_32 = 1 / 4294967296;
const SPAN_SLOTS = 256;
const SPAN_SLOTS_MASK = SPAN_SLOTS - 1;

/** One pool of equally sized nodes in an Int32Array, node n at [n << bits, (n + 1) << bits). */
class NodePool {
  entries: Int32Array;
  /** Non-zero entries per node (a node with none is freed). */
  nonZero: Int32Array;
  private capacity: number;
  private used: number;
  private readonly free: number[] = [];

  constructor(
    readonly bits: number,
    initialNodes: number,
    reserved: number,
  ) {
    this.capacity = initialNodes;
    this.used = reserved;
    this.entries = new Int32Array(initialNodes << bits);
    this.nonZero = new Int32Array(initialNodes);
  }

  alloc(): number {
    const n = this.free.pop();
    if (n !== undefined) return n;
    if (this.used === this.capacity) this.grow();
    return this.used++;
  }

  release(n: number): void {
    this.entries.fill(0, n << this.bits, (n + 1) << this.bits);
    this.nonZero[n] = 0;
    this.free.push(n);
  }

  set(n: number, i: number, value: number): void {
    const at = (n << this.bits) | i;
    const old = this.entries[at]!;
    if (old === 0 && value !== 0) this.nonZero[n]!++;
    else if (old !== 0 && value === 0) this.nonZero[n]!--;
    this.entries[at] = value;
  }

  get(n: number, i: number): number {
    return this.entries[(n << this.bits) | i]!;
  }

  private grow(): void {
    const capacity = Math.min(this.capacity * 2, MAX_NODES);
    if (capacity === this.capacity) throw new RangeError(`MMIO range map: more than ${MAX_NODES} table nodes`);
    const entries = new Int32Array(capacity << this.bits);
    entries.set(this.entries);
    const nonZero = new Int32Array(capacity);
    nonZero.set(this.nonZero);
    this.entries = entries;
    this.nonZero = nonZero;
    this.capacity = capacity;
  }
}

export class MmioRangeMap {
  /** Levels 0-3; node 0 is the root. */
  private readonly nodes = new NodePool(NODE_BITS, 8, 1);
  /** Levels 4 and 5 (one pool: node numbers are pool-wide). Node 0 is unused (an entry -0 would not be a pointer). */
  private readonly subs = new NodePool(SUB_BITS, 64, 1);

  constructor() {
    this.nodeEntries = this.nodes.entries;
    this.subEntries = this.subs.entries;
  }
  /**
   * Recently resolved 4 MiB spans (a direct-mapped cache of the top three levels): slot k holds
   * the span number at [2k] and its level-2 entry at [2k + 1], so a probe reads one cache line.
   * Emptied on every update, which may split or free those nodes.
   */
  private readonly spans = new Int32Array(2 * SPAN_SLOTS).fill(-1);
  /** The node and leaf pools' entries, held here so a lookup does not go through the pool objects (refreshed when a pool grows). */
  private nodeEntries: Int32Array;
  private subEntries: Int32Array;
  /** The regions that touch each leaf (level-5 node), sorted by base (for MIXED granules). */
  private readonly leafRegions: (Region[] | undefined)[] = [];
  /** Regions by id (index 0: none). */
  readonly byId: (Region | null)[] = [null];
  /**
   * Per id, one 32-byte record: [4·id] the base, [4·id + 1] the end (exclusive), [4·id + 2] the
   * tag its owner gave `add` (the bus's flags). A lookup and the access after it read one cache
   * line, not one per array; id 0 is the empty range [0, 0) with tag 0.
   */
  rec = new Float64Array(4 * 16);
  private readonly freeIds: number[] = [];
  private readonly ids = new Map<Region, number>();

  /** The region containing `addr`, or null. Addresses outside [0, 2^52) find nothing. */
  lookup(addr: number): Region | null {
    return this.byId[this.lookupId(addr)]!;
  }

  /** The id of the region containing `addr`, or 0. */
  lookupId(addr: number): number {
    const e = this.candidate(addr);
    const rec = this.rec;
    return addr >= rec[4 * e]! && addr < rec[4 * e + 1]! ? e : 0; // id 0 has the empty range [0, 0)
  }

  /**
   * The only region that can contain `addr`, unchecked: 0, or an id whose record the caller
   * compares `addr` against (the bus checks the whole access, [addr, addr + size), at once).
   * Addresses outside [0, 2^52) give 0.
   */
  candidate(addr: number): number {
    if (!(addr >= 0 && addr < 4503599627370496)) return 0;
    const lo = addr >>> 0;
    const hi = (addr * INV_TWO_32) >>> 0; // exact: a power of two
    // The top three levels resolve a 4 MiB span (bits 51..22); recent spans are remembered.
    const span = (hi << 10) | (lo >>> 22);
    const slot = (span & SPAN_SLOTS_MASK) << 1;
    const spans = this.spans;
    let e = spans[slot] === span ? spans[slot + 1]! : this.walkSpan(hi, lo, span, slot);
    if (e < 0) {
      e = this.nodeEntries[(-e << NODE_BITS) | ((lo >>> 12) & 0x3ff)]!;
      if (e < 0) {
        const subs = this.subEntries;
        e = subs[(-e << SUB_BITS) | ((lo >>> 8) & 0xf)]!;
        if (e < 0) {
          const leaf = -e;
          e = subs[(leaf << SUB_BITS) | ((lo >>> 4) & 0xf)]!;
          if (e === MIXED) return this.lookupMixed(leaf, addr);
        }
      }
    }
    return e;
  }

  /** Levels 0-2 for the 4 MiB span of (hi, lo): its level-2 entry (or a region id above it), remembered at `slot`. */
  private walkSpan(hi: number, lo: number, span: number, slot: number): number {
    const pool = this.nodeEntries;
    let e = pool[hi >>> 10]!;
    if (e < 0) {
      e = pool[(-e << NODE_BITS) | (hi & 0x3ff)]!;
      if (e < 0) e = pool[(-e << NODE_BITS) | (lo >>> 22)]!;
    }
    this.spans[slot] = span;
    this.spans[slot + 1] = e;
    return e;
  }

  /** A region already present that intersects [base, end), other than `self`; null if none. */
  overlapping(base: number, end: number, self: Region | null = null): Region | null {
    return this.overlapIn(0, 0, 0, base, end, self);
  }

  /** Adds `r` (the caller has checked that nothing overlaps it) with `tag` in its record; returns its id. */
  add(r: Region, tag = 0): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.byId.length;
      this.byId.push(null);
      if (4 * id === this.rec.length) {
        const rec = new Float64Array(8 * id);
        rec.set(this.rec);
        this.rec = rec;
      }
    }
    this.byId[id] = r;
    this.rec[4 * id] = r.base;
    this.rec[4 * id + 1] = r.end;
    this.rec[4 * id + 2] = tag;
    this.ids.set(r, id);
    this.spans.fill(-1);
    this.place(0, 0, 0, r, id);
    this.nodeEntries = this.nodes.entries;
    this.subEntries = this.subs.entries;
    return id;
  }

  /** Removes `r`; returns the id it had (0 if absent). */
  delete(r: Region): number {
    const id = this.ids.get(r);
    if (id === undefined) return 0;
    this.spans.fill(-1);
    this.unplace(0, 0, 0, r, id);
    this.ids.delete(r);
    this.byId[id] = null;
    this.rec.fill(0, 4 * id, 4 * id + 4);
    this.freeIds.push(id);
    return id;
  }

  /** Every region, sorted by base. */
  regions(): Region[] {
    return [...this.ids.keys()].sort((a, b) => a.base - b.base);
  }

  // ---- updates --------------------------------------------------------------------------------

  private pool(level: number): NodePool {
    return level > 3 ? this.subs : this.nodes;
  }

  /** The first entry index of a node (at `level`, covering from `nodeBase`) that [base, end) touches. */
  private firstEntry(level: number, nodeBase: number, base: number): number {
    return Math.floor((Math.max(base, nodeBase) - nodeBase) / 2 ** ENTRY_SHIFT[level]!);
  }

  /** The last entry index of that node that [base, end) touches. */
  private lastEntry(level: number, nodeBase: number, end: number): number {
    const unit = 2 ** ENTRY_SHIFT[level]!;
    return Math.floor((Math.min(end, nodeBase + unit * 2 ** this.pool(level).bits) - 1 - nodeBase) / unit);
  }

  private place(node: number, level: number, nodeBase: number, r: Region, id: number): void {
    const unit = 2 ** ENTRY_SHIFT[level]!;
    const pool = this.pool(level);
    const last = this.lastEntry(level, nodeBase, r.end);
    if (level === LEAF_LEVEL) insertSorted((this.leafRegions[node] ??= []), r);
    for (let i = this.firstEntry(level, nodeBase, r.base); i <= last; i++) {
      const e = pool.get(node, i);
      if (e === 0) {
        pool.set(node, i, id);
      } else if (level === LEAF_LEVEL) {
        pool.set(node, i, MIXED); // another region shares these 16 bytes
      } else {
        const entryBase = nodeBase + i * unit;
        let child = -e;
        if (e > 0) {
          // Another region held this span alone: split it into a node holding both.
          child = this.pool(level + 1).alloc();
          pool.set(node, i, -child);
          this.place(child, level + 1, entryBase, this.byId[e]!, e);
        }
        this.place(child, level + 1, entryBase, r, id);
      }
    }
  }

  private unplace(node: number, level: number, nodeBase: number, r: Region, id: number): void {
    const unit = 2 ** ENTRY_SHIFT[level]!;
    const pool = this.pool(level);
    const first = this.firstEntry(level, nodeBase, r.base);
    const last = this.lastEntry(level, nodeBase, r.end);
    if (level === LEAF_LEVEL) {
      const list = this.leafRegions[node]!;
      list.splice(list.indexOf(r), 1);
      for (let i = first; i <= last; i++) {
        const e = pool.get(node, i);
        if (e === id) pool.set(node, i, 0);
        else if (e === MIXED) pool.set(node, i, granuleEntry(list, nodeBase + i * unit, unit, this.ids));
      }
      return;
    }
    const below = this.pool(level + 1);
    for (let i = first; i <= last; i++) {
      const e = pool.get(node, i);
      if (e === id) {
        pool.set(node, i, 0);
      } else if (e < 0) {
        const child = -e;
        this.unplace(child, level + 1, nodeBase + i * unit, r, id);
        if (below.nonZero[child] === 0) {
          pool.set(node, i, 0);
          below.release(child);
          if (level + 1 === LEAF_LEVEL) this.leafRegions[child] = undefined;
        }
      }
    }
  }

  private overlapIn(node: number, level: number, nodeBase: number, base: number, end: number, self: Region | null): Region | null {
    const unit = 2 ** ENTRY_SHIFT[level]!;
    const pool = this.pool(level);
    const last = this.lastEntry(level, nodeBase, end);
    for (let i = this.firstEntry(level, nodeBase, base); i <= last; i++) {
      const e = pool.get(node, i);
      if (e === 0) continue;
      if (e > 0) {
        const x = this.byId[e]!;
        if (x !== self && x.base < end && x.end > base) return x;
      } else if (level === LEAF_LEVEL) {
        for (const x of this.leafRegions[node]!) if (x !== self && x.base < end && x.end > base) return x;
      } else {
        const x = this.overlapIn(-e, level + 1, nodeBase + i * unit, base, end, self);
        if (x !== null) return x;
      }
    }
    return null;
  }

  private lookupMixed(leaf: number, addr: number): number {
    for (const r of this.leafRegions[leaf]!) if (addr >= r.base && addr < r.end) return this.ids.get(r)!;
    return 0;
  }
}

function insertSorted(list: Region[], r: Region): void {
  let i = list.length;
  while (i > 0 && list[i - 1]!.base > r.base) i--;
  list.splice(i, 0, r);
}

/** The leaf entry for [base, base+unit): 0, the id of the one region there, or MIXED. */
function granuleEntry(list: readonly Region[], base: number, unit: number, ids: Map<Region, number>): number {
  let found: Region | null = null;
  for (const x of list) {
    if (x.base < base + unit && x.end > base) {
      if (found !== null) return MIXED;
      found = x;
    }
  }
  return found === null ? 0 : ids.get(found)!;
}
