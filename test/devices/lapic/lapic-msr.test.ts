// x2APIC MSRs (Xen's whitelist, bad-inputs entries 1, 2, 7) and IA32_APIC_BASE transitions.
import { describe, expect, test } from 'vitest';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { makePlatform, toX2apic } from './helpers.js';

const READABLE = new Set([
  0x802,
  0x803,
  0x808,
  0x80a,
  0x80d,
  0x80f,
  ...Array.from({ length: 24 }, (_, i) => 0x810 + i),
  0x828,
  0x82f,
  0x830,
  0x832,
  0x833,
  0x834,
  0x835,
  0x836,
  0x837,
  0x838,
  0x839,
  0x83e,
]);
const WRITABLE_WITH_ZERO = new Set([0x808, 0x80b, 0x80f, 0x828, 0x82f, 0x830, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x83e, 0x83f]);
const GP = { kind: 'fault', vector: 13, errorCode: 0 };

describe('the whole 0x800–0xBFF range in each APIC mode', () => {
  for (const mode of ['disabled', 'xAPIC'] as const) {
    test(`${mode}: every read and write #GPs`, () => {
      const p = makePlatform();
      if (mode === 'disabled') expect(p.lapic().writeMsr(0x1b, 0xfee00100n).kind).toBe('ok');
      for (let msr = 0x800; msr <= 0xbff; msr++) {
        expect(p.lapic().readMsr(msr), `rdmsr 0x${msr.toString(16)}`).toEqual(GP);
        expect(p.lapic().writeMsr(msr, 0n), `wrmsr 0x${msr.toString(16)}`).toEqual(GP);
      }
    });
  }

  test("x2APIC: exactly Xen's readable set", () => {
    const p = makePlatform();
    toX2apic(p.router);
    for (let msr = 0x800; msr <= 0xbff; msr++) {
      const r = p.lapic().readMsr(msr);
      expect(r.kind, `rdmsr 0x${msr.toString(16)}`).toBe(READABLE.has(msr) ? 'ok' : 'fault');
    }
  });

  test("x2APIC: exactly Xen's writable set (value 0)", () => {
    const p = makePlatform();
    toX2apic(p.router);
    for (let msr = 0x800; msr <= 0xbff; msr++) {
      const r = p.lapic().writeMsr(msr, 0n);
      expect(r.kind, `wrmsr 0x${msr.toString(16)}`).toBe(WRITABLE_WITH_ZERO.has(msr) ? 'ok' : 'fault');
    }
  });

  test("MSRs outside the APIC's are not its business", () => {
    const p = makePlatform();
    expect(p.lapic().readMsr(0x10).kind).toBe('unhandled');
    expect(p.lapic().writeMsr(0xc00, 0n).kind).toBe('unhandled');
  });
});

describe('x2APIC reserved bits', () => {
  const cases: [string, number, bigint][] = [
    ['TPR bit 8', 0x808, 0x100n],
    ['EOI non-zero', 0x80b, 1n],
    ['ESR non-zero', 0x828, 1n],
    ['SVR bit 10 (no directed EOI, no suppression)', 0x80f, 0x400n],
    ['SVR bit 12 (EOI-broadcast suppression)', 0x80f, 0x1000n],
    ['LVT timer bit 19', 0x832, 0x80000n],
    ['LVT thermal bit 13', 0x833, 0x2000n],
    ['LVT LINT0 bit 17', 0x835, 0x20000n],
    ['LVT error delivery mode', 0x837, 0x400n],
    ['TDCR bit 2', 0x83e, 0x4n],
    ['SELF IPI bit 8', 0x83f, 0x100n],
    ['ICR delivery status', 0x830, 0x1000n],
    ['ICR bit 20', 0x830, 0x100000n],
    ['TPR high half', 0x808, 0x1_0000_0000n],
  ];
  test.each(cases)('%s → #GP, nothing changes', (_n, msr, value) => {
    const p = makePlatform();
    toX2apic(p.router);
    const before = Array.from(p.lapic().regs);
    expect(p.lapic().writeMsr(msr, value)).toEqual(GP);
    expect(Array.from(p.lapic().regs)).toEqual(before);
  });
});

describe('x2APIC registers', () => {
  test('ID = 2 × vCPU, LDR = cluster << 16 | 1 << (ID & 15)', () => {
    const p = makePlatform(10);
    toX2apic(p.router, 3);
    toX2apic(p.router, 9);
    expect(p.lapic(3).readMsr(0x802)).toEqual({ kind: 'ok', value: 6n });
    expect(p.lapic(3).readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x40n });
    expect(p.lapic(9).readMsr(0x802)).toEqual({ kind: 'ok', value: 18n });
    expect(p.lapic(9).readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x10004n });
    expect(p.lapic(9).readMsr(0x803)).toEqual({ kind: 'ok', value: 0x50014n });
  });

  test('ICR is one 64-bit register; TMICT keeps the low 32 bits (Xen)', () => {
    const p = makePlatform(4);
    toX2apic(p.router);
    expect(p.lapic().writeMsr(0x830, 0x0000_0063_0000_0030n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x830)).toEqual({ kind: 'ok', value: 0x0000_0063_0000_0030n });
    expect(p.lapic().writeMsr(0x838, 0x1_0000_0005n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x838)).toEqual({ kind: 'ok', value: 5n });
  });

  test('SELF IPI sets the vector pending; ICR then reads the self shorthand (Xen)', () => {
    const p = makePlatform();
    toX2apic(p.router);
    p.lapic().writeMsr(0x80f, 0x1ffn);
    expect(p.lapic().writeMsr(0x83f, 0x40n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x822)).toEqual({ kind: 'ok', value: 1n });
    expect(p.lapic().readMsr(0x830)).toEqual({ kind: 'ok', value: 0x40040n });
    expect(p.lapic().acknowledge()).toBe(0x40);
    expect(p.lapic().readMsr(0x812)).toEqual({ kind: 'ok', value: 1n });
    expect(p.lapic().writeMsr(0x80b, 0n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x812)).toEqual({ kind: 'ok', value: 0n });
  });

  test('CMCI is accepted but not stored', () => {
    const p = makePlatform();
    toX2apic(p.router);
    expect(p.lapic().writeMsr(0x82f, 0x10042n).kind).toBe('ok');
    expect(p.lapic().readMsr(0x82f)).toEqual({ kind: 'ok', value: 0n });
  });

  test('INIT keeps the x2APIC LDR', () => {
    const p = makePlatform(2);
    toX2apic(p.router, 1);
    p.lapic(1).receive(5, 0, false, true);
    expect(p.lapic(1).readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x4n });
  });
});

describe('IA32_APIC_BASE state machine (SDM §11.12.5)', () => {
  const STATES = { disabled: 0x000n, xapic: 0x800n, x2apic: 0xc00n, invalid: 0x400n } as const;
  type S = keyof typeof STATES;
  const legal: Record<string, boolean> = {
    'disabled→disabled': true,
    'disabled→xapic': true,
    'disabled→x2apic': false,
    'disabled→invalid': false,
    'xapic→disabled': true,
    'xapic→xapic': true,
    'xapic→x2apic': true,
    'xapic→invalid': false,
    'x2apic→disabled': true,
    'x2apic→xapic': false,
    'x2apic→x2apic': true,
    'x2apic→invalid': false,
  };
  const reach = (p: ReturnType<typeof makePlatform>, s: S) => {
    if (s === 'disabled') p.lapic().writeMsr(0x1b, 0xfee00100n);
    if (s === 'x2apic') p.lapic().writeMsr(0x1b, 0xfee00d00n);
  };
  for (const [name, ok] of Object.entries(legal)) {
    test(`${name}: ${ok ? 'accepted' : '#GP, unchanged'}`, () => {
      const [from, to] = name.split('→') as [S, S];
      const p = makePlatform();
      reach(p, from);
      const before = p.lapic().apicBase;
      const value = 0xfee00100n | STATES[to];
      const r = p.lapic().writeMsr(0x1b, value);
      expect(r.kind).toBe(ok ? 'ok' : 'fault');
      expect(p.lapic().apicBase).toBe(ok ? value : before);
    });
  }

  test('reserved bits #GP', () => {
    const p = makePlatform();
    for (const bit of [0n, 7n, 9n, 52n, 63n]) {
      expect(p.lapic().writeMsr(0x1b, 0xfee00900n | (1n << bit)).kind, `bit ${bit}`).toBe('fault');
    }
  });

  test('Xen refuses to move the xAPIC window; a disabled APIC may hold another base but not enable there', () => {
    const p = makePlatform();
    expect(p.lapic().writeMsr(0x1b, 0xfed00900n)).toEqual(GP);
    expect(p.lapic().writeMsr(0x1b, 0xfed00100n).kind).toBe('ok');
    expect(p.lapic().writeMsr(0x1b, 0xfed00900n)).toEqual(GP);
    expect(p.lapic().writeMsr(0x1b, 0xfee00900n).kind).toBe('ok');
  });

  test('EXTD #GPs when CPUID has no x2APIC', () => {
    const p = makePlatform(1, { ...XEN_LAPIC_PARAMS, x2apic: false });
    expect(p.lapic().writeMsr(0x1b, 0xfee00d00n)).toEqual(GP);
  });

  test('disabled → xAPIC comes back in the reset state with the xAPIC ID', () => {
    const p = makePlatform(2);
    p.wr(0x80, 0x50, 1);
    toX2apic(p.router, 1);
    p.lapic(1).writeMsr(0x1b, 0xfee00000n);
    p.lapic(1).writeMsr(0x1b, 0xfee00800n);
    expect(p.rd(0x80, 1)).toBe(0);
    expect(p.rd(0x20, 1)).toBe(0x02000000);
    expect(p.rd(0xd0, 1)).toBe(0);
    expect(p.rd(0xf0, 1)).toBe(0xff);
  });
});
