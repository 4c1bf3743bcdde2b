// The HPET's two-halves 8-byte path (read64Halves/write64Halves, issue 14): the bus takes it for
// 8-byte guest accesses instead of the bigint read64/write64, and it must answer exactly as they do.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QEMU_PC_HPET_PARAMS } from '../../../src/devices/hpet/hpet-params.js';
import { BASE, COUNTER, GEN_CONF, qemuRig, T0_CMP, T0_CONF, xenRig, type Rig } from './helpers.js';

const halves = new Uint32Array(2);
const read64ByHalves = (r: Rig, addr: number): bigint => {
  r.mmio.read64Halves(addr, halves);
  return (BigInt(halves[1]!) << 32n) | BigInt(halves[0]!);
};
const write64ByHalves = (r: Rig, addr: number, v: bigint): void => r.mmio.write64Halves(addr, Number(v & 0xffff_ffffn), Number(v >> 32n));

describe('HPET 8-byte accesses as uint32 halves', () => {
  it('the device provides both halves methods, so the bus never builds a bigint for them', () => {
    const r = xenRig();
    expect(typeof r.hpet.read64Halves).toBe('function');
    expect(typeof r.hpet.write64Halves).toBe('function');
  });

  it('a counter written as halves while halted carries from the low into the high half once running', () => {
    const r = xenRig();
    write64ByHalves(r, COUNTER, 0x1234_5678_ffff_fff0n);
    expect(read64ByHalves(r, COUNTER)).toBe(0x1234_5678_ffff_fff0n);
    r.mmio.write(GEN_CONF, 4, 1);
    r.clock.advance(1000 * r.hpet.tickNs); // 1,000 ticks of 16 ns (Xen's HPET)
    expect(read64ByHalves(r, COUNTER)).toBe(0x1234_5679_0000_03d8n);
    expect(r.mmio.read64(COUNTER)).toBe(0x1234_5679_0000_03d8n);
  });

  it('comparator and configuration written as halves read back as with the bigint path', () => {
    const r = xenRig();
    write64ByHalves(r, T0_CONF, 0xffff_ffff_0000_004cn); // the high dword is the read-only route cap
    write64ByHalves(r, T0_CMP, 0xdead_beef_0000_1000n);
    expect(read64ByHalves(r, T0_CMP)).toBe(0xdead_beef_0000_1000n);
    expect(read64ByHalves(r, T0_CONF)).toBe(r.mmio.read64(T0_CONF));
    expect(Number(read64ByHalves(r, T0_CONF) & 0xffff_ffffn) & 0x4c).toBe(0x0c); // VAL_SET clears with the comparator write
  });

  it('misaligned and disabled: the profile answer, as read64 gives it (Xen all-ones, QEMU 0)', () => {
    const x = xenRig();
    expect(read64ByHalves(x, BASE + 0x104)).toBe(x.mmio.read64(BASE + 0x104));
    x.hpet.setGuestEnabled(false);
    expect(read64ByHalves(x, COUNTER)).toBe(0xffff_ffff_ffff_ffffn);
    const q = qemuRig(QEMU_PC_HPET_PARAMS);
    expect(read64ByHalves(q, BASE + 0x104)).toBe(q.mmio.read64(BASE + 0x104));
  });

  type Op = { kind: 'read' | 'write'; offset: number; value: bigint } | { kind: 'advance'; ns: number };
  const offsetArb = fc.oneof(
    fc.constantFrom(0x0, 0x10, 0x20, 0xf0, 0x100, 0x108, 0x110, 0x120, 0x128, 0x140, 0x148, 0x104, 0xf4),
    fc.integer({ min: 0, max: 0x3ff }),
  );
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constantFrom('read' as const, 'write' as const), offset: offsetArb, value: fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }) }),
    fc.record({
      kind: fc.constantFrom('write' as const),
      offset: fc.constantFrom(0x10, 0x100, 0x108, 0x120, 0x128),
      value: fc.constantFrom(1n, 3n, 0x4cn, 0x4en, 0x104en, 1000n, 0xffff_ffffn),
    }),
    fc.record({ kind: fc.constant('advance' as const), ns: fc.integer({ min: 0, max: 3_000_000 }) }),
  );

  for (const [name, make] of [
    ['xen', () => xenRig()],
    ['qemu-pc', () => qemuRig(QEMU_PC_HPET_PARAMS)],
  ] as const) {
    it(`${name}: the same traffic through halves and through bigint gives the same replies, interrupts and state`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
          const a = make();
          const b = make();
          for (const op of ops) {
            if (op.kind === 'advance') {
              a.clock.advance(op.ns);
              b.clock.advance(op.ns);
            } else if (op.kind === 'read') {
              expect(read64ByHalves(b, BASE + op.offset)).toBe(a.mmio.read64(BASE + op.offset));
            } else {
              a.mmio.write64(BASE + op.offset, op.value);
              write64ByHalves(b, BASE + op.offset, op.value);
            }
          }
          expect(b.gsi).toEqual(a.gsi);
          expect(b.hpet.snapshot()).toEqual(a.hpet.snapshot());
        }),
        { numRuns: 150 },
      );
    });
  }
});
