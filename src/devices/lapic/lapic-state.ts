// The checked snapshot of one LAPIC (Xen's LAPIC + LAPIC_REGS records, xen/include/public/arch-x86/hvm/save.h, as
// plain data). A restore accepts only states guest accesses can reach (docs/robustness.md): every
// register within its write mask, no vector below 16 in IRR/ISR/TMR, a legal APIC_BASE, a timer
// plan consistent with the LVT timer mode. It validates everything before changing anything.
import { MAX_CLOCK_NS } from '../../time/clock.js';
import { SnapshotError, SnapshotReader } from '../../device-model/snapshot.js';
import { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import { ArmedKind } from './lapic-timer.js';
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

export interface LapicState {
  readonly regs: readonly number[];
  readonly apicBase: bigint;
  readonly pendingEsr: number;
  readonly timerCounting: boolean;
  readonly timerStart: number;
  readonly tscDeadline: bigint;
  readonly timerArmed: ArmedKind;
  readonly timerDeadline: number;
  readonly timerPeriod: number;
  readonly lint0: boolean;
  readonly lint1: boolean;
  readonly extIntPending: boolean;
  readonly nmiPending: boolean;
  readonly smiPending: boolean;
  readonly initPending: boolean;
  readonly sipiVector: number;
  readonly waitForSipi: boolean;
  readonly intrSignalled: boolean;
  readonly missedTicks: ReturnType<typeof MissedTicks.read>;
  /** The x2APIC LDR is the vCPU-index derivation of a guest migrated from Xen 4.4–4.18. */
  readonly legacyX2apicLdr: boolean;
}

const ESR_BITS = ESR_SEND_ILLEGAL_VECTOR | ESR_RECEIVE_ILLEGAL_VECTOR;
export function readLapicState(state: unknown, path: string, vcpu: number, params: LapicParams): LapicState {
  const r = new SnapshotReader(state, path);
  const bad = (field: string, why: string): never => {
    throw new SnapshotError(`${path}.${field}: ${why}`);
  };
  if (r.int('vcpu', 0, 1023) !== vcpu) bad('vcpu', `belongs to another vCPU (this LAPIC is vCPU ${vcpu})`);
  const regs = r.intArray('regs', REG_SLOTS, 0, 0xffff_ffff);
  for (let i = 0; i < REG_SLOTS; i++) {
    if (LAPIC_STORED[i] === 0 && regs[i] !== 0) bad(`regs[${i}]`, 'a register that always reads 0 holds a value');
  }
  const at = (i: number) => regs[i]!;
  if (at(Reg.Version) !== LAPIC_VERSION) bad('regs[3]', `version must be 0x${LAPIC_VERSION.toString(16)}`);
  if ((at(Reg.Tpr) & ~LAPIC_WRITE_MASK[Reg.Tpr]!) !== 0) bad('regs[8]', 'TPR above 0xFF');
  if ((at(Reg.Dfr) & DFR_RESERVED_ONES) !== DFR_RESERVED_ONES) bad('regs[14]', 'DFR bits 27:0 must be ones');
  if ((at(Reg.Svr) & ~LAPIC_WRITE_MASK[Reg.Svr]!) !== 0) bad('regs[15]', 'SVR has bits above 9');
  if ((at(Reg.Esr) & ~ESR_BITS) !== 0) bad('regs[40]', 'ESR has error bits the model never sets');
  if ((at(Reg.TimerDivide) & ~LAPIC_WRITE_MASK[Reg.TimerDivide]!) !== 0) bad('regs[62]', 'TDCR has bits other than 0, 1, 3');
  for (const lvt of LVT_REGS) {
    if ((at(lvt) & ~lvtWriteMask(lvt, params.tscDeadline)) !== 0) bad(`regs[${lvt}]`, 'LVT bits outside its write mask');
  }
  for (const base of [Reg.Isr0, Reg.Tmr0, Reg.Irr0]) {
    if ((at(base) & 0xffff) !== 0) bad(`regs[${base}]`, 'vectors 0–15 can never be pending or in service');
  }

  const apicBase = r.u64('apicBase');
  const allowed = APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE | APIC_BASE_BSP | (params.x2apic ? APIC_BASE_EXTD : 0n);
  const en = (apicBase & APIC_BASE_ENABLE) !== 0n;
  const extd = (apicBase & APIC_BASE_EXTD) !== 0n;
  if ((apicBase & ~allowed) !== 0n) bad('apicBase', 'reserved bits set');
  if (extd && !en) bad('apicBase', 'EXTD without EN is an illegal APIC state');
  if (en && !extd && (apicBase & APIC_BASE_ADDR_MASK) !== BigInt(XAPIC_DEFAULT_BASE)) bad('apicBase', 'xAPIC window moved');
  let legacyX2apicLdr = false;
  if (en && extd) {
    const id = vcpu * params.apicIdStride;
    // Xen's lapic_load_fixup: an LDR derived from the vCPU index (Xen 4.4–4.18) is kept and
    // switches the domain to that derivation; anything else that is not the SDM's LDR is refused.
    legacyX2apicLdr = at(Reg.Ldr) !== x2apicLdrFromId(id) && at(Reg.Ldr) === x2apicLdrFromId(vcpu);
    if (at(Reg.Id) !== id || (at(Reg.Ldr) !== x2apicLdrFromId(id) && !legacyX2apicLdr)) {
      bad('regs', 'x2APIC ID/LDR do not match the vCPU');
    }
  } else if (en) {
    if ((at(Reg.Ldr) & 0xffffff) !== 0) bad('regs[13]', 'xAPIC LDR bits 23:0 must be 0');
    if ((at(Reg.IcrHigh) & 0xffffff) !== 0) bad('regs[49]', 'xAPIC ICR destination bits 23:0 must be 0');
  }

  const pendingEsr = r.int('pendingEsr', 0, 0xff);
  if ((pendingEsr & ~ESR_BITS) !== 0) bad('pendingEsr', 'error bits the model never sets');

  const t = r.object('timer');
  const mode = (at(Reg.LvtTimer) & TIMER_MODE_MASK) >>> 17;
  const timerArmed = t.int('armed', ArmedKind.None, ArmedKind.Deadline) as ArmedKind;
  const timerDeadline = t.int('deadline', -1, MAX_CLOCK_NS);
  const timerPeriod = t.int('period', 0, MAX_CLOCK_NS);
  const tscDeadline = t.u64('tscDeadline');
  const timerCounting = t.bool('counting');
  const timerStart = t.int('start', -MAX_CLOCK_NS, MAX_CLOCK_NS);
  if ((timerArmed === ArmedKind.None) !== timerDeadline < 0) bad('timer', 'armed kind and deadline disagree');
  if ((timerArmed === ArmedKind.Periodic) !== timerPeriod > 0) bad('timer.period', 'only a periodic timer has a period');
  const counts = mode === TimerMode.OneShot || mode === TimerMode.Periodic;
  if ((timerArmed === ArmedKind.OneShot || timerArmed === ArmedKind.Periodic) && (!counts || !timerCounting || at(Reg.TimerInitial) === 0)) {
    bad('timer.armed', 'a count is armed but the LVT timer mode or TMICT does not count');
  }
  if (timerArmed === ArmedKind.Periodic && mode !== TimerMode.Periodic) bad('timer.armed', 'periodic plan in one-shot mode');
  if (tscDeadline !== 0n && mode !== TimerMode.TscDeadline) bad('timer.tscDeadline', 'a deadline outside TSC-deadline mode');
  if (timerArmed === ArmedKind.Deadline && tscDeadline === 0n) bad('timer.armed', 'deadline armed without IA32_TSC_DEADLINE');
  // Entering or leaving TSC-deadline mode clears TMICT; a move to the reserved mode 3 keeps it.
  if (mode === TimerMode.TscDeadline && at(Reg.TimerInitial) !== 0) bad('regs[56]', 'TMICT is 0 in TSC-deadline mode');

  const sipiVector = r.int('sipiVector', -1, 0xff);
  r.object('missedTicks');
  const missedTicks = MissedTicks.read((state as { missedTicks: unknown }).missedTicks, `${path}.missedTicks`);
  if (missedTicks.tracking !== params.timerMissedTicks) {
    bad('missedTicks.tracking', `must be ${params.timerMissedTicks} with these LAPIC parameters`);
  }
  // A periodic count owes ticks; its next tick may lie past the end of virtual time (nothing armed).
  if (missedTicks.pending > 0 && !(mode === TimerMode.Periodic && timerCounting && at(Reg.TimerInitial) !== 0)) {
    bad('missedTicks', 'owed ticks without a periodic timer');
  }
  return {
    regs,
    apicBase,
    pendingEsr,
    timerCounting,
    timerStart,
    tscDeadline,
    timerArmed,
    timerDeadline,
    timerPeriod,
    lint0: r.bool('lint0'),
    lint1: r.bool('lint1'),
    extIntPending: r.bool('extIntPending'),
    nmiPending: r.bool('nmiPending'),
    smiPending: r.bool('smiPending'),
    initPending: r.bool('initPending'),
    sipiVector,
    waitForSipi: r.bool('waitForSipi'),
    intrSignalled: r.bool('intrSignalled'),
    missedTicks,
    legacyX2apicLdr,
  };
}
