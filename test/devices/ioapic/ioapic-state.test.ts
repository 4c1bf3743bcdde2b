// Snapshots (bad-inputs class K) and properties over random guest traffic (classes A, F, M).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { makeRig } from './helpers.js';

const LEVEL = 1 << 15;

/** A busy IO-APIC: entries programmed, one level interrupt in service, inputs asserted. */
function busy(profile: 'xen' | 'qemu') {
  const r = makeRig(profile);
  r.wr(0, 0x07000000);
  r.rte(4, 0x44 | LEVEL, 0x01000000);
  r.rte(5, 0x45, 0x02000000);
  r.rte(6, 0x46 | LEVEL | (1 << 16));
  r.ioapic.setInput(4, true);
  r.ioapic.setInput(6, true);
  r.mmio.write(0xfec00000, 4, 0x1b);
  r.bus.take();
  return r;
}

describe('IO-APIC snapshot', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: restore into a fresh instance behaves identically`, () => {
      const a = busy(profile);
      const snap = JSON.parse(JSON.stringify(a.ioapic.snapshot()));
      const b = makeRig(profile);
      b.ioapic.restore(snap);
      expect(b.ioapic.snapshot()).toEqual(a.ioapic.snapshot());
      expect(b.mmio.read(0xfec00000, 4)).toBe(0x1b);
      for (const r of [a, b]) {
        r.ioapic.onEoi(0x44); // still asserted: re-delivered
        r.rte(6, 0x46 | LEVEL); // unmask asserted level pin
        r.ioapic.setInput(5, true);
      }
      expect(b.bus.take()).toEqual(a.bus.take());
      expect(b.rd(0x18)).toBe(a.rd(0x18));
    });
  }

  it('refuses corrupt snapshots and stays unchanged', () => {
    const a = busy('xen');
    const good = a.ioapic.snapshot() as Record<string, unknown>;
    const target = makeRig('xen');
    const before = target.ioapic.snapshot();
    const entries = good.redirection as number[]; // u32 halves: low, high per entry
    const withEntry = (pin: number, low: unknown) => ({ ...good, redirection: entries.map((e, i) => (i === 2 * pin ? low : e)) });
    const bad: unknown[] = [
      null,
      [],
      { ...good, ioregsel: -1 },
      { ...good, ioregsel: 2 ** 32 },
      { ...good, ioregsel: 1.5 },
      { ...good, id: 16 },
      { ...good, id: Number.NaN },
      { ...good, inputs: [1, 2] },
      { ...good, inputs: (good.inputs as number[]).map(() => 2) },
      { ...good, redirection: entries.slice(1) },
      { ...good, redirection: 'x' },
      withEntry(0, 2 ** 32),
      withEntry(0, 'zz'),
      withEntry(0, '0x0000000000010000'), // a version-1 text in a version-2 part
      { ...good, redirection: entries.map(String) },
      { ...good, redirection: undefined },
    ];
    for (const s of bad) {
      expect(() => target.ioapic.restore(s), JSON.stringify(s)?.slice(0, 80)).toThrow(SnapshotError);
      expect(target.ioapic.snapshot()).toEqual(before);
    }
    // The entry rules, each on an otherwise valid table (the low half of entry n is redirection[2n]).
    const rules: [unknown, RegExp][] = [
      [withEntry(0, 0x1000), /^ioapic0?\.redirection\[0\]: delivery status is always 0 here/],
      [withEntry(0, 0x4000), /^ioapic0?\.redirection\[0\]: Remote-IRR set on an edge entry/],
      [withEntry(6, 0x8046), /^ioapic0?\.redirection\[12\]: an unmasked level entry with its input asserted/],
    ];
    for (const [s, why] of rules) {
      expect(() => target.ioapic.restore(s)).toThrow(why);
      expect(target.ioapic.snapshot()).toEqual(before);
    }
    const qemu = makeRig('qemu');
    expect(() => qemu.ioapic.restore(good)).toThrow(SnapshotError); // 48 entries into a 24-pin IO-APIC
  });
});

type Op =
  | { k: 'q'; write: boolean; off: number; v: bigint }
  | { k: 'sel'; size: 1 | 2 | 4; off: number; v: number }
  | { k: 'rd'; size: 1 | 2 | 4; off: number }
  | { k: 'in'; pin: number; level: boolean }
  | { k: 'eoi'; v: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('sel' as const),
    size: fc.constantFrom(1 as const, 2 as const, 4 as const),
    off: fc.oneof(fc.constantFrom(0, 0x10, 0x40), fc.integer({ min: 0, max: 0xff })),
    v: fc.oneof(fc.integer({ min: 0, max: 0x80 }), fc.nat({ max: 0xffffffff })),
  }),
  fc.record({
    k: fc.constant('rd' as const),
    size: fc.constantFrom(1 as const, 2 as const, 4 as const),
    off: fc.oneof(fc.constantFrom(0, 0x10), fc.integer({ min: 0, max: 0xff })),
  }),
  fc.record({ k: fc.constant('in' as const), pin: fc.integer({ min: 0, max: 47 }), level: fc.boolean() }),
  fc.record({ k: fc.constant('eoi' as const), v: fc.integer({ min: 0, max: 0xff }) }),
  fc.record({
    k: fc.constant('q' as const),
    write: fc.boolean(),
    off: fc.oneof(fc.constantFrom(0, 0x10, 0xf8), fc.integer({ min: 0, max: 0xff })),
    v: fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
  }),
);

describe('IO-APIC properties', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: random traffic never throws, reads are defined, state stays legal and deterministic`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
          const a = makeRig(profile);
          const b = makeRig(profile);
          const pins = a.ioapic.params.pins;
          for (const op of ops) {
            for (const r of [a, b]) {
              if (op.k === 'sel') r.mmio.write(0xfec00000 + op.off, op.size, op.v);
              else if (op.k === 'in') r.ioapic.setInput(op.pin, op.level);
              else if (op.k === 'eoi') r.ioapic.onEoi(op.v);
              else if (op.k === 'q') {
                if (op.write) r.mmio.write64(0xfec00000 + op.off, op.v);
                else expect(r.mmio.read64(0xfec00000 + op.off) <= 0xffff_ffff_ffff_ffffn).toBe(true);
              } else {
                const v = r.mmio.read(0xfec00000 + op.off, op.size);
                expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
              }
            }
          }
          // Determinism (class M): two instances fed the same traffic agree byte for byte.
          expect(b.ioapic.snapshot()).toEqual(a.ioapic.snapshot());
          expect(b.bus.messages).toEqual(a.bus.messages);
          for (let pin = 0; pin < pins; pin++) {
            const e = a.ioapic.redirectionEntry(pin);
            expect(e & 0x1000n).toBe(0n); // delivery status always 0
            if ((e & 0x8000n) === 0n) expect(e & 0x4000n).toBe(0n); // Remote-IRR only on level entries
            // An unmasked asserted level entry is always in service (it was delivered).
            if ((e & 0x18000n) === 0x8000n && a.ioapic.inputLevel(pin)) expect(e & 0x4000n).toBe(0x4000n);
          }
          for (const m of a.bus.messages) {
            expect(m.vector).toBeGreaterThanOrEqual(0);
            expect(m.vector).toBeLessThanOrEqual(0xff);
            expect(m.destination).toBeLessThanOrEqual(0xff);
          }
          // A snapshot of any reachable state restores.
          const c = makeRig(profile);
          c.ioapic.restore(JSON.parse(JSON.stringify(a.ioapic.snapshot())));
          expect(c.ioapic.snapshot()).toEqual(a.ioapic.snapshot());
        }),
        { numRuns: 200 },
      );
    });
  }

  it('level pin against a reference model: one delivery per assert–EOI cycle (bad-inputs 15, 16)', () => {
    const step = fc.oneof(
      fc.constant('raise' as const),
      fc.constant('lower' as const),
      fc.constant('eoi' as const),
      fc.constant('mask' as const),
      fc.constant('unmask' as const),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const r = makeRig('xen');
        r.rte(12, 0x5c | LEVEL);
        let line = false;
        let masked = false;
        let inService = false;
        let expected = 0;
        const maybeDeliver = () => {
          if (line && !masked && !inService) {
            inService = true;
            expected++;
          }
        };
        for (const s of steps) {
          if (s === 'raise') {
            r.ioapic.setInput(12, true);
            line = true;
            maybeDeliver();
          } else if (s === 'lower') {
            r.ioapic.setInput(12, false);
            line = false;
          } else if (s === 'eoi') {
            r.ioapic.onEoi(0x5c);
            inService = false;
            maybeDeliver();
          } else {
            masked = s === 'mask';
            r.rte(12, 0x5c | LEVEL | (masked ? 1 << 16 : 0));
            maybeDeliver();
          }
          expect(r.ioapic.remoteIrr(12)).toBe(inService);
        }
        expect(r.bus.messages.length).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
