// Property tests for bad-inputs classes A (timer index bounds), B (access totality), D (timer
// arithmetic), E (liveness and storm bounds), M (determinism).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QEMU_PC_HPET_PARAMS } from '../../../src/devices/hpet/hpet-params.js';
import { BASE, qemuRig, xenRig, type Rig } from './helpers.js';

type Op =
  | { kind: 'read'; offset: number; size: 1 | 2 | 4 | 8 }
  | { kind: 'write'; offset: number; size: 1 | 2 | 4 | 8; value: bigint }
  | { kind: 'advance'; ns: number };

// Offsets biased towards real registers, plus anything in (and just past) the window.
const interesting = [0x0, 0x4, 0x10, 0x14, 0x20, 0xf0, 0xf4, 0x100, 0x104, 0x108, 0x10c, 0x110, 0x120, 0x128, 0x140, 0x148, 0x160, 0x3f8, 0x3fc];
const offsetArb = fc.oneof(fc.constantFrom(...interesting), fc.integer({ min: 0, max: 0x407 }));
const sizeArb = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const valueArb = fc.oneof(
  fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
  fc.constantFrom(0n, 1n, 2n, 0xffff_ffffn, 0xffff_ffff_ffff_ffffn, 0x8000_0000n, 0x3f4en, 0x4en, 0x104en, 3n),
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), offset: offsetArb, size: sizeArb }),
  fc.record({ kind: fc.constant('write' as const), offset: offsetArb, size: sizeArb, value: valueArb }),
  fc.record({ kind: fc.constant('advance' as const), ns: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(50_000_000)) }),
);

function apply(r: Rig, op: Op): unknown {
  if (op.kind === 'advance') {
    r.clock.advance(op.ns);
    return r.clock.now;
  }
  const addr = BASE + op.offset;
  if (op.kind === 'read') return op.size === 8 ? r.mmio.read64(addr) : r.mmio.read(addr, op.size);
  if (op.size === 8) r.mmio.write64(addr, op.value);
  else r.mmio.write(addr, op.size, Number(op.value & 0xffff_ffffn));
  return null;
}

function checkInvariants(r: Rig, minPeriodNs: number, eventsBefore: number, windowNs: number): void {
  for (let n = 0; n < 3; n++) {
    const d = r.hpet.nextInterruptAt(n);
    if (d !== null) expect(d).toBeGreaterThanOrEqual(r.clock.now);
  }
  // Each timer fires at most window/Pmin + 1 times in a window, plus one catch-up after a write.
  expect(r.clock.eventsFired - eventsBefore).toBeLessThanOrEqual(3 * (Math.floor(windowNs / minPeriodNs) + 2));
  const snap = r.hpet.snapshot() as { isr: number };
  expect(snap.isr).toBeLessThan(8);
}

describe('HPET under random guest traffic', () => {
  for (const [name, make, minPeriod] of [
    ['xen', () => xenRig(), 100_000],
    ['qemu-pc', () => qemuRig(QEMU_PC_HPET_PARAMS), 10],
  ] as const) {
    it(`${name}: never throws, reads stay in range, deadlines never in the past, bounded events`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
          const r = make();
          for (const op of ops) {
            const before = r.clock.eventsFired;
            const v = apply(r, op);
            if (op.kind === 'read') {
              if (op.size === 8) expect(typeof v).toBe('bigint');
              else expect(Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** (op.size * 8)).toBe(true);
            }
            checkInvariants(r, minPeriod, before, op.kind === 'advance' ? op.ns : 0);
          }
          // A restored copy carries the same state (class K round trip on reachable states).
          const copy = make();
          copy.clock.restoreTime(r.clock.now);
          copy.hpet.restore(JSON.parse(JSON.stringify(r.hpet.snapshot())));
          expect(copy.hpet.snapshot()).toEqual(r.hpet.snapshot());
        }),
        { numRuns: 200 },
      );
    });
  }

  it('reads are a pure function of state: two instances given the same traffic answer the same (class M)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const a = xenRig();
        const b = xenRig();
        b.mmio.read64(BASE + 0x108); // unrelated extra read on one side only
        for (const op of ops) expect(apply(b, op)).toEqual(apply(a, op));
      }),
      { numRuns: 100 },
    );
  });

  it('a huge clock jump with a minimum-period periodic timer does bounded work (class E)', () => {
    const r = xenRig();
    r.mmio.write(BASE + 0x100, 4, 0x2 | 0x4 | 0x8 | 0x40 | (20 << 9)); // level periodic: holds until acked
    r.mmio.write64(BASE + 0x108, 1n);
    r.mmio.write64(BASE + 0x108, 1n);
    r.mmio.write(BASE + 0x10, 4, 1);
    const before = r.clock.eventsFired;
    r.clock.advance(1e12);
    expect(r.clock.eventsFired - before).toBe(1);
    expect(r.mmio.read(BASE + 0x20, 4)).toBe(1);
  });
});
