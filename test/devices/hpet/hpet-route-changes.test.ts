// The route of a running periodic timer is resolved once per configuration change (Tn_CONF, legacy
// routing) and kept between matches; the comparator on the exact path is re-armed in place. So a
// route change, legacy replacement on and off, and a disable between two matches must each take
// effect at the very next match, and a disabled timer must leave nothing armed.
import { describe, expect, it } from 'vitest';
import { GEN_CONF, T0_CMP, T0_CONF, xenRig } from './helpers.js';

const CTX = { vcpu: 0 } as never;
const PERIOD_TICKS = 62_500; // 1 ms at Xen's 16 ns
const conf = (route: number, extra = 0) => 0x4 | 0x8 | extra | (route << 9); // INT_ENB, PERIODIC

describe('HPET routes across configuration changes', () => {
  it('a periodic timer follows route changes, legacy replacement and a disable at the next match', () => {
    const r = xenRig();
    const w = (a: number, v: number) => r.mmio.write(a, 4, v, CTX);
    w(T0_CONF, conf(20, 0x40)); // VAL_SET: the next two writes are the comparator, then the period
    r.mmio.write64(T0_CMP, BigInt(PERIOD_TICKS), CTX);
    r.mmio.write64(T0_CMP, BigInt(PERIOD_TICKS), CTX);
    w(GEN_CONF, 1);
    const pulses = () => r.gsi.filter(([, , l]) => l).map(([t, g]) => [t, g]);
    r.clock.advanceTo(3_500_000); // three matches on GSI 20
    expect(pulses()).toEqual([
      [1_000_000, 20],
      [2_000_000, 20],
      [3_000_000, 20],
    ]);
    expect(r.clock.nextDeadline()).toBe(4_000_000);
    w(T0_CONF, conf(21));
    r.clock.advanceTo(4_500_000);
    expect(pulses().at(-1)).toEqual([4_000_000, 21]);
    w(GEN_CONF, 3); // legacy replacement: timer 0 drives IRQ0 (GSI 2 on Xen)
    r.clock.advanceTo(5_500_000);
    expect(pulses().at(-1)).toEqual([5_000_000, 2]);
    w(GEN_CONF, 1);
    r.clock.advanceTo(7_500_000);
    expect(pulses().slice(-2)).toEqual([
      [6_000_000, 21],
      [7_000_000, 21],
    ]);
    // Every pulse is an edge: each rise is followed by a fall at the same instant.
    expect(r.gsi.filter(([, , l]) => !l).length).toBe(pulses().length);
    // Interrupts off between two matches: nothing more is delivered and nothing stays armed.
    w(T0_CONF, 0x8 | (21 << 9));
    r.clock.advanceTo(12_000_000);
    expect(pulses().length).toBe(7);
    expect(r.clock.nextDeadline()).toBeNull();
    // On again: the comparator kept counting (it matched at 8, 9, 10, 11 ms); the next match is at 13 ms.
    w(T0_CONF, conf(22));
    r.clock.advanceTo(13_500_000);
    expect(pulses().at(-1)).toEqual([13_000_000, 22]);
    expect(Number(r.mmio.read(T0_CMP, 4, CTX))).toBe(14 * PERIOD_TICKS);
  });
});
