// Which LAPICs a destination names, remembered per destination so that delivering a message costs
// a lookup and a walk over its targets, not a test of every LAPIC (issue 14: unicast at 128 vCPUs
// costs what it costs at 1). Each list is computed once with destinationMatches (the one
// definition of the rules) and kept until an APIC ID, LDR, DFR or mode changes (the LAPICs report
// those through LapicOutbox.lapicRoutingChanged), so the index can never disagree with the rules.
import { destinationMatches, X2APIC_BROADCAST, XAPIC_BROADCAST } from './destination.js';
import type { Lapic } from './lapic.js';

// The lists are readonly by type, not frozen: V8 loads a frozen array's elements through its generic
// keyed-load IC even in optimized code, and a route's delivery walks one per edge.
const NONE: readonly Lapic[] = [];
/** Destinations of 8 bits (every IO-APIC and MSI message, every xAPIC IPI) use flat tables. */
const SMALL = 256;
/** Remembered wide (x2APIC) destinations at most; a guest cycling through more only costs recomputation. */
const WIDE_LIMIT = 4096;

export class DestinationIndex {
  private all: readonly Lapic[] = NONE;
  private stale = true;
  private readonly physicalSmall: (readonly Lapic[] | undefined)[] = new Array(SMALL).fill(undefined);
  private readonly logicalSmall: (readonly Lapic[] | undefined)[] = new Array(SMALL).fill(undefined);
  private readonly physicalWide = new Map<number, readonly Lapic[]>();
  private readonly logicalWide = new Map<number, readonly Lapic[]>();

  constructor(private readonly lapics: () => readonly Lapic[]) {}

  /** An APIC ID, LDR, DFR or x2APIC mode changed somewhere: forget every list. */
  invalidate(): void {
    this.stale = true;
  }

  /** Every LAPIC, in vCPU order. */
  everyone(): readonly Lapic[] {
    if (this.stale) this.refresh();
    return this.all;
  }

  /**
   * The LAPICs that accept `dest` without a shorthand, in vCPU order (the order the old per-LAPIC
   * scan delivered in). `narrow`: an 8-bit xAPIC-format destination, where 0xFF is the physical
   * broadcast. The returned array is shared: never change it.
   */
  targets(dest: number, logical: boolean, narrow: boolean): readonly Lapic[] {
    if (this.stale) this.refresh();
    dest >>>= 0;
    if (dest === X2APIC_BROADCAST || (!logical && narrow && dest === XAPIC_BROADCAST)) return this.all;
    if (dest < SMALL) {
      const table = logical ? this.logicalSmall : this.physicalSmall;
      return table[dest] ?? (table[dest] = this.compute(dest, logical, narrow));
    }
    const map = logical ? this.logicalWide : this.physicalWide;
    let list = map.get(dest);
    if (list === undefined) {
      if (map.size >= WIDE_LIMIT) map.clear();
      list = this.compute(dest, logical, narrow);
      map.set(dest, list);
    }
    return list;
  }

  private compute(dest: number, logical: boolean, narrow: boolean): readonly Lapic[] {
    const hit = this.all.filter((l) => destinationMatches(l, dest, logical, narrow));
    return hit.length === 0 ? NONE : hit;
  }

  private refresh(): void {
    this.all = [...this.lapics()];
    this.physicalSmall.fill(undefined);
    this.logicalSmall.fill(undefined);
    this.physicalWide.clear();
    this.logicalWide.clear();
    this.stale = false;
  }
}
