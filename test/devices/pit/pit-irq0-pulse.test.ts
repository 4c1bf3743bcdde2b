// IRQ0 as Xen's periodic pulse (PitParams.irq0Pulse 'periodic-pulse', the Xen profiles): a running
// mode 2/3 count drives IRQ0 as a periodic timer of DIV_ROUND(count · 10^9, PIT_FREQ) ns, first
// tick one period after the load (xen/arch/x86/emul-i8254.c pit_load_count), each tick a deassert
// then assert with the line asserted between ticks (xen/arch/x86/hvm/vpt.c pt_update_irq), clamped
// to 100 µs; one clock event per period. The counter the guest reads stays exact; other modes and
// 'out0' (QEMU) follow OUT0.
import { describe, expect, it } from 'vitest';
import { edgeNs, makePit } from './harness.js';
import { xenPitPeriodNs } from '../../../src/devices/pit/pit.js';
import { timerFastPaths } from '../../../src/irq/timer-fast-paths.js';

const P1193 = 999_847; // round(1193 · 10^9 / 1193182)
const P2386 = 1_999_695;

function program(r: ReturnType<typeof makePit>, control: number, count: number): void {
  r.out(0x43, control);
  r.out(0x40, count & 0xff);
  r.out(0x40, count >> 8);
}

describe('IRQ0 as periodic pulse (Xen)', () => {
  it("the period is Xen's DIV_ROUND(count · 10^9, PIT_FREQ)", () => {
    expect(xenPitPeriodNs(1193)).toBe(P1193);
    expect(xenPitPeriodNs(2386)).toBe(P2386);
    expect(xenPitPeriodNs(0x10000)).toBe(54_925_401);
  });

  it('mode 2: one pulse per period from the load, the line asserted between pulses, one clock event each', () => {
    const r = makePit('xen');
    program(r, 0x34, 1193);
    const events = r.clock.eventsFired;
    r.clock.advance(3 * P1193);
    expect(r.irq).toEqual([
      [0, true], // the control word: mode 2's OUT goes high (the line follows OUT0 until a count is loaded)
      [P1193, false],
      [P1193, true],
      [2 * P1193, false],
      [2 * P1193, true],
      [3 * P1193, false],
      [3 * P1193, true],
    ]);
    expect(r.clock.eventsFired - events).toBe(3);
    // The counter stays the datasheet's: loaded at edge 1, period 1193 (edge 3579 at 3·P1193 + ...).
    const k = Math.floor((3 * P1193 * 1193182) / 1e9);
    expect(r.latched(0)).toBe(1193 - ((k - 1) % 1193));
    expect(r.pit.out(0)).toBe(true);
  });

  it('mode 3 pulses at the whole period too (not at each half-cycle)', () => {
    const r = makePit('xen');
    program(r, 0x36, 2386);
    r.clock.advance(2 * P2386 + 1);
    expect(r.irq.filter(([, l]) => !l).map(([t]) => t)).toEqual([P2386, 2 * P2386]);
    r.clock.advanceTo(edgeNs(1 + 2 * 2386 + 1193) + 1); // third period's low half: OUT low, the line still asserted
    expect(r.pit.out(0)).toBe(false);
    expect(r.irq.at(-1)).toEqual([2 * P2386, true]);
  });

  it('a count loaded again restarts the period from the load; the first byte of a word does not', () => {
    const r = makePit('xen');
    program(r, 0x34, 1193);
    r.clock.advanceTo(2_500_000);
    r.out(0x40, 2386 & 0xff); // LSB: nothing restarts yet
    r.clock.advanceTo(2_600_000);
    expect(r.irq.at(-1)).toEqual([2 * P1193, true]);
    r.out(0x40, 2386 >> 8); // MSB: the count loads, the pulse restarts
    r.irq.length = 0;
    r.clock.advance(2 * P2386);
    expect(r.irq).toEqual([
      [2_600_000 + P2386, false],
      [2_600_000 + P2386, true],
      [2_600_000 + 2 * P2386, false],
      [2_600_000 + 2 * P2386, true],
    ]);
  });

  it('a period below 100 µs is clamped to 100 µs', () => {
    const r = makePit('xen');
    program(r, 0x34, 50);
    r.clock.advance(300_000);
    expect(r.irq.filter(([, l]) => !l).map(([t]) => t)).toEqual([100_000, 200_000, 300_000]);
  });

  it('mode 0 still follows OUT0; a control word ends the pulse; QEMU (out0) follows OUT0 in mode 2', () => {
    const r = makePit('xen');
    program(r, 0x34, 1193);
    r.clock.advanceTo(1_500_000);
    program(r, 0x30, 1000); // mode 0: OUT0 low at the control word, high N+1 edges after the count
    r.irq.length = 0;
    const at = r.clock.now;
    const K = Math.floor((at * 1193182) / 1e9);
    r.clock.advance(5_000_000);
    expect(r.irq).toEqual([[edgeNs(K + 1001), true]]);

    const q = makePit('qemu');
    program(q, 0x34, 1193);
    q.irq.length = 0;
    q.clock.advanceTo(edgeNs(1195));
    expect(q.irq).toEqual([
      [edgeNs(1193), false],
      [edgeNs(1194), true],
    ]);
  });

  it('a snapshot mid-period restores the pulse with its phase and period', () => {
    const a = makePit('xen');
    program(a, 0x34, 2386);
    a.clock.advanceTo(3_000_000);
    const snap = a.pit.snapshot();
    expect((snap as { clampedDeadline: number }).clampedDeadline).toBe(2 * P2386);
    const b = makePit('xen');
    b.clock.advanceTo(3_000_000);
    b.pit.restore(snap);
    a.irq.length = 0;
    b.irq.length = 0;
    a.clock.advance(5_000_000);
    b.clock.advance(5_000_000);
    expect(b.irq).toEqual(a.irq);
    expect(a.irq.filter(([, l]) => !l).map(([t]) => t)).toEqual([2 * P2386, 3 * P2386, 4 * P2386]);
    expect(b.latched(0)).toBe(a.latched(0));
  });

  // The pulse's edges skip syncIrq's re-check once it has run (timerFastPaths); a restored pulse is
  // re-checked at its first edge: here the snapshot says legacy replacement owns IRQ0, so that edge
  // lowers the line and the pulse ends, with the shortcut as without it.
  for (const fast of [true, false]) {
    it(`a restored pulse whose IRQ0 is no longer the PIT's ends at its first edge (timer shortcuts ${fast ? 'on' : 'off'})`, () => {
      const a = makePit('xen');
      program(a, 0x34, 2386);
      a.clock.advanceTo(3_000_000);
      const snap = { ...(a.pit.snapshot() as object), legacyReplacement: true };
      timerFastPaths.enabled = fast;
      let b: ReturnType<typeof makePit>;
      try {
        b = makePit('xen');
      } finally {
        timerFastPaths.enabled = true;
      }
      b.clock.advanceTo(3_000_000);
      b.pit.restore(snap);
      b.irq.length = 0;
      b.clock.advance(5_000_000);
      expect(b.irq).toEqual([[2 * P2386, false]]);
      expect(b.pit.snapshot()).toMatchObject({ clampedDeadline: -1, irq0: false });
    });
  }

  it('a snapshot whose pulse deadline lies beyond the longest period is refused', () => {
    const a = makePit('xen');
    program(a, 0x34, 0); // 65536: the longest period
    const snap = a.pit.snapshot() as { clampedDeadline: number };
    expect(snap.clampedDeadline).toBe(54_925_401);
    expect(() => a.pit.checkState({ ...snap, clampedDeadline: 54_925_402 })).toThrow(/clampedDeadline/);
  });
});
