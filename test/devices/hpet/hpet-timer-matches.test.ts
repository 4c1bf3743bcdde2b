// HpetTimerState's periodic matches counted in plain numbers (addMatch) against the bigint
// accumulator they stand for: each match adds the period modulo 2^32 or 2^64 (the timer's mode at
// that match), and a read of `cmp` sees exactly that sum.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MissedTicks } from '../../../src/device-model/timer-mode/missed-ticks.js';
import { HpetTimerState, U32_MASK, U64_MASK } from '../../../src/devices/hpet/hpet-timer.js';
import { VirtualClock } from '../../../src/time/clock.js';

function timerState(): HpetTimerState {
  return new HpetTimerState(
    0,
    new VirtualClock().createTimer('hpet.timer0', () => {}),
    new MissedTicks('no_delay_for_missed_ticks'),
  );
}

describe('HpetTimerState.addMatch', () => {
  it('a 32-bit match wraps at 2^32 even when a 64-bit match follows before cmp is read', () => {
    const t = timerState();
    t.cmp = 0xffff_fff0n;
    t.period = 0x10n;
    t.addMatch(true); // 0xffff_fff0 + 0x10 wraps to 0 in 32-bit mode
    t.addMatch(false); // then 0x10 in 64-bit mode
    expect(t.cmp).toBe(0x10n);
  });

  it('random matches in either mode, with reads and period changes between them, equal the bigint sums', () => {
    const step = fc.oneof(
      fc.record({ k: fc.constant('match' as const), is32: fc.boolean() }),
      fc.record({ k: fc.constant('read' as const) }),
      fc.record({ k: fc.constant('period' as const), p: fc.bigInt({ min: 1n, max: 0xffff_ffff_ffffn }) }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: U64_MASK }), fc.bigInt({ min: 1n, max: 0xffff_ffffn }), fc.array(step, { maxLength: 40 }), (cmp0, p0, steps) => {
        const t = timerState();
        t.cmp = cmp0;
        t.period = p0;
        let ref = cmp0;
        let period = p0;
        for (const s of steps) {
          if (s.k === 'match') {
            t.addMatch(s.is32);
            ref = (ref + period) & (s.is32 ? U32_MASK : U64_MASK);
          } else if (s.k === 'read') {
            expect(t.cmp).toBe(ref);
          } else {
            t.period = s.p;
            period = s.p;
          }
        }
        expect(t.cmp).toBe(ref);
      }),
      { numRuns: 300 },
    );
  });
});
