// Comparator arithmetic of one HPET timer (HPET 1.0a §2.3.9): the periodic accumulator, the period
// limits, and the distance in counter ticks to the next match. Pure maths on HpetTimerState; the
// Hpet decides when to call it and schedules the result on the virtual clock.
import { TN_CONF } from './hpet-registers.js';
import { NO_FIRST_MATCH, U32_MASK, U64_MASK, type HpetTimerState } from './hpet-timer.js';

const TWO_32 = 4294967296;

/** The bits a timer's comparator keeps: 32 in 32-bit mode, else 64. */
export function comparatorMask(t: HpetTimerState): bigint {
  return t.conf & TN_CONF.MODE_32 ? U32_MASK : U64_MASK;
}

/**
 * Brings a running periodic timer's accumulator up to date: it gains one period at each match
 * (HPET 1.0a §2.3.9.2.2), so every match up to `counter` is added here. Returns the comparator.
 */
export function catchUpComparator(t: HpetTimerState, counter: bigint): bigint {
  if (t.firstMatchIn >= 0n) {
    if (((counter - t.firstMatchFrom) & U64_MASK) < t.firstMatchIn) return t.cmp; // not matched yet
    t.firstMatchIn = NO_FIRST_MATCH; // matched: from here on an ordinary accumulator
  }
  if (t.conf & TN_CONF.PERIODIC && t.period !== 0n) {
    const mask = comparatorMask(t);
    const half = (mask >> 1n) + 1n;
    const elapsed = (counter - t.cmp) & mask;
    if (elapsed < half) t.cmp = (t.cmp + (elapsed / t.period + 1n) * t.period) & mask;
  }
  return t.cmp;
}

/**
 * Period limits (docs/robustness.md entry 27): at least the profile minimum (Xen: 100 µs) and at most half the
 * comparator range so "after" comparisons never wrap. 0 stays 0 (the timer fires once).
 */
export function clampPeriod(p: bigint, is32: boolean, minPeriodTicks: bigint): bigint {
  if (p === 0n) return 0n;
  const max = is32 ? 0x7fff_ffffn : 0x7fff_ffff_ffff_ffffn;
  if (p < minPeriodTicks) p = minPeriodTicks;
  return p > max ? max : p;
}

/**
 * Counter ticks from `count` until timer t matches comparator `cmp` (a match past the end of
 * virtual time gives a deadline the clock treats as never).
 */
export function ticksUntilMatch(t: HpetTimerState, cmp: bigint, count: bigint, tinySpanTicks: number): number {
  if (t.firstMatchIn >= 0n) {
    const elapsed = (count - t.firstMatchFrom) & U64_MASK;
    return elapsed >= t.firstMatchIn ? 0 : Number(t.firstMatchIn - elapsed);
  }
  if (t.conf & TN_CONF.MODE_32) {
    const cur = Number(count & U32_MASK);
    const c = Number(cmp);
    // Xen's rule for a 32-bit comparator behind the counter: a little behind fires now, further
    // behind waits for the counter to wrap round to it.
    if (c >= cur) return c - cur;
    return cur - c > tinySpanTicks ? TWO_32 - (cur - c) : 0;
  }
  const diff = BigInt.asIntN(64, cmp - count);
  if (diff <= 0n) return 0; // already passed: fire once now (then strictly in the future)
  return Number(diff);
}

/**
 * Ticks from `count` to the first match of a periodic comparator `cmp` just programmed behind the
 * counter under the `xen` rule: the match Xen's catch-up moves it to (xen/arch/x86/hvm/hpet.c
 * hpet_get_comparator adds whole periods until it is past the counter, hpet_set_timer arms that),
 * or -1 when the comparator is ahead (or there is no period) and the ordinary arithmetic applies.
 */
export function xenFirstMatchTicks(cmp: bigint, period: bigint, count: bigint, is32: boolean): bigint {
  if (period === 0n) return -1n;
  const mask = is32 ? U32_MASK : U64_MASK;
  const elapsed = (count - cmp) & mask; // Xen: (int64_t)(counter - comparator) >= 0
  if (elapsed >= (mask >> 1n) + 1n) return -1n;
  return period - (elapsed % period); // in (0, period]: the next multiple of the period past the counter
}

/**
 * Ticks from `count` to the first match of comparator `cmp` just programmed, under the
 * `datasheet` or `qemu` rule (see HpetParams.comparatorBehind), or -1 when the comparator is
 * ahead of the counter and the ordinary arithmetic applies.
 */
export function firstMatchTicks(rule: 'datasheet' | 'qemu', cmp: bigint, count: bigint, is32: boolean): bigint {
  const mask = is32 ? U32_MASK : U64_MASK;
  const ahead = (cmp - count) & mask; // ticks until the counter (mod 2^32 or 2^64) equals cmp
  const half = (mask >> 1n) + 1n;
  if (ahead !== 0n && ahead < half) return -1n;
  if (rule === 'qemu') return 1n; // hpet_calculate_diff: a difference ≤ 0 becomes one tick
  return ahead; // 0: the counter equals it now; else when the counter comes round to it
}
