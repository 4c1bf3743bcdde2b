// kvm-unit-tests apic's test_apic_change_mode, replayed on the virtual clock with qemu-pc's LAPIC
// (1 ns bus cycle, divide by 1: TMICT 0x999999 lasts 10.07 ms): every check the guest makes holds
// when its reads come at the times it expects. On KVM the same checks also depend on the guest's
// reads arriving within the count (docs/vmm.md, "Known failures outside hvmdev"); here they are
// exact. SDM Vol. 3A §11.5.4; at a mode change the count goes on from where it was (Xen's
// vlapic_update_timer), and a one-shot count that ran out stays at 0.
import { describe, expect, test } from 'vitest';
import { QEMU_PC_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { makePlatform } from './helpers.js';

const TMICT = 0x999999;
const HALF = Math.floor(TMICT / 2);
const LVTT = 0x320;
const TMICT_REG = 0x380;
const TMCCT = 0x390;
const ONE_SHOT = 0xee;
const PERIODIC = 0x200ee;
/** One PASS line printed between two of the guest's reads on this PVM host: about 2.7 ms. */
const PRINTED_LINE_NS = 2_700_000;

describe('APIC timer mode changes as kvm-unit-tests apic checks them (qemu-pc, 1 ns bus cycle)', () => {
  test('one-shot ↔ periodic with a running, a wrapped and an expired count', () => {
    const p = makePlatform(1, QEMU_PC_LAPIC_PARAMS);
    p.enable();
    p.wr(0x3e0, 0xb); // divide by 1
    p.wr(LVTT, ONE_SHOT);
    p.wr(TMICT_REG, TMICT);
    p.wr(LVTT, PERIODIC);
    expect(p.rd(TMICT_REG)).toBe(TMICT); // "TMICT value reset"

    p.wr(LVTT, ONE_SHOT);
    p.wr(TMICT_REG, TMICT);
    expect(p.rd(TMCCT)).toBe(TMICT); // "TMCCT should have a non-zero value"
    p.clock.advance(TMICT - HALF);
    expect(p.rd(TMCCT)).toBe(HALF);
    p.clock.advance(HALF);
    expect(p.rd(TMCCT)).toBe(0); // "TMCCT should have reached 0"
    expect(p.lapic().acknowledge()).toBe(0xee);
    p.wr(0xb0, 0);

    // One-shot → periodic at half: the count goes on from there.
    p.wr(TMICT_REG, TMICT);
    p.clock.advance(TMICT - HALF);
    p.wr(LVTT, PERIODIC);
    expect(p.rd(TMCCT)).toBe(HALF); // "TMCCT should have a non-zero value"
    p.clock.advance(PRINTED_LINE_NS);
    expect(p.rd(TMCCT)).toBe(HALF - PRINTED_LINE_NS); // "TMCCT should not be reset to TMICT value"
    // It reaches 0 and reloads TMICT (the tick is delivered).
    p.clock.advance(HALF - PRINTED_LINE_NS - 1);
    expect(p.rd(TMCCT)).toBe(1);
    p.clock.advance(1);
    expect(p.rd(TMCCT)).toBe(TMICT);
    expect(p.lapic().acknowledge()).toBe(0xee);
    p.wr(0xb0, 0);
    p.clock.advance(1000);
    expect(p.rd(TMCCT)).toBe(TMICT - 1000); // "TMCCT should be reset to the initial-count"

    // Periodic → one-shot at half: the rest of this period, then 0 for good.
    p.clock.advance(TMICT - 1000 - HALF);
    expect(p.rd(TMCCT)).toBe(HALF);
    p.wr(LVTT, ONE_SHOT);
    expect(p.rd(TMCCT)).toBe(HALF); // "TMCCT should not be reset to init"
    p.clock.advance(HALF);
    expect(p.rd(TMCCT)).toBe(0); // "TMCCT should have reach zero"
    expect(p.lapic().acknowledge()).toBe(0xee);
    p.wr(0xb0, 0);
    p.clock.advance(3 * TMICT);
    expect(p.rd(TMCCT)).toBe(0);
    expect(p.lapic().acknowledge()).toBe(null);

    // An expired one-shot count switched to periodic stays at 0 and delivers nothing.
    p.wr(LVTT, PERIODIC);
    expect(p.rd(TMCCT)).toBe(0); // "TMCCT should stay at zero"
    p.clock.advance(3 * TMICT);
    expect(p.rd(TMCCT)).toBe(0);
    expect(p.lapic().acknowledge()).toBe(null);
  });

  test('a periodic count that wrapped before the switch to one-shot runs from TMICT (the guest would see "reset to init")', () => {
    const p = makePlatform(1, QEMU_PC_LAPIC_PARAMS);
    p.enable();
    p.wr(0x3e0, 0xb);
    p.wr(LVTT, PERIODIC);
    p.wr(TMICT_REG, TMICT);
    p.clock.advance(TMICT + 5000); // the guest's thread was off its CPU past the wrap
    p.wr(LVTT, ONE_SHOT);
    expect(p.rd(TMCCT)).toBe(TMICT - 5000);
  });
});
