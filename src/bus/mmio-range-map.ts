// Which memory range owns an address: a seven-level radix table over the 52-bit physical address
// space (Intel SDM Vol. 3A §4.1.4: MAXPHYADDR ≤ 52), so a lookup costs the same for any region
// size, any address (below or above 4 GiB) and any number of regions: at most seven loads from
// Int32Arrays, then the range check against the region's record (base and end in one 16-byte
// slot, four a cache line; the bus's flags in a byte array beside it); a small direct-mapped
// cache of recent 4 MiB spans replaces the top three loads. Levels split the address as bits
// 51..42 | 41..32 | 31..22 | 21..16 (one entry per 64 KiB) | 15..12 (one per 4 KiB page) | 11..8
// (one per 256 bytes) | 7..4 (leaves: one per 16 bytes). The levels below the 4 MiB span are
// small (64 entries at the 64 KiB level, 16 below it, one cache line each): a span of 64 KiB
// ranges costs one line of 64 KiB entries per 16 ranges, not one line of page entries per range,
// and a page shared by ranges on 256-byte boundaries (small PCI BARs, MSI-X tables) one line.
// A span whose 64 KiB entries are mostly shared (ranges of a page or less, densely packed) gets a
// mirror: its 1,024 page entries in one node, read instead of the 64 KiB entry and the page node
// below it, so such a span costs one load from span to page, as a span of large ranges does.
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
const ENTRY_SHIFT = [42, 32, 22, 16, 12, 8, 4] as const;
const LEAF_LEVEL = 6;
/** Nodes of levels 0-2 have 2^10 entries, the 64 KiB level 2^6 (256 bytes), levels 4-6 2^4 (64 bytes). */
const NODE_BITS = 10;
const GRANULE_BITS = 6;
const SUB_BITS = 4;
/** Pages per 64 KiB entry (log2). */
const GRANULE_SHIFT_IN_PAGES = 4;
/** A leaf entry two or more regions share. */
const MIXED = -1;
/** Node offsets (n << bits) must stay within int32. */
const MAX_NODES = 1 << 21;
const INV_TWO_32 = 1 / 4294967296;
/**
 * A level-2 entry -(MIRROR_TAG + m) points at mirror m: the 1,024 page entries of a 4 MiB span
 * whose 64 KiB level is mostly shared (see MmioRangeMap.mirrors); -g (g < MIRROR_TAG) at the
 * span's 64 KiB node g.
 */
const MIRROR_TAG = 1 << 24;
/** A span gets a mirror when this many of its 64 KiB entries point at page nodes, and loses it below UNMIRROR_AT. */
const MIRROR_AT = 16;
const UNMIRROR_AT = 8;
const SPAN_SLOTS = 256;
const SPAN_SLOTS_MASK = SPAN_SLOTS - 1;

/** One pool of equally sized nodes in an Int32Array, node n at [n << bits, (n + 1) << bits). */
class NodePool {
  entries: Int32Array;
  /** Non-zero entries per node (a node with none is freed). */
  nonZero: Int32Array;
  /** Entries per node that point at a node below (entries < 0). */
  pointers: Int32Array;
  /** Per node, a node of another pool it is paired with (0: none): a span's 64 KiB node and its mirror. */
  link: Int32Array;
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
    this.pointers = new Int32Array(initialNodes);
    this.link = new Int32Array(initialNodes);
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
    this.pointers[n] = 0;
    this.link[n] = 0;
    this.free.push(n);
  }

  set(n: number, i: number, value: number): void {
    const at = (n << this.bits) | i;
    const old = this.entries[at]!;
    if (old === 0 && value !== 0) this.nonZero[n]!++;
    else if (old !== 0 && value === 0) this.nonZero[n]!--;
    if (old < 0) this.pointers[n]!--;
    if (value < 0) this.pointers[n]!++;
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
    this.entries = entries;
    this.nonZero = grown(this.nonZero, capacity);
    this.pointers = grown(this.pointers, capacity);
    this.link = grown(this.link, capacity);
    this.capacity = capacity;
  }
}

export class MmioRangeMap {
  /** Levels 0-2; node 0 is the root. */
  private readonly nodes = new NodePool(NODE_BITS, 8, 1);
  /** Level 3 (64 KiB entries). Node 0 is unused (an entry -0 would not be a pointer). */
  private readonly granules = new NodePool(GRANULE_BITS, 16, 1);
  /** Levels 4-6 (one pool: node numbers are pool-wide). Node 0 is unused. */
  private readonly subs = new NodePool(SUB_BITS, 64, 1);
  /**
   * Mirrors: for a 4 MiB span whose 64 KiB node mostly points at page nodes (ranges of a page or
   * less, densely packed), the span's 1,024 page entries in one node, which the lookup reads
   * instead of the two levels: such a span costs one load from span to page, not two. The 64 KiB
   * node and its page nodes stay the truth that updates change; each update of such a span copies
   * the 64 KiB entries it touched into the mirror. Node 0 is unused.
   */
  private readonly mirrors = new NodePool(NODE_BITS, 4, 1);

  constructor() {
    this.nodeEntries = this.nodes.entries;
    this.granuleEntries = this.granules.entries;
    this.subEntries = this.subs.entries;
    this.mirrorEntries = this.mirrors.entries;
  }
  /**
   * Recently resolved 4 MiB spans (a direct-mapped cache of the top three levels): slot k holds
   * the span number at [2k] and its level-2 entry at [2k + 1], so a probe reads one cache line.
   * Emptied on every update, which may split or free those nodes.
   */
  private readonly spans = new Int32Array(2 * SPAN_SLOTS).fill(-1);
  /** The node and leaf pools' entries, held here so a lookup does not go through the pool objects (refreshed when a pool grows). */
  private nodeEntries: Int32Array;
  private granuleEntries: Int32Array;
  private subEntries: Int32Array;
  private mirrorEntries: Int32Array;
  /** The regions that touch each leaf (level-6 node), sorted by base (for MIXED granules). */
  private readonly leafRegions: (Region[] | undefined)[] = [];
  /** Regions by id (index 0: none). */
  readonly byId: (Region | null)[] = [null];
  /**
   * Per id, one 16-byte record: [2·id] the base, [2·id + 1] the end (exclusive); id 0 is the
   * empty range [0, 0). Four records a cache line: 10,000 ranges are 160 KB.
   */
  rec = new Float64Array(2 * 16);
  /** Per id, the tag (a byte) its owner gave `add`: the bus's flags. 0 for id 0. */
  tags = new Uint8Array(16);
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
    return addr >= rec[2 * e]! && addr < rec[2 * e + 1]! ? e : 0; // id 0 has the empty range [0, 0)
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
      const subs = this.subEntries;
      if (e > -MIRROR_TAG) {
        e = this.granuleEntries[(-e << GRANULE_BITS) | ((lo >>> 16) & 0x3f)]!;
        if (e < 0) e = subs[(-e << SUB_BITS) | ((lo >>> 12) & 0xf)]!;
      } else {
        e = this.mirrorEntries[((-e - MIRROR_TAG) << NODE_BITS) | ((lo >>> 12) & 0x3ff)]!;
      }
      if (e < 0) {
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

  /**
   * For the bus's table below 4 GiB (MmioLowTable): the 64 KiB entry for `addr`, or the region id
   * or 0 a level above it holds: a region id, 0, or -n when it points at page node n (whose
   * entries subEntry reads). Reads the levels, not the span cache.
   */
  granuleEntry(addr: number): number {
    let node = 0;
    for (let l = 0; ; l++) {
      const pool = this.pool(l);
      const e = pool.get(node, Math.floor(addr / 2 ** ENTRY_SHIFT[l]!) % (1 << pool.bits));
      if (e >= 0 || l === 3) return e;
      node = this.childOf(l, e);
    }
  }

  /** Entry k of node n of the levels below 64 KiB (pages, 256 bytes, 16 bytes): a region id, 0, or -m: node m below (MIXED at the leaves). */
  subEntry(n: number, k: number): number {
    return this.subs.get(n, k);
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
      if (id === this.tags.length) {
        const rec = new Float64Array(4 * id);
        rec.set(this.rec);
        this.rec = rec;
        const tags = new Uint8Array(2 * id);
        tags.set(this.tags);
        this.tags = tags;
      }
    }
    this.byId[id] = r;
    this.rec[2 * id] = r.base;
    this.rec[2 * id + 1] = r.end;
    this.tags[id] = tag;
    this.ids.set(r, id);
    this.spans.fill(-1);
    this.place(0, 0, 0, r, id);
    this.nodeEntries = this.nodes.entries;
    this.granuleEntries = this.granules.entries;
    this.subEntries = this.subs.entries;
    this.mirrorEntries = this.mirrors.entries;
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
    this.rec.fill(0, 2 * id, 2 * id + 2);
    this.tags[id] = 0;
    this.freeIds.push(id);
    return id;
  }

  /** Every region, sorted by base. */
  regions(): Region[] {
    return [...this.ids.keys()].sort((a, b) => a.base - b.base);
  }

  // ---- updates --------------------------------------------------------------------------------

  private pool(level: number): NodePool {
    return level > 3 ? this.subs : level === 3 ? this.granules : this.nodes;
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
        let child: number;
        if (e > 0) {
          // Another region held this span alone: split it into a node holding both.
          child = this.pool(level + 1).alloc();
          pool.set(node, i, -child);
          this.place(child, level + 1, entryBase, this.byId[e]!, e);
        } else {
          child = this.childOf(level, e);
        }
        this.place(child, level + 1, entryBase, r, id);
        if (level === 2) this.syncMirror(node, i, child, entryBase, r);
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
        const child = this.childOf(level, e);
        this.unplace(child, level + 1, nodeBase + i * unit, r, id);
        if (below.nonZero[child] === 0) {
          if (level === 2 && this.granules.link[child] !== 0) this.mirrors.release(this.granules.link[child]!);
          pool.set(node, i, 0);
          below.release(child);
          if (level + 1 === LEAF_LEVEL) this.leafRegions[child] = undefined;
        } else if (level === 2) {
          this.syncMirror(node, i, child, nodeBase + i * unit, r);
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
        const x = this.overlapIn(this.childOf(level, e), level + 1, nodeBase + i * unit, base, end, self);
        if (x !== null) return x;
      }
    }
    return null;
  }

  /** The node an entry e < 0 of `level` points at (a level-2 entry may name the span's mirror: the 64 KiB node behind it). */
  private childOf(level: number, e: number): number {
    return level === 2 && -e >= MIRROR_TAG ? this.mirrors.link[-e - MIRROR_TAG]! : -e;
  }

  /**
   * After `r` was placed in or taken out of 64 KiB node `g` (entry i of level-2 node `node`, a
   * span from `spanBase`): gives the span a mirror, drops it, or copies the 64 KiB entries `r`
   * touched into it.
   */
  private syncMirror(node: number, i: number, g: number, spanBase: number, r: Region): void {
    const granules = this.granules;
    let m = granules.link[g]!;
    const shared = granules.pointers[g]!;
    if (m === 0) {
      if (shared < MIRROR_AT) return;
      m = this.mirrors.alloc();
      granules.link[g] = m;
      this.mirrors.link[m] = g;
      this.nodes.set(node, i, -(MIRROR_TAG + m));
      this.copyToMirror(g, m, 0, (1 << GRANULE_BITS) - 1);
    } else if (shared < UNMIRROR_AT) {
      this.mirrors.release(m);
      granules.link[g] = 0;
      this.nodes.set(node, i, -g);
    } else {
      this.copyToMirror(g, m, this.firstEntry(3, spanBase, r.base), this.lastEntry(3, spanBase, r.end));
    }
  }

  /** Copies 64 KiB entries first..last of node `g` into mirror `m` as page entries (16 each). */
  private copyToMirror(g: number, m: number, first: number, last: number): void {
    const out = this.mirrors.entries;
    for (let k = first; k <= last; k++) {
      const e = this.granules.get(g, k);
      const at = (m << NODE_BITS) | (k << GRANULE_SHIFT_IN_PAGES);
      for (let p = 0; p < 1 << GRANULE_SHIFT_IN_PAGES; p++) out[at + p] = e < 0 ? this.subs.get(-e, p) : e;
    }
  }

  private lookupMixed(leaf: number, addr: number): number {
    for (const r of this.leafRegions[leaf]!) if (addr >= r.base && addr < r.end) return this.ids.get(r)!;
    return 0;
  }
}

function grown(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
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
