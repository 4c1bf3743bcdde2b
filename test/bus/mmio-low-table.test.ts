// The bus's table of 64 KiB granules below 4 GiB (src/bus/mmio-low-table.ts), which the fast path
// reads before the range map: after random registrations, moves and removals, each granule's
// entry is 0 or the id of a live region touching it, with that id's handler beside it; a granule
// no region touches holds 0, and one a region covers whole holds that region's id (so the fast
// path is taken, not just harmless).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusOverlapError } from '../../src/bus/errors.js';
import { HOST_ACCESS } from '../../src/bus/access.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import type { IoHandler } from '../../src/bus/handler.js';
import type { Region } from '../../src/bus/region.js';

const G = 0x1_0000;
/** Granules 0xfdf0-0xfe0f and 0xfff0-0xffff: two windows, the second at the top of 4 GiB. */
const WINDOWS = [0xfdf0_0000, 0xfff0_0000];

const op = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    window: fc.nat(1),
    offset: fc.integer({ min: 0, max: 0x20_0000 }),
    length: fc.oneof(fc.integer({ min: 1, max: 0x300 }), fc.integer({ min: 1, max: 0x4_0000 })),
  }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), window: fc.nat(1), offset: fc.integer({ min: 0, max: 0x20_0000 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);

describe('MmioLowTable (through MmioBus)', () => {
  it('property: every granule names 0 or a live region touching it, with its handler; whole granules name their region', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const bus = new MmioBus();
        const live: Region[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const base = Math.min(WINDOWS[o.window]! + o.offset, 2 ** 32 - 1);
            const device: IoHandler = { read: () => ++n & 0xff, write: () => undefined };
            try {
              live.push(bus.register(base, o.length, device, { owner: `r${live.length}` }));
            } catch (e) {
              expect(e).toBeInstanceOf(BusOverlapError);
            }
          } else if (live.length > 0) {
            const r = live[o.pick % live.length]!;
            if (o.kind === 'remove') {
              r.remove();
              live.splice(live.indexOf(r), 1);
            } else {
              try {
                r.move(Math.min(WINDOWS[o.window]! + o.offset, 2 ** 32 - 1));
              } catch (e) {
                expect(e).toBeInstanceOf(BusOverlapError);
              }
            }
          }
        }
        const low = bus.lowTable;
        const idOf = new Map(live.map((r) => [bus.regionIdAt(r.base), r]));
        for (const w of WINDOWS) {
          for (let g = w / G; g < w / G + 0x30 && g < 0x1_0000; g++) {
            const touching = live.filter((r) => r.base < (g + 1) * G && r.end > g * G);
            const id = low.ids[g]!;
            if (touching.length === 0) expect(id).toBe(0);
            if (id !== 0) {
              const r = idOf.get(id);
              expect(r !== undefined && touching.includes(r)).toBe(true);
              expect(low.handlers[g]).toBe(r!.handler);
            }
            const whole = touching.find((r) => r.base <= g * G && r.end >= (g + 1) * G);
            if (whole !== undefined) expect(id).toBe(bus.regionIdAt(whole.base));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a 64 KiB range is served from its granule entry; moved, its old granule reads unclaimed', () => {
    const bus = new MmioBus();
    const seen: number[] = [];
    const dev: IoHandler = { read: (off) => (seen.push(off), 0x11), write: () => undefined };
    const r = bus.register(0xc000_0000, G, dev, { owner: 'bar' });
    expect(bus.lowTable.ids[0xc000]).toBe(bus.regionIdAt(0xc000_0000));
    expect(bus.read(0xc000_fffc, 4, HOST_ACCESS)).toBe(0x11);
    r.move(0xc002_0000);
    expect(bus.lowTable.ids[0xc000]).toBe(0);
    expect(bus.read(0xc000_fffc, 4, HOST_ACCESS)).toBe(0xffff_ffff);
    expect(bus.read(0xc002_0004, 4, HOST_ACCESS)).toBe(0x11);
    expect(seen).toEqual([0xfffc, 4]);
  });
});
