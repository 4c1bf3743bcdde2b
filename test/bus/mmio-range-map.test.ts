// The MMIO lookup table (src/bus/mmio-range-map.ts) against the simplest possible model: a list of
// ranges scanned in full. Random registrations, BAR-style moves and removals, at any size and
// anywhere in the 52-bit space (clustered so that ranges share 16-byte granules, 256-byte
// granules, pages and 64 KiB spans), then lookups at every range's edges and at random addresses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusOverlapError } from '../../src/bus/errors.js';
import { HOST_ACCESS } from '../../src/bus/access.js';
import { MAX_PHYS_ADDR, MmioBus } from '../../src/bus/mmio-bus.js';
import type { IoHandler } from '../../src/bus/handler.js';
import type { Region } from '../../src/bus/region.js';

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

type Op = { kind: 'add'; base: number; length: number } | { kind: 'move'; pick: number; base: number } | { kind: 'remove'; pick: number };

let added = 0;

/**
 * Applies `o` to the bus and to `live` (the model): an add or move onto a taken place must throw
 * BusOverlapError and change nothing. Each range reads as its own number (the count of adds, & 0xff).
 */
function apply(bus: MmioBus, live: Region[], o: Op): void {
  const clash = (base: number, length: number, self: Region | null) => live.some((x) => x !== self && x.base < base + length && x.end > base);
  if (o.kind === 'add') {
    const n = ++added & 0xff;
    const device: IoHandler = { read: () => n, write: () => undefined };
    if (clash(o.base, o.length, null)) expect(() => bus.register(o.base, o.length, device, { owner: 'x' })).toThrow(BusOverlapError);
    else live.push(bus.register(o.base, o.length, device, { owner: `r${n}` }));
    return;
  }
  if (live.length === 0) return;
  const r = live[o.pick % live.length]!;
  if (o.kind === 'remove') {
    r.remove();
    live.splice(live.indexOf(r), 1);
  } else if (o.base + r.length > MAX_PHYS_ADDR) {
  } else if (clash(o.base, r.length, r)) {
    const was = r.base;
    expect(() => r.move(o.base)).toThrow(BusOverlapError);
    expect(r.base).toBe(was);
  } else {
    r.move(o.base);
  }
}

/** Every address of `probes` and at every live range's edges finds the model's range, by lookup and by a read (the fast path). */
function check(bus: MmioBus, live: readonly Region[], probes: readonly number[]): void {
  const addrs = [...probes];
  for (const r of live) addrs.push(r.base - 1, r.base, r.base + 1, r.end - 1, r.end, r.base + Math.floor(r.length / 2));
  for (const a of addrs) {
    const want = model(live, a);
    expect(bus.regionAt(a)).toBe(want);
    if (a >= 0 && a < MAX_PHYS_ADDR) expect(bus.read(a, 1)).toBe(want === null ? 0xff : want.handler.read(0, 1, HOST_ACCESS));
  }
  expect(bus.list()).toEqual([...live].sort((x, y) => x.base - y.base));
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
            apply(bus, live, o.kind === 'add' ? { kind: 'add', base, length } : o.kind === 'move' ? { kind: 'move', pick: o.pick, base } : o);
          }
          check(bus, live, probes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('one 4 MiB span filling up with small ranges and emptying again (64 KiB entries, page nodes, the span mirror and its removal) agrees with the model', () => {
    // First 40-120 ranges of a page or less at random pages of half a span, so most of its 64 KiB
    // entries are shared (page nodes below) and the span gets its mirror; then random adds (some
    // covering whole 64 KiB entries), moves and removals; then removals down to a few ranges, so
    // the span loses its mirror again while ranges remain. Checked after each phase.
    const SPAN = 0xfe00_0000; // 4 MiB-aligned
    const at = (granules: number) =>
      fc
        .record({ granule: fc.integer({ min: 0, max: granules - 1 }), page: fc.integer({ min: 0, max: 15 }), offset: fc.constantFrom(0, 0x100, 0x800, 0xff0) })
        .map((a) => SPAN + a.granule * 0x1_0000 + a.page * 0x1000 + a.offset);
    const small = fc.constantFrom(0x10, 0x100, 0x400, 0x1000);
    const fill: fc.Arbitrary<Op[]> = fc.array(fc.record({ kind: fc.constant('add' as const), base: at(32), length: small }), { minLength: 40, maxLength: 120 });
    const spanOp: fc.Arbitrary<Op> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), base: at(64), length: fc.oneof(small, fc.integer({ min: 1, max: 0x3_0000 })) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), base: at(64) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
    );
    const probes = fc.array(fc.integer({ min: 0, max: 0x40_0000 }), { maxLength: 40 });
    fc.assert(
      fc.property(
        fill,
        fc.array(spanOp, { maxLength: 100 }),
        fc.integer({ min: 0, max: 12 }),
        fc.array(fc.nat()),
        probes,
        (first, then, keep, picks, offsets) => {
          const bus = new MmioBus();
          const live: Region[] = [];
          const addrs = [...offsets.map((p) => SPAN + p), ...Array.from({ length: 64 }, (_, g) => SPAN + g * 0x1_0000 + 0x80)];
          for (const o of first) apply(bus, live, o);
          check(bus, live, addrs);
          for (const o of then) apply(bus, live, o);
          check(bus, live, addrs);
          for (let k = 0; live.length > keep; k++) apply(bus, live, { kind: 'remove', pick: picks[k] ?? k });
          check(bus, live, addrs);
        },
      ),
      { numRuns: 100 },
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
