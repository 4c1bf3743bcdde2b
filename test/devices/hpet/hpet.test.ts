import { describe, expect, it } from 'vitest';
import { QEMU_PC_HPET_PARAMS, XEN_HPET_PARAMS, HpetParamError } from '../../../src/devices/hpet/hpet-params.js';
import { Hpet } from '../../../src/devices/hpet/hpet.js';
import { BASE, COUNTER, GEN_CONF, GINTR, qemuRig, T0_CMP, T0_CONF, tCmp, tConf, tFsb, xenRig } from './helpers.js';

// Tn_CONF bits (HPET 1.0a §2.3.8)
const LEVEL = 0x2;
const INT_ENB = 0x4;
const PERIODIC = 0x8;
const VAL_SET = 0x40;
const MODE_32 = 0x100;
const route = (r: number) => r << 9;

describe('HPET capabilities and reset state', () => {
  it('Xen: GCAP_ID 0x00F42400_8086A201, timers 0x00F00000_00000030, comparators all-ones', () => {
    const { mmio } = xenRig();
    expect(mmio.read(BASE, 4)).toBe(0x8086a201);
    expect(mmio.read(BASE + 4, 4)).toBe(0x00f42400);
    expect(mmio.read64(BASE)).toBe(0x00f42400_8086a201n);
    for (let n = 0; n < 3; n++) {
      expect(mmio.read64(tConf(n))).toBe(0x00f00000_00000030n);
      expect(mmio.read64(tCmp(n))).toBe(0xffff_ffff_ffff_ffffn);
    }
    expect(mmio.read64(tConf(3))).toBe(0n); // no timer 3: reads 0
    expect(mmio.read64(GEN_CONF)).toBe(0n);
  });

  it('qemu-pc: period 10 ns (0x00989680) and route cap 0x4', () => {
    const { mmio } = qemuRig(QEMU_PC_HPET_PARAMS);
    expect(mmio.read64(BASE)).toBe(0x00989680_8086a201n);
    expect(mmio.read64(T0_CONF)).toBe(0x00000004_00000030n);
  });

  it('rejects bad host parameters with a typed error', () => {
    const { mmio, fabric, clock, legacy } = xenRig();
    expect(() => new Hpet(mmio, fabric, clock, { ...XEN_HPET_PARAMS, base: 0xfed01000, periodFs: 15_500_000 }, legacy, 'no_delay_for_missed_ticks')).toThrow(
      HpetParamError,
    );
    const q = qemuRig(QEMU_PC_HPET_PARAMS);
    expect(
      () => new Hpet(q.mmio, q.fabric, q.clock, { ...QEMU_PC_HPET_PARAMS, base: 0xfed01000, routeCap: 1 << 24 }, q.legacy, 'no_delay_for_missed_ticks'),
    ).toThrow(/beyond the platform's 24 GSIs/);
  });
});

describe('HPET access widths', () => {
  it('Xen: aligned 1/2/4/8-byte accesses read slices; misaligned ones read all-ones and drop writes', () => {
    const { mmio } = xenRig();
    expect(mmio.read(BASE + 1, 1)).toBe(0xa2);
    expect(mmio.read(BASE + 2, 2)).toBe(0x8086);
    expect(mmio.read(BASE + 6, 2)).toBe(0x00f4);
    expect(mmio.read(BASE + 2, 4)).toBe(0xffffffff);
    expect(mmio.read64(BASE + 4)).toBe(0xffff_ffff_ffff_ffffn);
    mmio.write(GEN_CONF + 1, 2, 0xffff); // misaligned: dropped
    expect(mmio.read(GEN_CONF, 4)).toBe(0);
    mmio.write(GEN_CONF, 1, 0xff); // byte write: only writable bits
    expect(mmio.read(GEN_CONF, 4)).toBe(3);
  });

  it('qemu-pc: 1- and 2-byte accesses read 0 and writes are ignored (as QEMU 7.2)', () => {
    const { mmio } = qemuRig(QEMU_PC_HPET_PARAMS);
    expect(mmio.read(BASE, 1)).toBe(0);
    expect(mmio.read(BASE + 2, 2)).toBe(0);
    expect(mmio.read(BASE + 2, 4)).toBe(0);
    mmio.write(GEN_CONF, 1, 1);
    expect(mmio.read64(GEN_CONF)).toBe(0n);
    mmio.write(GEN_CONF, 4, 0xffffffff);
    expect(mmio.read64(GEN_CONF)).toBe(3n);
  });

  it('hpet=0: the window stays claimed but reads all-ones and ignores writes', () => {
    const { mmio } = xenRig({ ...XEN_HPET_PARAMS, guestEnabled: false });
    expect(mmio.read(BASE, 4)).toBe(0xffffffff);
    expect(mmio.read64(COUNTER)).toBe(0xffff_ffff_ffff_ffffn);
    mmio.write(GEN_CONF, 4, 1);
    expect(mmio.regionAt(BASE)?.owner).toBe('hpet');
    expect(mmio.rejectedAccesses + mmio.unclaimedAccesses).toBe(0);
  });
});

describe('HPET main counter', () => {
  it('is halted at 0, then counts one per 16 ns (Xen): 62500 after 1 ms', () => {
    const { mmio, clock } = xenRig();
    clock.advance(5000);
    expect(mmio.read64(COUNTER)).toBe(0n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1_000_000);
    expect(mmio.read(COUNTER, 4)).toBe(62500);
    expect(mmio.read(COUNTER + 4, 4)).toBe(0);
  });

  it('qemu-pc: 100000 (0x186a0) per 1 ms', () => {
    const { mmio, clock } = qemuRig(QEMU_PC_HPET_PARAMS);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1_000_000);
    expect(mmio.read64(COUNTER)).toBe(0x186a0n);
  });

  it('is writable while halted, exact in both halves across a 32-bit carry', () => {
    const { mmio, clock } = xenRig();
    mmio.write64(COUNTER, 0x1_ffff_fff0n);
    expect(mmio.read(COUNTER, 4)).toBe(0xfffffff0);
    expect(mmio.read(COUNTER + 4, 4)).toBe(1);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(32 * 16); // 32 ticks
    expect(mmio.read(COUNTER, 4)).toBe(0x10);
    expect(mmio.read(COUNTER + 4, 4)).toBe(2);
    expect(mmio.read64(COUNTER)).toBe(0x2_0000_0010n);
  });

  it('keeps the count when halted; writes while running have no effect', () => {
    const { mmio, clock } = xenRig();
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1600);
    mmio.write64(COUNTER, 0x1234n); // running: ignored
    expect(mmio.read64(COUNTER)).toBe(100n);
    mmio.write(GEN_CONF, 4, 0);
    clock.advance(1_000_000);
    expect(mmio.read64(COUNTER)).toBe(100n);
    mmio.write(COUNTER + 4, 4, 0xabcd); // split write: the low half is kept
    expect(mmio.read64(COUNTER)).toBe(0xabcd_0000_0064n);
  });

  it('wraps at 2^64', () => {
    const { mmio, clock } = xenRig();
    mmio.write64(COUNTER, 0xffff_ffff_ffff_fffen);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(16 * 5);
    expect(mmio.read64(COUNTER)).toBe(3n);
  });
});

describe('HPET one-shot timers and routes', () => {
  it('Xen: fires an edge on GSI 20 exactly when the counter reaches the comparator', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | route(20));
    mmio.write64(T0_CMP, 6250n); // 100 µs at 16 ns
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1_000_000);
    expect(gsi).toEqual([
      [100_000, 20, true],
      [100_000, 20, false],
    ]);
    expect(mmio.read(GINTR, 4)).toBe(0); // edge: status not set (HPET 1.0a §2.3.6)
  });

  it('sanitises an invalid route as Xen: first allowed input when enabled, 0 otherwise', () => {
    const { mmio } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | route(2));
    expect((mmio.read(T0_CONF, 4) >>> 9) & 31).toBe(20);
    mmio.write(tConf(1), 4, route(5));
    expect((mmio.read(tConf(1), 4) >>> 9) & 31).toBe(0);
    mmio.write(tConf(2), 4, INT_ENB | route(22));
    expect((mmio.read(tConf(2), 4) >>> 9) & 31).toBe(22);
  });

  it('a comparator already passed fires once at once, then never again (one-shot)', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(16_000);
    mmio.write64(T0_CMP, 10n);
    mmio.write(T0_CONF, 4, INT_ENB | route(21));
    clock.advance(10_000_000);
    expect(gsi).toEqual([
      [16_000, 21, true],
      [16_000, 21, false],
    ]);
  });

  it('split 32-bit comparator writes never lose a half', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | route(20));
    mmio.write(T0_CMP + 4, 4, 0);
    mmio.write(T0_CMP, 4, 0x1000);
    expect(mmio.read64(T0_CMP)).toBe(0x1000n);
    mmio.write(T0_CMP + 4, 4, 1);
    expect(mmio.read64(T0_CMP)).toBe(0x1_0000_1000n);
    mmio.write(T0_CMP + 4, 4, 0);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(0x1000 * 16);
    expect(gsi.map((e) => e[0])).toEqual([0x10000, 0x10000]);
  });

  it('FSB delivery sends the route register as an MSI when the profile has it', () => {
    const { mmio, clock, msis, gsi } = xenRig({ ...XEN_HPET_PARAMS, fsbCapable: true });
    expect(mmio.read(T0_CONF, 4)).toBe(0x8030); // Tn_FSB_INT_DEL_CAP
    mmio.write64(tFsb(0), 0xfee01000_00000041n);
    mmio.write(T0_CONF, 4, INT_ENB | 0x4000);
    mmio.write64(T0_CMP, 100n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1600);
    expect(msis).toEqual([{ addressLo: 0xfee01000, addressHi: 0, data: 0x41 }]);
    expect(gsi).toEqual([]);
  });

  it('Xen has no FSB: Tn_FSB_EN_CNF does not stick', () => {
    const { mmio } = xenRig();
    mmio.write(T0_CONF, 4, 0x4000 | INT_ENB | route(20));
    expect(mmio.read(T0_CONF, 4) & 0x4000).toBe(0);
  });
});

describe('HPET periodic timers', () => {
  it('Xen: VAL_SET write sets the accumulator only, the next write the period; matches every period', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 6250n); // accumulator: 100 µs
    expect(mmio.read(T0_CONF, 4) & VAL_SET).toBe(0); // VAL_SET clears on the write
    mmio.write64(T0_CMP, 12500n); // period: 200 µs
    expect(mmio.read64(T0_CMP)).toBe(6250n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(550_000);
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 300_000, 500_000]);
    // The comparator reads the next match (HPET 1.0a §2.3.9.2.2).
    expect(mmio.read64(T0_CMP)).toBe(6250n + 3n * 12500n);
  });

  it('qemu-pc: one VAL_SET write sets accumulator and period (datasheet, as QEMU)', () => {
    const { mmio, clock, gsi } = qemuRig(QEMU_PC_HPET_PARAMS);
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(2));
    mmio.write64(T0_CMP, 10_000n); // 100 µs
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(350_000);
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 200_000, 300_000]);
    expect(gsi.every((e) => e[1] === 2)).toBe(true);
  });

  it('Xen clamps a tiny period to 100 µs (bad-inputs 27)', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 100n);
    mmio.write64(T0_CMP, 1n); // period 1 tick → 6250 ticks
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1_000_000);
    const edges = gsi.filter((e) => e[2]).map((e) => e[0]);
    expect(edges[0]).toBe(1600);
    expect(edges[1]).toBe(1600 + 100_000);
    expect(edges.length).toBe(10);
  });

  it('clamps the period to half the 32-bit range in 32-bit mode', () => {
    const { mmio, hpet } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | MODE_32 | route(20));
    mmio.write64(T0_CMP, 0xffff_ffffn);
    const snap = hpet.snapshot() as { timers: { period: [number, number] }[] };
    expect(snap.timers[0]!.period).toEqual([0x7fffffff, 0]); // [low, high]
  });
});

describe('HPET 32-bit mode', () => {
  it('truncates the comparator and matches on the low 32 bits across the counter wrap', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | MODE_32 | route(20));
    mmio.write64(T0_CMP, 0x5_0000_0100n);
    expect(mmio.read64(T0_CMP)).toBe(0x100n);
    mmio.write64(COUNTER, 0x7_ffff_ff00n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(1_000_000);
    // 0x200 ticks to the low half reaching 0x100 after the wrap
    expect(gsi.map((e) => e[0])).toEqual([0x200 * 16, 0x200 * 16]);
  });

  it('a 32-bit periodic timer keeps matching through the wrap', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | MODE_32 | route(20));
    mmio.write64(T0_CMP, 0xffff_f000n);
    mmio.write64(T0_CMP, 0x2000n); // period 8192 ticks = 131072 ns
    mmio.write64(COUNTER, 0xffff_e000n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(0x1000 * 16 + 2 * 0x2000 * 16);
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([0x1000 * 16, 0x3000 * 16, 0x5000 * 16]);
    expect(mmio.read64(T0_CMP)).toBe(0x5000n);
  });
});

describe('HPET level-triggered timers', () => {
  it('set their status bit and hold the line until write-1-to-clear', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, LEVEL | INT_ENB | route(23));
    mmio.write64(T0_CMP, 625n); // 10 µs
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(50_000);
    expect(mmio.read(GINTR, 4)).toBe(1);
    expect(gsi).toEqual([[10_000, 23, true]]);
    mmio.write(GINTR, 4, 0); // writing 0 does nothing
    expect(mmio.read(GINTR, 4)).toBe(1);
    mmio.write(GINTR, 4, 1);
    expect(mmio.read(GINTR, 4)).toBe(0);
    expect(gsi).toEqual([
      [10_000, 23, true],
      [50_000, 23, false],
    ]);
  });

  it('a periodic level timer interrupts again after each acknowledgement', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, LEVEL | INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 6250n);
    mmio.write64(T0_CMP, 6250n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(250_000); // matched at 100 µs (held), 200 µs passes while pending
    mmio.write(GINTR, 4, 1);
    clock.advance(100_000);
    expect(gsi).toEqual([
      [100_000, 20, true],
      [250_000, 20, false],
      [300_000, 20, true],
    ]);
  });

  it('status without Tn_INT_ENB_CNF: datasheet (qemu-pc) sets it, Xen does not', () => {
    for (const [rig, expected] of [
      [qemuRig(QEMU_PC_HPET_PARAMS), 1],
      [xenRig(), 0],
    ] as const) {
      rig.mmio.write(T0_CONF, 4, LEVEL);
      rig.mmio.write64(T0_CMP, 1000n);
      rig.mmio.write(GEN_CONF, 4, 1);
      rig.clock.advance(1_000_000);
      expect(rig.mmio.read(GINTR, 4)).toBe(expected);
      expect(rig.gsi).toEqual([]);
    }
  });
});

describe('HPET legacy replacement', () => {
  it('routes timer 0 to IRQ0 (GSI 2 in Xen) and timer 1 to IRQ8, and silences the PIT while enabled', () => {
    const { mmio, clock, gsi, legacy, fabric } = xenRig();
    const pic: [number, boolean][] = [];
    fabric.observePicInputs((p, l) => pic.push([p, l]));
    mmio.write(T0_CONF, 4, INT_ENB);
    mmio.write(tConf(1), 4, INT_ENB);
    mmio.write64(T0_CMP, 100n);
    mmio.write64(tCmp(1), 200n);
    mmio.write(GEN_CONF, 4, 2);
    expect(legacy.changes).toEqual([]); // LEG_RT_CNF alone does not take IRQ0 (needs ENABLE_CNF)
    mmio.write(GEN_CONF, 4, 3);
    expect(legacy.changes).toEqual([true]);
    clock.advance(10_000);
    expect(gsi).toEqual([
      [1600, 2, true],
      [1600, 2, false],
      [3200, 8, true],
      [3200, 8, false],
    ]);
    expect(pic).toEqual([
      [0, true],
      [0, false],
      [8, true],
      [8, false],
    ]);
    mmio.write(GEN_CONF, 4, 1);
    expect(legacy.changes).toEqual([true, false]);
  });

  it('is cleared by reset (and the PIT is told)', () => {
    const { mmio, hpet, legacy } = xenRig();
    mmio.write(GEN_CONF, 4, 3);
    hpet.reset();
    expect(mmio.read(GEN_CONF, 4)).toBe(0);
    expect(legacy.changes).toEqual([true, false]);
    expect(hpet.legacyReplacementActive).toBe(false);
  });
});

describe('HPET halting a periodic timer', () => {
  it('the comparator keeps the next match as of the halt, and resumes from there', () => {
    const { mmio, clock, gsi } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 6250n);
    mmio.write64(T0_CMP, 6250n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(250_000); // matches at 100 and 200 µs
    mmio.write(GEN_CONF, 4, 0);
    clock.advance(1_000_000);
    expect(mmio.read64(T0_CMP)).toBe(18750n);
    expect(mmio.read64(COUNTER)).toBe(15625n);
    mmio.write(GEN_CONF, 4, 1); // 3125 ticks (50 µs) to the next match
    clock.advance(60_000);
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 200_000, 1_300_000]);
  });
});

/** Timer n's missed-tick bookkeeping, as its snapshot shows it. */
const missedTicks = (hpet: Hpet, n: number) => (hpet.snapshot() as { timers: { missedTicks: object }[] }).timers[n]!.missedTicks;
/** Where timer n's ticks go (null for a timer the HPET does not have). */
const tickLine = (hpet: Hpet, n: number) => hpet.periodicTimers[n]?.tickLine() ?? null;

describe('HPET missed-tick policy (Xen timer_mode)', () => {
  it('with acknowledgement tracking, unacknowledged periods are owed and re-delivered on acknowledgement', () => {
    const { mmio, clock, gsi, hpet } = xenRig();
    for (const t of hpet.periodicTimers) t.trackTicksTaken(true);
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 6250n);
    mmio.write64(T0_CMP, 6250n);
    mmio.write(GEN_CONF, 4, 1);
    // Three periods: the line carries the hardware's three edges (a LAPIC's IRR holds one of them);
    // the policy counts three ticks owed, one of them issued.
    clock.advance(350_000);
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 200_000, 300_000]);
    expect(missedTicks(hpet, 0)).toMatchObject({ pending: 3, issued: true });
    hpet.periodicTimers[0]!.tickTaken(1); // another vCPU's acknowledge is not this timer's
    expect(missedTicks(hpet, 0)).toMatchObject({ pending: 3, issued: true });
    hpet.periodicTimers[0]!.tickTaken(0); // no_delay_for_missed_ticks: the next owed tick at once
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 200_000, 300_000, 350_000]);
    const snap = hpet.snapshot() as { timers: { missedTicks: { pending: number } }[] };
    expect(snap.timers[0]!.missedTicks.pending).toBe(2);
    hpet.periodicTimers[0]!.tickTaken(0);
    hpet.periodicTimers[0]!.tickTaken(0); // the last owed tick: nothing more to re-deliver
    expect(gsi.filter((e) => e[2]).map((e) => e[0])).toEqual([100_000, 200_000, 300_000, 350_000, 350_000]);
    expect(missedTicks(hpet, 0)).toMatchObject({ pending: 0, issued: false });
  });

  it('setTargetVcpu moves each timer to the i8259 target; a bad index is a host error', () => {
    const { hpet } = xenRig();
    for (const t of hpet.periodicTimers) t.setTargetVcpu(2);
    expect(hpet.periodicTimers.map((t) => t.targetVcpu())).toEqual([2, 2, 2]);
    expect(() => hpet.periodicTimers[0]!.setTargetVcpu(-1)).toThrow(/vCPU index/);
  });

  it('tickLine: the route as a GSI, ISA IRQ 0/8 under legacy replacement', () => {
    const { mmio, hpet } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | route(20));
    mmio.write(T0_CONF + 0x20, 4, INT_ENB | route(21));
    expect([tickLine(hpet, 0), tickLine(hpet, 1), tickLine(hpet, 7)]).toEqual([-21, -22, null]);
    mmio.write(GEN_CONF, 4, 3);
    expect([tickLine(hpet, 0), tickLine(hpet, 1)]).toEqual([0, 8]);
  });

  it('without tracking every period is delivered (plain hardware)', () => {
    const { mmio, clock, gsi, hpet } = xenRig();
    mmio.write(T0_CONF, 4, INT_ENB | PERIODIC | VAL_SET | route(20));
    mmio.write64(T0_CMP, 6250n);
    mmio.write64(T0_CMP, 6250n);
    mmio.write(GEN_CONF, 4, 1);
    clock.advance(350_000);
    hpet.periodicTimers[0]!.tickTaken(0);
    expect(gsi.filter((e) => e[2]).length).toBe(3);
  });
});
