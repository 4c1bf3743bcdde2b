// The MMIO lookup table (src/bus/mmio-range-map.ts) against the simplest possible model: a list of
// ranges scanned in full. Random registrations, BAR-style moves and removals, at any size and
// anywhere in the 52-bit space (clustered so that ranges share 16-byte granules, 256-byte
// granules, pages and 64 KiB spans), then lookups at every range's edges and at random addresses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusOverlapError, MAX_PHYS_ADDR, MmioBus, type IoHandler, type Region } from '../../src/index.js';

const NULL_DEVICE: IoHandler = { read: () => 0x5a, write: () => undefined };

/** Addresses near a few cluster centres (below 4 GiB, across the 4 GiB line, near the top of the space). */
const CENTRES = [0, 0xfee0_0000, 0xffff_fff0, 0x1_0000_0000, 0x80_0000_0000, MAX_PHYS_ADDR - 0x2_0000];
const place = fc.record({
  centre: fc.constantFrom(...CENTRES),
  // Within one 64-byte line, within one page (the 256-byte and 16-byte sub-page levels), a few pages, anywhere.
  offset: fc.oneof(
    fc.integer({ min: 0, max: 0x40 }),
    fc.integer({ min: 0, max: 0x1000 }),
    fc.integer({ min: 0, max: 0x3_0000 }),
    fc.integer({ min: 0, max: 2 ** 34 }),
  ),
  length: fc.oneof(
    fc.integer({ min: 1, max: 24 }),
    fc.integer({ min: 1, max: 0x300 }),
    fc.integer({ min: 1, max: 0x2_0000 }),
    fc.integer({ min: 1, max: 2 ** 33 }),
  ),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), at: place }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), at: place }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);

function model(regions: readonly Region[], addr: number): Region | null {
  return regions.find((r) => addr >= r.base && addr < r.end) ?? null;
}

describe('MmioRangeMap (through MmioBus) agrees with a full scan', () => {
  it("after any sequence of registrations, moves and removals, every lookup finds the model's region", () => {
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 40 }),
        fc.array(fc.double({ min: 0, max: MAX_PHYS_ADDR + 10, noNaN: true }), { maxLength: 20 }),
        (ops, probes) => {
          const bus = new MmioBus();
          const live: Region[] = [];
          for (const o of ops) {
            const base = o.kind === 'remove' ? 0 : Math.min(o.at.centre + o.at.offset, MAX_PHYS_ADDR - 1);
            const length = o.kind === 'remove' ? 1 : Math.min(o.at.length, MAX_PHYS_ADDR - base);
            const clash = () => live.some((r) => r.base < base + length && r.end > base);
            if (o.kind === 'add') {
              if (clash()) expect(() => bus.register(base, length, NULL_DEVICE, { owner: 'x' })).toThrow(BusOverlapError);
              else live.push(bus.register(base, length, NULL_DEVICE, { owner: `r${live.length}` }));
            } else if (live.length > 0) {
              const r = live[o.pick % live.length]!;
              if (o.kind === 'remove') {
                r.remove();
                live.splice(live.indexOf(r), 1);
              } else if (base + r.length > MAX_PHYS_ADDR) {
              } else if (live.some((x) => x !== r && x.base < base + r.length && x.end > base)) {
                const was = r.base;
                expect(() => r.move(base)).toThrow(BusOverlapError);
                expect(r.base).toBe(was);
              } else {
                r.move(base);
              }
            }
          }
          const addrs = [...probes];
          for (const r of live) addrs.push(r.base - 1, r.base, r.base + 1, r.end - 1, r.end, r.base + Math.floor(r.length / 2));
          for (const a of addrs) expect(bus.regionAt(a)).toBe(model(live, a));
          expect(bus.list()).toEqual([...live].sort((a, b) => a.base - b.base));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('16-byte granules shared by several ranges, then emptied again, answer exactly', () => {
    const bus = new MmioBus();
    const rs = [0, 3, 5, 16, 17, 31].map((b, i) => bus.register(0x1000 + b, b === 5 ? 11 : 1, NULL_DEVICE, { owner: `r${i}` }));
    for (let a = 0xff0; a < 0x1030; a++) expect(bus.regionAt(a)).toBe(model(rs, a));
    rs[1]!.remove();
    rs[2]!.move(0x1_0000_0000 + 5);
    const live = [rs[0]!, rs[2]!, rs[3]!, rs[4]!, rs[5]!];
    for (const a of [0x1003, 0x1005, 0x100f, 0x1010, 0x1011, 0x101f, 0x1_0000_0004, 0x1_0000_0005, 0x1_0000_000f, 0x1_0000_0010]) {
      expect(bus.regionAt(a)).toBe(model(live, a));
    }
    for (const r of live) r.remove();
    expect(bus.list()).toEqual([]);
    for (let a = 0xff0; a < 0x1030; a++) expect(bus.regionAt(a)).toBe(null);
  });

  it('a page of 256-byte ranges (one sub-page node), split further by 16-byte ones, then emptied again', () => {
    const bus = new MmioBus();
    const rs = [0, 0x100, 0x300, 0xf00].map((o, i) => bus.register(0xfeb0_0000 + o, 0x100, NULL_DEVICE, { owner: `b${i}` }));
    rs.push(bus.register(0xfeb0_0210, 0x10, NULL_DEVICE, { owner: 'small' }), bus.register(0xfeb0_0228, 0x30, NULL_DEVICE, { owner: 'odd' }));
    const check = (live: readonly Region[]) => {
      for (let a = 0xfeaf_fff0; a < 0xfeb0_1010; a++) expect(bus.regionAt(a)).toBe(model(live, a));
    };
    check(rs);
    rs[4]!.remove();
    rs[1]!.move(0x1_0000_0200); // to a page of its own above 4 GiB
    check([rs[0]!, rs[2]!, rs[3]!, rs[5]!]);
    expect(bus.regionAt(0x1_0000_02ff)).toBe(rs[1]);
    for (const r of [rs[0]!, rs[1]!, rs[2]!, rs[3]!, rs[5]!]) r.remove();
    check([]);
    expect(bus.list()).toEqual([]);
  });

  it('a range covering most of the address space, and ranges inside the gap it leaves', () => {
    const bus = new MmioBus();
    const big = bus.register(0x1_0000, MAX_PHYS_ADDR - 0x2_0000, NULL_DEVICE, { owner: 'big' });
    const low = bus.register(0, 0x1_0000, NULL_DEVICE, { owner: 'low' });
    expect(() => bus.register(0x8000_0000_0000, 1, NULL_DEVICE, { owner: 'x' })).toThrow(BusOverlapError);
    expect(bus.regionAt(0xffff)).toBe(low);
    expect(bus.regionAt(0x1_0000)).toBe(big);
    expect(bus.regionAt(MAX_PHYS_ADDR - 0x1_0001)).toBe(big);
    expect(bus.regionAt(MAX_PHYS_ADDR - 0x1_0000)).toBe(null);
    expect(bus.regionAt(MAX_PHYS_ADDR)).toBe(null);
    big.remove();
    expect(bus.regionAt(0x8000_0000_0000)).toBe(null);
    expect(bus.regionAt(0)).toBe(low);
  });
});
