// MmioTlb (a vCPU's entry to the MMIO bus) against the bus it fronts: twin buses built and changed
// by the same random programme, one read and written through the vCPU's front-end, the other
// directly; every value, every device call and the bus's counters must agree.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext, type PortAccessSize } from '../../src/bus/access.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { MmioTlb } from '../../src/bus/mmio-tlb.js';
import type { Region } from '../../src/bus/region.js';
import { RecordingDevice } from './helpers.js';

const QEMU_MMIO = { widthPolicy: 'split', unclaimedRead: 'zero' } as const;

type Op =
  | { kind: 'access'; slot: number; original: boolean; offset: number; size: PortAccessSize; write: boolean; value: number; vcpu: number }
  | { kind: 'move'; slot: number; to: number }
  | { kind: 'remove'; slot: number }
  | { kind: 'trace'; on: boolean };

/** Region templates: address, length, registration options (sizes, aligned), or RAM. */
const TEMPLATES = [
  { base: 0xfee0_0000, length: 0x1000, opts: {} },
  { base: 0xfec0_0000, length: 0x20, opts: { sizes: 4, aligned: true } },
  { base: 0xfec0_0100, length: 0x100, opts: { sizes: 1 | 2 } }, // the same page as the one before
  { base: 0xfed0_0000, length: 0x400, opts: { sizes: 4 | 8 } },
  { base: 0x80_0000_0000, length: 0x3000, opts: {} }, // above 4 GiB, three pages
  { base: 0x1000, length: 0x2000, ram: true },
  { base: 0xfee0_1000 + 0x40_0000, length: 0x100, opts: {} }, // page number ≡ the LAPIC's modulo a small table
] as const;

function build(profile?: typeof QEMU_MMIO): { bus: MmioBus; regions: (Region | null)[]; devs: RecordingDevice[]; ram: Uint8Array } {
  const bus = new MmioBus(profile);
  const devs: RecordingDevice[] = [];
  const ram = new Uint8Array(0x2000).map((_, i) => i * 7);
  const regions = TEMPLATES.map((t, i) => {
    if ('ram' in t) return bus.addRam(t.base, ram);
    const d = new RecordingDevice(t.length, -1);
    devs[i] = d;
    return bus.register(t.base, t.length, d, { owner: `dev${i}`, ...t.opts });
  });
  return { bus, regions, devs, ram };
}

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('access' as const),
      slot: fc.integer({ min: 0, max: TEMPLATES.length }), // the last: an unclaimed address
      original: fc.boolean(), // the region's first address, where a stale entry would still point after a move or removal
      // Half the accesses at a few fixed offsets, so the same address is often used again after a
      // move or removal (a stale entry is then hit unless the table was emptied).
      offset: fc.oneof(fc.constantFrom(0, 0x10, 0xffc), fc.integer({ min: -4, max: 0x3004 })),
      size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<PortAccessSize>,
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 0xffff_ffff }),
      vcpu: fc.integer({ min: 0, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('move' as const), slot: fc.integer({ min: 0, max: TEMPLATES.length - 1 }), to: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), slot: fc.integer({ min: 0, max: TEMPLATES.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('trace' as const), on: fc.boolean() }) },
);

/** Where a move sends a region: free spots below and above 4 GiB, some in pages other regions used. */
const MOVE_TARGETS = [0xe000_0000, 0xfee0_0800, 0x90_0000_0000, 0x4_0000];

describe('MmioTlb', () => {
  it('property: reads, writes and device calls through it equal the bus’s, across moves, removals and tracing', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, qemu) => {
        const a = build(qemu ? QEMU_MMIO : undefined);
        const b = build(qemu ? QEMU_MMIO : undefined);
        const tlb = new MmioTlb(a.bus);
        const traces: [string[], string[]] = [[], []];
        for (const o of ops) {
          if (o.kind === 'access') {
            const template = TEMPLATES[o.slot];
            const base = template === undefined ? 0xd000_0000 : o.original ? template.base : (a.regions[o.slot]?.base ?? template.base);
            const addr = Math.max(0, base + o.offset);
            const ctx = accessContext(o.vcpu);
            if (o.write) {
              tlb.write(addr, o.size, o.value, ctx);
              b.bus.write(addr, o.size, o.value, ctx);
            } else {
              expect(tlb.read(addr, o.size, ctx), `read ${addr.toString(16)}/${o.size}`).toBe(b.bus.read(addr, o.size, ctx));
            }
          } else if (o.kind === 'move') {
            const to = MOVE_TARGETS[o.to]!;
            const ra = a.regions[o.slot];
            const rb = b.regions[o.slot];
            if (ra === null || rb === null || ra === undefined || rb === undefined) continue;
            let movedA = true;
            let movedB = true;
            try {
              ra.move(to);
            } catch {
              movedA = false;
            }
            try {
              rb.move(to);
            } catch {
              movedB = false;
            }
            expect(movedA).toBe(movedB);
          } else if (o.kind === 'remove') {
            a.regions[o.slot]?.remove();
            b.regions[o.slot]?.remove();
            a.regions[o.slot] = null;
            b.regions[o.slot] = null;
          } else {
            a.bus.setTrace(o.on ? (e) => traces[0].push(JSON.stringify(e)) : null);
            b.bus.setTrace(o.on ? (e) => traces[1].push(JSON.stringify(e)) : null);
          }
        }
        // Compared as JSON text: the same check, a fraction of deep equality's time.
        a.devs.forEach((d, i) => expect(JSON.stringify(d.log), `device ${i}`).toBe(JSON.stringify(b.devs[i]!.log)));
        // The first byte where the RAMs differ, -1 if none: vitest's deep equality over an 8 KiB
        // typed array took ~0.25 s per run (25 s for the 100 runs, past the test timeout).
        expect(a.ram.findIndex((v, i) => v !== b.ram[i])).toBe(-1);
        expect([a.bus.unclaimedAccesses, a.bus.rejectedAccesses]).toEqual([b.bus.unclaimedAccesses, b.bus.rejectedAccesses]);
        expect(traces[0].join('\n')).toBe(traces[1].join('\n'));
      }),
      { numRuns: 100 },
    );
  });

  it('calls the device at the region offset; a move or removal is seen at the next access', () => {
    const bus = new MmioBus();
    const dev = new RecordingDevice(0x100, -1);
    const region = bus.register(0xfeb0_0000, 0x100, dev, { owner: 'nic' });
    const tlb = new MmioTlb(bus);
    const ctx = accessContext(1);
    expect(tlb.read(0xfeb0_0010, 4, ctx)).toBe(0x13121110);
    expect(tlb.read(0xfeb0_0020, 2, ctx)).toBe(0x2120);
    region.move(0xfeb1_0000);
    expect(tlb.read(0xfeb0_0010, 4, ctx)).toBe(0xffff_ffff); // unclaimed now (Xen: all-ones)
    tlb.write(0xfeb1_0004, 1, 0xab, ctx);
    expect(dev.bytes[4]).toBe(0xab);
    region.remove();
    expect(tlb.read(0xfeb1_0004, 1, ctx)).toBe(0xff);
    expect(dev.log.map((l) => `${l.dir}${l.offset}/${l.size}@${l.vcpu}`)).toEqual(['r16/4@1', 'r32/2@1', 'w4/1@1']);
  });

  it('follows the bus when its per-region arrays grow: a region moved after 40 more were registered is not called at its old address', () => {
    const bus = new MmioBus();
    const first = new RecordingDevice(0x100, -1);
    const region = bus.register(0xfeb0_0000, 0x100, first, { owner: 'first' });
    const tlb = new MmioTlb(bus);
    expect(tlb.read(0xfeb0_0010, 1)).toBe(0x10);
    // 40 more regions: the bus's per-id records outgrow their first array (16 ids) and are replaced.
    const others = Array.from({ length: 40 }, (_, k) => {
      const d = new RecordingDevice(0x100, k);
      bus.register(0xd000_0000 + k * 0x1000, 0x100, d, { owner: `dev${k}` });
      return d;
    });
    for (let k = 0; k < 40; k++) expect(tlb.read(0xd000_0000 + k * 0x1000 + 8, 1)).toBe(k);
    // A move updates the new records only: a table still reading the old array would call the device at 0xfeb0_0010.
    region.move(0xfeb4_0000);
    expect(tlb.read(0xfeb0_0010, 1)).toBe(0xff);
    expect(tlb.read(0xfeb4_0011, 1)).toBe(0x11);
    expect(first.log.map((l) => l.offset)).toEqual([0x10, 0x11]);
    expect(others.every((d) => d.log.length === 1)).toBe(true);
  });

  it('two regions of one page used in turn: each access reaches its own region, before and after another registration', () => {
    const bus = new MmioBus();
    const a = new RecordingDevice(0x100, -1);
    const b = new RecordingDevice(0x100, 0x5a);
    bus.register(0xfeb0_0000, 0x100, a, { owner: 'a' });
    bus.register(0xfeb0_0200, 0x100, b, { owner: 'b' });
    const tlb = new MmioTlb(bus);
    expect(tlb.read(0xfeb0_0204, 1)).toBe(0x5a);
    expect(tlb.read(0xfeb0_0010, 1)).toBe(0x10); // a, in b's page
    expect(tlb.read(0xfeb0_0011, 1)).toBe(0x11);
    tlb.write(0xfeb0_0012, 1, 0x77);
    expect(tlb.read(0xfeb0_0012, 1)).toBe(0x77);
    expect(tlb.read(0xfeb0_0205, 1)).toBe(0x5a);
    bus.register(0xfeb1_0000, 0x100, new RecordingDevice(0x100), { owner: 'c' });
    expect(tlb.read(0xfeb0_0013, 1)).toBe(0x13);
    expect(tlb.read(0xfeb0_0014, 1)).toBe(0x14);
    expect(a.log.map((l) => `${l.dir}${l.offset.toString(16)}`)).toEqual(['r10', 'r11', 'w12', 'r12', 'r13', 'r14']);
  });
});
