// The LAPIC timer as the guest programs it (SDM Vol. 3A §11.5.4; Xen hvm/vlapic.c
// vlapic_update_timer, vlapic_pt_cb): the TMICT, TDCR and LVT-timer writes that re-plan the count,
// the TMCCT read, the expiry that raises the LVT vector, and the missed-tick policy of the periodic
// mode (Xen vpt.c, HVM_PARAM_TIMER_MODE). The three registers live in the LAPIC's register page
// (Xen's LAPIC_REGS image); the count itself is analytic, in lapic-timer.ts.
import type { VirtualClock } from '../../time/clock.js';
import { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import type { TimerMode as MissedTickMode } from '../../device-model/timer-mode/timer-mode.js';
import { ArmedKind, LapicTimer } from './lapic-timer.js';
import type { LapicParams } from './params.js';
import { LAPIC_WRITE_MASK, LVT_MASKED, Reg, TIMER_MODE_MASK, TimerMode, VECTOR_MASK, lvtStoredValue, tdcrDivisor } from './registers.js';

/** Where the timer's interrupt goes: the LAPIC it belongs to. */
export interface TimerInterruptTarget {
  /** Not hardware- nor software-disabled: only then does an expiry raise the vector. */
  readonly enabled: boolean;
  /** Makes `vector` pending (edge). */
  setIrq(vector: number, level: boolean): void;
}

export class LapicTimerRegisters {
  /** The analytic count and what is on the clock. */
  readonly count: LapicTimer;
  /**
   * The periodic mode's missed-tick bookkeeping (Xen vpt.c, HVM_PARAM_TIMER_MODE). Tracking is on
   * when params.timerMissedTicks: the LAPIC itself sees the guest take the timer vector.
   */
  readonly missedTicks: MissedTicks;

  constructor(
    private readonly page: Uint32Array,
    clock: VirtualClock,
    name: string,
    private readonly params: LapicParams,
    timerMode: MissedTickMode,
    private readonly target: TimerInterruptTarget,
  ) {
    this.count = new LapicTimer(clock, name, params.busCycleNs, params.tscHz, (periods) => this.expired(periods));
    this.missedTicks = new MissedTicks(timerMode);
    this.missedTicks.tracking = params.timerMissedTicks;
  }

  /** The LVT timer mode (TimerMode). */
  get mode(): number {
    return (this.page[Reg.LvtTimer]! & TIMER_MODE_MASK) >>> 17;
  }

  /** TMCCT: counts only in one-shot and periodic mode. */
  readCurrent(): number {
    const mode = this.mode;
    if (mode !== TimerMode.OneShot && mode !== TimerMode.Periodic) return 0;
    return this.count.currentCount(this.page[Reg.TimerInitial]!, mode === TimerMode.Periodic);
  }

  /** TMICT reads 0 outside one-shot and periodic mode. */
  readInitial(): number {
    const mode = this.mode;
    return mode === TimerMode.OneShot || mode === TimerMode.Periodic ? this.page[Reg.TimerInitial]! : 0;
  }

  /** TMICT write: restarts the count in one-shot and periodic mode; ignored in TSC-deadline mode. */
  writeInitial(val: number): void {
    const mode = this.mode;
    if (mode !== TimerMode.OneShot && mode !== TimerMode.Periodic) return;
    this.page[Reg.TimerInitial] = val >>> 0;
    this.missedTicks.clear(); // Xen re-creates the periodic timer: the backlog goes
    this.count.update(val >>> 0, mode, mode, true, this.count.divisor);
  }

  /** TDCR write: a running count keeps what has elapsed and rescales the rest (Xen). */
  writeDivide(val: number): void {
    const old = this.count.divisor;
    this.page[Reg.TimerDivide] = val & LAPIC_WRITE_MASK[Reg.TimerDivide]!;
    this.count.divisor = tdcrDivisor(val);
    const mode = this.mode;
    this.missedTicks.clear();
    this.count.update(this.page[Reg.TimerInitial]!, mode, mode, false, old);
  }

  /** LVT timer write: mode switches as Xen's vlapic_reg_write(APIC_LVTT) and vlapic_update_timer. */
  writeLvt(val: number): void {
    // Xen re-creates the periodic timer on every LVTT write: the backlog is dropped.
    this.missedTicks.clear();
    const oldMode = this.mode;
    let newMode = (val & TIMER_MODE_MASK) >>> 17;
    if (!this.params.tscDeadline) newMode &= 1;
    const tdt = TimerMode.TscDeadline;
    if ((oldMode === tdt) !== (newMode === tdt)) {
      // Entering or leaving TSC-deadline mode clears TMICT and the deadline (Xen, SDM §11.5.4.1).
      this.page[Reg.TimerInitial] = 0;
      this.count.clearDeadline();
    }
    // Staying in TSC-deadline mode keeps an armed deadline (SDM; only mask/vector change).
    if (newMode !== tdt || oldMode !== tdt) this.count.update(this.page[Reg.TimerInitial]!, oldMode, newMode, false, this.count.divisor);
    this.page[Reg.LvtTimer] = lvtStoredValue(Reg.LvtTimer, val, this.page[Reg.Svr]!, this.params.tscDeadline);
  }

  /** IA32_TSC_DEADLINE write (Xen: ignored while hardware-disabled or outside TSC-deadline mode; the caller checks the first). */
  writeDeadlineHalves(lo: number, hi: number): void {
    if (this.mode === TimerMode.TscDeadline) this.count.writeDeadlineHalves(lo, hi);
  }

  /** IA32_TSC_DEADLINE as RDMSR sees it: the halves into out[0..1], 0 outside TSC-deadline mode. */
  readDeadlineHalves(out: Uint32Array): void {
    const on = this.mode === TimerMode.TscDeadline;
    out[0] = on ? this.count.deadlineLo : 0;
    out[1] = on ? this.count.deadlineHi : 0;
  }

  /**
   * The guest took `vector` (INTA): if it is the periodic timer's outstanding tick, Xen's
   * pt_intr_post runs; under a policy that replays the backlog one owed tick is made pending again
   * at once, and is delivered after this one's EOI.
   */
  vectorTaken(vector: number): void {
    // Every INTA runs this test; the rest is out of line, so the INTA stays small enough to inline.
    if (this.missedTicks.issued && vector === (this.page[Reg.LvtTimer]! & VECTOR_MASK)) this.timerTickTaken(vector);
  }

  /** vectorTaken for the timer's own outstanding tick. */
  private timerTickTaken(vector: number): void {
    const lvtt = this.page[Reg.LvtTimer]!;
    if (!this.missedTicks.acknowledge()) return;
    if (this.count.armed === ArmedKind.Periodic && this.target.enabled && (lvtt & LVT_MASKED) === 0) this.target.setIrq(vector, false);
    else this.missedTicks.clear();
  }

  /** INIT: divider reset, count stopped, deadline and backlog gone (Xen's vlapic_do_init). */
  initReset(): void {
    this.count.divisor = tdcrDivisor(0);
    this.count.stop();
    this.missedTicks.clear();
    this.count.tscDeadline = 0n;
  }

  /** The count ran out (or the deadline passed): the LVT vector becomes pending unless masked. */
  private expired(periods: number): void {
    const lvtt = this.page[Reg.LvtTimer]!;
    if (!this.target.enabled || (lvtt & LVT_MASKED) !== 0) return;
    const vector = lvtt & VECTOR_MASK;
    // A periodic tick while the previous one is still untaken is owed, not delivered (vpt.c
    // pt_timer_fn counts it; pt_intr_post replays it). Illegal vectors only set ESR (never issued).
    if (this.count.armed === ArmedKind.Periodic && vector >= 16 && !this.missedTicks.tick(periods)) return;
    this.target.setIrq(vector, false);
  }
}
