import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { PmTimer, pmTicksAt, pmTickTime } from '../../../src/devices/pm/pm-timer.js';
import { PM1_STS, QEMU_PC_PM_PARAMS, XEN_PM_PARAMS, type PmParams } from '../../../src/devices/pm/pm-params.js';
import { SnapshotError } from '../../../src/device-model/snapshot.js';

function rig(params: PmParams = XEN_PM_PARAMS) {
  const clock = new VirtualClock();
  const qemu = params === QEMU_PC_PM_PARAMS;
  const ports = new PortBus(qemu ? { widthPolicy: 'split', unclaimedRead: 'ones' } : undefined);
  const fabric = qemu ? new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI }) : new InterruptFabric();
  const pm = new PmTimer(ports, fabric, clock, params);
  const sci: [number, boolean][] = [];
  fabric.observeGsi((g, l) => {
    if (g === 9) sci.push([clock.now, l]);
  });
  return { clock, ports, fabric, pm, sci };
}

// Exact instants (ns) when the counter reaches 2^31, 2^32, 2^23, 2^24 ticks: ceil(t · 1e9 / 3579545).
const BIT31_FLIP = 599_932_015_941;
const WRAP32 = 1_199_864_031_882;
const BIT23_FLIP = 2_343_484_438;

describe('PM timer arithmetic', () => {
  it('ticks exactly 3,579,545 per virtual second, and tick times invert tick counts', () => {
    expect(pmTicksAt(1_000_000_000)).toBe(3_579_545);
    expect(pmTicksAt(3600 * 1e9)).toBe(3_579_545 * 3600);
    expect(pmTicksAt(279)).toBe(0); // 1 tick = 279.365 ns
    expect(pmTicksAt(280)).toBe(1);
    expect(pmTickTime(1)).toBe(280);
    expect(pmTickTime(2 ** 31)).toBe(BIT31_FLIP);
    expect(pmTicksAt(BIT31_FLIP - 1)).toBe(2 ** 31 - 1);
    expect(pmTicksAt(BIT31_FLIP)).toBe(2 ** 31);
    const big = 2 ** 52;
    expect(Number.isSafeInteger(pmTicksAt(big))).toBe(true);
  });
});

describe('Xen PM timer (hvm/pmtimer.c)', () => {
  it('sits at 0x1F40 (STS/EN) and 0x1F48 (TMR); PM1a_CNT at 0x1F44 is left unclaimed', () => {
    const { ports, clock } = rig();
    expect(ports.read(0x1f48, 4)).toBe(0);
    clock.advance(1_000_000_000);
    expect(ports.read(0x1f48, 4)).toBe(3_579_545);
    clock.advance(9_000_000_000);
    expect(ports.read(0x1f48, 4)).toBe(35_795_450);
    expect(ports.read(0x1f44, 2)).toBe(0xffff);
    expect(ports.regionAt(0x1f44)).toBeNull();
  });

  it('only 4-byte timer reads are valid: others read all-ones, writes are dropped', () => {
    const { ports, clock } = rig();
    clock.advance(1_000_000_000);
    expect(ports.read(0x1f48, 2)).toBe(0xffff);
    expect(ports.read(0x1f49, 1)).toBe(0xff);
    ports.write(0x1f48, 4, 0);
    expect(ports.read(0x1f48, 4)).toBe(3_579_545);
  });

  it('is 32 bits wide and wraps after 2^32 ticks', () => {
    const { ports, clock } = rig();
    clock.advanceTo(WRAP32 - 1);
    expect(ports.read(0x1f48, 4)).toBe(0xffffffff);
    clock.advanceTo(WRAP32);
    expect(ports.read(0x1f48, 4)).toBe(0);
  });

  it('relocates to 0xB000 (HVM_PARAM_ACPI_IOPORTS_LOCATION = 1) and back', () => {
    const { ports, pm, clock } = rig();
    clock.advance(1_000_000_000);
    expect(pm.relocate(1)).toBe(true);
    expect(ports.read(0x1f48, 4)).toBe(0xffffffff);
    expect(ports.read(0xb008, 4)).toBe(3_579_545);
    expect(pm.base).toBe(0xb000);
    expect(pm.relocate(2)).toBe(false);
    expect(pm.relocate(0)).toBe(true);
    expect(ports.read(0xb008, 4)).toBe(0xffffffff);
  });

  it('sets TMR_STS when bit 31 toggles and raises the SCI on IRQ 9 only when TMR_EN is set', () => {
    const { ports, clock, sci, pm } = rig();
    ports.write(0x1f42, 2, PM1_STS.TMR); // TMR_EN
    expect(pm.nextEventAt).toBe(BIT31_FLIP);
    clock.advanceTo(BIT31_FLIP - 1);
    expect(ports.read(0x1f40, 2)).toBe(0);
    clock.advanceTo(BIT31_FLIP);
    expect(sci).toEqual([[BIT31_FLIP, true]]);
    expect(ports.read(0x1f40, 4)).toBe(0x0001_0001); // STS | EN << 16
    clock.advance(1000);
    ports.write(0x1f40, 2, PM1_STS.TMR); // write-1-to-clear
    expect(ports.read(0x1f40, 2)).toBe(0);
    expect(sci).toEqual([
      [BIT31_FLIP, true],
      [BIT31_FLIP + 1000, false],
    ]);
    expect(pm.nextEventAt).toBe(WRAP32); // the MSB toggles back at the wrap
    clock.advanceTo(WRAP32);
    expect(sci.length).toBe(3);
  });

  it('TMR_STS is set by toggles even with TMR_EN clear, without an event or an SCI', () => {
    const { ports, clock, sci, pm } = rig();
    expect(pm.nextEventAt).toBeNull();
    clock.advanceTo(BIT31_FLIP);
    expect(ports.read(0x1f40, 2)).toBe(1);
    expect(sci).toEqual([]);
    ports.write(0x1f42, 2, 1); // enabling with the status pending raises the SCI at once
    expect(sci).toEqual([[BIT31_FLIP, true]]);
  });

  it('power and sleep buttons set PWRBTN_STS/SLPBTN_STS; the SCI follows STS & EN', () => {
    const { ports, sci, pm } = rig();
    pm.pressPowerButton();
    expect(ports.read(0x1f40, 2)).toBe(0x100);
    expect(sci).toEqual([]);
    ports.write(0x1f43, 1, 0x01); // PWRBTN_EN through a byte write to EN's high byte
    expect(ports.read(0x1f42, 2)).toBe(0x100);
    expect(pm.sciLevel).toBe(true);
    pm.pressSleepButton();
    ports.write(0x1f41, 1, 0x01); // clear PWRBTN_STS only
    expect(ports.read(0x1f40, 2)).toBe(0x200);
    expect(pm.sciLevel).toBe(false);
    ports.write(0x1f42, 4, 0); // straddles the 4-port block end: rejected
    expect(ports.read(0x1f42, 2)).toBe(0x100);
  });

  it('reset restarts the counter at 0 and clears STS/EN (Xen pmtimer_reset)', () => {
    const { ports, clock, pm } = rig();
    clock.advance(2_000_000_000);
    ports.write(0x1f42, 2, 0x301);
    pm.pressPowerButton();
    pm.reset();
    expect(ports.read(0x1f48, 4)).toBe(0);
    expect(ports.read(0x1f40, 4)).toBe(0);
    expect(pm.sciLevel).toBe(false);
    clock.advance(1_000_000_000);
    expect(ports.read(0x1f48, 4)).toBe(3_579_545);
  });
});

describe('qemu-pc PM block (PIIX4 PM)', () => {
  it('decodes nothing until placed; then a 24-bit timer 0x369e99 after 1 s', () => {
    const { ports, pm, clock } = rig(QEMU_PC_PM_PARAMS);
    expect(ports.read(0x608, 4)).toBe(0xffffffff);
    expect(pm.place(0x600)).toBe(true);
    expect(ports.read(0x608, 4)).toBe(0);
    clock.advance(1_000_000_000);
    expect(ports.read(0x608, 4)).toBe(0x369e99);
    clock.advance(4_000_000_000);
    expect(ports.read(0x608, 4)).toBe((5 * 3_579_545) % 2 ** 24);
    expect(ports.read(0x609, 1)).toBe((((5 * 3_579_545) % 2 ** 24) >>> 8) & 0xff); // the addressed byte
    expect(pm.place(null)).toBe(true);
    expect(ports.read(0x608, 4)).toBe(0xffffffff);
  });

  it('TMR_STS follows bit 23; the SCI waits for SCI_EN (ACPI; QEMU does not)', () => {
    const { ports, pm, clock, sci } = rig(QEMU_PC_PM_PARAMS);
    pm.place(0x600);
    ports.write(0x602, 2, 1);
    clock.advanceTo(BIT23_FLIP);
    expect(ports.read(0x600, 2)).toBe(1);
    expect(sci).toEqual([]);
    ports.write(0x604, 2, 1); // SCI_EN
    expect(ports.read(0x604, 2)).toBe(1);
    expect(sci).toEqual([[BIT23_FLIP, true]]);
    expect(ports.read(0x600, 4)).toBe(0x0001_0001); // split into STS and EN by the bus
  });

  it('PM1_CNT: write-only bits read 0; SLP_EN reports the sleep type', () => {
    const { ports, pm } = rig(QEMU_PC_PM_PARAMS);
    pm.place(0x600);
    const sleeps: number[] = [];
    pm.onSleepRequest((t) => sleeps.push(t));
    ports.write(0x604, 2, 0xffff);
    expect(ports.read(0x604, 2)).toBe(0x1c03);
    ports.write(0x605, 1, (5 << 2) | 0x20); // SLP_TYP = 5 with SLP_EN
    expect(sleeps).toEqual([7, 5]);
    expect(ports.read(0x604, 2)).toBe(0x1403);
  });

  it('place() refuses ports that are taken and keeps the old place', () => {
    const { ports, pm } = rig(QEMU_PC_PM_PARAMS);
    ports.register(0x708, 1, { read: () => 0x5a, write: () => undefined }, { owner: 'other' });
    expect(pm.place(0x600)).toBe(true);
    expect(pm.place(0x700)).toBe(false);
    expect(pm.base).toBe(0x600);
    expect(pm.place(0xfffc)).toBe(false);
  });
});

describe('PM snapshots', () => {
  it('restore into a fresh instance behaves identically', () => {
    const a = rig();
    a.pm.relocate(1);
    a.clock.advance(123_456_789_000);
    a.ports.write(0xb002, 2, 0x101);
    a.pm.pressPowerButton();
    const snap = JSON.parse(JSON.stringify(a.pm.snapshot()));
    const b = rig();
    b.clock.restoreTime(a.clock.now);
    b.pm.restore(snap);
    expect(b.pm.base).toBe(0xb000);
    expect(b.ports.read(0xb008, 4)).toBe(a.ports.read(0xb008, 4));
    expect(b.ports.read(0xb000, 4)).toBe(a.ports.read(0xb000, 4));
    expect(b.pm.sciLevel).toBe(true);
    expect(b.pm.nextEventAt).toBe(a.pm.nextEventAt);
    for (const r of [a, b]) r.clock.advanceTo(BIT31_FLIP + 5);
    expect(b.ports.read(0xb000, 4)).toBe(a.ports.read(0xb000, 4));
    expect(b.ports.read(0xb008, 4)).toBe(a.ports.read(0xb008, 4));
  });

  it('refuses mutated snapshots and stays unchanged', () => {
    const a = rig();
    const good = a.pm.snapshot() as Record<string, unknown>;
    for (const bad of [
      { ...good, base: 0x600 },
      { ...good, tmr: 2 ** 32 },
      { ...good, sts: -1 },
      { ...good, en: 1.5 },
      { ...good, cnt: 1 },
      { ...good, sts: Number.NaN },
      null,
      [],
    ]) {
      expect(() => a.pm.restore(bad)).toThrow(SnapshotError);
    }
    expect(a.pm.base).toBe(0x1f40);
  });
});
