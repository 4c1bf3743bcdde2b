// A comparator programmed "behind" the main counter (issue 10, item 14): what it reads back and
// when it fires, per HpetParams.comparatorBehind — `datasheet` (HPET 1.0a: only when the counter
// equals it), `xen` (xen/arch/x86/hvm/hpet.c: at its catch-up point) and `qemu` (QEMU 7.2
// hw/timer/hpet.c: one tick later). Every rule reads back what was written until the first match.
import { describe, expect, it } from 'vitest';
import { QEMU_PC_HPET_PARAMS, XEN_HPET_PARAMS, type HpetParams } from '../../../src/devices/hpet/hpet-params.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { COUNTER, GEN_CONF, qemuRig, T0_CMP, T0_CONF, xenRig, type Rig } from './helpers.js';

const INT_ENB = 0x4;
const PERIODIC = 0x8;
const VAL_SET = 0x40;
const MODE_32 = 0x100;
const ROUTE2 = 2 << 9;
const U64 = (1n << 64n) - 1n;

/**
 * The issue's case: counter running since t = 1 ms; at 2 ms a periodic timer 0 gets the low half
 * 0x1a1f8 with VAL_SET, its high half still the reset all-ones: 0xffffffff_0001a1f8, behind.
 */
function issueCase(r: Rig, route = ROUTE2): void {
  r.clock.advance(1_000_000);
  r.mmio.write(GEN_CONF, 4, 1);
  r.clock.advance(1_000_000);
  r.mmio.write(T0_CONF, 4, route | PERIODIC | INT_ENB | VAL_SET);
  r.gsi.length = 0;
  r.mmio.write(T0_CMP, 4, 0x1a1f8); // QEMU sets the period to 0x1a1f8 too; Xen keeps period 0
}

const edges = (r: Rig, gsi = 2) => r.gsi.filter(([, g, l]) => g === gsi && l).map(([t]) => t);
const ROUTE20 = 20 << 9; // Xen's route capability is GSIs 20-23

describe('issue 10 item 14: a periodic comparator written behind the counter', () => {
  it('qemu-pc: reads back what was written (0xffffffff0001a1f8), fires one tick later, then runs from past the counter', () => {
    const r = qemuRig(QEMU_PC_HPET_PARAMS);
    issueCase(r);
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    expect([r.mmio.read(T0_CMP, 4), r.mmio.read(T0_CMP + 4, 4)]).toEqual([0x1a1f8, 0xffffffff]);
    r.clock.advance(9);
    expect(edges(r)).toEqual([]);
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    r.clock.advance(1); // 10 ns = one tick (hpet_calculate_diff: a difference ≤ 0 is 1)
    expect(edges(r)).toEqual([2_000_010]);
    // hpet_timer: the accumulator gains whole periods (QEMU's VAL_SET write set the period to
    // 0x1a1f8 too) until it is past the counter (100,001 ticks).
    const cmp = 0xffff_ffff_0001_a1f8n;
    const p = 0x1a1f8n;
    const k = ((100_001n - cmp) & U64) / p + 1n;
    const next = (cmp + k * p) & U64;
    expect(r.mmio.read64(T0_CMP)).toBe(next);
    r.clock.advance(Number(next - 100_001n) * 10 - 1);
    expect(edges(r)).toEqual([2_000_010]);
    r.clock.advance(1);
    expect(edges(r)).toEqual([2_000_010, 2_000_010 + Number(next - 100_001n) * 10]);
  });

  it('xen-hvm: period 0 fires at once; a period written after that catches the accumulator up (hpet_get_comparator) and fires there', () => {
    const r = xenRig(XEN_HPET_PARAMS);
    issueCase(r, ROUTE20);
    // Period 0 (Xen's VAL_SET write keeps the period): no accumulator to catch up; it reads as
    // written and fires at once (hpet_set_timer: a difference < 0 becomes 0), once.
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    r.clock.advance(0);
    expect(edges(r, 20)).toEqual([2_000_000]);
    r.mmio.write(T0_CMP, 4, 0x2000); // now the period: 8192 × 16 ns = 131 µs
    const count = 1_000_000n / 16n; // 16 ns ticks since enabling
    const p = 0x2000n;
    const cmp = 0xffff_ffff_0001_a1f8n;
    const caught = (cmp + (((count - cmp) & U64) / p + 1n) * p) & U64;
    expect(r.mmio.read64(T0_CMP)).toBe(caught);
    r.clock.advance(Number(caught - count) * 16 - 1);
    expect(edges(r, 20)).toEqual([2_000_000]);
    r.clock.advance(1);
    expect(edges(r, 20)).toEqual([2_000_000, 2_000_000 + Number(caught - count) * 16]);
  });

  it("xen-hvm with a period: reads back what was written (not the caught-up 0x1d398) until Xen's catch-up point fires", () => {
    // Xen's VAL_SET write keeps the period, so the period comes first; a 32-bit guest then writes
    // the comparator as two VAL_SET halves, high (all ones) then low: 0xffffffff_0001a1f8.
    const r = xenRig(XEN_HPET_PARAMS);
    r.clock.advance(1_000_000);
    r.mmio.write(GEN_CONF, 4, 1);
    r.clock.advance(1_000_000); // counter 62,500 (16 ns ticks)
    r.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB);
    r.mmio.write(T0_CMP, 4, 0x1a1f8); // the period: 107,000 ticks
    r.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB | VAL_SET);
    r.mmio.write(T0_CMP + 4, 4, 0xffffffff);
    r.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB | VAL_SET);
    r.gsi.length = 0;
    r.mmio.write(T0_CMP, 4, 0x1a1f8); // the issue's writel
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    expect([r.mmio.read(T0_CMP, 4), r.mmio.read(T0_CMP + 4, 4)]).toEqual([0x1a1f8, 0xffffffff]);
    // Xen's hpet_get_comparator moves it by whole periods past the counter, to 0x1d398 (119,704),
    // 57,204 ticks on; hpet_set_timer arms that: 2 ms + 57,204 × 16 ns = 2,915,264 ns.
    r.clock.advance(915_263);
    expect(edges(r, 20)).toEqual([]);
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    r.clock.advance(1);
    expect(edges(r, 20)).toEqual([2_915_264]);
    // Matched: from here on the accumulator gains the period (HPET 1.0a §2.3.9.2.2).
    expect(r.mmio.read64(T0_CMP)).toBe(0x1d398n + 0x1a1f8n);
    r.clock.advance(107_000 * 16);
    expect(edges(r, 20)).toEqual([2_915_264, 2_915_264 + 1_712_000]);
    expect(r.mmio.read64(T0_CMP)).toBe(0x1d398n + 2n * 0x1a1f8n);
  });

  it('xen-hvm: a period written while the first match is pending moves that match, not the value read back', () => {
    const r = xenRig(XEN_HPET_PARAMS);
    r.mmio.write(COUNTER, 4, 100_000);
    r.mmio.write(GEN_CONF, 4, 1);
    r.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB);
    r.mmio.write(T0_CMP, 4, 10_000); // period 10,000 ticks
    r.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB | VAL_SET);
    r.mmio.write(T0_CMP, 4, 95_000); // behind by 5,000: first match at 105,000
    expect(r.hpet.nextInterruptAt(0)).toBe(5_000 * 16);
    r.mmio.write(T0_CMP, 4, 8_000); // period 8,000: Xen's catch-up now lands on 103,000
    expect(r.mmio.read(T0_CMP, 4)).toBe(95_000);
    expect(r.hpet.nextInterruptAt(0)).toBe(3_000 * 16);
    r.clock.advance(3_000 * 16);
    expect(edges(r, 20)).toEqual([48_000]);
    expect(r.mmio.read(T0_CMP, 4)).toBe(111_000);
  });

  it('datasheet rule: reads back what was written and never fires (the 64-bit counter would have to wrap)', () => {
    const r = qemuRig({ ...QEMU_PC_HPET_PARAMS, comparatorBehind: 'datasheet' });
    issueCase(r);
    r.clock.advance(10_000_000_000);
    expect(edges(r)).toEqual([]);
    expect(r.mmio.read64(T0_CMP)).toBe(0xffff_ffff_0001_a1f8n);
    expect(r.clock.nextDeadline()).toBe(null); // the first match lies past the end of virtual time
  });

  it('datasheet rule, 32-bit: first fires when the counter wraps round to the comparator, then every period', () => {
    const r = qemuRig({ ...QEMU_PC_HPET_PARAMS, comparatorBehind: 'datasheet' });
    r.mmio.write(COUNTER, 4, 0x1000);
    r.mmio.write(T0_CONF, 4, ROUTE2 | MODE_32 | PERIODIC | INT_ENB | VAL_SET);
    r.mmio.write(T0_CMP, 4, 0x800); // 0x800 behind; period 0x800 as well
    r.mmio.write(GEN_CONF, 4, 1);
    expect(r.mmio.read(T0_CMP, 4)).toBe(0x800);
    const wrap = (2 ** 32 - 0x800) * 10; // ticks until the low 32 bits come round to 0x800
    r.clock.advance(wrap - 1);
    expect(edges(r)).toEqual([]);
    expect(r.mmio.read(T0_CMP, 4)).toBe(0x800);
    r.clock.advance(1);
    expect(edges(r)).toEqual([wrap]);
    expect(r.mmio.read(T0_CMP, 4)).toBe(0x1000);
    r.clock.advance(0x800 * 10);
    expect(edges(r)).toEqual([wrap, wrap + 0x800 * 10]);
  });

  it('Xen keeps its 32-bit rule: a little behind fires at once, further behind at the wrap', () => {
    const r = xenRig(XEN_HPET_PARAMS);
    r.mmio.write(COUNTER, 4, 0x10000);
    r.mmio.write(T0_CONF, 4, ROUTE20 | MODE_32 | INT_ENB);
    r.mmio.write(T0_CMP, 4, 0x10000 - 100); // 100 ticks behind (< 1/1024 s): fires now
    r.mmio.write(GEN_CONF, 4, 1);
    r.clock.advance(0);
    expect(edges(r, 20)).toEqual([0]);
    r.mmio.write(T0_CMP, 4, 0x10000 - 100_000); // 100,000 ticks (1.6 ms) behind: at the wrap
    r.clock.advance(1_000_000_000);
    expect(edges(r, 20)).toEqual([0]);
    expect(r.hpet.nextInterruptAt(0)).toBe((2 ** 32 - 100_000) * 16);
  });

  for (const [name, params] of [
    ['qemu', QEMU_PC_HPET_PARAMS],
    ['datasheet', { ...QEMU_PC_HPET_PARAMS, comparatorBehind: 'datasheet' }],
  ] as const) {
    it(`${name} rule: a snapshot taken before the first match restores it (reads and edges alike)`, () => {
      const a = qemuRig(params as HpetParams);
      issueCase(a);
      a.mmio.write(0xfed00120, 4, ROUTE2 | MODE_32 | PERIODIC | INT_ENB | VAL_SET);
      a.mmio.write(0xfed00128, 4, 50_000); // timer 1, 32-bit, 50,000 ticks behind, period 0.5 ms
      const snap = JSON.parse(JSON.stringify(a.hpet.snapshot()));
      const clock = new VirtualClock({ minPeriodNs: 1 });
      clock.restoreTime(a.clock.now);
      const b = qemuRig(params as HpetParams, clock);
      b.hpet.restore(snap);
      expect(JSON.stringify(b.hpet.snapshot())).toBe(JSON.stringify(snap));
      a.gsi.length = 0;
      // The datasheet's 32-bit timer 1 first matches at the wrap (43 s); QEMU's at once.
      for (const step of [5, 5, 100, 1_000_000, name === 'datasheet' ? 43_000_000_000 : 20_000_000]) {
        a.clock.advance(step);
        b.clock.advance(step);
        expect([b.mmio.read64(T0_CMP), b.mmio.read64(0xfed00128)]).toEqual([a.mmio.read64(T0_CMP), a.mmio.read64(0xfed00128)]);
      }
      expect(b.gsi.length).toBeGreaterThan(0);
      expect(b.gsi).toEqual(a.gsi);
    });
  }

  it('xen rule: a snapshot taken before the first match restores it (reads and edges alike)', () => {
    const a = xenRig(XEN_HPET_PARAMS);
    a.mmio.write(COUNTER, 4, 100_000);
    a.mmio.write(GEN_CONF, 4, 1);
    a.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB);
    a.mmio.write(T0_CMP, 4, 10_000);
    a.mmio.write(T0_CONF, 4, ROUTE20 | PERIODIC | INT_ENB | VAL_SET);
    a.mmio.write(T0_CMP, 4, 95_000);
    a.clock.advance(1_000);
    const snap = JSON.parse(JSON.stringify(a.hpet.snapshot()));
    expect(snap.timers[0].cmp).toEqual([0x17318, 0]); // 95,000: the value written, not the catch-up
    expect(snap.timers[0].firstMatch).not.toBe(null);
    const clock = new VirtualClock();
    clock.restoreTime(a.clock.now);
    const b = xenRig(XEN_HPET_PARAMS, clock);
    b.hpet.restore(snap);
    expect(JSON.stringify(b.hpet.snapshot())).toBe(JSON.stringify(snap));
    a.gsi.length = 0;
    for (const step of [5, 77_000, 2, 160_000, 1_000_000]) {
      a.clock.advance(step);
      b.clock.advance(step);
      expect(b.mmio.read64(T0_CMP)).toBe(a.mmio.read64(T0_CMP));
    }
    expect(edges(b, 20)).toEqual([80_000, 240_000, 400_000, 560_000, 720_000, 880_000, 1_040_000, 1_200_000]);
    expect(b.gsi).toEqual(a.gsi);
  });
});
