// One test per known QEMU 7.2 deviation from the datasheets for the PIT, RTC and ACPI PM timer
// (/work/shared/oracle/README.md, "Known QEMU 7.2 deviations"). Each title names what QEMU does;
// the test asserts what hvmdev does instead. Where hvmdev follows QEMU on purpose through a qemu-pc
// profile parameter, both sides are asserted: QEMU's behaviour under qemu-pc and the datasheet's
// (or Xen's) under the other setting. The HPET's deviations are in hpet/qemu-deviations.test.ts.
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../src/irq/fabric.js';
import { VirtualClock } from '../../src/time/clock.js';
import { PmTimer } from '../../src/devices/pm/pm-timer.js';
import { QEMU_PC_PM_PARAMS, XEN_PM_PARAMS, type PmParams } from '../../src/devices/pm/pm-params.js';
import { DATASHEET_UIP_WINDOW_EDGES } from '../../src/devices/rtc/rtc-params.js';
import { edgeNs, makePit, type PitRig } from './pit/harness.js';
import { makeRtc, rtcEdgeNs } from './rtc/harness.js';

/** Channel `ch`'s count through a counter-latch command, as a word. */
function latchedWord(r: PitRig, ch: number): number {
  return r.latched(ch);
}

/** Read-back status byte of channel `ch` (read-back command with COUNT# high, STATUS# low). */
function status(r: PitRig, ch: number): number {
  r.out(0x43, 0xe0 | (2 << ch));
  return r.inb(0x40 + ch);
}

describe('PIT (8254): qemu-pc follows the datasheet where QEMU 7.2 does not', () => {
  it('OUT polarity in modes 1, 2, 4, 5: QEMU inverts it (mode 1 high during the one-shot, mode 2 high pulse, modes 4/5 high strobe)', () => {
    // Mode 2, count 4 written at edge 0 (loads at edge 1): OUT high, low for the one CLK at count 1.
    const m2 = makePit('qemu');
    m2.out(0x43, 0x34);
    m2.out(0x40, 4);
    m2.out(0x40, 0);
    m2.clock.advanceTo(edgeNs(4) - 1);
    expect(m2.pit.out(0)).toBe(true);
    m2.clock.advanceTo(edgeNs(4));
    expect(m2.pit.out(0)).toBe(false);
    expect(status(m2, 0) & 0x80).toBe(0); // the read-back OUT bit agrees
    m2.clock.advanceTo(edgeNs(5));
    expect(m2.pit.out(0)).toBe(true);
    // IRQ0 follows: high from the control word, low for the pulse, rising again at its end
    // (QEMU: low from the control word, rising at edge 4 for its one-CLK high pulse).
    expect(m2.irq).toEqual([
      [0, true],
      [edgeNs(4), false],
      [edgeNs(5), true],
    ]);

    // Mode 4, count 4: one-CLK low strobe at edge 5 (count 0), high again at edge 6.
    const m4 = makePit('qemu');
    m4.out(0x43, 0x38);
    m4.out(0x40, 4);
    m4.out(0x40, 0);
    m4.clock.advanceTo(edgeNs(5) - 1);
    expect(m4.pit.out(0)).toBe(true);
    m4.clock.advanceTo(edgeNs(5));
    expect(m4.pit.out(0)).toBe(false);
    m4.clock.advanceTo(edgeNs(6));
    expect(m4.pit.out(0)).toBe(true);

    // Mode 1 (channel 2, gate through port 0x61), count 4, trigger at edge 10: low from edge 11 to 15.
    const m1 = makePit('qemu');
    m1.out(0x61, 0);
    m1.out(0x43, 0xb2);
    m1.out(0x42, 4);
    m1.out(0x42, 0);
    m1.clock.advanceTo(edgeNs(10));
    m1.out(0x61, 1);
    expect(m1.pit.out(2)).toBe(true);
    m1.clock.advanceTo(edgeNs(11));
    expect(m1.pit.out(2)).toBe(false);
    expect(m1.inb(0x61) & 0x20).toBe(0);
    m1.clock.advanceTo(edgeNs(15));
    expect(m1.pit.out(2)).toBe(true);

    // Mode 5, count 4, trigger at edge 10: loads at 11, one-CLK low strobe at edge 15.
    const m5 = makePit('qemu');
    m5.out(0x61, 0);
    m5.out(0x43, 0xba);
    m5.out(0x42, 4);
    m5.out(0x42, 0);
    m5.clock.advanceTo(edgeNs(10));
    m5.out(0x61, 1);
    m5.clock.advanceTo(edgeNs(15) - 1);
    expect(m5.pit.out(2)).toBe(true);
    m5.clock.advanceTo(edgeNs(15));
    expect(m5.pit.out(2)).toBe(false);
    m5.clock.advanceTo(edgeNs(16));
    expect(m5.pit.out(2)).toBe(true);
  });

  it('gate in modes 0 and 4: QEMU ignores it and keeps counting; gate low suspends counting', () => {
    for (const control of [0xb0, 0xb8]) {
      const r = makePit('qemu');
      r.out(0x61, 1);
      r.out(0x43, control); // ch2, word, mode 0 / mode 4
      r.out(0x42, 1000 & 0xff);
      r.out(0x42, 1000 >> 8); // written at edge 0, loads at edge 1
      r.clock.advanceTo(edgeNs(101));
      expect(latchedWord(r, 2)).toBe(900);
      r.out(0x61, 0); // suspend at 900
      r.clock.advanceTo(edgeNs(601));
      expect(latchedWord(r, 2)).toBe(900); // QEMU: 400
      r.out(0x61, 1);
      r.clock.advanceTo(edgeNs(701));
      expect(latchedWord(r, 2)).toBe(800); // QEMU: 300
    }
  });

  it('gate low in modes 2 and 3: QEMU neither stops counting nor forces OUT high; here it does both', () => {
    for (const control of [0xb4, 0xb6]) {
      const r = makePit('qemu');
      r.out(0x61, 1);
      r.out(0x43, control); // ch2, word, mode 2 / mode 3
      r.out(0x42, 100);
      r.out(0x42, 0); // loads at edge 1
      // Mode 2 reaches count 1 (OUT low) at edge 100; mode 3 is in its low half from edge 51.
      r.clock.advanceTo(edgeNs(control === 0xb4 ? 100 : 60));
      expect(r.pit.out(2)).toBe(false);
      const held = latchedWord(r, 2);
      r.out(0x61, 0);
      expect(r.pit.out(2)).toBe(true); // forced high at once
      expect(r.inb(0x61) & 0x20).toBe(0x20);
      r.clock.advance(1_000_000);
      expect(latchedWord(r, 2)).toBe(held); // not counting
      expect(r.pit.out(2)).toBe(true);
    }
  });

  it('modes 1 and 5: QEMU starts counting when the count is written; here only at the gate trigger', () => {
    for (const [control, outHighAt] of [
      [0xb2, 111], // mode 1: low from the load at edge 101 until the count expires at 111
      [0xba, 112], // mode 5: one-CLK strobe at edge 111
    ] as const) {
      const r = makePit('qemu');
      r.out(0x61, 0);
      r.out(0x43, control);
      r.out(0x42, 10);
      r.out(0x42, 0); // written at edge 0: nothing happens without a trigger
      r.clock.advanceTo(edgeNs(100));
      expect(r.pit.out(2)).toBe(true); // QEMU mode 1: low, its one-shot ran from the write to edge 10
      r.out(0x61, 1); // trigger at edge 100, load at edge 101
      r.clock.advanceTo(edgeNs(111) - 1);
      expect(r.pit.out(2)).toBe(control === 0xba); // mode 1 low through the one-shot
      r.clock.advanceTo(edgeNs(111));
      expect(r.pit.out(2)).toBe(control === 0xb2);
      r.clock.advanceTo(edgeNs(outHighAt));
      expect(r.pit.out(2)).toBe(true);
    }
  });

  it('new count in modes 2 and 3: QEMU restarts with it at once; here it loads at the end of the current period', () => {
    const r = makePit('qemu');
    r.out(0x43, 0x34); // ch0, word, mode 2
    r.out(0x40, 100);
    r.out(0x40, 0); // loads at edge 1: OUT low at edges 100, 200, ...
    r.clock.advanceTo(edgeNs(40));
    r.out(0x40, 50);
    r.out(0x40, 0); // new count at edge 40
    expect(latchedWord(r, 0)).toBe(61); // the current period runs on (QEMU: 50)
    r.clock.advanceTo(edgeNs(100));
    expect(r.pit.out(0)).toBe(false); // end of the first period (QEMU: edge 89)
    r.clock.advanceTo(edgeNs(101));
    expect(latchedWord(r, 0)).toBe(50); // reloaded with the new count
    r.clock.advanceTo(edgeNs(150));
    expect(r.pit.out(0)).toBe(false);
    r.clock.advanceTo(edgeNs(151));
    expect(r.pit.out(0)).toBe(true);
  });

  it('NULL COUNT and load latency: QEMU never sets NULL COUNT and loads the count with no CLK of latency', () => {
    const r = makePit('qemu');
    r.clock.advanceTo(edgeNs(10));
    r.out(0x43, 0x30); // ch0, word, mode 0: OUT low, NULL COUNT until a count is loaded
    expect(status(r, 0)).toBe(0x70);
    r.out(0x40, 1000 & 0xff);
    r.out(0x40, 1000 >> 8); // written at edge 10
    expect(status(r, 0)).toBe(0x70); // still NULL COUNT (QEMU: 0x30)
    r.clock.advanceTo(edgeNs(11));
    expect(status(r, 0)).toBe(0x30); // loaded at the next edge
    expect(latchedWord(r, 0)).toBe(1000); // the load edge does not decrement (QEMU: 999)
    r.clock.advanceTo(edgeNs(12));
    expect(latchedWord(r, 0)).toBe(999);
  });

  it('BCD counting: QEMU counts in binary; here the count steps through decimal digits (0x0100 → 0x0099)', () => {
    const r = makePit('qemu');
    r.out(0x43, 0x31); // ch0, word, mode 0, BCD
    r.out(0x40, 0x00);
    r.out(0x40, 0x01); // 100 decimal, loads at edge 1
    r.clock.advanceTo(edgeNs(1));
    expect(latchedWord(r, 0)).toBe(0x0100);
    r.clock.advanceTo(edgeNs(2));
    expect(latchedWord(r, 0)).toBe(0x0099); // QEMU: 0x00ff
    r.clock.advanceTo(edgeNs(101) - 1);
    expect(r.pit.out(0)).toBe(false);
    r.clock.advanceTo(edgeNs(101));
    expect(r.pit.out(0)).toBe(true); // 100 counts, not 0x100 = 256
  });

  it('port 0x61 bit 4: QEMU flips it on every read; qemu-pc keeps that (refreshToggle per-read), Xen follows time (2^14 ns)', () => {
    const q = makePit('qemu');
    expect([0, 1, 2, 3].map(() => q.inb(0x61) & 0x10)).toEqual([0x10, 0, 0x10, 0]);

    const x = makePit('xen');
    expect([0, 1, 2].map(() => x.inb(0x61) & 0x10)).toEqual([0, 0, 0]); // reads do not flip it
    x.clock.advanceTo(16_383);
    expect(x.inb(0x61) & 0x10).toBe(0);
    x.clock.advanceTo(16_384);
    expect(x.inb(0x61) & 0x10).toBe(0x10);
    x.clock.advanceTo(32_768);
    expect(x.inb(0x61) & 0x10).toBe(0);
  });
});

describe('RTC (MC146818): qemu-pc follows the datasheet where QEMU 7.2 does not', () => {
  it('periodic interrupt: QEMU starts the phase when PIE is set and sets PF only while PIE is on; here PF follows the divider chain', () => {
    const r = makeRtc('qemu');
    // Default rate 1024 Hz: a tap every 32 time-base edges from the divider origin at t = 0.
    r.clock.advanceTo(rtcEdgeNs(32) - 1);
    expect(r.get(12)).toBe(0x00);
    r.clock.advanceTo(rtcEdgeNs(32));
    expect(r.get(12)).toBe(0x40); // PF with PIE off (QEMU: 0x00)
    r.clock.advanceTo(rtcEdgeNs(32 * 5 + 10)); // PIE set between taps 5 and 6
    expect(r.get(12)).toBe(0x40);
    r.set(11, 0x42);
    expect(r.rises()).toEqual([]);
    r.clock.advanceTo(rtcEdgeNs(32 * 7));
    // IRQ8 at the divider's taps 6 and 7 (QEMU: 32 edges after PIE was set, at edge 202).
    expect(r.rises()).toEqual([rtcEdgeNs(32 * 6)]); // level until C is read
    expect(r.get(12)).toBe(0xc0);
    r.clock.advanceTo(rtcEdgeNs(32 * 7));
    expect(r.rises()).toEqual([rtcEdgeNs(32 * 6)]);
  });

  it('UIP: QEMU (and Xen) show it only 244 µs before the update; qemu-pc keeps that (uipWindowEdges 8), the datasheet window covers the 1984 µs cycle', () => {
    const update = 32768; // first update one second after the divider origin
    const q = makeRtc('qemu');
    q.clock.advanceTo(rtcEdgeNs(update - 9));
    expect(q.get(10) & 0x80).toBe(0);
    q.clock.advanceTo(rtcEdgeNs(update - 8));
    expect(q.get(10) & 0x80).toBe(0x80);
    q.clock.advanceTo(rtcEdgeNs(update - 1));
    expect(q.get(10) & 0x80).toBe(0x80);
    q.clock.advanceTo(rtcEdgeNs(update)); // the registers change here and UIP drops
    expect(q.get(10) & 0x80).toBe(0);

    const d = makeRtc('qemu', { params: { uipWindowEdges: DATASHEET_UIP_WINDOW_EDGES } });
    d.clock.advanceTo(rtcEdgeNs(update - 74));
    expect(d.get(10) & 0x80).toBe(0);
    d.clock.advanceTo(rtcEdgeNs(update - 73));
    expect(d.get(10) & 0x80).toBe(0x80); // 244 µs + 1984 µs: 73 cycles, the whole update cycle included
    d.clock.advanceTo(rtcEdgeNs(update - 1));
    expect(d.get(10) & 0x80).toBe(0x80);
    d.clock.advanceTo(rtcEdgeNs(update));
    expect(d.get(10) & 0x80).toBe(0);
  });

  it('binary-mode century: QEMU keeps CMOS 0x32 in the data format; qemu-pc does too (centuryIndex 0x32), Xen and the MC146818 have no century byte', () => {
    /** Binary, 24-hour time: `year`-`month`-`day` 23:59:59, then one update. */
    const setAndUpdate = (r: ReturnType<typeof makeRtc>, year: number, month: number, day: number, century?: number) => {
      r.set(11, 0x86); // SET, binary, 24 h
      r.set(9, year);
      r.set(8, month);
      r.set(7, day);
      r.set(4, 23);
      r.set(2, 59);
      r.set(0, 59);
      if (century !== undefined) r.set(0x32, century); // binary, as the other registers
      r.set(11, 0x06);
      r.clock.advance(1e9);
      return [r.get(9), r.get(8), r.get(7)];
    };
    const q = makeRtc('qemu');
    expect(q.get(0x32)).toBe(0x20); // BCD at power-on (2020)
    expect(setAndUpdate(q, 99, 12, 31, 20)).toEqual([0, 1, 1]);
    expect(q.get(0x32)).toBe(21); // the century carries in binary (2099 → 2100)
    // 2100 is not a leap year: the binary century takes part in the date arithmetic.
    expect(setAndUpdate(q, 0, 2, 28, 21)).toEqual([0, 3, 1]);

    // Xen, as the MC146818: no century byte (0x32 unclaimed); year 00 is a leap year.
    const x = makeRtc('xen');
    expect(setAndUpdate(x, 99, 12, 31)).toEqual([0, 1, 1]);
    expect(x.get(0x32)).toBe(0xff);
    expect(setAndUpdate(x, 0, 2, 28)).toEqual([0, 2, 29]);
  });
});

describe('ACPI PM timer: qemu-pc follows ACPI where QEMU 7.2 does not', () => {
  function pmRig(params: PmParams, qemu: boolean) {
    const clock = new VirtualClock();
    const ports = new PortBus(qemu ? { widthPolicy: 'split', unclaimedRead: 'ones' } : undefined);
    const fabric = qemu ? new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI }) : new InterruptFabric();
    const pm = new PmTimer(ports, fabric, clock, params);
    const base = qemu ? 0x600 : 0x1f40;
    if (qemu) pm.place(base);
    return { clock, ports, fabric, pm, base };
  }

  it('SCI: QEMU raises it without SCI_EN; qemu-pc waits for SCI_EN (sciRequiresSciEn), Xen (no PM1_CNT) raises it at once', () => {
    const bit23 = 2_343_484_438; // first ns at which PM_TMR bit 23 flips (2^23 ticks of 3.579545 MHz)
    const q = pmRig(QEMU_PC_PM_PARAMS, true);
    q.ports.write(q.base + 2, 2, 1); // TMR_EN
    q.clock.advanceTo(bit23);
    expect(q.ports.read(q.base, 2)).toBe(1); // TMR_STS
    expect(q.fabric.gsiLevel(9)).toBe(false); // QEMU: asserted here
    q.ports.write(q.base + 4, 2, 1); // SCI_EN
    expect(q.fabric.gsiLevel(9)).toBe(true);

    // Xen's 32-bit timer sets TMR_STS when bit 31 flips (2^31 ticks); no SCI_EN to wait for.
    const bit31 = 599_932_015_941;
    const x = pmRig(XEN_PM_PARAMS, false);
    x.ports.write(x.base + 2, 2, 1);
    x.clock.advanceTo(bit31 - 1);
    expect(x.ports.read(x.base, 2)).toBe(0);
    expect(x.fabric.gsiLevel(x.fabric.isaToGsi[9]!)).toBe(false);
    x.clock.advanceTo(bit31);
    expect(x.ports.read(x.base, 2)).toBe(1);
    expect(x.fabric.gsiLevel(x.fabric.isaToGsi[9]!)).toBe(true);
  });

  it('timer width: QEMU is 24-bit; qemu-pc keeps that (timerBits 24), Xen reads 32 bits (TMR_VAL_EXT)', () => {
    const q = pmRig(QEMU_PC_PM_PARAMS, true);
    q.clock.advanceTo(5e9); // 17 897 725 ticks = 0x11118fd
    expect(q.ports.read(q.base + 8, 4)).toBe(0x1118fd);
    const x = pmRig(XEN_PM_PARAMS, false);
    x.clock.advanceTo(5e9);
    expect(x.ports.read(x.base + 8, 4)).toBe(0x11118fd);
  });
});
