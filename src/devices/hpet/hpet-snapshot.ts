// The snapshot form of one HPET timer and its checks on restore: a snapshot is refused whole if any
// timer holds a value the guest could not have programmed (wrong capability bits, a route outside
// the route capability, a period outside the clamp).
import type { PlainData } from '../../device-model/device.js';
import { SnapshotError, type SnapshotReader } from '../../device-model/snapshot.js';
import { MissedTicks, type MissedTicksState } from '../../device-model/timer-mode/missed-ticks.js';
import { clampPeriod } from './hpet-comparator.js';
import { GEN_CONF, TN_CONF } from './hpet-registers.js';
import { U32_MASK, type HpetTimerState } from './hpet-timer.js';

/** A restored timer's fields, checked and ready to copy into its HpetTimerState. */
export interface HpetTimerSnapshot {
  conf: number;
  cmp: bigint;
  period: bigint;
  fsb: bigint;
  fired: boolean;
  firstMatchIn: bigint;
  firstMatchFrom: bigint;
  missed: MissedTicksState;
}

/** What a timer's snapshot is checked against (fixed by the HPET's parameters). */
export interface HpetTimerRules {
  /** Read-only bits every Tn_CONF low dword carries. */
  readonly timerCapBits: number;
  /** Tn_CONF bits the guest may write. */
  readonly timerWritable: number;
  readonly routeCap: number;
  readonly minPeriodTicks: bigint;
}

/** 64-bit values are stored as hex strings (JSON has no 64-bit integers). */
export function hex64(v: bigint): string {
  return '0x' + v.toString(16);
}

/** Timer t's snapshot; `cmp` is its comparator brought up to date by the caller. */
export function hpetTimerSnapshot(t: HpetTimerState, cmp: bigint): PlainData {
  return {
    conf: t.conf,
    cmp: hex64(cmp),
    period: hex64(t.period),
    fsb: hex64(t.fsb),
    fired: t.fired,
    // A comparator programmed behind the counter, not matched yet (HpetParams.comparatorBehind).
    firstMatch: t.firstMatchIn >= 0n ? { in: hex64(t.firstMatchIn), from: hex64(t.firstMatchFrom) } : null,
    missedTicks: t.missed.snapshot(),
  };
}

/** Reads and checks timer n of a snapshot whose general configuration is `genConf`. */
export function readHpetTimerSnapshot(r: SnapshotReader, raw: Record<string, unknown>, n: number, genConf: number, rules: HpetTimerRules): HpetTimerSnapshot {
  const conf = r.uint('conf', 32);
  const fail = (why: string): never => {
    throw new SnapshotError(`${r.path}: ${why}`);
  };
  if ((conf & ~rules.timerWritable) >>> 0 !== rules.timerCapBits) fail(`conf 0x${conf.toString(16)} has wrong capability bits`);
  const route = (conf & TN_CONF.ROUTE_MASK) >>> TN_CONF.ROUTE_SHIFT;
  const legacyRouted = n <= 1 && (genConf & GEN_CONF.LEGACY) !== 0;
  const routeOk = ((rules.routeCap >>> route) & 1) === 1 || (route === 0 && !(conf & TN_CONF.INT_ENABLE));
  if (!legacyRouted && !routeOk) fail(`route ${route} is not allowed by the route capability`);
  const is32 = (conf & TN_CONF.MODE_32) !== 0;
  const cmp = r.u64('cmp');
  const period = r.u64('period');
  if (is32 && cmp > U32_MASK) fail('32-bit timer with a comparator above 32 bits');
  if (period !== clampPeriod(period, is32, rules.minPeriodTicks)) fail(`period ${period} is outside the clamp`);
  r.object('missedTicks');
  const missed = MissedTicks.read(raw['missedTicks'], `${r.path}.missedTicks`);
  let firstMatchIn = -1n;
  let firstMatchFrom = 0n;
  if (r.has('firstMatch') && raw['firstMatch'] !== null) {
    // Absent in older snapshots. At most 2^64 - 1 ticks away (a 64-bit comparator just behind).
    const f = r.object('firstMatch');
    firstMatchIn = f.u64('in');
    firstMatchFrom = f.u64('from');
    if (is32 && firstMatchIn > U32_MASK + 1n) fail('a 32-bit first match more than 2^32 ticks away');
  }
  return { conf, cmp, period, fsb: r.u64('fsb'), fired: r.bool('fired'), firstMatchIn, firstMatchFrom, missed };
}
