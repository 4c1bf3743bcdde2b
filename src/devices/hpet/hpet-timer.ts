// The state of one HPET comparator (HPET 1.0a §2.3.8–2.3.10): its configuration, the comparator
// accumulator, the period, the FSB route, and what it currently drives.
import type { IrqLine } from '../../irq/line.js';
import type { Timer } from '../../time/clock.js';
import type { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';

export const U64_MASK = 0xffff_ffff_ffff_ffffn;
export const U32_MASK = 0xffff_ffffn;

export class HpetTimerState {
  /** Tn_CONF low dword (capability bits included); the high dword is the constant route cap. */
  conf = 0;
  /** Comparator accumulator (64 bits; 32 in 32-bit mode). Periodic timers advance it on each match. */
  cmp = U64_MASK;
  /** Period in ticks for periodic mode (0 = none yet: fires once). */
  period = 0n;
  /** Tn_FSB_INT_ROUTE: address in 63:32, data in 31:0. */
  fsb = 0n;
  /** A one-shot (or period-less periodic) timer has fired since it was last programmed. */
  fired = false;
  /**
   * The first match of a comparator programmed behind the counter (comparatorBehind `datasheet`
   * or `qemu`): it comes `firstMatchIn` counter ticks after the counter read `firstMatchFrom`.
   * Until then the comparator keeps the value written. -1 when no first match is pending.
   */
  firstMatchIn = -1n;
  firstMatchFrom = 0n;
  /** Deadline (ns) at which the counter equals `cmp` exactly, or -1 (for the periodic fast path). */
  exactAt = -1;
  /** The line held high for an active level-triggered interrupt, or null. */
  levelLine: IrqLine | null = null;
  /** Source lines per IO-APIC input, created on first use. */
  readonly routeLines: (IrqLine | undefined)[] = [];

  constructor(
    readonly index: number,
    readonly timer: Timer,
    /** Xen's missed-tick policy for this timer's periodic edges (inert until acknowledgements are tracked). */
    readonly missed: MissedTicks,
  ) {}
}
