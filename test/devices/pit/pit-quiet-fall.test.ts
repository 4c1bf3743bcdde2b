// OUT0's fall as a quiet clock event (Timer.armQuietAt; issue 11's kicks): IRQ0 still falls at its
// exact time whenever the clock passes it, but VirtualClock.nextDeadline, what a host sleeps or kicks
// a vCPU for, skips it and names the rise after it. Differential: two platforms get the same random
// guest (PIT modes and counts, IO-APIC entries for IRQ0 edge / level / masked, 8259 ICWs, IMR and
// ELCR, LINT0 virtual wire or masked, an HPET timer wired-OR with IRQ0 on GSI 2, EOIs, reads); one
// runs from host deadline to host deadline (VirtualClock.runUntil), the other stops at every event,
// falls included, and takes interrupts at each stop. Every interrupt taken (vector and time), every
// read and the snapshots must be equal.
import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import type { Pit } from '../../../src/devices/pit/pit.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform } from '../../../src/platform/platform.js';
import { PROFILES } from '../../../src/platform/profiles.js';
import { PIT_CRYSTAL } from '../../../src/time/crystal.js';

type Op =
  | { k: 'pit'; control: number; count: number }
  | { k: 'pitByte'; value: number }
  | { k: 'rte'; pin: number; low: number }
  | { k: 'pic'; base: number }
  | { k: 'imr'; value: number }
  | { k: 'elcr'; value: number }
  | { k: 'lint0'; value: number }
  | { k: 'hpet'; conf: number; ticks: number }
  | { k: 'hpetOff' }
  | { k: 'run'; ns: number }
  | { k: 'eoi' }
  | { k: 'read' }
  | { k: 'snapshot' }
  | { k: 'restore' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('pit' as const),
      // modes 0-5 (6 and 7 alias 2 and 3), word access
      control: fc.constantFrom(0x30, 0x32, 0x34, 0x36, 0x38, 0x3a, 0x3c, 0x3e),
      count: fc.oneof(fc.integer({ min: 2, max: 600 }), fc.integer({ min: 600, max: 6000 }), fc.constantFrom(1, 0, 1193)),
    }),
  },
  // One byte to channel 0: half of a word (a count loaded later), or a new count while counting.
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pitByte' as const), value: fc.integer({ min: 0, max: 0xff }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('rte' as const),
      // QEMU's input 0 is pin 2; pin 0 too, for the Xen wiring's sake
      pin: fc.constantFrom(2, 2, 0),
      // vector, fixed or ExtINT, level, masked
      low: fc
        .tuple(fc.integer({ min: 0x30, max: 0xef }), fc.constantFrom(0, 0, 7), fc.boolean(), fc.boolean())
        .map(([v, mode, level, masked]) => v | (mode << 8) | (level ? 0x8000 : 0) | (masked ? 0x10000 : 0)),
    }),
  },
  // Not automatic EOI: with ELCR level it re-requests at every INTA (a storm, see take()).
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pic' as const), base: fc.constantFrom(0x20, 0x50, 0x68) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('imr' as const), value: fc.constantFrom(0x00, 0xfe, 0xff, 0xfa) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('elcr' as const), value: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('lint0' as const), value: fc.constantFrom(0x700, 0x10700, 0x8700) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('hpet' as const),
      // timer 0 on GSI 2: level or edge, periodic or not, INT_ENB
      conf: fc.tuple(fc.boolean(), fc.boolean()).map(([level, periodic]) => (level ? 2 : 0) | 4 | (periodic ? 0x48 : 0) | (2 << 9)),
      ticks: fc.integer({ min: 7000, max: 200_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'hpetOff' as const }) },
  {
    weight: 8,
    arbitrary: fc.record({ k: fc.constant('run' as const), ns: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 2_000_000 })) }),
  },
  { weight: 2, arbitrary: fc.constant({ k: 'eoi' as const }) },
  { weight: 3, arbitrary: fc.constant({ k: 'read' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'restore' as const }) },
);

type Stepping = 'host' | 'every-event';

/**
 * Runs `ops` on `p`, the clock stepped as `stepping` says, taking every interrupt at each stop and
 * after each access (as a VMM injects before each entry); returns everything a guest or host could
 * see, in order.
 */
function run(p: Platform, ops: readonly Op[], stepping: Stepping): unknown[] {
  const seen: unknown[] = [];
  const ctx = accessContext(0);
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  const w = (a: number, v: number) => p.mmio.write(a, 4, v >>> 0, ctx);
  const out = (port: number, v: number) => p.ports.write(port, 1, v);
  const inb = (port: number) => p.ports.read(port, 1);
  w(0xfee000f0, 0x1ff);
  // 8259 at 0x20/0x28, IO-APIC pin 2 → 0x30 edge, PIT mode 3 at 1 kHz.
  for (const [port, v] of [
    [0x20, 0x11],
    [0x21, 0x20],
    [0x21, 0x04],
    [0x21, 0x01],
    [0xa0, 0x11],
    [0xa1, 0x28],
    [0xa1, 0x02],
    [0xa1, 0x01],
  ] as const) {
    out(port, v);
  }
  w(0xfec00000, 0x14);
  w(0xfec00010, 0x30);
  out(0x43, 0x36);
  out(0x40, 0xa9);
  out(0x40, 0x04);
  let saved = p.snapshot();
  // The guest takes what is deliverable and EOIs only in an 'eoi' op: a level input held high then
  // re-requests once per EOI, not once per look (the looks differ between the two steppings; a
  // guest that EOIs a level interrupt it cannot clear would storm at whatever rate it looks).
  const take = (): void => {
    for (let n = 0; n < 16; n++) {
      const v = lapic.acknowledge();
      if (v === null) return;
      seen.push(['took', v, p.clock.now]);
    }
    seen.push(['storm', p.clock.now]);
  };
  take();
  for (const o of ops) {
    switch (o.k) {
      case 'pit':
        out(0x43, o.control);
        out(0x40, o.count & 0xff);
        out(0x40, o.count >> 8);
        break;
      case 'pitByte':
        out(0x40, o.value);
        break;
      case 'rte':
        w(0xfec00000, 0x11 + 2 * o.pin);
        w(0xfec00010, 0);
        w(0xfec00000, 0x10 + 2 * o.pin);
        w(0xfec00010, o.low);
        break;
      case 'pic':
        for (const [port, v] of [
          [0x20, 0x11],
          [0x21, o.base],
          [0x21, 0x04],
          [0x21, 0x01],
        ] as const) {
          out(port, v);
        }
        break;
      case 'imr':
        out(0x21, o.value);
        break;
      case 'elcr':
        out(0x4d0, o.value);
        break;
      case 'lint0':
        w(0xfee00350, o.value);
        break;
      case 'hpet':
        w(0xfed00100, o.conf);
        p.mmio.write64(0xfed00108, BigInt(o.ticks), ctx);
        p.mmio.write64(0xfed00108, BigInt(o.ticks), ctx);
        w(0xfed00010, 1);
        break;
      case 'hpetOff':
        w(0xfed00010, 0);
        break;
      case 'run': {
        const end = p.clock.now + o.ns;
        if (stepping === 'host') {
          p.clock.runUntil(end, take);
        } else {
          while (p.clock.now < end) {
            const next = p.clock.nextEventDeadline();
            p.clock.advanceTo(next === null || next > end ? end : Math.max(next, p.clock.now));
            take();
          }
        }
        break;
      }
      case 'eoi':
        w(0xfee000b0, 0);
        out(0x20, 0x20); // non-specific EOI to the 8259
        break;
      case 'read': {
        const r: number[] = [];
        out(0x43, 0xc2); // read-back: count and status of counter 0
        r.push(inb(0x40), inb(0x40), inb(0x40));
        out(0x43, 0x00); // counter latch
        r.push(inb(0x40), inb(0x40), inb(0x61) & 0x23);
        out(0x20, 0x0a); // OCW3: IRR
        r.push(inb(0x20), inb(0x21));
        out(0x20, 0x0b); // OCW3: ISR
        r.push(inb(0x20));
        for (const reg of [0x10, 0x14]) {
          w(0xfec00000, reg);
          r.push(p.mmio.read(0xfec00010, 4, ctx)); // remote IRR and delivery status
        }
        r.push(p.mmio.read(0xfed00020, 4, ctx)); // HPET status
        for (const off of [0x100, 0x200, 0x280, 0x80]) r.push(p.mmio.read(0xfee00000 + off, 4, ctx));
        seen.push(['read', p.clock.now, r]);
        break;
      }
      case 'snapshot':
        saved = p.snapshot();
        seen.push(['snapshot', JSON.stringify(saved)]);
        break;
      case 'restore':
        p.restore(saved);
        break;
    }
    // As a VMM before each entry: what the access made deliverable is taken at once.
    take();
  }
  seen.push(['end', p.clock.now, JSON.stringify(p.snapshot())]);
  return seen;
}

const XEN_OUT0 = {
  ...PROFILES['xen-hvm'],
  name: 'xen-hvm-irq0-out0',
  devices: { ...PROFILES['xen-hvm'].devices, pit: { ...PROFILES['xen-hvm'].devices.pit, irq0Pulse: 'out0' as const } },
};

describe("OUT0's fall is quiet: a host that wakes only for nextDeadline sees what one woken at every event sees", () => {
  for (const [name, profile] of [
    ['qemu-pc', 'qemu-pc'],
    ['xen-hvm with IRQ0 following OUT0', XEN_OUT0],
  ] as const) {
    it(`${name}: random PIT, IO-APIC, 8259, LINT0 and HPET programming; same interrupts, reads and snapshots`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 5, maxLength: 50 }), (ops) => {
          const host = run(createPlatform({ profile, vcpus: 1, ramBytes: 0 }), ops, 'host');
          const every = run(createPlatform({ profile, vcpus: 1, ramBytes: 0 }), ops, 'every-event');
          expect(host).toEqual(every);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('qemu-pc, mode 3 at 65536: the host is woken for the rises only; IRQ0 still falls at each exact time', () => {
    const p = createPlatform({ profile: 'qemu-pc', vcpus: 1, ramBytes: 0 });
    const pit = p.device<Pit>('pit');
    const irq: [number, boolean][] = [];
    pit.observeIrq((level) => irq.push([p.clock.now, level]));
    p.ports.write(0x43, 1, 0x36);
    p.ports.write(0x40, 1, 0);
    p.ports.write(0x40, 1, 0); // 65536: loaded at edge 1, low half from edge 32769, high again at 65537
    const wakes: number[] = [];
    p.clock.runUntil(190_000_000, () => wakes.push(p.clock.now));
    const edge = (n: number) => PIT_CRYSTAL.edgeTime(n);
    // The rises (and the end): never a fall.
    expect(wakes).toEqual([edge(1 + 65536), edge(1 + 2 * 65536), edge(1 + 3 * 65536), 190_000_000]);
    expect(irq).toEqual([
      [0, true], // the control word sets OUT0 high
      [edge(1 + 32768), false],
      [edge(1 + 65536), true],
      [edge(1 + 65536 + 32768), false],
      [edge(1 + 2 * 65536), true],
      [edge(1 + 2 * 65536 + 32768), false],
      [edge(1 + 3 * 65536), true],
    ]);
    // Stepping event by event still stops at the next fall.
    expect(p.clock.nextEventDeadline()).toBe(edge(1 + 3 * 65536 + 32768));
    expect(p.clock.nextDeadline()).toBe(edge(1 + 4 * 65536));
  });
});
