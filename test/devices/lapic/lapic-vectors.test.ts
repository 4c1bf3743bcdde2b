// LapicVectors' summary words (issue 14, sixth pass): the highest pending / in-service vector, the
// PPR and EOI's retirement through the summary must equal a scan of the eight words after any mix
// of requests, INTAs, EOIs, TPR writes, direct clears of the page (the summary drops a word found
// empty) and direct sets followed by resync.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LapicVectors } from '../../../src/devices/lapic/lapic-vectors.js';
import { REG_SLOTS } from '../../../src/devices/lapic/registers.js';

// Register page slots (offset >> 4): TPR, ISR0, TMR0, IRR0.
const Reg = { Tpr: 0x08, Isr0: 0x10, Tmr0: 0x18, Irr0: 0x20 } as const;

function scan(page: Uint32Array, base: number): number {
  for (let w = 7; w >= 0; w--) if (page[base + w] !== 0) return (w << 5) + 31 - Math.clz32(page[base + w]!);
  return -1;
}

type Op =
  | { k: 'request'; v: number; level: boolean }
  | { k: 'accept' }
  | { k: 'eoi' }
  | { k: 'tpr'; value: number }
  | { k: 'clearWord'; base: number; w: number }
  | { k: 'plant'; base: number; v: number };

const vec = fc.integer({ min: 16, max: 255 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('request' as const), v: vec, level: fc.boolean() }) },
  { weight: 3, arbitrary: fc.constant({ k: 'accept' as const }) },
  { weight: 3, arbitrary: fc.constant({ k: 'eoi' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('tpr' as const), value: fc.integer({ min: 0, max: 0xff }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('clearWord' as const), base: fc.constantFrom(Reg.Irr0, Reg.Isr0), w: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('plant' as const), base: fc.constantFrom(Reg.Irr0, Reg.Isr0, Reg.Tmr0), v: vec }) },
);

describe('LapicVectors summary words', () => {
  it('answer exactly what a scan of the page answers', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const page = new Uint32Array(REG_SLOTS);
        const vectors = new LapicVectors(page);
        for (const o of ops) {
          switch (o.k) {
            case 'request':
              vectors.request(o.v, o.level);
              break;
            case 'accept': {
              const v = vectors.deliverable();
              const irr = scan(page, Reg.Irr0);
              const isr = scan(page, Reg.Isr0);
              const ppr = Math.max(page[Reg.Tpr]! & 0xf0, isr < 0 ? 0 : isr & 0xf0);
              expect(v).toBe(irr >= 0 && (irr & 0xf0) > ppr ? irr : -1);
              if (v >= 0) vectors.accept(v);
              break;
            }
            case 'eoi': {
              const isr = scan(page, Reg.Isr0);
              const level = isr >= 0 && (page[Reg.Tmr0 + (isr >>> 5)]! & (1 << (isr & 31))) !== 0;
              expect(vectors.retireHighest()).toBe(level ? isr : -1);
              expect(isr < 0 || (page[Reg.Isr0 + (isr >>> 5)]! & (1 << (isr & 31))) === 0).toBe(true);
              break;
            }
            case 'tpr':
              page[Reg.Tpr] = o.value;
              break;
            case 'clearWord':
              page[o.base + o.w] = 0;
              break;
            case 'plant':
              page[o.base + (o.v >>> 5)] = (page[o.base + (o.v >>> 5)]! | (1 << (o.v & 31))) >>> 0;
              vectors.resync();
              break;
          }
          expect(vectors.highest(Reg.Irr0)).toBe(scan(page, Reg.Irr0));
          expect(vectors.highest(Reg.Isr0)).toBe(scan(page, Reg.Isr0));
          expect(vectors.highest(Reg.Tmr0)).toBe(scan(page, Reg.Tmr0));
          const isr = scan(page, Reg.Isr0);
          const tpr = page[Reg.Tpr]!;
          expect(vectors.ppr()).toBe((tpr & 0xf0) >= ((isr < 0 ? 0 : isr) & 0xf0) ? tpr : (isr < 0 ? 0 : isr) & 0xf0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an INTA with nothing requested finds nothing, and a vector set behind its back is seen after resync', () => {
    const page = new Uint32Array(REG_SLOTS);
    const vectors = new LapicVectors(page);
    expect(vectors.deliverable()).toBe(-1);
    page[Reg.Irr0 + 2] = 1; // vector 0x40, planted directly
    expect(vectors.deliverable()).toBe(-1); // not yet known to the summary
    vectors.resync();
    expect(vectors.deliverable()).toBe(0x40);
    vectors.accept(0x40);
    expect(page[Reg.Irr0 + 2]).toBe(0);
    expect(page[Reg.Isr0 + 2]).toBe(1);
    expect(vectors.ppr()).toBe(0x40);
    expect(vectors.retireHighest()).toBe(-1);
    expect(vectors.ppr()).toBe(0);
  });
});
