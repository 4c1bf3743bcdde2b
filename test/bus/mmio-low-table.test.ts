// The bus's table in front of the range map (src/bus/mmio-low-table.ts: 64 KiB granules modulo
// 4 GiB, then blocks of pages and of 256-byte units). After random registrations, moves and
// removals, in windows of which two share slots (4 GiB apart), the entry an address finds is 0 or
// the id of a live region touching its slot, with that region's handler and bounds beside it; a slot no region
// touches finds 0, one a region covers whole (and nothing else touches) finds that region. With
// registrations only, every 256-byte unit exactly one region touches finds that region (so the
// fast path is taken, not just harmless).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusOverlapError } from '../../src/bus/errors.js';
import { HOST_ACCESS } from '../../src/bus/access.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import type { IoHandler } from '../../src/bus/handler.js';
import type { Region } from '../../src/bus/region.js';
import type { PortAccessSize } from '../../src/bus/access.js';
import { RecordingDevice } from './helpers.js';

const G = 0x1_0000;
/** Windows of 4 granules: at the top of 4 GiB, and two that share their slots (4 GiB apart). */
const WINDOWS = [0xfffc_0000, 0xfdfe_0000, 0x5_fdfe_0000];
const SPAN = 0x4_0000;

const at = fc.record({
  window: fc.nat(1),
  offset: fc.oneof(
    fc.integer({ min: 0, max: SPAN }),
    fc.integer({ min: 0, max: 0x40 }).map((x) => x * 0x100),
  ),
});
const length = fc.oneof(fc.integer({ min: 1, max: 0x300 }), fc.constantFrom(0x100, 0x200, 0x1000), fc.integer({ min: 1, max: 0x4_0000 }));
/** Registration options: every size, dword only, bytes and words, dword only and aligned. */
const OPTIONS = [{}, { sizes: 4 }, { sizes: 1 | 2 }, { sizes: 4, aligned: true }] as const;
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), at, length, opts: fc.nat(OPTIONS.length - 1) }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), at }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const where = (a: { window: number; offset: number }) => WINDOWS[a.window]! + a.offset;

function run(ops: readonly Op[], devices?: RecordingDevice[]): { bus: MmioBus; live: Region[] } {
  const bus = new MmioBus();
  const live: Region[] = [];
  let n = 0;
  for (const o of ops) {
    try {
      if (o.kind === 'add') {
        const device: IoHandler = devices !== undefined ? new RecordingDevice(o.length, -1) : { read: () => ++n & 0xff, write: () => undefined };
        live.push(bus.register(where(o.at), o.length, device, { owner: `r${live.length}`, ...OPTIONS[o.opts] }));
        devices?.push(device as RecordingDevice);
      } else if (live.length > 0) {
        const r = live[o.pick % live.length]!;
        if (o.kind === 'remove') {
          r.remove();
          live.splice(live.indexOf(r), 1);
        } else {
          r.move(where(o.at));
        }
      }
    } catch (e) {
      expect(e).toBeInstanceOf(BusOverlapError);
    }
  }
  return { bus, live };
}

/** Every 256-byte unit of the windows: the entry it finds, the regions touching its slot (any window) and the unit. */
function* units(bus: MmioBus, live: readonly Region[]) {
  const low = bus.lowTable;
  for (const w of WINDOWS) {
    for (let g = w / G; g < (w + SPAN) / G; g++) {
      // Every live region touching this granule's slot, in any window.
      const inSlot = live.filter((r) => slots(r).has(g % 0x1_0000));
      // Only this window's regions there: no other window's update can have taken the slot.
      const alone = inSlot.every((r) => r.base < (g + 1) * G && r.end > g * G);
      for (let a = g * G; a < (g + 1) * G; a += 0x100) {
        const i = low.find(a);
        const inUnit = live.filter((r) => r.base < a + 0x100 && r.end > a);
        yield { g, id: low.idAt(i), handler: low.handlers[i], bounds: [low.bounds[2 * i]!, low.bounds[2 * i + 1]!], inSlot, alone, inUnit };
      }
    }
  }
}

/** The slots (granules modulo 4 GiB) a region touches. */
function slots(r: Region): Set<number> {
  const out = new Set<number>();
  for (let g = Math.floor(r.base / G); g * G < r.end; g++) out.add(g % 0x1_0000);
  return out;
}

describe('MmioLowTable (through MmioBus)', () => {
  it('property: an address finds 0 or a live region touching its slot, with its handler; whole granules find their region', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const { bus, live } = run(ops);
        const byId = new Map(live.map((r) => [bus.regionIdAt(r.base), r]));
        for (const u of units(bus, live)) {
          if (u.inSlot.length === 0) expect(u.id).toBe(0);
          if (u.id !== 0) {
            const r = byId.get(u.id);
            expect(r !== undefined && u.inSlot.includes(r)).toBe(true);
            expect(u.handler).toBe(r!.handler);
            // The fast path's check reads the region's bounds beside the entry, not its record.
            expect(u.bounds).toEqual([r!.base, r!.end]);
          } else {
            expect(u.bounds).toEqual([0, 0]);
          }
          const whole = u.inSlot.find((r) => r.base <= u.g * G && r.end >= (u.g + 1) * G);
          if (whole !== undefined && u.inSlot.length === 1) expect(u.id).toBe(bus.regionIdAt(whole.base));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('property: with registrations only, a 256-byte unit exactly one region touches finds that region', () => {
    const add = op.filter((o) => o.kind === 'add');
    fc.assert(
      fc.property(fc.array(add, { minLength: 1, maxLength: 40 }), (ops) => {
        const { bus, live } = run(ops);
        for (const u of units(bus, live)) if (u.inUnit.length === 1 && u.alone) expect(u.id).toBe(bus.regionIdAt(u.inUnit[0]!.base));
      }),
      { numRuns: 30 },
    );
  });

  it('256-byte ranges 512 bytes apart are each found at the 256-byte level; a move and a removal are seen there', () => {
    const bus = new MmioBus();
    const devs = Array.from({ length: 256 }, (_, k): IoHandler => ({ read: () => k, write: () => undefined }));
    const rs = devs.map((d, k) => bus.register(0xd000_0000 + k * 0x200, 0x100, d, { owner: `d${k}` }));
    const low = bus.lowTable;
    for (let k = 0; k < 256; k++) {
      const i = low.find(0xd000_0000 + k * 0x200 + 0x80);
      expect(low.idAt(i)).toBe(bus.regionIdAt(rs[k]!.base));
      expect(low.handlers[i]).toBe(devs[k]);
      expect(bus.read(0xd000_0000 + k * 0x200 + 0xfc, 4, HOST_ACCESS)).toBe(k);
      expect(low.idAt(low.find(0xd000_0000 + k * 0x200 + 0x180))).toBe(0);
    }
    rs[3]!.move(0xd000_0700);
    rs[5]!.remove();
    expect(low.idAt(low.find(0xd000_0600))).toBe(0);
    expect(low.idAt(low.find(0xd000_0a00))).toBe(0);
    expect(low.handlers[low.find(0xd000_0700)]).toBe(devs[3]);
    expect(bus.read(0xd000_0700, 1, HOST_ACCESS)).toBe(3);
    expect(bus.read(0xd000_0a00, 1, HOST_ACCESS)).toBe(0xff);
  });

  it('blocks are reused: registering and removing 4,000 small ranges ten times does not grow the table', () => {
    const bus = new MmioBus();
    const dev: IoHandler = { read: () => 1, write: () => undefined };
    const sizes: number[] = [];
    for (let round = 0; round < 10; round++) {
      const rs = Array.from({ length: 4000 }, (_, k) => bus.register(0xd000_0000 + k * 0x200 + round * 0x10, 0x100, dev, { owner: `d${k}` }));
      sizes.push(bus.lowTable.entries.length);
      for (const r of rs) r.remove();
      for (let g = 0xd000; g < 0xd020; g++) expect(bus.lowTable.idAt(g)).toBe(0);
    }
    expect(new Set(sizes).size).toBe(1);
  });

  it('a 64 KiB range is served from its granule entry; moved, its old granule reads unclaimed', () => {
    const bus = new MmioBus();
    const seen: number[] = [];
    const dev: IoHandler = { read: (off) => (seen.push(off), 0x11), write: () => undefined };
    const r = bus.register(0xc000_0000, G, dev, { owner: 'bar' });
    expect(bus.lowTable.idAt(0xc000)).toBe(bus.regionIdAt(0xc000_0000));
    expect(bus.read(0xc000_fffc, 4, HOST_ACCESS)).toBe(0x11);
    r.move(0xc002_0000);
    expect(bus.lowTable.idAt(0xc000)).toBe(0);
    expect(bus.read(0xc000_fffc, 4, HOST_ACCESS)).toBe(0xffff_ffff);
    expect(bus.read(0xc002_0004, 4, HOST_ACCESS)).toBe(0x11);
    expect(seen).toEqual([0xfffc, 4]);
  });

  it('property: reads and writes through the table equal the range map walk’s on a twin bus (values, device calls, counters)', () => {
    // Half the accesses at a live region's first or last bytes (where a wrong bound shows), half anywhere.
    const access = fc.record({
      at: fc.option(at, { freq: 2 }),
      pick: fc.nat(),
      end: fc.boolean(),
      delta: fc.integer({ min: -4, max: 4 }),
      size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<PortAccessSize>,
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), fc.array(access, { maxLength: 80 }), (ops, accesses) => {
        const devsA: RecordingDevice[] = [];
        const devsB: RecordingDevice[] = [];
        const { bus: a, live } = run(ops, devsA);
        const b = run(ops, devsB).bus;
        // The twin's general path: the range map's walk, which never reads the bus's table.
        const walk = b as unknown as {
          readWalk(addr: number, size: PortAccessSize, ctx: typeof HOST_ACCESS): number;
          writeWalk(addr: number, size: PortAccessSize, value: number, ctx: typeof HOST_ACCESS): void;
        };
        for (const x of accesses) {
          const r = live[x.pick % Math.max(1, live.length)];
          const near = x.at !== null || r === undefined ? where(x.at ?? { window: 0, offset: 0 }) : x.end ? r.end : r.base;
          const addr = Math.max(0, near + x.delta);
          if (x.write) {
            a.write(addr, x.size, x.value, HOST_ACCESS);
            walk.writeWalk(addr, x.size, x.value, HOST_ACCESS);
          } else {
            expect(a.read(addr, x.size, HOST_ACCESS), `read ${addr.toString(16)}/${x.size}`).toBe(walk.readWalk(addr, x.size, HOST_ACCESS));
          }
        }
        expect(devsA.map((d) => JSON.stringify(d.log))).toEqual(devsB.map((d) => JSON.stringify(d.log)));
        expect([a.unclaimedAccesses, a.rejectedAccesses]).toEqual([b.unclaimedAccesses, b.rejectedAccesses]);
      }),
      { numRuns: 60 },
    );
  });
});
