// The state of the HPET, described once (src/device-model/state-description.ts), and the checks a
// snapshot's timers get on top of their field types: a snapshot is refused whole if any timer holds
// a value the guest could not have programmed (wrong capability bits, a route outside the route
// capability, a period outside the clamp). 64-bit values are `[low, high]` u32 halves (JSON has no
// 64-bit integers).
import { SnapshotError } from '../../device-model/snapshot.js';
import { StateDescription, u64Json, u64Value } from '../../device-model/state-description.js';
import { bool, nullable, struct, structs, u32, u64 } from '../../device-model/state-fields.js';
import { MISSED_TICKS_STATE } from '../../device-model/timer-mode/missed-ticks.js';
import { clampPeriod } from './hpet-comparator.js';
import { GEN_CONF, TN_CONF } from './hpet-registers.js';
import { type HpetTimerState, U32_MASK } from './hpet-timer.js';

/** What a timer's snapshot is checked against (fixed by the HPET's parameters). */
export interface HpetTimerRules {
  /** Read-only bits every Tn_CONF low dword carries. */
  readonly timerCapBits: number;
  /** Tn_CONF bits the guest may write. */
  readonly timerWritable: number;
  readonly routeCap: number;
  readonly minPeriodTicks: bigint;
}

/** A comparator programmed behind the counter, not matched yet (HpetParams.comparatorBehind). */
export const HPET_FIRST_MATCH_STATE = new StateDescription('hpet first match', 1, { in: u64(), from: u64() });

/** One HPET timer (HpetTimerState). `cmp` is the comparator brought up to date by the HPET. */
export const HPET_TIMER_STATE = new StateDescription('hpet timer', 2, {
  conf: u32(),
  cmp: u64(),
  period: u64(),
  fsb: u64(),
  fired: bool(),
  /** Absent in older snapshots: none pending. */
  firstMatch: nullable(struct(HPET_FIRST_MATCH_STATE))
    .computed((t: HpetTimerState) => (t.firstMatchIn >= 0n ? { in: u64Json(t.firstMatchIn), from: u64Json(t.firstMatchFrom) } : null))
    .added(2, null),
  missedTicks: struct(MISSED_TICKS_STATE).computed((t: HpetTimerState) => MISSED_TICKS_STATE.snapshot(t.missed)),
});

/** The HPET block (HPET 1.0a §2.3): the host's enable, GEN_CONF, GINTR_STA, the main counter and the timers. */
export const HPET_STATE = new StateDescription('hpet', 2, {
  guestEnabled: bool(),
  genConf: u32(),
  isr: u32(),
  counter: u64().computed((h: { counter(): bigint }) => u64Json(h.counter())),
  /** The timers with their comparators brought up to date (Hpet.timerStates). */
  timers: structs((timers: number) => timers, HPET_TIMER_STATE).computed((h: { readonly timerStates: (typeof HPET_TIMER_STATE.json)[] }) => h.timerStates),
});

export type HpetState = typeof HPET_STATE.json;
type HpetTimerJson = typeof HPET_TIMER_STATE.json;

/** Checks timer n of a snapshot whose general configuration is `genConf` (its fields are typed already). */
export function checkHpetTimerState(s: HpetTimerJson, path: string, n: number, genConf: number, rules: HpetTimerRules): void {
  const conf = s.conf;
  const fail = (why: string): never => {
    throw new SnapshotError(`${path}: ${why}`);
  };
  if ((conf & ~rules.timerWritable) >>> 0 !== rules.timerCapBits) fail(`conf 0x${conf.toString(16)} has wrong capability bits`);
  const route = (conf & TN_CONF.ROUTE_MASK) >>> TN_CONF.ROUTE_SHIFT;
  const legacyRouted = n <= 1 && (genConf & GEN_CONF.LEGACY) !== 0;
  const routeOk = ((rules.routeCap >>> route) & 1) === 1 || (route === 0 && !(conf & TN_CONF.INT_ENABLE));
  if (!legacyRouted && !routeOk) fail(`route ${route} is not allowed by the route capability`);
  const is32 = (conf & TN_CONF.MODE_32) !== 0;
  if (is32 && s.cmp[1] !== 0) fail('32-bit timer with a comparator above 32 bits');
  // A period of 0 (none programmed) is always in the clamp: no bigint for the common case.
  if (s.period[0] !== 0 || s.period[1] !== 0) {
    const period = u64Value(s.period);
    if (period !== clampPeriod(period, is32, rules.minPeriodTicks)) fail(`period ${period} is outside the clamp`);
  }
  // At most 2^64 - 1 ticks away (a 64-bit comparator just behind).
  const first = s.firstMatch ?? null;
  if (first !== null && is32 && u64Value(first.in) > U32_MASK + 1n) fail('a 32-bit first match more than 2^32 ticks away');
}

/** Copies a checked timer state into `t` (its missed-tick state included). */
export function applyHpetTimerState(t: HpetTimerState, s: HpetTimerJson): void {
  t.conf = s.conf;
  t.cmp = u64Value(s.cmp);
  t.period = u64Value(s.period);
  t.fsb = u64Value(s.fsb);
  t.fired = s.fired;
  const first = s.firstMatch ?? null;
  t.firstMatchIn = first === null ? -1n : u64Value(first.in);
  t.firstMatchFrom = first === null ? 0n : u64Value(first.from);
  t.missed.applyState(s.missedTicks);
}
