// The LAPIC's side of its timer (SDM Vol. 3A §11.5.4; Xen hvm/vlapic.c vlapic_update_timer,
// vlapic_pt_cb): the TMICT, TDCR and LVT-timer writes that re-plan the count, the expiry that raises
// the LVT vector, and the missed-tick policy of the periodic mode (Xen vpt.c, HVM_PARAM_TIMER_MODE).
// The count itself is analytic, in lapic-timer.ts.
import type { Lapic } from './lapic.js';
import { ArmedKind } from './lapic-timer.js';
import { LVT_MASKED, Reg, TDCR_MASK, TIMER_MODE_MASK, TimerMode, VECTOR_MASK, tdcrDivisor } from './registers.js';

/** TMICT write: restarts the count in one-shot and periodic mode; ignored in TSC-deadline mode. */
export function writeTimerInitial(l: Lapic, val: number): void {
  const mode = l.timerMode;
  if (mode !== TimerMode.OneShot && mode !== TimerMode.Periodic) return;
  l.regs[Reg.TimerInitial] = val >>> 0;
  l.missedTicks.clear(); // Xen re-creates the periodic timer: the backlog goes
  l.timer.update(val >>> 0, mode, mode, true, l.timer.divisor);
}

/** TDCR write: a running count keeps what has elapsed and rescales the rest (Xen). */
export function writeTimerDivide(l: Lapic, val: number): void {
  const old = l.timer.divisor;
  l.regs[Reg.TimerDivide] = val & TDCR_MASK;
  l.timer.divisor = tdcrDivisor(val);
  const mode = l.timerMode;
  l.missedTicks.clear();
  l.timer.update(l.regs[Reg.TimerInitial]!, mode, mode, false, old);
}

/** LVT timer write: mode switches as Xen's vlapic_reg_write(APIC_LVTT) and vlapic_update_timer. */
export function writeLvtTimer(l: Lapic, val: number): void {
  // Xen re-creates the periodic timer on every LVTT write: the backlog is dropped.
  l.missedTicks.clear();
  const oldMode = l.timerMode;
  let newMode = (val & TIMER_MODE_MASK) >>> 17;
  if (!l.params.tscDeadline) newMode &= 1;
  const tdt = TimerMode.TscDeadline;
  if ((oldMode === tdt) !== (newMode === tdt)) {
    // Entering or leaving TSC-deadline mode clears TMICT and the deadline (Xen, SDM §11.5.4.1).
    l.regs[Reg.TimerInitial] = 0;
    l.timer.clearDeadline();
  }
  // Staying in TSC-deadline mode keeps an armed deadline (SDM; only mask/vector change).
  if (newMode !== tdt || oldMode !== tdt) l.timer.update(l.regs[Reg.TimerInitial]!, oldMode, newMode, false, l.timer.divisor);
  l.storeLvt(Reg.LvtTimer, val);
}

/** The count ran out (or the deadline passed): the LVT vector becomes pending unless masked. */
export function timerExpired(l: Lapic, periods = 1): void {
  const lvtt = l.regs[Reg.LvtTimer]!;
  if (!l.enabled || (lvtt & LVT_MASKED) !== 0) return;
  const vector = lvtt & VECTOR_MASK;
  // A periodic tick while the previous one is still untaken is owed, not delivered (vpt.c
  // pt_timer_fn counts it; pt_intr_post replays it). Illegal vectors only set ESR (never issued).
  if (l.timer.armed === ArmedKind.Periodic && vector >= 16 && !l.missedTicks.tick(periods)) return;
  l.setIrq(vector, false);
}

/**
 * The guest took the periodic timer's vector (Xen pt_intr_post): under a policy that replays the
 * backlog, one owed tick is made pending again at once; it is delivered after this one's EOI.
 */
export function timerTickTaken(l: Lapic, vector: number): void {
  if (!l.missedTicks.acknowledge()) return;
  const lvtt = l.regs[Reg.LvtTimer]!;
  if (l.timer.armed === ArmedKind.Periodic && l.enabled && (lvtt & LVT_MASKED) === 0) l.setIrq(vector, false);
  else l.missedTicks.clear();
}
