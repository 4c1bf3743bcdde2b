// A caller's cache of MMIO lookups (issue 14): what a vCPU's exit path keeps so that an access to
// a page it has used before goes straight to the device. Direct-mapped by guest page; an entry
// holds the page's tag and the id of the region last used in that page, checked against the bus's
// own record of that id (base, end, flags) on every access, so a hit calls exactly what the bus
// would call; dropped whenever the bus's generation moved (any register, move, remove or tracer
// change). A miss costs the bus's own lookup and two stores: the tag is beside the id (one 8-byte
// entry, a 1,024-entry table is 8 KB), so a miss is known from that line alone, with no record read
// for a region the access is not in. A page found shared by regions used in turn (its entry named
// another) is marked and walks on every access until the table is emptied, so such pages cost the
// bus's walk and the probe, not also a record read and a mispredicted branch each time. One per vCPU: the vCPU's thread fills it and nobody else
// touches it.
import { HOST_ACCESS, type AccessContext, type PortAccessSize } from './access.js';
import type { IoHandler } from './handler.js';
import { MMIO_NOT_DIRECT, type MmioBus } from './mmio-bus.js';

/**
 * Bit 30 of an entry's tag: the page is shared by regions used in turn, its accesses walk (a page
 * tag is bits 12-31 of an address: 20 bits, so it never has this bit; an empty entry is -1).
 */
const SHARED = 0x4000_0000;
/** The value mask per access size 1, 2, 4 (the bus's). */
const SIZE_MASK = new Int32Array([0, 0xff, 0xffff, 0, -1]);

/**
 * A per-vCPU software TLB in front of an {@link MmioBus}: `read`/`write` answer exactly what the
 * bus's would. A hit (the page's entry names a region that covers the access and whose handler
 * takes the size directly) is the record check and the device call, no walk; anything else walks
 * the bus's table, refills the entry and goes on as the bus does. Any change of the bus's regions
 * or tracer empties the table at the next access. Never throws for a guest access.
 * @example
 * ```ts
 * const tlb = new MmioTlb(platform.mmio);           // one per vCPU, at its exit handler
 * const v = tlb.read(exit.gpa, 4, accessContext(0)); // the same value as platform.mmio.read
 * ```
 */
export class MmioTlb {
  /**
   * Per slot, [2·slot] the page's tag (bits 12-31 of an address in it, -1: empty) and [2·slot + 1]
   * the id of the region last used in that page. The tag may alias pages 4 GiB apart: the record
   * check decides, the tag only spares a miss the record read.
   */
  private readonly entries: Int32Array;
  private readonly mask: number;
  private generation: number;
  /** The bus's per-id records, flags and handlers, as of `generation`. */
  private rec: Float64Array;
  private flags: Uint8Array;
  private readonly handlers: readonly IoHandler[];
  /** While the bus traces, every access goes through it (the tracer must see it). */
  private tracing: boolean;
  /** Accesses whose page entry did not name the region (a walk of the bus's table). */
  misses = 0;

  constructor(
    private readonly bus: MmioBus,
    /** Table entries, a power of two up to 2^20 (default 1024: 4 MiB of guest pages). */
    slots = 1024,
  ) {
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0 || slots > 1 << 20) {
      throw new RangeError(`MmioTlb: slots ${slots} must be a power of two in [1, 2^20]`);
    }
    this.entries = new Int32Array(2 * slots).fill(-1);
    this.mask = slots - 1;
    this.generation = bus.generation;
    this.rec = bus.idRecords;
    this.flags = bus.idFlags;
    this.handlers = bus.idHandlers;
    this.tracing = bus.tracing;
  }

  /** {@link MmioBus.read} through the table. */
  read(addr: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    if (this.generation !== this.bus.generation) this.flush();
    // The page number's low bits: addr >>> 12 takes them from addr mod 2^32, which keeps them.
    const page = addr >>> 12;
    const at = (page & this.mask) << 1;
    const entries = this.entries;
    const id = entries[at] === page ? entries[at + 1]! : this.refill(at, page, addr);
    const rec = this.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]! && (this.flags[id]! & (size | MMIO_NOT_DIRECT)) === size && !this.tracing) {
      return (this.handlers[id]!.read((addr - base) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    }
    return this.readOther(id, at, page, addr, size, ctx);
  }

  /** {@link MmioBus.write} through the table. */
  write(addr: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    if (this.generation !== this.bus.generation) this.flush();
    const page = addr >>> 12;
    const at = (page & this.mask) << 1;
    const entries = this.entries;
    const id = entries[at] === page ? entries[at + 1]! : this.refill(at, page, addr);
    const rec = this.rec;
    const base = rec[2 * id]!;
    if (addr >= base && addr + size <= rec[2 * id + 1]! && (this.flags[id]! & (size | MMIO_NOT_DIRECT)) === size && !this.tracing) {
      this.handlers[id]!.write((addr - base) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
      return;
    }
    this.writeOther(id, at, page, addr, size, value, ctx);
  }

  /** Empties the table (done by itself when the bus's regions or tracer change). */
  flush(): void {
    this.entries.fill(-1);
    this.generation = this.bus.generation;
    this.rec = this.bus.idRecords;
    this.flags = this.bus.idFlags;
    this.tracing = this.bus.tracing;
  }

  /**
   * Walks the bus's table for `addr` and enters the id it gives (unchecked: 0 or a candidate) for
   * `page`, unless the page is marked shared: then only the walk.
   */
  private refill(at: number, page: number, addr: number): number {
    this.misses++;
    const id = this.bus.candidateAt(addr);
    if (this.entries[at] !== (page | SHARED)) {
      this.entries[at] = page;
      this.entries[at + 1] = id;
    }
    return id;
  }

  /**
   * The region that can contain `addr` when the entry's `id` does not: the page holds several
   * regions used in turn (or a gap), so the entry is marked shared and the page's accesses walk
   * from now on (until the table is emptied), with no record read of a region they are not in.
   */
  private coveringOf(id: number, at: number, page: number, addr: number): number {
    const rec = this.rec;
    if (addr >= rec[2 * id]! && addr < rec[2 * id + 1]!) return id;
    this.entries[at] = page | SHARED;
    this.misses++;
    return this.bus.candidateAt(addr);
  }

  /**
   * What the inline path leaves: an entry naming another region of the same page, RAM, width
   * rules, unclaimed addresses and tracing (the bus's own paths).
   */
  private readOther(id: number, at: number, page: number, addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const covering = this.coveringOf(id, at, page, addr);
    if (covering !== 0 && this.direct(covering, addr, size))
      return (this.handlers[covering]!.read((addr - this.rec[2 * covering]!) | 0, size, ctx) & SIZE_MASK[size]!) >>> 0;
    return this.bus.read(addr, size, ctx);
  }

  private writeOther(id: number, at: number, page: number, addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const covering = this.coveringOf(id, at, page, addr);
    if (covering !== 0 && this.direct(covering, addr, size))
      this.handlers[covering]!.write((addr - this.rec[2 * covering]!) | 0, size, (value & SIZE_MASK[size]!) >>> 0, ctx);
    else this.bus.write(addr, size, value, ctx);
  }

  /** True when region `id`'s handler takes [addr, addr + size) directly (see MMIO_NOT_DIRECT). */
  private direct(id: number, addr: number, size: PortAccessSize): boolean {
    const rec = this.rec;
    return addr >= rec[2 * id]! && addr + size <= rec[2 * id + 1]! && (this.flags[id]! & (size | MMIO_NOT_DIRECT)) === size && !this.tracing;
  }
}
