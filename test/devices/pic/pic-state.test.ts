// Snapshots (bad-inputs 18, class K) and properties over random traffic (classes A, F, L, M).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { makePic } from './helpers.js';

function busy(profile: 'xen' | 'qemu') {
  const r = makePic(profile);
  r.init();
  r.out(0x4d1, 0x08);
  r.irq(11, true); // level, in service
  r.pic.acknowledgeExtInt();
  r.irq(1, true);
  r.irq(4, true);
  r.pic.acknowledgeExtInt(); // IRQ1 in service, IRQ4 pending
  r.out(0xa1, 0x40);
  r.out(0x20, 0x0b);
  return r;
}

describe('PIC snapshot', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: restore into a fresh pair behaves identically`, () => {
      const a = busy(profile);
      const snap = JSON.parse(JSON.stringify(a.pic.snapshot()));
      const b = makePic(profile);
      b.pic.restore(snap);
      expect(b.pic.snapshot()).toEqual(a.pic.snapshot());
      expect(b.pic.intOutput).toBe(a.pic.intOutput);
      const trace = (r: ReturnType<typeof makePic>) => {
        const seen: number[] = [r.inb(0x20)];
        r.out(0x20, 0x20);
        seen.push(r.pic.acknowledgeExtInt());
        r.out(0xa0, 0x20);
        r.out(0x20, 0x20);
        r.out(0x20, 0x20);
        seen.push(r.pic.acknowledgeExtInt(), r.inb(0xa1), r.inb(0x4d1));
        return seen;
      };
      expect(trace(b)).toEqual(trace(a));
    });
  }

  it('refuses states no guest can reach, and stays unchanged', () => {
    const a = busy('xen');
    const good = a.pic.snapshot() as { master: Record<string, unknown>; slave: Record<string, unknown> };
    const target = makePic('xen');
    const before = target.pic.snapshot();
    const m = (o: object) => ({ ...good, master: { ...good.master, ...o } });
    const s = (o: object) => ({ ...good, slave: { ...good.slave, ...o } });
    const bad: unknown[] = [
      null,
      { master: good.master },
      m({ irr: 256 }),
      m({ imr: -1 }),
      m({ isr: 1.5 }),
      m({ irqBase: 0x09 }),
      m({ initState: 3 }), // ICW4 step without IC4
      m({ initState: 16 }),
      m({ priorityAdd: 8 }),
      m({ poll: 1 }),
      m({ elcr: 0x00 }), // Xen's hidden cascade bit missing
      m({ elcr: 0x07 }), // IRQ0/1 cannot be level
      s({ elcr: 0x01 }), // IRQ8 cannot be level
      m({ intOutput: !good.master.intOutput }),
      s({ intOutput: true }),
      m({ inputs: 0 }), // requests set for inputs that are low
      m({ initState: 1, intOutput: true }), // Xen: INT low during initialization
    ];
    for (const st of bad) {
      expect(() => target.pic.restore(st), JSON.stringify(st)?.slice(0, 100)).toThrow(SnapshotError);
      expect(target.pic.snapshot()).toEqual(before);
    }
  });
});

type Op = { port: number; write: boolean; v: number; size: 1 | 2 | 4 } | { irq: number; level: boolean } | { inta: true };

const PORTS = [0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    port: fc.constantFrom(...PORTS),
    write: fc.boolean(),
    // Bias towards meaningful command bytes: ICW1, OCW2 and OCW3 forms.
    v: fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0x11, 0x13, 0x20, 0x60, 0xa0, 0xc0, 0xe0, 0x0a, 0x0b, 0x0c, 0x68, 0x48)),
    size: fc.constantFrom(1 as const, 1 as const, 2 as const, 4 as const),
  }),
  fc.record({ irq: fc.integer({ min: 0, max: 15 }), level: fc.boolean() }),
  fc.constant({ inta: true as const }),
);

describe('PIC properties', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: random traffic never throws; INTA never acknowledges a masked IRQ; state restorable`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
          const a = makePic(profile);
          const b = makePic(profile);
          for (const op of ops) {
            for (const r of [a, b]) {
              if ('port' in op) {
                if (op.write) r.ports.write(op.port, op.size, op.v);
                else {
                  const v = r.ports.read(op.port, op.size);
                  expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * op.size)).toBe(true);
                }
              } else if ('irq' in op) {
                r.irq(op.irq, op.level);
              } else {
                const m = r.pic.master;
                const s = r.pic.slave;
                const before = { mimr: m.imr, misr: m.isr, simr: s.imr, sisr: s.isr };
                const vec = r.pic.acknowledgeExtInt();
                expect(Number.isInteger(vec) && vec >= 0 && vec <= 0xff).toBe(true);
                // Any ISR bit newly set belongs to an unmasked IRQ (bad-inputs 19).
                const newM = m.isr & ~before.misr;
                const newS = s.isr & ~before.sisr;
                expect(newM & before.mimr).toBe(0);
                expect(newS & before.simr).toBe(0);
              }
            }
          }
          expect(b.pic.snapshot()).toEqual(a.pic.snapshot());
          // INT output is consistent with the registers, and the cascade with the slave.
          expect(a.pic.intOutput).toBe(a.edges.length > 0 ? a.edges[a.edges.length - 1] : false);
          const c = makePic(profile);
          c.pic.restore(JSON.parse(JSON.stringify(a.pic.snapshot())));
          expect(c.pic.snapshot()).toEqual(a.pic.snapshot());
        }),
        { numRuns: 200 },
      );
    });
  }

  it('a level-triggered IRR bit follows its line (bad-inputs 19)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.boolean(), fc.constant('eoi' as const), fc.constant('inta' as const)), { maxLength: 50 }), (steps) => {
        const r = makePic('xen');
        r.init();
        r.out(0x4d0, 0x20); // IRQ5 level
        let line = false;
        for (const st of steps) {
          if (st === 'eoi') r.out(0x20, 0x65);
          else if (st === 'inta') r.pic.acknowledgeExtInt();
          else {
            line = st;
            r.irq(5, st);
          }
          expect((r.pic.master.irr & 0x20) !== 0).toBe(line);
        }
      }),
      { numRuns: 200 },
    );
  });
});
