// Which memory range owns an address: a five-level radix table over the 52-bit physical address
// space (Intel SDM Vol. 3A §4.1.4: MAXPHYADDR ≤ 52), so a lookup costs the same for any region
// size, any address (below or above 4 GiB) and any number of regions: at most five loads from two
// Int32Arrays, then the range check; a small direct-mapped cache of recent 4 MiB spans replaces the
// top three of them. Levels split the address as bits 51..42 | 41..32 | 31..22 |
// 21..12 (one entry per 4 KiB page) | 11..4 (sub-page leaves: one entry per 16 bytes).
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
const ENTRY_SHIFT = [42, 32, 22, 12, 4] as const;
const LEAF_LEVEL = 4;
/** Interior nodes (levels 0-3) have 2^10 entries; leaves 2^8. */
const NODE_BITS = 10;
const LEAF_BITS = 8;
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
  /** Level 4. Leaf 0 is unused (an entry -0 would not be a pointer). */
  private readonly leaves = new NodePool(LEAF_BITS, 8, 1);
  /**
   * Recently resolved 4 MiB spans (a direct-mapped cache of the top three levels: span number →
   * level-2 entry); emptied on every update, which may split or free those nodes.
   */
  private readonly spanTags = new Int32Array(SPAN_SLOTS).fill(-1);
  private readonly spanEntries = new Int32Array(SPAN_SLOTS);
  /** The regions that touch each leaf, sorted by base (for MIXED granules). */
  private readonly leafRegions: (Region[] | undefined)[] = [];
  /** Regions by id (index 0: none). */
  readonly byId: (Region | null)[] = [null];
  /** Each id's range [bases[id], ends[id]), kept beside the ids so a lookup touches no Region object. */
  bases = new Float64Array(16);
  ends = new Float64Array(16);
  private readonly freeIds: number[] = [];
  private readonly ids = new Map<Region, number>();

  /** The region containing `addr`, or null. Addresses outside [0, 2^52) find nothing. */
  lookup(addr: number): Region | null {
    return this.byId[this.lookupId(addr)]!;
  }

  /** The id of the region containing `addr`, or 0. */
  lookupId(addr: number): number {
    if (!(addr >= 0 && addr < 4503599627370496)) return 0;
    const lo = addr >>> 0;
    const hi = (addr * INV_TWO_32) >>> 0; // exact: a power of two
    // The top three levels resolve a 4 MiB span (bits 51..22); recent spans are remembered.
    const span = (hi << 10) | (lo >>> 22);
    const slot = span & SPAN_SLOTS_MASK;
    let e = this.spanTags[slot] === span ? this.spanEntries[slot]! : this.walkSpan(hi, lo, span, slot);
    if (e < 0) {
      e = this.nodes.entries[(-e << NODE_BITS) | ((lo >>> 12) & 0x3ff)]!;
      if (e < 0) {
        const leaf = -e;
        e = this.leaves.entries[(leaf << LEAF_BITS) | ((lo >>> 4) & 0xff)]!;
        if (e === MIXED) return this.lookupMixed(leaf, addr);
      }
    }
    return addr >= this.bases[e]! && addr < this.ends[e]! ? e : 0; // entry 0 has the empty range [0, 0)
  }

  /** Levels 0-2 for the 4 MiB span of (hi, lo): its level-2 entry (or a region id above it), remembered in `slot`. */
  private walkSpan(hi: number, lo: number, span: number, slot: number): number {
    const pool = this.nodes.entries;
    let e = pool[hi >>> 10]!;
    if (e < 0) {
      e = pool[(-e << NODE_BITS) | (hi & 0x3ff)]!;
      if (e < 0) e = pool[(-e << NODE_BITS) | (lo >>> 22)]!;
    }
    this.spanTags[slot] = span;
    this.spanEntries[slot] = e;
    return e;
  }

  /** A region already present that intersects [base, end), other than `self`; null if none. */
  overlapping(base: number, end: number, self: Region | null = null): Region | null {
    return this.overlapIn(0, 0, 0, base, end, self);
  }

  /** Adds `r` (the caller has checked that nothing overlaps it); returns its id. */
  add(r: Region): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.byId.length;
      this.byId.push(null);
      if (id === this.bases.length) {
        const bases = new Float64Array(id * 2);
        const ends = new Float64Array(id * 2);
        bases.set(this.bases);
        ends.set(this.ends);
        this.bases = bases;
        this.ends = ends;
      }
    }
    this.byId[id] = r;
    this.bases[id] = r.base;
    this.ends[id] = r.end;
    this.ids.set(r, id);
    this.spanTags.fill(-1);
    this.place(0, 0, 0, r, id);
    return id;
  }

  /** Removes `r`; returns the id it had (0 if absent). */
  delete(r: Region): number {
    const id = this.ids.get(r);
    if (id === undefined) return 0;
    this.spanTags.fill(-1);
    this.unplace(0, 0, 0, r, id);
    this.ids.delete(r);
    this.byId[id] = null;
    this.bases[id] = 0;
    this.ends[id] = 0;
    this.freeIds.push(id);
    return id;
  }

  /** Every region, sorted by base. */
  regions(): Region[] {
    return [...this.ids.keys()].sort((a, b) => a.base - b.base);
  }

  // ---- updates --------------------------------------------------------------------------------

  private pool(level: number): NodePool {
    return level === LEAF_LEVEL ? this.leaves : this.nodes;
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
