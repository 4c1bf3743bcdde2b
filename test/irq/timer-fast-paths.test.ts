// Differential property test of the timer interrupt path's shortcuts (src/irq/timer-fast-paths.ts):
// two platforms of one profile, one built with the shortcuts and one without, get the same random
// guest: routing changes (IO-APIC redirection entries, 8259 ICWs / masks / ELCR, HPET configuration,
// routes and legacy replacement, PIT modes and counts, LAPIC ID / LDR / DFR / TPR / LINT0 / enable)
// interleaved with clock advances, acknowledgements and EOIs. Every interrupt taken (vCPU, vector,
// time), every register read and the snapshots must be equal. The fabric's precomputed routes
// (src/irq/edge-route.ts) meet each of their invalidation triggers here: redirection entries,
// LAPIC ID/LDR/DFR/enable, x2APIC mode, INIT, restore, platform reset, another source on a shared
// GSI (the host's direct GSI lines beside the PIT and HPET), and a GSI observer added mid-run.
import 'reflect-metadata';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import type { Hpet } from '../../src/devices/hpet/hpet.js';
import type { Ioapic } from '../../src/devices/ioapic/ioapic.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import { timerFastPaths } from '../../src/irq/timer-fast-paths.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import type { Platform } from '../../src/platform/platform.js';

type Op =
  | { k: 'rte'; gsi: number; low: number; high: number }
  | { k: 'pic'; masterBase: number; slaveBase: number; autoEoi: boolean }
  | { k: 'imr'; chip: 0 | 1; value: number }
  | { k: 'elcr'; chip: 0 | 1; value: number }
  | { k: 'hpetConf'; timer: number; conf: number }
  | { k: 'hpetCmp'; timer: number; lo: number; hi: number }
  | { k: 'hpetGen'; value: number }
  | { k: 'pit'; control: number; count: number }
  | { k: 'lapic'; vcpu: number; offset: number; value: number }
  | { k: 'advance'; ns: number }
  | { k: 'takeAll' }
  | { k: 'take'; vcpu: number }
  | { k: 'read' }
  | { k: 'snapshot' }
  | { k: 'restore' }
  | { k: 'init'; vcpu: number }
  | { k: 'eoi'; vcpu: number }
  | { k: 'gsi'; gsi: number; level: boolean }
  | { k: 'x2apic'; vcpu: number; on: boolean }
  | { k: 'observe' }
  | { k: 'reset' }
  | { k: 'ioapicSave' }
  | { k: 'ioapicRestore' }
  | { k: 'ioapicReset' }
  | { k: 'hpetSave' }
  | { k: 'hpetRestore' }
  | { k: 'hpetReset' };

const GSIS = [0, 1, 2, 8, 20, 21, 22, 23];
const gsi = fc.constantFrom(...GSIS);
const vector = fc.integer({ min: 0x20, max: 0xff });

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('rte' as const),
      gsi,
      // vector, delivery mode fixed / lowest priority / ExtINT, logical, level, masked
      low: fc
        .tuple(vector, fc.constantFrom(0, 1, 7), fc.boolean(), fc.boolean(), fc.boolean())
        .map(([v, mode, logical, level, masked]) => v | (mode << 8) | (logical ? 0x800 : 0) | (level ? 0x8000 : 0) | (masked ? 0x10000 : 0)),
      high: fc.constantFrom(0, 1, 2, 3, 0xff).map((d) => (d << 24) >>> 0),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('pic' as const),
      masterBase: fc.constantFrom(0x20, 0x30),
      slaveBase: fc.constantFrom(0x28, 0x38),
      autoEoi: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('imr' as const), chip: fc.constantFrom(0 as const, 1 as const), value: fc.constantFrom(0, 0xfe, 0xfa, 0xff, 0x00) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('elcr' as const), chip: fc.constantFrom(0 as const, 1 as const), value: fc.constantFrom(0, 1, 0x20) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('hpetConf' as const),
      timer: fc.integer({ min: 0, max: 2 }),
      // LEVEL, INT_ENB, PERIODIC, VAL_SET, 32-bit, route
      conf: fc
        .tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.constantFrom(2, 8, 20, 21, 22, 23))
        .map(([level, en, per, vs, m32, route]) => (level ? 2 : 0) | (en ? 4 : 0) | (per ? 8 : 0) | (vs ? 0x40 : 0) | (m32 ? 0x100 : 0) | (route << 9)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('hpetCmp' as const),
      timer: fc.integer({ min: 0, max: 2 }),
      lo: fc.oneof(fc.integer({ min: 6250, max: 200_000 }), fc.constant(0xffff_fff0)),
      hi: fc.constantFrom(0, 0, 0, 1),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hpetGen' as const), value: fc.constantFrom(0, 1, 2, 3) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('pit' as const),
      control: fc.constantFrom(0x34, 0x36, 0x30, 0x32, 0x38),
      count: fc.oneof(fc.integer({ min: 2, max: 2000 }), fc.constant(1193), fc.constant(0)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('lapic' as const),
      vcpu: fc.integer({ min: 0, max: 1 }),
      offset: fc.constantFrom(0x20, 0x80, 0xd0, 0xe0, 0xf0, 0x350),
      value: fc.constantFrom(0, 0x1ff, 0xff, 0x700, 0x10700, 0x1000000, 0x2000000, 0xf0000000, 0x50, 0x0fffffff),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({ k: fc.constant('advance' as const), ns: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 3_000_000 })) }),
  },
  { weight: 5, arbitrary: fc.constant({ k: 'takeAll' as const }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('take' as const), vcpu: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'read' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'snapshot' as const }) },
  // The LAPIC's IRR/ISR summary is rebuilt by a restore and an INIT (they write the page directly).
  { weight: 1, arbitrary: fc.constant({ k: 'restore' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('init' as const), vcpu: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('eoi' as const), vcpu: fc.integer({ min: 0, max: 1 }) }) },
  // A second source on a GSI the timers use (wired-OR): the route must see the GSI's level, not the source's.
  { weight: 2, arbitrary: fc.record({ k: fc.constant('gsi' as const), gsi, level: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('x2apic' as const), vcpu: fc.integer({ min: 0, max: 1 }), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ k: 'observe' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reset' as const }) },
  // The IO-APIC alone saved, restored and reset (a platform restore or reset also moves the LAPICs).
  { weight: 1, arbitrary: fc.constant({ k: 'ioapicSave' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'ioapicRestore' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'ioapicReset' as const }) },
);

/** Runs `ops` on `p`; returns everything a guest or host could see, in order. */
function run(p: Platform, ops: readonly Op[]): unknown[] {
  const seen: unknown[] = [];
  const ctx = [accessContext(0), accessContext(1)];
  const lapics = p.vcpus.map((v) => v.devices.get('lapic') as Lapic);
  const w = (a: number, v: number, c = ctx[0]!) => p.mmio.write(a, 4, v >>> 0, c);
  // A starting point where every path is open: LAPICs on, GSI 2 and 20 routed, PIT and HPET at 1 kHz.
  w(0xfee000f0, 0x1ff);
  w(0xfee000f0, 0x1ff, ctx[1]);
  for (const [g, v] of [
    [2, 0x30],
    [20, 0x48],
  ] as const) {
    w(0xfec00000, 0x11 + 2 * g);
    w(0xfec00010, 0);
    w(0xfec00000, 0x10 + 2 * g);
    w(0xfec00010, v);
  }
  w(0xfed00100, 0x4c | (20 << 9));
  p.mmio.write64(0xfed00108, 62_500n, ctx[0]!);
  p.mmio.write64(0xfed00108, 62_500n, ctx[0]!);
  w(0xfed00010, 1);
  p.ports.write(0x43, 1, 0x34);
  p.ports.write(0x40, 1, 0xa9);
  p.ports.write(0x40, 1, 0x04);
  // Vectors pending and in service on both vCPUs in the first saved state, so a restore brings
  // some back (an 'eoi' op retires what is in service); then the run starts with 0x61 pending.
  for (const v of [0x61, 0x92]) lapics[0]!.setIrq(v, false);
  lapics[1]!.setIrq(0x71, true);
  lapics[0]!.acknowledge();
  lapics[1]!.acknowledge();
  let saved = p.snapshot();
  const ioapic = p.device<Ioapic>('ioapic0');
  let ioapicSaved = ioapic.snapshot();
  const hpet = p.device<Hpet>('hpet');
  let hpetSaved = hpet.snapshot();
  w(0xfee000b0, 0);
  w(0xfee000b0, 0, ctx[1]);
  const take = (vcpu: number): void => {
    const l = lapics[vcpu]!;
    for (let n = 0; n < 8; n++) {
      const v = l.takeInterrupt();
      if (v < 0) return;
      seen.push(['took', vcpu, v, p.clock.now]);
      // "No other": then nothing is deliverable before the EOI (asking changes nothing when it says no).
      if (!l.anotherPending) expect(l.hasPendingInterrupt()).toBe(false);
      w(0xfee000b0, 0, ctx[vcpu]);
    }
  };
  for (const o of ops) {
    switch (o.k) {
      case 'rte':
        w(0xfec00000, 0x11 + 2 * o.gsi);
        w(0xfec00010, o.high);
        w(0xfec00000, 0x10 + 2 * o.gsi);
        w(0xfec00010, o.low);
        break;
      case 'pic':
        // ICW1–ICW4 of both chips (the slave on IRQ 2), 8086 mode, optionally automatic EOI.
        for (const [port, value] of [
          [0x20, 0x11],
          [0x21, o.masterBase],
          [0x21, 0x04],
          [0x21, o.autoEoi ? 0x03 : 0x01],
          [0xa0, 0x11],
          [0xa1, o.slaveBase],
          [0xa1, 0x02],
          [0xa1, 0x01],
        ] as const) {
          p.ports.write(port, 1, value);
        }
        break;
      case 'imr':
        p.ports.write(o.chip === 0 ? 0x21 : 0xa1, 1, o.value);
        break;
      case 'elcr':
        p.ports.write(o.chip === 0 ? 0x4d0 : 0x4d1, 1, o.value);
        break;
      case 'hpetConf':
        w(0xfed00100 + 0x20 * o.timer, o.conf);
        break;
      case 'hpetCmp':
        p.mmio.write64(0xfed00108 + 0x20 * o.timer, (BigInt(o.hi) << 32n) | BigInt(o.lo), ctx[0]!);
        break;
      case 'hpetGen':
        w(0xfed00010, o.value);
        break;
      case 'pit':
        p.ports.write(0x43, 1, o.control);
        p.ports.write(0x40, 1, o.count & 0xff);
        p.ports.write(0x40, 1, o.count >> 8);
        break;
      case 'lapic':
        w(0xfee00000 + o.offset, o.value, ctx[o.vcpu]);
        break;
      case 'advance': {
        // A guest that takes each interrupt as it arrives: run from deadline to deadline.
        const end = p.clock.now + o.ns;
        for (let n = 0; n < 64 && p.clock.now < end; n++) {
          const next = p.clock.nextDeadline();
          p.clock.advanceTo(next === null || next > end ? end : Math.max(next, p.clock.now));
          take(0);
        }
        p.clock.advanceTo(end);
        break;
      }
      case 'takeAll':
        take(0);
        take(1);
        break;
      case 'take':
        take(o.vcpu);
        break;
      case 'read': {
        const r: number[] = [];
        for (let t = 0; t < 3; t++) {
          r.push(p.mmio.read(0xfed00108 + 0x20 * t, 4, ctx[0]!), p.mmio.read(0xfed0010c + 0x20 * t, 4, ctx[0]!));
        }
        r.push(p.mmio.read(0xfed000f0, 4, ctx[0]!), p.mmio.read(0xfed00020, 4, ctx[0]!));
        p.ports.write(0x43, 1, 0xe2); // read-back: status of counter 0
        r.push(p.ports.read(0x40, 1), p.ports.read(0x40, 1), p.ports.read(0x40, 1));
        p.ports.write(0x20, 1, 0x0a); // OCW3: read IRR
        r.push(p.ports.read(0x20, 1), p.ports.read(0x21, 1));
        p.ports.write(0x20, 1, 0x0b); // OCW3: read ISR
        r.push(p.ports.read(0x20, 1));
        for (let c = 0; c < 2; c++) {
          for (const off of [0x280, 0x80]) r.push(p.mmio.read(0xfee00000 + off, 4, ctx[c]!));
          // ISR, TMR and IRR, all eight words each (a route's vector lands in IRR/TMR words 1–7)
          for (let word = 0; word < 8; word++) for (const map of [0x100, 0x180, 0x200]) r.push(lapics[c]!.regs[(map >>> 4) + word]!);
        }
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
      case 'eoi':
        w(0xfee000b0, 0, ctx[o.vcpu]);
        break;
      case 'init':
        // INIT IPI from vCPU 0 (physical destination = the vCPU's reset APIC ID).
        w(0xfee00310, o.vcpu << 24);
        w(0xfee00300, 0x4500);
        break;
      case 'gsi':
        p.irq.setGsiDirect(o.gsi, o.level);
        break;
      case 'x2apic':
        // IA32_APIC_BASE: xAPIC → x2APIC (EXTD) changes the APIC ID and LDR; back needs a disable first.
        if (o.on) lapics[o.vcpu]!.writeApicBase(0xfee00c00n | (o.vcpu === 0 ? 0x100n : 0n));
        else {
          lapics[o.vcpu]!.writeApicBase(o.vcpu === 0 ? 0x100n : 0n);
          lapics[o.vcpu]!.writeApicBase(0xfee00800n | (o.vcpu === 0 ? 0x100n : 0n));
        }
        break;
      case 'observe':
        p.irq.observeGsi((g, level) => seen.push(['gsi', g, level, p.clock.now]));
        break;
      case 'reset':
        p.reset();
        break;
      case 'ioapicSave':
        ioapicSaved = ioapic.snapshot();
        break;
      case 'ioapicRestore':
        ioapic.restore(ioapicSaved);
        break;
      case 'ioapicReset':
        ioapic.reset();
        break;
      case 'hpetSave':
        hpetSaved = hpet.snapshot();
        break;
      case 'hpetRestore':
        hpet.restore(hpetSaved);
        break;
      case 'hpetReset':
        hpet.reset();
        break;
    }
  }
  seen.push(['end', JSON.stringify(p.snapshot())]);
  return seen;
}

function platformWith(fast: boolean, profile: 'xen-hvm' | 'qemu-pc'): Platform {
  timerFastPaths.enabled = fast;
  try {
    return createPlatform({ profile, vcpus: 2, ramBytes: 0 });
  } finally {
    timerFastPaths.enabled = true;
  }
}

describe('the timer interrupt shortcuts change nothing a guest or host sees', () => {
  afterEach(() => {
    timerFastPaths.enabled = true;
  });

  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: random routing changes, advances, acknowledgements and EOIs; same deliveries, reads and snapshots`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 5, maxLength: 60 }), (ops) => {
          const fast = run(platformWith(true, profile), ops);
          const slow = run(platformWith(false, profile), ops);
          expect(fast).toEqual(slow);
        }),
        { numRuns: 40 },
      );
    });
  }

  // Each trigger that must rebuild a route, alone (the random runs above mix them, and any one of
  // them rebuilds every route): the same deliveries with and without the shortcuts.
  const adv = (ns: number): Op => ({ k: 'advance', ns });
  const lapicW = (vcpu: number, offset: number, value: number): Op => ({ k: 'lapic', vcpu, offset, value });
  const triggers: Record<string, Op[]> = {
    'an APIC ID change': [adv(1_500_000), lapicW(0, 0x20, 0x2000000), adv(3_000_000), lapicW(1, 0x20, 0), adv(3_000_000)],
    'an LDR change': [
      { k: 'rte', gsi: 20, low: 0x848, high: 0x01000000 },
      lapicW(0, 0xd0, 0x1000000),
      adv(2_500_000),
      lapicW(0, 0xd0, 0x2000000),
      adv(2_500_000),
      lapicW(1, 0xd0, 0x1000000),
      adv(2_500_000),
    ],
    'a DFR change': [
      { k: 'rte', gsi: 20, low: 0x848, high: 0x11000000 },
      lapicW(0, 0xd0, 0x11000000),
      adv(2_500_000),
      lapicW(0, 0xe0, 0x0fffffff),
      adv(2_500_000),
    ],
    'x2APIC mode': [{ k: 'rte', gsi: 20, low: 0x48, high: 0x01000000 }, adv(1_500_000), { k: 'x2apic', vcpu: 1, on: true }, adv(2_500_000)],
    'a LAPIC software disable and enable': [adv(1_500_000), lapicW(0, 0xf0, 0xff), adv(2_500_000), lapicW(0, 0xf0, 0x1ff), adv(2_500_000)],
    'an INIT': [{ k: 'rte', gsi: 20, low: 0x848, high: 0x01000000 }, lapicW(1, 0xd0, 0x1000000), adv(1_500_000), { k: 'init', vcpu: 1 }, adv(2_500_000)],
    'the IO-APIC restored alone': [{ k: 'ioapicSave' }, { k: 'rte', gsi: 20, low: 0x10048, high: 0 }, adv(2_500_000), { k: 'ioapicRestore' }, adv(2_500_000)],
    'the IO-APIC reset alone': [adv(1_500_000), { k: 'ioapicReset' }, adv(2_500_000), { k: 'rte', gsi: 20, low: 0x49, high: 0 }, adv(2_500_000)],
    'a platform restore': [{ k: 'snapshot' }, { k: 'rte', gsi: 20, low: 0x10048, high: 0 }, adv(2_500_000), { k: 'restore' }, adv(2_500_000)],
    'another source on the GSI': [adv(1_500_000), { k: 'gsi', gsi: 20, level: true }, adv(2_500_000), { k: 'gsi', gsi: 20, level: false }, adv(2_500_000)],
    'a GSI observer added': [adv(1_500_000), { k: 'observe' }, adv(2_500_000)],
    // Not routed: a level entry's Remote-IRR holds the next edge until the EOI.
    'a level-triggered entry': [
      adv(1_500_000),
      { k: 'rte', gsi: 20, low: 0x8048, high: 0 },
      adv(2_500_000),
      { k: 'read' },
      { k: 'eoi', vcpu: 0 },
      adv(2_500_000),
    ],
  };
  for (const [name, ops] of Object.entries(triggers)) {
    it(`a route follows ${name}`, () => {
      const fast = run(platformWith(true, 'xen-hvm'), ops);
      const slow = run(platformWith(false, 'xen-hvm'), ops);
      expect(fast).toEqual(slow);
    });
  }

  // The acknowledgement's table of sources by vector (src/platform/timer-acks.ts) after each change
  // that moves a tick's vector while the tick is outstanding: the PIT's ticks come with 0x90 and are
  // taken (each acknowledgement brings the table up to date), TPR 0x80 holds the HPET's tick (0x48,
  // GSI 20) in IRR, the change comes, then the guest takes 0x48. Taken with the old vector, the tick
  // is no longer the timer's (Xen's is_pt_irq), so its missed-tick state (in the snapshots) stays.
  const held = (change: Op[]): Op[] => [
    { k: 'rte', gsi: 2, low: 0x90, high: 0 },
    lapicW(0, 0x80, 0x80),
    adv(2_500_000),
    ...change,
    lapicW(0, 0x80, 0),
    { k: 'takeAll' },
    adv(2_500_000),
  ];
  const tickMoves: Record<string, Op[]> = {
    "an HPET timer's route": held([{ k: 'hpetConf', timer: 0, conf: 0x4c | (22 << 9) }]),
    'HPET legacy replacement': held([{ k: 'hpetGen', value: 3 }]),
    'HPET legacy replacement ending': [{ k: 'hpetGen', value: 3 }, ...held([{ k: 'hpetGen', value: 1 }])],
    "the entry's vector": held([{ k: 'rte', gsi: 20, low: 0x49, high: 0 }]),
    'the IO-APIC restored alone': [{ k: 'ioapicSave' }, { k: 'rte', gsi: 20, low: 0x49, high: 0 }, ...held([{ k: 'ioapicRestore' }])],
    'the IO-APIC reset alone': held([{ k: 'ioapicReset' }]),
    'the HPET restored alone': [
      { k: 'hpetSave' },
      { k: 'hpetConf', timer: 0, conf: 0x4c | (21 << 9) },
      { k: 'rte', gsi: 21, low: 0x49, high: 0 },
      ...held([{ k: 'hpetRestore' }]),
    ],
    'the HPET reset alone': held([{ k: 'hpetReset' }]),
    'a platform restore': [
      { k: 'snapshot' },
      { k: 'rte', gsi: 20, low: 0x49, high: 0 },
      { k: 'hpetConf', timer: 0, conf: 0x4c | (21 << 9) },
      ...held([{ k: 'restore' }]),
    ],
    'a platform reset': held([{ k: 'reset' }]),
  };
  for (const [name, ops] of Object.entries(tickMoves)) {
    it(`the acknowledgement follows ${name}`, () => {
      const fast = run(platformWith(true, 'xen-hvm'), ops);
      const slow = run(platformWith(false, 'xen-hvm'), ops);
      expect(fast).toEqual(slow);
    });
  }

  it('a periodic HPET timer fired many times reads back the same comparator either way (the match path counts in numbers)', () => {
    const ops: Op[] = [
      { k: 'advance', ns: 2_500_000 },
      { k: 'read' },
      { k: 'hpetConf', timer: 0, conf: 0x14c | (20 << 9) },
      { k: 'advance', ns: 3_000_000 },
      { k: 'read' },
    ];
    const fast = run(platformWith(true, 'xen-hvm'), ops);
    const slow = run(platformWith(false, 'xen-hvm'), ops);
    expect(fast).toEqual(slow);
    // The comparator after 2 full periods of 62,500 ticks (16 ns) past the first match at 62,500.
    const firstRead = fast.find((e) => Array.isArray(e) && e[0] === 'read') as [string, number, number[]];
    expect(firstRead[2][0]).toBe(62_500 * 3);
    expect(fast.filter((e) => Array.isArray(e) && e[0] === 'took').length).toBeGreaterThan(4);
  });
});
