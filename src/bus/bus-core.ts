// What the port bus and the memory bus share: the width policy (reject or split), the unclaimed
// value, straddling rules and tracing. The buses keep their own fast path (lookup + direct call);
// everything unusual comes here.
import { allOnes, type AccessContext, type PortAccessSize } from './access.js';
import type { WidthPolicy } from './handler.js';
import type { Region } from './region.js';
import { Tracer, type TraceOptions, type TraceSink } from './trace.js';

/** A bus's rules for what its handlers do not serve: a profile parameter (Xen: reject, all-ones; QEMU: split). */
export interface BusProfile {
  /** What happens to accesses a handler does not implement (see WidthPolicy). */
  readonly widthPolicy: WidthPolicy;
  /** What an unclaimed read returns: all-ones (Xen's null handler) or zero (QEMU's unassigned memory). */
  readonly unclaimedRead: 'ones' | 'zero';
}

/** Xen's rules, the default of both buses: width `reject`, unclaimed reads all-ones (its null handler). */
export const XEN_BUS_PROFILE: BusProfile = Object.freeze({ widthPolicy: 'reject', unclaimedRead: 'ones' });

export abstract class BusCore {
  /** The active tracer (setTrace), or null: the buses record through it. */
  protected tracer: Tracer | null = null;
  /**
   * Bumped by every change of the regions (register, move, remove) and of the tracer: a caller's
   * cache of lookups (the emulator's remembered device pages) is valid only for the generation it was filled in.
   */
  generation = 0;
  /** Counters for tests and `describe`: accesses that no range claimed, and accesses refused by width. */
  unclaimedAccesses = 0;
  /** Accesses a range did not implement and the `reject` width policy refused (see unclaimedAccesses). */
  rejectedAccesses = 0;

  constructor(
    /** Which address space this is. */
    readonly kind: 'port' | 'mmio',
    /** The bus's width policy and unclaimed-read value. */
    readonly profile: BusProfile,
  ) {}

  /** The region containing `addr`, or null. */
  abstract regionAt(addr: number): Region | null;
  /** True if any region intersects [addr, addr+size). */
  protected abstract anyRegionIn(addr: number, size: number): boolean;

  /** True while a tracer sees accesses (a caller dispatching to a region itself must then use the bus). */
  get tracing(): boolean {
    return this.tracer !== null;
  }

  /** Sees every guest access (rate-limited per device); pass null to stop. */
  setTrace(sink: TraceSink | null, opts?: TraceOptions): Tracer | null {
    this.tracer = sink === null ? null : new Tracer(sink, opts);
    this.generation++;
    return this.tracer;
  }

  /** The value each byte of an unclaimed read has: 0xFF (Xen's null handler) or 0 (QEMU's unassigned memory). */
  get unclaimedByte(): number {
    return this.profile.unclaimedRead === 'ones' ? 0xff : 0;
  }

  /** What an unclaimed read of `size` (1, 2, 4) bytes returns under the profile: all-ones or 0. */
  protected unclaimedValue(size: number): number {
    return this.profile.unclaimedRead === 'ones' ? allOnes(size) : 0;
  }

  /** The width policy for an access at region `r`: the region's own, else the bus profile's. */
  protected policyOf(r: Region | null): WidthPolicy {
    return r?.policy ?? this.profile.widthPolicy;
  }

  /** Slow path for reads of 1, 2 or 4 bytes that the fast path could not serve directly. */
  protected slowRead(addr: number, size: PortAccessSize, ctx: AccessContext): number {
    const r = this.regionAt(addr);
    if (r === null && !this.anyRegionIn(addr, size)) {
      this.unclaimedAccesses++;
      const v = this.unclaimedValue(size);
      if (this.tracer !== null) this.tracer.record(this.kind, 'read', addr, size, v, null, ctx);
      return v;
    }
    if (this.policyOf(r) === 'reject') {
      // Xen: no handler accepts an access it does not fully contain at a width it implements, so
      // the null handler answers (all-ones). QEMU: an invalid access reads as unassigned (0 on memory).
      this.rejectedAccesses++;
      const v = this.unclaimedValue(size);
      if (this.tracer !== null) this.tracer.record(this.kind, 'read', addr, size, v, r?.owner ?? null, ctx);
      return v;
    }
    return this.splitRead(addr, size, ctx);
  }

  /** Slow path for writes of 1, 2 or 4 bytes that the fast path could not serve directly. */
  protected slowWrite(addr: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    const r = this.regionAt(addr);
    if (r === null && !this.anyRegionIn(addr, size)) {
      this.unclaimedAccesses++;
      if (this.tracer !== null) this.tracer.record(this.kind, 'write', addr, size, value, null, ctx);
      return;
    }
    if (this.policyOf(r) === 'reject') {
      this.rejectedAccesses++;
      if (this.tracer !== null) this.tracer.record(this.kind, 'write', addr, size, value, r?.owner ?? null, ctx);
      return;
    }
    this.splitWrite(addr, size, value, ctx);
  }

  /** QEMU-style: serve the access as naturally aligned pieces, each from its own owner. */
  private splitRead(addr: number, size: number, ctx: AccessContext): number {
    const r = this.regionAt(addr);
    if (r !== null && r.serves(addr, size)) {
      const v = r.handler.read(addr - r.base, size as PortAccessSize, ctx) >>> 0;
      if (this.tracer !== null) this.tracer.record(this.kind, 'read', addr, size, v, r.owner, ctx);
      return size >= 4 ? v : v & ((1 << (size * 8)) - 1);
    }
    if (size > 1) {
      const half = size >> 1;
      const lo = this.splitRead(addr, half, ctx);
      const hi = this.splitRead(addr + half, half, ctx);
      return (lo + hi * 2 ** (half * 8)) >>> 0;
    }
    if (r === null) {
      this.unclaimedAccesses++;
      return this.unclaimedValue(1);
    }
    // One byte of a range that only implements wider accesses: read the aligned unit around it.
    const m = r.minSize > 4 ? 4 : r.minSize;
    const unit = addr - (addr % m);
    if (unit >= r.base && unit + m <= r.end && (r.sizes & m) !== 0) {
      const v = r.handler.read(unit - r.base, m as PortAccessSize, ctx) >>> 0;
      if (this.tracer !== null) this.tracer.record(this.kind, 'read', unit, m, v, r.owner, ctx);
      return (v >>> ((addr - unit) * 8)) & 0xff;
    }
    this.rejectedAccesses++;
    return 0xff;
  }

  private splitWrite(addr: number, size: number, value: number, ctx: AccessContext): void {
    const r = this.regionAt(addr);
    if (r !== null && r.serves(addr, size)) {
      if (this.tracer !== null) this.tracer.record(this.kind, 'write', addr, size, value, r.owner, ctx);
      r.handler.write(addr - r.base, size as PortAccessSize, value, ctx);
      return;
    }
    if (size > 1) {
      const half = size >> 1;
      const bits = half * 8;
      const loMask = bits >= 32 ? 0xffffffff : (1 << bits) - 1;
      this.splitWrite(addr, half, (value >>> 0) & loMask, ctx);
      this.splitWrite(addr + half, half, Math.floor((value >>> 0) / 2 ** bits) & loMask, ctx);
      return;
    }
    if (r === null) {
      this.unclaimedAccesses++;
      return;
    }
    const m = r.minSize > 4 ? 4 : r.minSize;
    const unit = addr - (addr % m);
    if (unit >= r.base && unit + m <= r.end && (r.sizes & m) !== 0) {
      // QEMU widens a narrow write by shifting it into place in the wider access.
      const v = ((value & 0xff) << ((addr - unit) * 8)) >>> 0;
      if (this.tracer !== null) this.tracer.record(this.kind, 'write', unit, m, v, r.owner, ctx);
      r.handler.write(unit - r.base, m as PortAccessSize, v, ctx);
      return;
    }
    this.rejectedAccesses++;
  }
}
