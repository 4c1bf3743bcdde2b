// Acceptance, priority (SDM §11.8), EOI, ESR (§11.5.3), ExtINT, NMI/INIT/SIPI (CPU-side interface).
import { describe, expect, test } from 'vitest';
import { makePlatform } from './helpers.js';

const selfIpi = (p: ReturnType<typeof makePlatform>, vector: number) => p.wr(0x300, 0x40000 | vector);
const drain = (p: ReturnType<typeof makePlatform>) => {
  const out: number[] = [];
  for (let v = p.lapic().acknowledge(); v !== null; v = p.lapic().acknowledge()) out.push(v);
  return out;
};

describe('priority and delivery order', () => {
  test('highest vector first; a vector of the same class as one in service waits for EOI', () => {
    const p = makePlatform();
    p.enable();
    for (const v of [0x31, 0x52, 0x55, 0x40]) selfIpi(p, v);
    expect(p.lapic().acknowledge()).toBe(0x55);
    expect(p.rd(0xa0)).toBe(0x50); // PPR = ISR class
    expect(p.lapic().hasPendingInterrupt()).toBe(false); // 0x52 is in class 5
    expect(p.lapic().acknowledge()).toBe(null);
    p.wr(0xb0, 0);
    expect(p.lapic().acknowledge()).toBe(0x52);
  });

  test('nested: higher class preempts, EOIs retire the highest in-service first', () => {
    const p = makePlatform();
    p.enable();
    selfIpi(p, 0x41);
    expect(p.lapic().acknowledge()).toBe(0x41);
    selfIpi(p, 0x62);
    selfIpi(p, 0x33);
    expect(p.lapic().acknowledge()).toBe(0x62);
    expect(p.lapic().acknowledge()).toBe(null);
    p.wr(0xb0, 0);
    expect(p.rd(0x120)).toBe(0x2); // ISR bit 0x41 remains
    expect(p.lapic().acknowledge()).toBe(null); // 0x33 < class 4
    p.wr(0xb0, 0);
    expect(p.lapic().acknowledge()).toBe(0x33);
  });

  test('TPR blocks its class and below; PPR = max(TPR, ISR class)', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x80, 0x57);
    expect(p.rd(0xa0)).toBe(0x57);
    selfIpi(p, 0x50);
    selfIpi(p, 0x4f);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    selfIpi(p, 0x60);
    expect(drain(p)).toEqual([0x60]);
    expect(p.rd(0xa0)).toBe(0x60);
    p.wr(0x80, 0x70);
    expect(p.rd(0xa0)).toBe(0x70);
    p.wr(0xb0, 0);
    p.wr(0x80, 0);
    expect(drain(p)).toEqual([0x50]);
    p.wr(0xb0, 0);
    expect(drain(p)).toEqual([0x4f]);
  });

  test('spurious: signalled, then masked by TPR before INTA → SVR vector, nothing in ISR', () => {
    const p = makePlatform();
    p.wr(0xf0, 0x1e7);
    selfIpi(p, 0x40);
    expect(p.lapic().hasPendingInterrupt()).toBe(true);
    p.wr(0x80, 0x40);
    expect(p.lapic().acknowledge()).toBe(0xe7);
    expect(p.rd(0x120)).toBe(0);
    expect(p.lapic().acknowledge()).toBe(null);
  });

  test('a software-disabled APIC drops fixed interrupts (Xen vlapic_accept_irq)', () => {
    const p = makePlatform();
    p.lapic().receive(0, 0x40, false, true);
    expect(p.rd(0x220)).toBe(0);
  });
});

describe('illegal vectors 0–15 and the ESR', () => {
  test('fixed IPI with vector 3: send-illegal on the sender, never delivered', () => {
    const p = makePlatform();
    p.enable();
    selfIpi(p, 3);
    expect(p.rd(0x200)).toBe(0);
    expect(p.rd(0x280)).toBe(0); // latched until the ESR write
    p.wr(0x280, 0);
    expect(p.rd(0x280)).toBe(0x20);
    expect(p.rd(0x280)).toBe(0x20); // reads are stable
    p.wr(0x280, 0xffffffff);
    expect(p.rd(0x280)).toBe(0); // nothing new since
  });

  test('receive-illegal from a message with vector 15', () => {
    const p = makePlatform();
    p.enable();
    p.router.deliverApicMessage({ vector: 15, deliveryMode: 0, logical: false, destination: 0, levelTriggered: false, assert: true, shorthand: 0, source: -1 });
    expect(p.rd(0x200)).toBe(0);
    p.wr(0x280, 0);
    expect(p.rd(0x280)).toBe(0x40);
  });

  test('LVT error fires once per newly pending bit', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x370, 0xee);
    selfIpi(p, 1);
    expect(p.lapic().acknowledge()).toBe(0xee);
    p.wr(0xb0, 0);
    selfIpi(p, 2); // same bit still pending: no new interrupt
    expect(p.lapic().acknowledge()).toBe(null);
    p.wr(0x280, 0);
    selfIpi(p, 2);
    expect(p.lapic().acknowledge()).toBe(0xee);
  });

  test('XSA-462: an LVT error vector below 16 folds in receive-illegal and delivers nothing', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x370, 0x05);
    selfIpi(p, 3);
    expect(p.rd(0x200)).toBe(0);
    p.wr(0x280, 0);
    expect(p.rd(0x280)).toBe(0x60);
  });

  test('lowest-priority IPI with an illegal vector: send-illegal', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x310, 0);
    p.wr(0x300, 0x100 | 7);
    p.wr(0x280, 0);
    expect(p.rd(0x280)).toBe(0x20);
  });
});

describe('EOI broadcast', () => {
  test('level-triggered vectors set TMR and their EOI reaches the IO-APICs; edge ones do not', () => {
    const p = makePlatform();
    p.enable();
    p.router.deliverApicMessage({
      vector: 0x61,
      deliveryMode: 0,
      logical: false,
      destination: 0,
      levelTriggered: true,
      assert: true,
      shorthand: 0,
      source: -1,
    });
    p.router.deliverApicMessage({
      vector: 0x71,
      deliveryMode: 0,
      logical: false,
      destination: 0,
      levelTriggered: false,
      assert: true,
      shorthand: 0,
      source: -1,
    });
    expect(p.rd(0x1b0)).toBe(0x2); // TMR bit 0x61
    expect(p.lapic().acknowledge()).toBe(0x71);
    p.wr(0xb0, 0);
    expect(p.eoi.vectors).toEqual([]);
    expect(p.lapic().acknowledge()).toBe(0x61);
    p.wr(0xb0, 0);
    expect(p.eoi.vectors).toEqual([0x61]);
    p.wr(0xb0, 0); // nothing in service: no effect
    expect(p.eoi.vectors).toEqual([0x61]);
  });
});

describe('ExtINT from the PIC through LINT0', () => {
  test('Xen: LINT0 masked at reset, so the PIC is not heard until LVT0 = ExtINT', () => {
    const p = makePlatform();
    p.fabric.namedLine('pic.int').raise();
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    p.wr(0x350, 0x700); // still software-disabled: the write stays masked
    expect(p.rd(0x350)).toBe(0x10700);
    expect(p.lapic().hasPendingInterrupt()).toBe(false);
    p.enable();
    p.wr(0x350, 0x700);
    expect(p.lapic().hasPendingInterrupt()).toBe(true);
    selfIpi(p, 0x90);
    expect(p.lapic().acknowledge()).toBe(0x20); // the PIC first, as Xen asks the PIC before the LAPIC
    expect(p.pic.acks).toBe(1);
    p.fabric.namedLine('pic.int').lower();
    expect(p.lapic().acknowledge()).toBe(0x90);
  });

  test('an IO-APIC ExtINT message makes the target do INTA on the PIC', () => {
    const p = makePlatform(2);
    p.router.deliverApicMessage({ vector: 0, deliveryMode: 7, logical: false, destination: 2, levelTriggered: false, assert: true, shorthand: 0, source: -1 });
    expect(p.lapic(1).hasPendingInterrupt()).toBe(true);
    expect(p.lapic(1).acknowledge()).toBe(0x20);
    expect(p.lapic(1).acknowledge()).toBe(null);
  });

  test('LINT1 as NMI latches on the rising edge', () => {
    const p = makePlatform();
    p.enable();
    p.wr(0x360, 0x400);
    p.lapic().setLint(1, true);
    expect(p.lapic().takeNmi()).toBe(true);
    expect(p.lapic().takeNmi()).toBe(false);
  });
});

describe('NMI, INIT, SIPI, SMI', () => {
  test('INIT resets the target and SIPI starts it; a second SIPI is ignored', () => {
    const p = makePlatform(2);
    p.enable(1);
    p.wr(0x80, 0x30, 1);
    p.wr(0x310, 0x02000000);
    p.wr(0x300, 0x4500); // INIT, assert
    expect(p.lapic(1).takeInit()).toBe(true);
    expect(p.rd(0x80, 1)).toBe(0);
    expect(p.rd(0xf0, 1)).toBe(0xff);
    expect(p.rd(0x20, 1)).toBe(0x02000000);
    p.wr(0x300, 0x8500); // INIT level de-assert: nothing
    expect(p.lapic(1).takeInit()).toBe(false);
    p.wr(0x300, 0x4698); // SIPI vector 0x98
    p.wr(0x300, 0x4699);
    expect(p.lapic(1).takeSipi()).toBe(0x98);
    expect(p.lapic(1).takeSipi()).toBe(-1);
  });

  test('APs start waiting for SIPI; the BSP does not', () => {
    const p = makePlatform(2);
    p.wr(0x310, 0x00000000);
    p.wr(0x300, 0x4608);
    expect(p.lapic(0).takeSipi()).toBe(-1);
    p.wr(0x310, 0x02000000);
    p.wr(0x300, 0x4608);
    expect(p.lapic(1).takeSipi()).toBe(8);
  });

  test('NMI IPIs coalesce; SMI is ignored under Xen', () => {
    const p = makePlatform(2);
    p.wr(0x310, 0x02000000);
    p.wr(0x300, 0x400);
    p.wr(0x300, 0x400);
    expect(p.lapic(1).takeNmi()).toBe(true);
    expect(p.lapic(1).takeNmi()).toBe(false);
    p.wr(0x300, 0x200);
    expect(p.lapic(1).takeSmi()).toBe(false);
  });
});
