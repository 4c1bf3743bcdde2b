// Optional observation of guest accesses, rate-limited per device so a busy guest cannot flood a log.
import type { AccessContext } from './access.js';

/** One guest access as a trace sink sees it (after it was served). */
export interface TraceEvent {
  /** Which bus saw it. */
  readonly bus: 'port' | 'mmio';
  /** Direction of the access. */
  readonly dir: 'read' | 'write';
  /** Port or guest-physical address (for a widened split access, the address of the wider unit). */
  readonly addr: number;
  /** Access size in bytes: 1, 2, 4 or 8. */
  readonly size: number;
  /** The value read or written; bigint for 8-byte accesses. */
  readonly value: number | bigint;
  /** Owner of the range, or null for an unclaimed access. */
  readonly owner: string | null;
  /** The accessing vCPU (AccessContext.vcpu). */
  readonly vcpu: number;
}

/** Which accesses a bus trace passes on (`setTrace`), and how many per device. */
export interface TraceOptions {
  /** Only these owners (and "unclaimed" for unclaimed accesses); all when omitted. */
  readonly devices?: readonly string[];
  /** Events passed on per owner before the rest are only counted. Default 1000. */
  readonly limitPerDevice?: number;
}

/**
 * Receives trace events. Called on the guest path: an event object is allocated per access while
 * tracing, so trace for debugging, not in a benchmark. Must not throw.
 */
export type TraceSink = (event: TraceEvent) => void;

/** Filters and rate-limits trace events, keeping a count of what it suppressed. */
export class Tracer {
  private readonly filter: ReadonlySet<string> | null;
  private readonly limit: number;
  private readonly seen = new Map<string, number>();
  /** Per owner ("unclaimed" for unclaimed accesses): events over the limit, counted and not passed on. */
  readonly suppressed = new Map<string, number>();

  constructor(
    private readonly sink: TraceSink,
    opts: TraceOptions = {},
  ) {
    this.filter = opts.devices ? new Set(opts.devices) : null;
    this.limit = opts.limitPerDevice ?? 1000;
  }

  /** Passes one access to the sink unless it is filtered out or over its owner's limit (then counted in `suppressed`). */
  record(bus: 'port' | 'mmio', dir: 'read' | 'write', addr: number, size: number, value: number | bigint, owner: string | null, ctx: AccessContext): void {
    const key = owner ?? 'unclaimed';
    if (this.filter !== null && !this.filter.has(key)) return;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (n > this.limit) {
      this.suppressed.set(key, (this.suppressed.get(key) ?? 0) + 1);
      return;
    }
    this.sink({ bus, dir, addr, size, value, owner, vcpu: ctx.vcpu });
  }
}
