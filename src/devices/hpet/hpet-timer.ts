// The state of one HPET comparator (HPET 1.0a §2.3.8–2.3.10): its configuration, the comparator
// accumulator, the period, the FSB route, and what it currently drives.
import type { IrqLine } from '../../irq/line.js';
import type { Timer } from '../../time/clock.js';
import type { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';

export const U64_MASK = 0xffff_ffff_ffff_ffffn;
export const U32_MASK = 0xffff_ffffn;
/** HpetTimerState.firstMatchIn when no first match is pending: one bigint, not a negation per match. */
export const NO_FIRST_MATCH = -1n;

export class HpetTimerState {
  /** Tn_CONF low dword (capability bits included); the high dword is the constant route cap. */
  conf = 0;
  private cmpValue = U64_MASK;
  /**
   * Periodic matches the match path counted but did not add to `cmpValue` yet (each adds one
   * period, modulo 2^32 when `pending32`, else 2^64): the match path stays in plain numbers (not
   * even a bigint comparison), and whoever reads `cmp` gets the sum, exactly as if each match had
   * added its period.
   */
  private pendingMatches = 0;
  private pending32 = false;
  private periodValue = 0n;
  /** `period` as a number (exact below 2^53 ticks), for the match path's deadline arithmetic. */
  periodTicks = 0;

  /** Comparator accumulator (64 bits; 32 in 32-bit mode). Periodic timers advance it on each match. */
  get cmp(): bigint {
    if (this.pendingMatches !== 0) this.settleMatches();
    return this.cmpValue;
  }

  set cmp(v: bigint) {
    this.pendingMatches = 0;
    this.cmpValue = v;
  }

  /** Period in ticks for periodic mode (0 = none yet: fires once). */
  get period(): bigint {
    return this.periodValue;
  }

  set period(p: bigint) {
    if (this.pendingMatches !== 0) this.settleMatches(); // the matches so far were at the old period
    this.periodValue = p;
    this.periodTicks = Number(p);
  }

  /** One periodic match: the comparator gains a period modulo 2^32 (`is32`, the timer's 32-bit mode now) or 2^64, no bigint. */
  addMatch(is32: boolean): void {
    if (this.pendingMatches !== 0 && is32 !== this.pending32) this.settleMatches();
    this.pending32 = is32;
    this.pendingMatches++;
  }

  private settleMatches(): void {
    this.cmpValue = (this.cmpValue + BigInt(this.pendingMatches) * this.periodValue) & (this.pending32 ? U32_MASK : U64_MASK);
    this.pendingMatches = 0;
  }
  /** Tn_FSB_INT_ROUTE: address in 63:32, data in 31:0. */
  fsb = 0n;
  /** A one-shot (or period-less periodic) timer has fired since it was last programmed. */
  fired = false;
  /**
   * The first match of a comparator programmed behind the counter (comparatorBehind `datasheet`
   * or `qemu`): it comes `firstMatchIn` counter ticks after the counter read `firstMatchFrom`.
   * Until then the comparator keeps the value written. -1 (NO_FIRST_MATCH) when no first match is pending.
   */
  firstMatchIn = NO_FIRST_MATCH;
  firstMatchFrom = 0n;
  /** Deadline (ns) at which the counter equals `cmp` exactly, or -1 (for the periodic fast path). */
  exactAt = -1;
  /** The line held high for an active level-triggered interrupt, or null. */
  levelLine: IrqLine | null = null;
  /**
   * The route HpetInterruptRouting last resolved for this timer, valid while `conf` and legacy
   * routing are what they were then (`routeConf`, −1: none yet): decided once per configuration
   * change, not per match or per acknowledgement.
   */
  routeConf = -1;
  routeLegacy = false;
  /** FSB delivery (an MSI, never a line). */
  routeFsb = false;
  /** The wired line of the route, or null (FSB, or a route outside Tn_INT_ROUTE_CAP). */
  routeLine: IrqLine | null = null;
  /** The route as HpetInterruptRouting.interruptSource names it (ISA IRQ ≥ 0, −1 − GSI, or null). */
  routeSource: number | null = null;
  /** Source lines per IO-APIC input, created on first use. */
  readonly routeLines: (IrqLine | undefined)[] = [];

  constructor(
    readonly index: number,
    readonly timer: Timer,
    /** Xen's missed-tick policy for this timer's periodic edges (inert until acknowledgements are tracked). */
    readonly missed: MissedTicks,
  ) {}
}
