// Optional observation of guest accesses, rate-limited per device so a busy guest cannot flood a log.
import type { AccessContext } from './access.js';

export interface TraceEvent {
  readonly bus: 'port' | 'mmio';
  readonly dir: 'read' | 'write';
  readonly addr: number;
  readonly size: number;
  /** The value read or written; bigint for 8-byte accesses. */
  readonly value: number | bigint;
  /** Owner of the range, or null for an unclaimed access. */
  readonly owner: string | null;
  readonly vcpu: number;
}

export interface TraceOptions {
  /** Only these owners (and "unclaimed" for unclaimed accesses); all when omitted. */
  readonly devices?: readonly string[];
  /** Events passed on per owner before the rest are only counted. Default 1000. */
  readonly limitPerDevice?: number;
}

export type TraceSink = (event: TraceEvent) => void;

/** Filters and rate-limits trace events, keeping a count of what it suppressed. */
export class Tracer {
  private readonly filter: ReadonlySet<string> | null;
  private readonly limit: number;
  private readonly seen = new Map<string, number>();
  readonly suppressed = new Map<string, number>();

  constructor(
    private readonly sink: TraceSink,
    opts: TraceOptions = {},
  ) {
    this.filter = opts.devices ? new Set(opts.devices) : null;
    this.limit = opts.limitPerDevice ?? 1000;
  }

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
