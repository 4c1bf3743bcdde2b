// The bus's first look for an address below 4 GiB: one entry per 64 KiB granule (65,536 of them),
// the id of the only region that can contain an address of that granule and, in a parallel array,
// that region's handler. The handler is read from the same index as the id, not from the id: the
// device call then waits for one load after the address (as a direct call waits for its device
// reference), while the record check that makes the answer exact runs beside it. A granule that
// several regions share (or none) holds 0, and the lookup walks the range map as before.
//
// An entry is a candidate, like the range map's entries: the bus checks the access against the
// id's record, so an entry only has to name a region that touches its granule or be 0. Kept in
// step by the bus after each change of the map: the granules a region touches are rewritten when
// it is added, moved or removed (its interior granules at once, its two edge granules from the
// map), so an entry never names a removed region and its handler is always the id's.
import type { IoHandler } from './handler.js';
import type { MmioRangeMap } from './mmio-range-map.js';

/** Granules below 4 GiB (2^32 / 2^16). */
export const LOW_GRANULES = 0x1_0000;
/** The address bits of a granule. */
export const LOW_GRANULE_SHIFT = 16;
const LOW_LIMIT = 2 ** 32;
const GRANULE = 2 ** LOW_GRANULE_SHIFT;

export class MmioLowTable {
  /** Per 64 KiB granule below 4 GiB: a region id (a candidate the record check decides) or 0: walk the map. */
  readonly ids = new Int32Array(LOW_GRANULES);
  /** Per granule, handlers[ids[g]] of the bus (its placeholder for 0). */
  readonly handlers: IoHandler[];

  constructor(private readonly none: IoHandler) {
    // Pushed, not `new Array(n).fill()`: a packed array, so the fast path's load needs no hole check.
    const handlers: IoHandler[] = [];
    for (let g = 0; g < LOW_GRANULES; g++) handlers.push(none);
    this.handlers = handlers;
  }

  /**
   * Rewrites the granules [base, end) touches after the map changed there: a granule wholly inside
   * the range gets `id` (0: the range was removed) and `handler`, an edge granule (shared with
   * whatever else touches it) its entry from the map.
   */
  update(base: number, end: number, id: number, handler: IoHandler, map: MmioRangeMap, handlerOf: readonly IoHandler[]): void {
    if (base >= LOW_LIMIT) return;
    const first = Math.floor(base / GRANULE);
    const last = Math.floor((Math.min(end, LOW_LIMIT) - 1) / GRANULE);
    for (let g = first; g <= last; g++) {
      if (g * GRANULE >= base && (g + 1) * GRANULE <= end) {
        this.ids[g] = id;
        this.handlers[g] = id === 0 ? this.none : handler;
      } else {
        this.refresh(g, map, handlerOf);
      }
    }
  }

  /** Granule g's entry from the map: the id its 64 KiB level (or a level above) holds, else 0. */
  private refresh(g: number, map: MmioRangeMap, handlerOf: readonly IoHandler[]): void {
    const id = map.granuleCandidate(g * GRANULE);
    this.ids[g] = id;
    this.handlers[g] = handlerOf[id]!;
  }
}
