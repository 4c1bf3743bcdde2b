// A caller's cache of MMIO lookups (issue 14): what a vCPU's exit path keeps so that an access to
// a page it has used before goes straight to the device. Direct-mapped by guest page; an entry
// holds the region last used in that page (its bounds, handler and the sizes its handler takes
// directly), filled on the first access and dropped whenever the bus's generation moved (any
// register, move, remove or tracer change), so a hit calls exactly what the bus would call.
// One per vCPU: the vCPU's thread fills it and nobody else touches it.
import { HOST_ACCESS, type AccessContext, type PortAccessSize } from './access.js';
import type { IoHandler } from './handler.js';
import type { MmioBus } from './mmio-bus.js';

/** The value mask per access size 1, 2, 4 (the bus's). */
const SIZE_MASK = new Int32Array([0, 0xff, 0xffff, 0, -1]);
const NO_HANDLER: IoHandler = { read: () => 0, write: () => undefined };

/**
 * A per-vCPU software TLB in front of an {@link MmioBus}: `read`/`write` answer exactly what the
 * bus's would. A hit (the page's entry covers the access and its region's handler takes the size
 * directly) is a bounds check and the device call, no lookup; anything else goes to the bus and
 * refills the entry. Any change of the bus's regions or tracer empties the table at the next
 * access. Never throws for a guest access.
 * @example
 * ```ts
 * const tlb = new MmioTlb(platform.mmio);           // one per vCPU, at its exit handler
 * const v = tlb.read(exit.gpa, 4, accessContext(0)); // the same value as platform.mmio.read
 * ```
 */
export class MmioTlb {
  /**
   * Per slot, one 32-byte record: [4·slot] the region's base, [4·slot + 1] its end (exclusive),
   * [4·slot + 2] the sizes (bits 1, 2, 4) its handler takes directly (0: empty, or the bus must
   * serve it). One cache line per probe.
   */
  private readonly recs: Float64Array;
  private readonly handlers: IoHandler[];
  private readonly mask: number;
  private generation: number;
  /** Accesses that went to the bus (a miss, or a region the bus must serve itself). */
  misses = 0;

  constructor(
    private readonly bus: MmioBus,
    /** Table entries, a power of two up to 2^20 (default 1024: 4 MiB of guest pages). */
    slots = 1024,
  ) {
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0 || slots > 1 << 20) {
      throw new RangeError(`MmioTlb: slots ${slots} must be a power of two in [1, 2^20]`);
    }
    this.recs = new Float64Array(4 * slots);
    this.handlers = new Array<IoHandler>(slots).fill(NO_HANDLER);
    this.mask = slots - 1;
    this.generation = bus.generation;
  }

  /** {@link MmioBus.read} through the table. */
  read(addr: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    if (this.generation !== this.bus.generation) this.flush();
    // The page number's low bits: addr >>> 12 takes them from addr mod 2^32, which keeps them.
    const slot = (addr >>> 12) & this.mask;
    const recs = this.recs;
    const base = recs[4 * slot]!;
    if (addr >= base && addr + size <= recs[4 * slot + 1]! && (recs[4 * slot + 2]! & size) !== 0) {
      return (this.handlers[slot]!.read((addr - base) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    }
    return this.readMiss(slot, addr, size, ctx);
  }

  /** {@link MmioBus.write} through the table. */
  write(addr: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    if (this.generation !== this.bus.generation) this.flush();
    const slot = (addr >>> 12) & this.mask;
    const recs = this.recs;
    const base = recs[4 * slot]!;
    if (addr >= base && addr + size <= recs[4 * slot + 1]! && (recs[4 * slot + 2]! & size) !== 0) {
      this.handlers[slot]!.write((addr - base) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
      return;
    }
    this.writeMiss(slot, addr, size, value, ctx);
  }

  /** Empties the table (done by itself when the bus's regions or tracer change). */
  flush(): void {
    this.recs.fill(0);
    this.handlers.fill(NO_HANDLER);
    this.generation = this.bus.generation;
  }

  /**
   * Refills `slot` for `addr`, then serves the access from it if the region takes it directly,
   * else through the bus (RAM, width rules, unclaimed, tracing: the bus's own paths). The bus's
   * read/write are not shared with the hit path, so neither slows the other's inlining.
   */
  private readMiss(slot: number, addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const handler = this.refill(slot, addr, size);
    if (handler !== null) return (handler.read((addr - this.recs[4 * slot]!) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    return this.bus.read(addr, size, ctx);
  }

  private writeMiss(slot: number, addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const handler = this.refill(slot, addr, size);
    if (handler !== null) handler.write((addr - this.recs[4 * slot]!) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
    else this.bus.write(addr, size, value, ctx);
  }

  /** Fills `slot` with the region at `addr`; returns its handler if that takes [addr, addr + size) directly, else null. */
  private refill(slot: number, addr: number, size: PortAccessSize): IoHandler | null {
    this.misses++;
    const handler = this.bus.cacheEntry(addr, this.recs, 4 * slot);
    this.handlers[slot] = handler;
    const recs = this.recs;
    return addr >= recs[4 * slot]! && addr + size <= recs[4 * slot + 1]! && (recs[4 * slot + 2]! & size) !== 0 ? handler : null;
  }
}
