// The bus's first look for an address: a three-level table indexed by the address modulo 4 GiB,
// one entry per 64 KiB granule (65,536 slots), then for a granule several regions share a block
// of 16 page entries, then for a page several regions share a block of 16 entries of 256 bytes.
// An entry holds a region that can contain its addresses (its id << 7 | its flags), 0 (none, or
// shared below 256 bytes: the bus walks the range map), or -b: block b one level down. Beside it,
// at the same index of parallel arrays, the region's handler and its base and end: everything the
// bus's fast path reads is at the index the walk ends on, so nothing waits for an id (the call
// waits for the table's loads alone: for a 64 KiB region one, as a direct call waits for its device
// reference), and the check that makes the answer exact (the access inside [base, end), its size
// taken directly) reads the entry's own line and one 16-byte bounds pair. All levels share one
// index space: the granules at [0, 65,536), block b at [16·b, 16·b + 16) for b ≥ 4,096.
//
// An entry is a candidate, like the range map's: the bus checks the access against the bounds
// beside it, so an entry only has to name a live region (with that region's handler, flags and
// bounds beside it) or be 0. That is what lets granules 4 GiB apart share a slot: the last update
// through a slot wins, and an access from another window fails the bounds check and walks. Kept in
// step by the bus after each change of the map, over the slots the changed region touches only (a
// granule it covers whole at once, the others from the map's own entries), so an entry never names
// a removed region (every entry naming a region lies in its range's slots, which its removal
// rewrites).
import type { IoHandler } from './handler.js';
import type { MmioRangeMap } from './mmio-range-map.js';
import { packedArray } from './packed-array.js';

/** Granules below 4 GiB (2^32 / 2^16). */
export const LOW_GRANULES = 0x1_0000;
const GRANULE = 0x1_0000;
/** Bytes per entry at each level: 64 KiB granules, pages, 256-byte units. */
const UNIT = [0x1_0000, 0x1000, 0x100] as const;
/** The first block number: its entries follow the granules'. */
const FIRST_BLOCK = LOW_GRANULES >> 4;
/** An entry's id is above its 7 flag bits (the range map's tags: sizes, ALIGNED, RAM, LARGE). */
const ENTRY_ID_SHIFT = 7;
/** Ids past this do not fit an entry: their addresses walk the map (16 M regions). */
const MAX_ENTRY_ID = (1 << (31 - ENTRY_ID_SHIFT)) - 1;

export class MmioLowTable {
  /**
   * Per index (granules, then blocks of 16): a candidate region as id << 7 | its flags, 0: walk the
   * map, -b: block b. Replaced when it grows.
   */
  entries = new Int32Array(LOW_GRANULES + 16 * 64);
  /** Per index, [2·index] the entry's region's base and [2·index + 1] its end ([0, 0) for none). Replaced with entries. */
  bounds = new Float64Array(2 * this.entries.length);
  /** Per index, the bus's handler for the entry's region (its placeholder for 0 and for block pointers). */
  readonly handlers: IoHandler[];
  private blocks = FIRST_BLOCK;
  private readonly freeBlocks: number[] = [];

  constructor(
    private readonly none: IoHandler,
    /** The range map whose records and flags the entries copy (read at each update). */
    private readonly map: MmioRangeMap,
  ) {
    this.handlers = packedArray(this.entries.length, none);
  }

  /** The region id entry `index` names (0: none or a block pointer). */
  idAt(index: number): number {
    const e = this.entries[index]!;
    return e > 0 ? e >>> ENTRY_ID_SHIFT : 0;
  }

  /**
   * The index whose entry answers for `addr` (taken modulo 4 GiB): entries[index] is the candidate
   * (0: walk the map), handlers[index] its handler, bounds[2·index, 2·index + 1] its range.
   */
  find(addr: number): number {
    const ids = this.entries;
    let at = addr >>> 16;
    let e = ids[at]!;
    if (e < 0) {
      at = (-e << 4) | ((addr >>> 12) & 0xf);
      e = ids[at]!;
      if (e < 0) at = (-e << 4) | ((addr >>> 8) & 0xf);
    }
    return at;
  }

  /**
   * Rewrites the entries [base, end) touches after the map changed there: a granule wholly inside
   * the range gets `id` (0: the range was removed) and `handler`; an edge granule (shared with
   * whatever else touches it) its entries from the map, down to 256 bytes. A range longer than
   * 4 GiB covers every slot whole in some window: all get `id`, then its two edge granules.
   */
  update(base: number, end: number, id: number, handler: IoHandler, map: MmioRangeMap, handlerOf: readonly IoHandler[]): void {
    const h = id === 0 ? this.none : handler;
    const first = Math.floor(base / GRANULE);
    const last = Math.ceil(end / GRANULE) - 1;
    if (last - first >= LOW_GRANULES) {
      for (let g = 0; g < LOW_GRANULES; g++) this.set(g, id, h);
      this.granule(first, base, end, id, h, map, handlerOf);
      this.granule(last, base, end, id, h, map, handlerOf);
      return;
    }
    for (let g = first; g <= last; g++) this.granule(g, base, end, id, h, map, handlerOf);
  }

  /** Granule g (of the whole address space) in its slot: `id` if [base, end) covers it whole, else from the map. */
  private granule(g: number, base: number, end: number, id: number, h: IoHandler, map: MmioRangeMap, handlerOf: readonly IoHandler[]): void {
    const from = g * GRANULE;
    const slot = g % LOW_GRANULES;
    if (from >= base && from + GRANULE <= end) this.set(slot, id, h);
    else this.refresh(slot, 0, from, map.granuleEntry(from), base, end, map, handlerOf);
  }

  /**
   * Entry `at` of `level`, covering [from, from + UNIT[level]), from the map's entry `e` for it; if
   * the map splits it further (e = -n: its node n), its block's entries that [base, end) touches
   * (all of them for a new block) from node n's.
   */
  private refresh(at: number, level: number, from: number, e: number, base: number, end: number, map: MmioRangeMap, handlerOf: readonly IoHandler[]): void {
    if (e >= 0 || level === 2) {
      // Below 256 bytes the map's 16-byte leaves decide: 0 sends the access to its walk.
      const id = e > 0 ? e : 0;
      this.set(at, id, handlerOf[id]!);
      return;
    }
    let b = -this.entries[at]!;
    const fresh = b <= 0;
    if (fresh) {
      b = this.allocBlock();
      this.entries[at] = -b;
      this.bounds[2 * at] = 0;
      this.bounds[2 * at + 1] = 0;
      this.handlers[at] = this.none;
    }
    const unit = UNIT[level + 1]!;
    for (let k = 0; k < 16; k++) {
      const lo = from + k * unit;
      if (fresh || (lo < end && lo + unit > base)) this.refresh((b << 4) | k, level + 1, lo, map.subEntry(-e, k), base, end, map, handlerOf);
    }
  }

  /** Sets entry `at` to region `id` (or 0) with its handler, flags and bounds, freeing the block it pointed at. */
  private set(at: number, id: number, handler: IoHandler): void {
    const old = this.entries[at]!;
    if (old < 0) this.freeBlock(-old);
    const named = id > 0 && id <= MAX_ENTRY_ID;
    const map = this.map;
    this.entries[at] = named ? (id << ENTRY_ID_SHIFT) | map.tags[id]! : 0;
    this.bounds[2 * at] = named ? map.rec[2 * id]! : 0;
    this.bounds[2 * at + 1] = named ? map.rec[2 * id + 1]! : 0;
    this.handlers[at] = named ? handler : this.none;
  }

  private allocBlock(): number {
    const b = this.freeBlocks.pop();
    if (b !== undefined) return b;
    const n = this.blocks++;
    if ((n + 1) << 4 > this.entries.length) {
      const entries = new Int32Array(this.entries.length * 2);
      entries.set(this.entries);
      const bounds = new Float64Array(2 * entries.length);
      bounds.set(this.bounds);
      for (let i = this.entries.length; i < entries.length; i++) this.handlers.push(this.none);
      this.entries = entries;
      this.bounds = bounds;
    }
    return n;
  }

  private freeBlock(b: number): void {
    for (let k = 0; k < 16; k++) this.set((b << 4) | k, 0, this.none);
    this.freeBlocks.push(b);
  }
}
