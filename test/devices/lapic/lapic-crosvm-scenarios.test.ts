// The scenarios of crosvm's local APIC unit tests (devices/src/irqchip/apic.rs, `mod tests`),
// re-expressed with our own code and exact values from the SDM (Vol. 3A ch. 11) and Xen. Where Xen
// (and so this model) deliberately differs from crosvm, the test says which and why.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import type { ApicMessage } from '../../../src/irq/apic-bus.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Lapic, type LapicOutbox } from '../../../src/devices/lapic/lapic.js';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { FakePic, makePlatform } from './helpers.js';

/** A lone LAPIC whose outgoing messages are recorded (crosvm's Apic::write returns them). */
function lone(vcpu = 0) {
  const sent: ApicMessage[] = [];
  const eois: number[] = [];
  const outbox: LapicOutbox = { deliverApicMessage: (m) => void sent.push({ ...m }), lapicEoi: (v) => void eois.push(v) };
  const clock = new VirtualClock();
  const l = new Lapic(vcpu, clock, XEN_LAPIC_PARAMS, outbox, new FakePic());
  l.writeRegister(0x0f, 0x1ff);
  return { l, sent, eois, clock };
}
const word = (l: Lapic, base: number, i: number) => l.regs[base + i]!;
const setIsr = (l: Lapic, v: number, level = false) => {
  l.regs[0x10 + (v >>> 5)] = (l.regs[0x10 + (v >>> 5)]! | (1 << (v & 31))) >>> 0;
  if (level) l.regs[0x18 + (v >>> 5)] = (l.regs[0x18 + (v >>> 5)]! | (1 << (v & 31))) >>> 0;
  l.vectorsWritten();
};

describe('crosvm LAPIC scenarios', () => {
  it('valid_mmio / invalid_mmio: whole-register accesses are served, straddling or wider ones read 0 and are dropped', () => {
    const p = makePlatform();
    p.wr(0x20, 42 << 24);
    expect(p.rd(0x20)).toBe(0x2a000000);
    p.wr(0x310, 0xabadcafe);
    expect(p.rd(0x310)).toBe(0xab000000); // ICR high keeps the destination byte only
    expect(p.rd(0x311, 0, 4)).toBe(0); // 4 bytes at +1 straddle the register
    p.wr(0x311, 0, 0, 4);
    expect(p.rd(0x310)).toBe(0xab000000);
    expect(p.mmio.read64(0xfee00310, accessContext(0))).toBe(0n);
  });

  it('vector_reg: IRR bits land in the right word; the highest set bit is found across words', () => {
    const { l } = lone();
    for (const v of [31, 32, 74, 66, 255]) l.setIrq(v, false);
    expect([word(l, 0x20, 0), word(l, 0x20, 1), word(l, 0x20, 2), word(l, 0x20, 7)]).toEqual([0x80000000, 0x1, 0x404, 0x80000000]);
    expect(l.highest(0x20)).toBe(255);
    l.regs[0x27] = 0;
    expect(l.highest(0x20)).toBe(74);
    for (const v of [0, 7, 8]) l.setIrq(v, false); // crosvm stores these; vectors 0–15 are illegal (SDM, Xen)
    expect(word(l, 0x20, 0)).toBe(0x80000000);
  });

  it('match_dest: physical ID, broadcast, flat logical, and the shorthands', () => {
    const p = makePlatform(2);
    p.enable(0);
    p.enable(1);
    p.wr(0x20, 254 << 24, 1);
    p.wr(0xd0, 0b11001001 << 24, 1);
    const at = (destination: number, logical: boolean, shorthand: number, source: number) => p.router.resolve({ destination, logical, shorthand, source });
    expect(at(254, false, 0, 0)).toEqual([1]);
    expect(at(0xff, false, 0, 0)).toEqual([0, 1]);
    expect(at(77, false, 0, 0)).toEqual([]);
    expect(at(0b01001000, true, 0, 0)).toEqual([1]);
    expect(at(0b00010010, true, 0, 0)).toEqual([]);
    expect(at(0, false, 2, 0)).toEqual([0, 1]);
    expect(at(0, false, 1, 1)).toEqual([1]);
    expect(at(0, false, 1, 0)).toEqual([0]);
    expect(at(0, false, 3, 0)).toEqual([1]);
    expect(at(0, false, 3, 1)).toEqual([0]);
  });

  it('processor_priority: PPR = TPR when TPR[7:4] ≥ ISRV[7:4], else ISRV[7:4] << 4 (SDM §11.8.3.1)', () => {
    const { l } = lone();
    expect(l.ppr).toBe(0);
    l.writeRegister(0x08, 0x0f);
    expect(l.ppr).toBe(0x0f); // crosvm accepts 0 or 0x0F; the SDM rule (and Xen) give 0x0F
    l.writeRegister(0x08, 0x10);
    expect(l.ppr).toBe(0x10);
    l.writeRegister(0x08, 0);
    setIsr(l, 0x11);
    expect(l.ppr).toBe(0x10);
    setIsr(l, 0x25);
    l.writeRegister(0x08, 0x31);
    expect(l.ppr).toBe(0x31);
    l.writeRegister(0x08, 0x19);
    expect(l.ppr).toBe(0x20);
    l.eoi(); // retires 0x25
    expect(l.ppr).toBe(0x19); // crosvm accepts 0x10 or 0x19
  });

  it('accept_irq: fixed/lowest vectors set IRR (and TMR when level); INIT, SIPI and NMI set CPU state', () => {
    const { l } = lone(1);
    l.receive(0, 20, true, true);
    l.receive(0, 20, true, true);
    l.receive(0, 21, false, true);
    l.receive(1, 255, true, true);
    l.receive(5, 0, true, true);
    l.receive(6, 7, false, true);
    l.receive(6, 8, false, true);
    l.receive(4, 0, false, true);
    l.receive(4, 0, false, true);
    expect(l.takeInit()).toBe(true);
    // crosvm keeps the last SIPI (8) and counts NMIs (2). Xen accepts only the first SIPI of the
    // wait-for-SIPI state (SDM §8.4.4) and keeps one pending-NMI flag (nmi_pending).
    expect(l.takeSipi()).toBe(7);
    expect([l.takeNmi(), l.takeNmi()]).toEqual([true, false]);
    // INIT (Xen vlapic_do_init) cleared IRR and TMR along with everything but ID/APIC_BASE.
    expect([word(l, 0x20, 0), word(l, 0x20, 7), word(l, 0x18, 0)]).toEqual([0, 0, 0]);
  });

  it('accept_irq (register part, before any INIT): IRR 20, 21, 255; TMR 20, 255; ISR empty', () => {
    const { l } = lone();
    l.receive(0, 20, true, true);
    l.receive(0, 20, true, true);
    l.receive(0, 21, false, true);
    l.receive(1, 255, true, true);
    expect([word(l, 0x20, 0), word(l, 0x20, 7)]).toEqual([0x00300000, 0x80000000]);
    expect([word(l, 0x18, 0), word(l, 0x18, 7)]).toEqual([0x00100000, 0x80000000]);
    expect(Array.from({ length: 8 }, (_, i) => word(l, 0x10, i))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('icr_write_sends_ipi: the ICR decodes into one bus message', () => {
    const { l, sent } = lone(3);
    l.writeRegister(0x02, 229 << 24);
    l.writeRegister(0x31, 42 << 24);
    l.writeRegister(0x30, 0x000cc97b); // vector 123, lowest priority, logical, assert, level, all-but-self
    l.writeRegister(0x31, 161 << 24);
    l.writeRegister(0x30, 0x000016ff); // vector 255, start-up, delivery-status bit set (ignored), edge, de-assert
    expect(sent).toEqual([
      { vector: 123, deliveryMode: 1, logical: true, destination: 42, levelTriggered: true, assert: true, shorthand: 3, source: 3 },
      { vector: 255, deliveryMode: 6, logical: false, destination: 161, levelTriggered: false, assert: false, shorthand: 0, source: 3 },
    ]);
    expect(l.regs[0x30]).toBe(0x000006ff); // delivery status never reads back set
  });

  it('end_of_interrupt: each EOI retires the highest in-service vector; level ones are broadcast', () => {
    const { l, eois } = lone();
    setIsr(l, 39, true);
    setIsr(l, 255, true);
    l.writeRegister(0x0b, 0);
    expect([eois, l.highest(0x10)]).toEqual([[255], 39]);
    setIsr(l, 40, false); // edge: retired without a broadcast (crosvm reports every EOI)
    l.writeRegister(0x0b, 0);
    expect([eois, l.highest(0x10)]).toEqual([[255], 39]);
    l.writeRegister(0x0b, 0);
    l.writeRegister(0x0b, 0); // nothing in service: no effect
    expect([eois, l.highest(0x10)]).toEqual([[255, 39], -1]);
  });

  it('non_fixed_irqs_injected: INIT, SIPI and NMI are taken once each', () => {
    const { l } = lone(1);
    l.receive(5, 0, true, true);
    l.receive(6, 7, false, true);
    l.receive(4, 0, false, true);
    expect([l.takeInit(), l.takeSipi(), l.takeNmi()]).toEqual([true, 7, true]);
    expect([l.takeInit(), l.takeSipi(), l.takeNmi()]).toEqual([false, -1, false]);
  });

  it('fixed_irq_injected / high_priority_irq_injected / low_priority_irq_deferred / tpr_defers_injection', () => {
    const { l, eois } = lone();
    l.receive(0, 0x10, true, true);
    expect(l.acknowledge()).toBe(0x10);
    expect([l.highest(0x20), l.highest(0x10)]).toEqual([-1, 0x10]);
    l.receive(0, 0x20, true, true); // higher class: injected at once
    expect(l.acknowledge()).toBe(0x20);
    l.eoi();
    l.receive(0, 0x15, true, true); // same class as 0x10 in service: deferred
    expect(l.acknowledge()).toBe(null);
    l.eoi();
    expect(eois).toEqual([0x20, 0x10]);
    expect(l.acknowledge()).toBe(0x15);
    l.eoi();
    l.receive(0, 0x25, true, true);
    l.writeRegister(0x08, 0x20); // TPR class 2 blocks vector 0x25
    expect(l.acknowledge()).toBe(null);
    l.writeRegister(0x08, 0x19);
    expect(l.acknowledge()).toBe(0x25);
  });
});

describe('crosvm timer_starts / timer_interrupts (Xen: 10 ns bus cycle)', () => {
  it('one-shot at divide-by-4 fires at 4 × 500 000 × 10 ns, once; periodic at divide-by-1 every 10 ms', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x30); // one-shot
    p.wr(0x3e0, 0x1);
    p.wr(0x380, 500_000);
    const t = 4 * 500_000 * 10;
    p.clock.advanceTo(t - 1);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    p.clock.advance(1);
    expect(p.lapic().acknowledge()).toBe(0x30);
    p.wr(0xb0, 0);
    p.clock.advance(t);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    p.wr(0x3e0, 0xb);
    p.wr(0x320, 0x20030);
    p.wr(0x380, 1_000_000);
    const start = p.clock.now;
    for (let k = 1; k <= 2; k++) {
      p.clock.advanceTo(start + k * 10_000_000 - 1);
      expect(p.lapic().hasPendingInterrupt()).toBe(false);
      p.clock.advance(1);
      expect(p.lapic().acknowledge()).toBe(0x30);
      p.wr(0xb0, 0);
    }
  });

  it('a masked periodic timer sets nothing; unmasked, the next expiry sets IRR bit 123', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x320, 0x20000 | 0x10000 | 123);
    p.wr(0x3e0, 0xb);
    p.wr(0x380, 500_000);
    p.clock.advance(5_000_000);
    expect(p.lapic().highest(0x20)).toBe(-1);
    p.wr(0x320, 0x20000 | 123);
    p.clock.advance(5_000_000);
    expect(p.lapic().highest(0x20)).toBe(123);
  });
});
