// APIC timer (SDM §11.5.4) with Xen's 100 MHz bus clock: counts after exact virtual-time steps.
import { describe, expect, test } from 'vitest';
import { QEMU_PC_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { makePlatform } from './helpers.js';

const DIVIDES: [number, number][] = [
  [0x0, 2],
  [0x1, 4],
  [0x2, 8],
  [0x3, 16],
  [0x8, 32],
  [0x9, 64],
  [0xa, 128],
  [0xb, 1],
];
const irr = (p: ReturnType<typeof makePlatform>, v: number) => (p.rd(0x200 + (v >>> 5) * 0x10) >>> (v & 31)) & 1;

describe('one-shot', () => {
  test.each(DIVIDES)('TDCR %i (divide by %i): TMCCT after exact steps, one interrupt at TMICT × 10 ns × div', (code, div) => {
    const p = makePlatform();
    p.enable();
    p.wr(0x3e0, code);
    p.wr(0x320, 0x30);
    p.wr(0x380, 1000);
    expect(p.rd(0x390)).toBe(1000);
    p.clock.advance(10 * div - 1);
    expect(p.rd(0x390)).toBe(1000);
    p.clock.advance(1);
    expect(p.rd(0x390)).toBe(999);
    p.clock.advance(10 * div * 499);
    expect(p.rd(0x390)).toBe(500);
    expect(irr(p, 0x30)).toBe(0);
    p.clock.advanceTo(1000 * 10 * div - 1);
    expect(p.rd(0x390)).toBe(1);
    expect(irr(p, 0x30)).toBe(0);
    p.clock.advance(1);
    expect(p.rd(0x390)).toBe(0);
    expect(irr(p, 0x30)).toBe(1);
    expect(p.lapic().acknowledge()).toBe(0x30);
    p.clock.advance(1e9);
    expect(p.lapic().hasPendingInterrupt()).toBe(false); // fired once
    expect(p.rd(0x380)).toBe(1000);
  });

  test('TMICT 0 stops the timer; a new TMICT restarts the count', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x30);
    p.wr(0x380, 100);
    p.clock.advance(500);
    p.wr(0x380, 0);
    expect(p.rd(0x390)).toBe(0);
    p.clock.advance(10_000);
    expect(irr(p, 0x30)).toBe(0);
    p.wr(0x380, 7);
    expect(p.rd(0x390)).toBe(7);
  });

  test('largest count × largest divide: exact, no overflow', () => {
    const p = makePlatform();
    p.wr(0x3e0, 0xa);
    p.wr(0x380, 0xffffffff);
    p.clock.advance(1280 * 3);
    expect(p.rd(0x390)).toBe(0xfffffffc);
    expect(p.lapic().timer.deadline).toBe(0xffffffff * 1280);
  });

  test('masked LVT: the count runs, nothing is delivered', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x10030);
    p.wr(0x380, 10); // 10 counts × 20 ns (divide by 2)
    p.clock.advance(200);
    expect(p.rd(0x390)).toBe(0);
    expect(irr(p, 0x30)).toBe(0);
  });

  test('an illegal timer vector sets "receive illegal vector" and is never delivered', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x05);
    p.wr(0x380, 10); // 10 counts × 20 ns (divide by 2)
    p.clock.advance(200);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    p.wr(0x280, 0);
    expect(p.rd(0x280)).toBe(0x40);
  });

  test('qemu-pc: 1 ns bus cycle', () => {
    const p = makePlatform(1, QEMU_PC_LAPIC_PARAMS);
    p.wr(0x3e0, 0xb);
    p.wr(0x380, 1000);
    p.clock.advance(250);
    expect(p.rd(0x390)).toBe(750);
  });
});

describe('periodic', () => {
  test.each(DIVIDES)('TDCR %i (divide by %i): count wraps and fires every period', (code, div) => {
    const p = makePlatform();
    p.enable();
    p.wr(0x3e0, code);
    p.wr(0x320, 0x20031);
    const tmict = 100_000; // period = 1 ms × div, above Xen's 100 µs minimum
    p.wr(0x380, tmict);
    const period = tmict * 10 * div;
    let fired = 0;
    for (let k = 1; k <= 3; k++) {
      p.clock.advanceTo(k * period - 1);
      expect(p.rd(0x390)).toBe(1);
      p.clock.advance(1);
      expect(p.rd(0x390)).toBe(tmict);
      if (p.lapic().acknowledge() === 0x31) fired++;
      p.wr(0xb0, 0);
    }
    expect(fired).toBe(3);
    p.clock.advance(period / 2);
    expect(p.rd(0x390)).toBe(tmict / 2);
  });

  test('Xen clamps a period below 100 µs to 100 µs', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x3e0, 0xb);
    p.wr(0x320, 0x20031);
    p.wr(0x380, 1000); // 10 µs
    expect(p.lapic().timer.period).toBe(100_000);
  });
});

describe('changes while counting', () => {
  test('TDCR change rescales the remaining count (Xen vlapic_update_timer)', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x30);
    p.wr(0x380, 1000); // divide by 2: 20 µs
    p.clock.advance(5000); // 250 counts elapsed
    expect(p.rd(0x390)).toBe(750);
    p.wr(0x3e0, 0xb); // divide by 1
    expect(p.rd(0x390)).toBe(750);
    p.clock.advance(7499);
    expect(irr(p, 0x30)).toBe(0);
    expect(p.rd(0x390)).toBe(1);
    p.clock.advance(1);
    expect(irr(p, 0x30)).toBe(1);
  });

  test('one-shot → periodic keeps the elapsed counts and then repeats', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x3e0, 0xb);
    p.wr(0x320, 0x30);
    p.wr(0x380, 20_000); // 200 µs
    p.clock.advance(50_000);
    p.wr(0x320, 0x20030);
    expect(p.rd(0x390)).toBe(15_000);
    p.clock.advanceTo(200_000);
    expect(p.lapic().acknowledge()).toBe(0x30);
    p.wr(0xb0, 0);
    p.clock.advanceTo(400_000);
    expect(p.lapic().acknowledge()).toBe(0x30);
  });

  test('periodic → one-shot stops after the current period', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x3e0, 0xb);
    p.wr(0x320, 0x20030);
    p.wr(0x380, 20_000);
    p.clock.advance(250_000); // one tick at 200 µs, 5000 counts into the next period
    expect(p.lapic().acknowledge()).toBe(0x30);
    p.wr(0xb0, 0);
    p.wr(0x320, 0x30);
    expect(p.rd(0x390)).toBe(15_000);
    p.clock.advanceTo(400_000);
    expect(p.lapic().acknowledge()).toBe(0x30);
    p.wr(0xb0, 0);
    p.clock.advance(1_000_000);
    expect(p.rd(0x390)).toBe(0);
    expect(p.lapic().acknowledge()).toBe(null);
  });
});

describe('TSC-deadline (TSC at 1 GHz from virtual time)', () => {
  const setup = () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x40030);
    return p;
  };

  test('future deadline fires when the TSC reaches it, then the MSR reads 0', () => {
    const p = setup();
    p.clock.advance(1000);
    expect(p.lapic().writeMsr(0x6e0, 5000n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x6e0)).toEqual({ kind: 'ok', value: 5000n });
    p.clock.advanceTo(4999);
    expect(irr(p, 0x30)).toBe(0);
    p.clock.advance(1);
    expect(irr(p, 0x30)).toBe(1);
    expect(p.lapic().readMsr(0x6e0)).toEqual({ kind: 'ok', value: 0n });
  });

  test('deadline in the past (or now) fires at once', () => {
    const p = setup();
    p.clock.advance(1000);
    p.lapic().writeMsr(0x6e0, 1000n);
    expect(irr(p, 0x30)).toBe(1);
    expect(p.lapic().readMsr(0x6e0)).toEqual({ kind: 'ok', value: 0n });
  });

  test('zero disarms', () => {
    const p = setup();
    p.lapic().writeMsr(0x6e0, 5000n);
    p.lapic().writeMsr(0x6e0, 0n);
    p.clock.advance(10_000);
    expect(irr(p, 0x30)).toBe(0);
  });

  test('TMICT writes are ignored and TMICT/TMCCT read 0', () => {
    const p = setup();
    p.wr(0x380, 1234);
    expect(p.rd(0x380)).toBe(0);
    expect(p.rd(0x390)).toBe(0);
  });

  test('a 2.5 GHz TSC converts with ceiling: deadline 10 ticks → 4 ns', () => {
    const p = makePlatform(1, { ...makePlatform().router.params, tscHz: 2_500_000_000 });
    p.enable();
    p.wr(0x320, 0x40030);
    p.lapic().writeMsr(0x6e0, 11n); // 4.4 ns → fires at 5 ns
    p.clock.advanceTo(4);
    expect(irr(p, 0x30)).toBe(0);
    p.clock.advanceTo(5);
    expect(irr(p, 0x30)).toBe(1);
  });

  test('a deadline beyond exact virtual time never fires and never throws', () => {
    const p = setup();
    expect(p.lapic().writeMsr(0x6e0, 0xffff_ffff_ffff_ffffn).kind).toBe('ok');
    expect(p.lapic().timer.deadline).toBe(-1);
    expect(p.lapic().readMsr(0x6e0)).toEqual({ kind: 'ok', value: 0xffff_ffff_ffff_ffffn });
  });

  test('outside deadline mode the MSR reads 0 and writes are ignored', () => {
    const p = makePlatform();
    p.lapic().writeMsr(0x6e0, 5000n);
    expect(p.lapic().readMsr(0x6e0)).toEqual({ kind: 'ok', value: 0n });
    expect(p.lapic().timer.deadline).toBe(-1);
  });

  test('switching in or out of deadline mode clears TMICT and the deadline', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x30);
    p.wr(0x380, 1000);
    p.wr(0x320, 0x40030);
    expect(p.lapic().regs[0x38]).toBe(0);
    expect(p.lapic().timer.deadline).toBe(-1);
    p.lapic().writeMsr(0x6e0, 50_000n);
    p.wr(0x320, 0x40031); // staying in deadline mode keeps the deadline
    expect(p.lapic().timer.deadline).toBe(50_000);
    p.wr(0x320, 0x31);
    expect(p.lapic().timer.deadline).toBe(-1);
    expect(p.lapic().timer.tscDeadline).toBe(0n);
    p.clock.advance(100_000);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
  });

  test('qemu-pc has no TSC-deadline mode: MSR #GP, mode bits 2 and 3 do not stick', () => {
    const p = makePlatform(1, QEMU_PC_LAPIC_PARAMS);
    expect(p.lapic().readMsr(0x6e0).kind).toBe('fault');
    p.wr(0x320, 0x40030);
    expect(p.rd(0x320)).toBe(0x10030);
  });
});
