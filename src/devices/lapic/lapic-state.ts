// The state of one LAPIC (Xen's LAPIC + LAPIC_REGS records, xen/include/public/arch-x86/hvm/save.h, as
// plain data), described once (src/device-model/state-description.ts). A check accepts only states
// guest accesses can reach (docs/robustness.md): every register within its write mask, no vector
// below 16 in IRR/ISR/TMR, a legal APIC_BASE, a timer plan consistent with the LVT timer mode. It
// checks everything before anything is applied (checkLapicState, then Lapic.applyState). Bigint-free:
// 64-bit values are `[low, high]` u32 halves, and the register page is checked in one loop over a
// table of allowed bits, so 128 LAPICs restore as 128 short loops over flat arrays.
import { MAX_CLOCK_NS } from '../../time/clock.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { StateDescription } from '../../device-model/state-description.js';
import { bool, int, struct, u64, uints } from '../../device-model/state-fields.js';
import { MISSED_TICKS_STATE } from '../../device-model/timer-mode/missed-ticks.js';
import { ArmedKind, type LapicTimer } from './lapic-timer.js';
import type { LapicParams } from './params.js';
import {
  APIC_BASE_ADDR_MASK,
  APIC_BASE_BSP,
  APIC_BASE_ENABLE,
  APIC_BASE_EXTD,
  DFR_RESERVED_ONES,
  ESR_RECEIVE_ILLEGAL_VECTOR,
  ESR_SEND_ILLEGAL_VECTOR,
  LVT_REGS,
  REG_SLOTS,
  Reg,
  TIMER_MODE_MASK,
  TimerMode,
  XAPIC_DEFAULT_BASE,
  LAPIC_STORED,
  LAPIC_VERSION,
  LAPIC_WRITE_MASK,
  lvtWriteMask,
  x2apicLdrFromId,
} from './registers.js';

/** The LAPIC timer's count and what it has on the clock (LapicTimer). */
export const LAPIC_TIMER_STATE = new StateDescription('lapic timer', 1, {
  counting: bool(),
  start: int(-MAX_CLOCK_NS, MAX_CLOCK_NS),
  /** IA32_TSC_DEADLINE. */
  tscDeadline: u64().computedHalves(
    (t: LapicTimer) => t.deadlineLo,
    (t: LapicTimer) => t.deadlineHi,
  ),
  armed: int(ArmedKind.None, ArmedKind.Deadline),
  /** Absolute deadline on the clock, -1 when nothing is armed. */
  deadline: int(-1, MAX_CLOCK_NS),
  /** 0 unless periodic. */
  period: int(0, MAX_CLOCK_NS),
});

/** The parts of a Lapic its description reads (private members, by name). */
interface LapicView {
  readonly base: { readonly low: number; readonly high: number };
  readonly timerRegs: { readonly count: LapicTimer; readonly missedTicks: object };
  readonly lintLevels: readonly boolean[];
  readonly extInt: boolean;
  readonly nmi: boolean;
  readonly smi: boolean;
  readonly init: boolean;
  readonly sipi: number;
  readonly waitingForSipi: boolean;
}

/** One LAPIC: the register page (64 slots of 16 bytes), IA32_APIC_BASE, the timer, the pins and pending events. */
export const LAPIC_STATE = new StateDescription('lapic', 1, {
  vcpu: int(0, 1023),
  regs: uints(REG_SLOTS, 32),
  apicBase: u64().computedHalves(
    (l: LapicView) => l.base.low,
    (l: LapicView) => l.base.high,
  ),
  /** ESR bits collected since the last ESR write. */
  pendingEsr: int(0, 0xff),
  timer: struct(LAPIC_TIMER_STATE).computedFrom((l: LapicView) => l.timerRegs.count),
  lint0: bool().computed((l: LapicView) => l.lintLevels[0]!),
  lint1: bool().computed((l: LapicView) => l.lintLevels[1]!),
  extIntPending: bool().computed((l: LapicView) => l.extInt),
  nmiPending: bool().computed((l: LapicView) => l.nmi),
  smiPending: bool().computed((l: LapicView) => l.smi),
  initPending: bool().computed((l: LapicView) => l.init),
  /** The vector of a pending SIPI, -1 for none. */
  sipiVector: int(-1, 0xff).computed((l: LapicView) => l.sipi),
  waitForSipi: bool().computed((l: LapicView) => l.waitingForSipi),
  intrSignalled: bool(),
  missedTicks: struct(MISSED_TICKS_STATE).computedFrom((l: LapicView) => l.timerRegs.missedTicks),
});

/** A LAPIC's snapshot part (LAPIC_STATE's JSON form). */
export type LapicState = typeof LAPIC_STATE.json;
type LapicStateJson = LapicState;

const ESR_BITS = ESR_SEND_ILLEGAL_VECTOR | ESR_RECEIVE_ILLEGAL_VECTOR;

/** Whether an x2APIC LDR is the vCPU-index derivation of Xen 4.4–4.18 (Xen's lapic_load_fixup). */
function legacyLdr(s: LapicStateJson, vcpu: number, params: LapicParams): boolean {
  const ldr = s.regs[Reg.Ldr]!;
  return ldr !== x2apicLdrFromId(vcpu * params.apicIdStride) && ldr === x2apicLdrFromId(vcpu);
}

/** Why a register slot's value is refused when it has bits outside REG_ALLOWED (the slot's reason). */
const REG_REFUSAL: readonly string[] = Array.from({ length: REG_SLOTS }, (_, i) => {
  if (LAPIC_STORED[i] === 0) return 'a register that always reads 0 holds a value';
  if (i === Reg.Tpr) return 'TPR above 0xFF';
  if (i === Reg.Svr) return 'SVR has bits above 9';
  if (i === Reg.Esr) return 'ESR has error bits the model never sets';
  if (i === Reg.TimerDivide) return 'TDCR has bits other than 0, 1, 3';
  if (LVT_REGS.includes(i)) return 'LVT bits outside its write mask';
  if (i === Reg.Isr0 || i === Reg.Tmr0 || i === Reg.Irr0) return 'vectors 0–15 can never be pending or in service';
  return '';
});

/**
 * The bits each register slot may hold in a snapshot, one table per TSC-deadline setting: 0 for a
 * slot that always reads 0, the write mask for TPR, SVR, TDCR and the LVTs, the model's two ESR
 * bits, no vectors 0–15 in ISR0/TMR0/IRR0, every bit elsewhere. One loop over the page checks them all.
 */
const REG_ALLOWED = [false, true].map((tscDeadline) => {
  const allowed = new Uint32Array(REG_SLOTS).fill(0xffff_ffff);
  for (let i = 0; i < REG_SLOTS; i++) if (LAPIC_STORED[i] === 0) allowed[i] = 0;
  for (const i of [Reg.Tpr, Reg.Svr, Reg.TimerDivide]) allowed[i] = LAPIC_WRITE_MASK[i]!;
  allowed[Reg.Esr] = ESR_BITS;
  for (const lvt of LVT_REGS) allowed[lvt] = lvtWriteMask(lvt, tscDeadline);
  for (const i of [Reg.Isr0, Reg.Tmr0, Reg.Irr0]) allowed[i] = 0xffff_0000;
  return allowed;
});

// IA32_APIC_BASE bits as plain numbers on its two halves.
const BASE_BSP = Number(APIC_BASE_BSP);
const BASE_EXTD = Number(APIC_BASE_EXTD);
const BASE_ENABLE = Number(APIC_BASE_ENABLE);
const BASE_ADDR_LOW = Number(APIC_BASE_ADDR_MASK & 0xffff_ffffn);
const BASE_ADDR_HIGH = Number(APIC_BASE_ADDR_MASK >> 32n);

/** Whether a LAPIC state's IA32_APIC_BASE has EN and EXTD set (x2APIC mode). */
function x2apicMode(s: LapicStateJson): boolean {
  const low = s.apicBase[0];
  return (low & BASE_ENABLE) !== 0 && (low & BASE_EXTD) !== 0;
}

/**
 * Checks a LAPIC's snapshot part against everything a guest can reach; `minPeriodNs` is the clock's
 * periodic clamp. Changes nothing, allocates nothing unless it refuses.
 */
export function checkLapicState(state: unknown, path: string, vcpu: number, params: LapicParams, minPeriodNs: number): void {
  checkLapicRules(LAPIC_STATE.check(state, path, undefined), path, vcpu, params, minPeriodNs);
}

/**
 * The part of checkLapicState after the description's types and ranges: everything a guest can
 * reach across fields and against the vCPU and parameters (a StateGroup checked the types column by
 * column). Changes nothing, allocates nothing unless it refuses.
 */
export function checkLapicRules(s: LapicState, path: string, vcpu: number, params: LapicParams, minPeriodNs: number): void {
  if (s.vcpu !== vcpu) refuse(path, 'vcpu', `belongs to another vCPU (this LAPIC is vCPU ${vcpu})`);
  const regs = s.regs;
  const allowed = REG_ALLOWED[params.tscDeadline ? 1 : 0]!;
  for (let i = 0; i < REG_SLOTS; i++) {
    if ((regs[i]! & ~allowed[i]!) !== 0) refuse(path, `regs[${i}]`, REG_REFUSAL[i]!);
  }
  const at = (i: number) => regs[i]!;
  if (at(Reg.Version) !== LAPIC_VERSION) refuse(path, 'regs[3]', `version must be 0x${LAPIC_VERSION.toString(16)}`);
  if ((at(Reg.Dfr) & DFR_RESERVED_ONES) !== DFR_RESERVED_ONES) refuse(path, 'regs[14]', 'DFR bits 27:0 must be ones');

  const baseLow = s.apicBase[0];
  const baseHigh = s.apicBase[1];
  const allowedLow = BASE_ADDR_LOW | BASE_ENABLE | BASE_BSP | (params.x2apic ? BASE_EXTD : 0);
  const en = (baseLow & BASE_ENABLE) !== 0;
  const extd = (baseLow & BASE_EXTD) !== 0;
  if ((baseLow & ~allowedLow) !== 0 || (baseHigh & ~BASE_ADDR_HIGH) !== 0) refuse(path, 'apicBase', 'reserved bits set');
  if (extd && !en) refuse(path, 'apicBase', 'EXTD without EN is an illegal APIC state');
  if (en && !extd && ((baseLow & BASE_ADDR_LOW) >>> 0 !== XAPIC_DEFAULT_BASE || baseHigh !== 0)) refuse(path, 'apicBase', 'xAPIC window moved');
  if (en && extd) {
    const id = vcpu * params.apicIdStride;
    // Xen's lapic_load_fixup: an LDR derived from the vCPU index (Xen 4.4–4.18) is kept and
    // switches the domain to that derivation; anything else that is not the SDM's LDR is refused.
    if (at(Reg.Id) !== id || (at(Reg.Ldr) !== x2apicLdrFromId(id) && !legacyLdr(s, vcpu, params))) {
      refuse(path, 'regs', 'x2APIC ID/LDR do not match the vCPU');
    }
  } else if (en) {
    if ((at(Reg.Ldr) & 0xffffff) !== 0) refuse(path, 'regs[13]', 'xAPIC LDR bits 23:0 must be 0');
    if ((at(Reg.IcrHigh) & 0xffffff) !== 0) refuse(path, 'regs[49]', 'xAPIC ICR destination bits 23:0 must be 0');
  }

  if ((s.pendingEsr & ~ESR_BITS) !== 0) refuse(path, 'pendingEsr', 'error bits the model never sets');

  const t = s.timer;
  const mode = (at(Reg.LvtTimer) & TIMER_MODE_MASK) >>> 17;
  const timerArmed = t.armed as ArmedKind;
  const timerCounting = t.counting;
  const tscDeadlineSet = t.tscDeadline[0] !== 0 || t.tscDeadline[1] !== 0;
  if ((timerArmed === ArmedKind.None) !== t.deadline < 0) refuse(path, 'timer', 'armed kind and deadline disagree');
  if ((timerArmed === ArmedKind.Periodic) !== t.period > 0) refuse(path, 'timer.period', 'only a periodic timer has a period');
  const counts = mode === TimerMode.OneShot || mode === TimerMode.Periodic;
  if ((timerArmed === ArmedKind.OneShot || timerArmed === ArmedKind.Periodic) && (!counts || !timerCounting || at(Reg.TimerInitial) === 0)) {
    refuse(path, 'timer.armed', 'a count is armed but the LVT timer mode or TMICT does not count');
  }
  if (timerArmed === ArmedKind.Periodic && mode !== TimerMode.Periodic) refuse(path, 'timer.armed', 'periodic plan in one-shot mode');
  if (tscDeadlineSet && mode !== TimerMode.TscDeadline) refuse(path, 'timer.tscDeadline', 'a deadline outside TSC-deadline mode');
  if (timerArmed === ArmedKind.Deadline && !tscDeadlineSet) refuse(path, 'timer.armed', 'deadline armed without IA32_TSC_DEADLINE');
  // Entering or leaving TSC-deadline mode clears TMICT; a move to the reserved mode 3 keeps it.
  if (mode === TimerMode.TscDeadline && at(Reg.TimerInitial) !== 0) refuse(path, 'regs[56]', 'TMICT is 0 in TSC-deadline mode');
  // A periodic plan shorter than the clock's clamp is not a state the timer can reach.
  if (t.period > 0 && t.period < minPeriodNs) {
    throw new SnapshotError(`${path}.timer.period: ${t.period} ns is below the ${minPeriodNs} ns periodic clamp`);
  }

  const missedTicks = s.missedTicks;
  if (missedTicks.tracking !== params.timerMissedTicks) {
    refuse(path, 'missedTicks.tracking', `must be ${params.timerMissedTicks} with these LAPIC parameters`);
  }
  // A periodic count owes ticks; its next tick may lie past the end of virtual time (nothing armed).
  if (missedTicks.pending > 0 && !(mode === TimerMode.Periodic && timerCounting && at(Reg.TimerInitial) !== 0)) {
    refuse(path, 'missedTicks', 'owed ticks without a periodic timer');
  }
}

function refuse(path: string, field: string, why: string): never {
  throw new SnapshotError(`${path}.${field}: ${why}`);
}

/** Whether a state checkLapicState accepted keeps Xen 4.4–4.18's x2APIC LDR derivation (Xen's lapic_load_fixup). */
export function keepsLegacyX2apicLdr(s: LapicState, vcpu: number, params: LapicParams): boolean {
  return x2apicMode(s) && legacyLdr(s, vcpu, params);
}
