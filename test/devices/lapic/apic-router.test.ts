// Destination resolution (SDM §11.6.2, §11.12.9–10), shorthands, lowest-priority arbitration and
// MSI delivery on a 4-vCPU router (APIC IDs 0, 2, 4, 6 as Xen assigns them).
import { describe, expect, test } from 'vitest';
import { encodeMsi } from '../../../src/irq/msi.js';
import { makePlatform, toX2apic } from './helpers.js';

const four = () => {
  const p = makePlatform(4);
  for (let i = 0; i < 4; i++) p.enable(i);
  return p;
};
const at = (destination: number, logical = false, shorthand = 0, source = -1) => ({ destination, logical, shorthand, source });

describe('xAPIC destinations', () => {
  test('physical: the APIC ID, 0xFF broadcast, unknown IDs reach nobody', () => {
    const { router } = four();
    expect(router.resolve(at(4))).toEqual([2]);
    expect(router.resolve(at(0))).toEqual([0]);
    expect(router.resolve(at(0xff))).toEqual([0, 1, 2, 3]);
    expect(router.resolve(at(5))).toEqual([]);
    expect(router.resolve(at(0x1ff))).toEqual([]);
  });

  test('a rewritten xAPIC ID is what physical mode matches', () => {
    const p = four();
    p.wr(0x20, 0x09000000, 3);
    expect(p.router.resolve(at(9))).toEqual([3]);
    expect(p.router.resolve(at(6))).toEqual([]);
  });

  test('logical flat: any common LDR bit', () => {
    const p = four();
    for (let i = 0; i < 4; i++) p.wr(0xd0, (1 << i) << 24, i);
    expect(p.router.resolve(at(0x05, true))).toEqual([0, 2]);
    expect(p.router.resolve(at(0xff, true))).toEqual([0, 1, 2, 3]);
    expect(p.router.resolve(at(0x00, true))).toEqual([]);
  });

  test('logical cluster: same cluster nibble and a common member bit', () => {
    const p = four();
    const ldr = [0x11, 0x12, 0x21, 0x22];
    for (let i = 0; i < 4; i++) {
      p.wr(0xe0, 0x0fffffff, i);
      p.wr(0xd0, ldr[i]! << 24, i);
    }
    expect(p.router.resolve(at(0x13, true))).toEqual([0, 1]);
    expect(p.router.resolve(at(0x21, true))).toEqual([2]);
    expect(p.router.resolve(at(0x31, true))).toEqual([]);
    expect(p.router.resolve(at(0xff, true))).toEqual([]); // Xen: cluster 15 only, no such cluster here
  });

  test('shorthands: self, all, all-but-self; the destination is then ignored', () => {
    const { router } = four();
    expect(router.resolve(at(0, false, 1, 1))).toEqual([1]);
    expect(router.resolve(at(0x33, true, 2, 1))).toEqual([0, 1, 2, 3]);
    expect(router.resolve(at(0, false, 3, 1))).toEqual([0, 2, 3]);
    expect(router.resolve(at(0, false, 1, -1))).toEqual([]); // no sender: "self" is nobody
  });
});

describe('x2APIC destinations', () => {
  const x2 = () => {
    const p = four();
    for (let i = 0; i < 4; i++) toX2apic(p.router, i);
    return p;
  };

  test('physical 32-bit IDs and the 0xFFFFFFFF broadcast', () => {
    const { router } = x2();
    expect(router.resolve(at(6, false, 0, 0))).toEqual([3]);
    expect(router.resolve(at(0xffffffff, false, 0, 0))).toEqual([0, 1, 2, 3]);
    expect(router.resolve(at(0xff, false, 0, 0))).toEqual([]); // not a broadcast from an x2APIC sender
    expect(router.resolve(at(0x100000006, false, 0, 0))).toEqual([3]); // destinations are 32-bit
  });

  test('logical: cluster in bits 31:16, member mask in 15:0', () => {
    const { router } = x2();
    // LDRs: 0x1, 0x4, 0x10, 0x40 (cluster 0)
    expect(router.resolve(at(0x14, true, 0, 0))).toEqual([1, 2]);
    expect(router.resolve(at(0x10014, true, 0, 0))).toEqual([]);
    expect(router.resolve(at(0xffffffff, true, 0, 0))).toEqual([0, 1, 2, 3]);
  });

  test('an IO-APIC 8-bit broadcast still reaches x2APIC-mode LAPICs', () => {
    const { router } = x2();
    expect(router.resolve(at(0xff))).toEqual([0, 1, 2, 3]);
    expect(router.resolve(at(2))).toEqual([1]);
  });

  test("an IPI through the 64-bit ICR reaches the destination's IRR", () => {
    const p = x2();
    expect(p.lapic(0).writeMsr(0x830, (4n << 32n) | 0x44n).kind).toBe('ok');
    expect(p.lapic(2).readMsr(0x822)).toEqual({ kind: 'ok', value: 0x10n });
  });
});

describe('lowest-priority arbitration (lowest PPR; ties round-robin after the last winner, as Xen)', () => {
  const lowest = { vector: 0x48, deliveryMode: 1, logical: true, destination: 0x0f, levelTriggered: false, assert: true, shorthand: 0, source: -1 };
  const flat = () => {
    const p = four();
    for (let i = 0; i < 4; i++) p.wr(0xd0, (1 << i) << 24, i);
    [0x20, 0x10, 0x10, 0x30].forEach((tpr, i) => p.wr(0x80, tpr, i));
    return p;
  };
  const winner = (p: ReturnType<typeof makePlatform>) => {
    for (let i = 0; i < 4; i++) {
      if (p.lapic(i).regs[0x22]! & (1 << 8)) {
        p.lapic(i).regs[0x22] = 0; // clear for the next round
        return i;
      }
    }
    return -1;
  };

  test('the two lowest-TPR vCPUs alternate', () => {
    const p = flat();
    const wins = [];
    for (let k = 0; k < 4; k++) {
      p.router.deliverApicMessage(lowest);
      wins.push(winner(p));
    }
    expect(wins).toEqual([1, 2, 1, 2]);
  });

  test('PPR counts in-service vectors; disabled LAPICs never win', () => {
    const p = flat();
    p.wr(0x300, 0x40000 | 0x55, 2); // self IPI on vCPU 2 …
    expect(p.lapic(2).acknowledge()).toBe(0x55); // … in service: PPR 0x50
    p.router.deliverApicMessage(lowest);
    expect(winner(p)).toBe(1);
    p.wr(0xf0, 0xff, 1); // software-disable vCPU 1
    p.router.deliverApicMessage(lowest);
    expect(winner(p)).toBe(0);
  });

  test('no enabled LAPIC in the destination: dropped', () => {
    const p = makePlatform(2);
    p.router.deliverApicMessage({ ...lowest, destination: 0xff, logical: false });
    expect(p.lapic(0).regs[0x22]).toBe(0);
    expect(p.lapic(1).regs[0x22]).toBe(0);
  });
});

describe('MSI', () => {
  test('decoded and delivered through the fabric; non-0xFEE addresses are dropped', () => {
    const p = four();
    p.fabric.sendMsi(encodeMsi({ destination: 4, vector: 0x55 }));
    expect(p.lapic(2).acknowledge()).toBe(0x55);
    p.wr(0xb0, 0, 2);
    p.fabric.sendMsi({ addressLo: 0xfed00000, addressHi: 0, data: 0x56 });
    expect(p.router.invalidMsis).toBe(1);
    p.fabric.sendMsi(encodeMsi({ destination: 0xff, vector: 0x57, levelTriggered: true }));
    for (let i = 0; i < 4; i++) expect(p.lapic(i).acknowledge()).toBe(0x57);
    p.wr(0xb0, 0, 3);
    expect(p.eoi.vectors).toEqual([0x57]);
  });
});

describe('EOI listeners', () => {
  test('every listener hears a level EOI; removed ones do not', () => {
    const p = makePlatform();
    p.enable();
    const heard: number[] = [];
    const off = p.router.addEoiListener({ onEoi: (v) => heard.push(v) });
    const level = { vector: 0x66, deliveryMode: 0, logical: false, destination: 0, levelTriggered: true, assert: true, shorthand: 0, source: -1 };
    p.router.deliverApicMessage(level);
    p.lapic().acknowledge();
    p.wr(0xb0, 0);
    off();
    p.router.deliverApicMessage(level);
    p.lapic().acknowledge();
    p.wr(0xb0, 0);
    expect(heard).toEqual([0x66]);
    expect(p.eoi.vectors).toEqual([0x66, 0x66]);
  });
});
