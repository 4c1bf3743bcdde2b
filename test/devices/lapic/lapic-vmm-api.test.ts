// What a VMM needs from the LAPIC beyond the guest interface: a TSC origin (the guest's TSC is the
// hardware's, not 0 at clock 0), TPR for CR8, a wake-up notification, an IA32_APIC_BASE hook.
import { describe, expect, test } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { QEMU_PC_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { makePlatform } from './helpers.js';

describe('LAPIC API for a VMM', () => {
  test('TSC-deadline is measured from the TSC origin', () => {
    const p = makePlatform(1);
    p.enable();
    const l = p.lapic();
    l.setTscOrigin(5_000_000_000n); // the guest TSC read 5e9 at virtual time 0 (1 GHz TSC)
    p.wr(0x320, 0x400f0); // LVT timer: TSC-deadline, vector 0xF0
    expect(l.writeMsr(0x6e0, 5_000_001_000n)).toEqual({ kind: 'ok' }); // 1000 ticks after the origin
    expect(p.clock.nextDeadline()).toBe(1000);
    p.clock.advance(999);
    expect(l.hasPendingInterrupt()).toBe(false);
    p.clock.advance(1);
    expect(l.acknowledge()).toBe(0xf0);
  });

  test('a deadline at or before the current TSC fires at once, counted from the origin', () => {
    const p = makePlatform(1);
    p.enable();
    const l = p.lapic();
    l.setTscOrigin(1_000_000n);
    p.wr(0x320, 0x400f0);
    p.clock.advance(500);
    l.writeMsr(0x6e0, 1_000_500n); // exactly now
    expect(l.acknowledge()).toBe(0xf0);
  });

  test('tpr reads and writes TPR bits 7:0 (CR8 is bits 7:4)', () => {
    const p = makePlatform(1);
    const l = p.lapic();
    l.tpr = 0x1a5;
    expect(l.tpr).toBe(0xa5);
    expect(p.rd(0x80)).toBe(0xa5);
    p.wr(0x80, 0x30);
    expect(l.tpr).toBe(0x30);
  });

  test('wakeObserver hears IRR, NMI, INIT and SIPI arrivals', () => {
    const p = makePlatform(2);
    p.enable(0);
    p.enable(1);
    const heard: number[] = [];
    p.lapic(1).wakeObserver = () => heard.push(1);
    p.lapic(0).wakeObserver = () => heard.push(0);
    p.wr(0x310, 2 << 24); // destination APIC ID 2 (vCPU 1)
    p.wr(0x300, 0x40); // fixed, vector 0x40
    expect(heard).toEqual([1]);
    p.wr(0x300, 0x400); // NMI
    expect(heard).toEqual([1, 1]);
    p.wr(0x300, 0x500); // INIT
    p.wr(0x300, 0x608); // SIPI vector 8
    expect(heard).toEqual([1, 1, 1, 1]);
    expect(p.lapic(1).takeSipi()).toBe(8);
  });

  test('apicBaseObserver hears accepted IA32_APIC_BASE writes only', () => {
    const p = makePlatform(1);
    const l = p.lapic();
    const seen: bigint[] = [];
    l.apicBaseObserver = (v) => seen.push(v);
    expect(l.writeMsr(0x1b, 0xfee00100n)).toEqual({ kind: 'ok' }); // disable (EN = 0)
    expect(l.writeMsr(0x1b, 0xfee00500n).kind).toBe('fault'); // disabled → x2APIC directly: #GP
    expect(seen).toEqual([0xfee00100n]);
  });
});

describe('xAPIC window placement', () => {
  test('QEMU/KVM parameters: an enabled APIC may move its window; it is served there for that CPU only', () => {
    const p = makePlatform(2, QEMU_PC_LAPIC_PARAMS);
    const l = p.lapic(0);
    expect(l.writeMsr(0x1b, 0xfed40000n | 0x900n)).toEqual({ kind: 'ok' }); // BSP, EN, new base
    expect(p.mmio.read(0xfed40030, 4, accessContext(0))).toBe(0x50014);
    expect(p.mmio.read(0xfee00030, 4, accessContext(0))).toBe(0xffffffff); // moved away: the bus's unclaimed value (this bus: all-ones)
    expect(p.mmio.read(0xfee00030, 4, accessContext(1))).toBe(0x50014); // vCPU 1 still at the default
    expect(p.mmio.read(0xfed40030, 4, accessContext(1))).toBe(0xffffffff);
    expect(l.writeMsr(0x1b, 0xfee00900n)).toEqual({ kind: 'ok' });
    expect(p.mmio.regionAt(0xfed40000)).toBeNull(); // nobody uses the moved window: removed
  });

  test('Xen parameters refuse the move (#GP), as xen/arch/x86/hvm/vlapic.c does', () => {
    const p = makePlatform(1);
    expect(p.lapic().writeMsr(0x1b, 0xfed40000n | 0x900n).kind).toBe('fault');
  });

  test('offWindowReadsOnes: a CPU whose APIC does not serve the page reads all-ones (QEMU on KVM)', () => {
    const p = makePlatform(1, { ...QEMU_PC_LAPIC_PARAMS, offWindowReadsOnes: true });
    expect(p.lapic().writeMsr(0x1b, 0xfee00100n)).toEqual({ kind: 'ok' }); // hardware-disabled
    expect(p.rd(0x30)).toBe(0xffffffff);
    expect(p.rd(0x80, 0, 2)).toBe(0xffff);
  });
});
