// Property (issue 10, item 13): coalescing the tail of an advance that exceeds its event budget
// never changes what the guest can observe. Random timer rates, modes and steps; the guest takes
// interrupts and reads status between steps; a platform with a tiny budget and one that fires every
// event one by one must give the same reads and the same snapshot after every step.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import type { Platform } from '../../src/platform/platform.js';

const HPET = 0xfed00000;
const CPU = (vcpu: number) => ({ vcpu, stringOp: false });

interface Setup {
  tmict: number[];
  lapicMode: number[]; // 0 one-shot, 1 periodic
  hpetPeriod: number[];
  hpetLevel: boolean[];
  pitMode: number;
  pitCount: number;
  rtcRate: number;
  steps: number[];
  takes: number[];
}

const setupArb: fc.Arbitrary<Setup> = fc.record({
  tmict: fc.array(fc.integer({ min: 300, max: 5000 }), { minLength: 2, maxLength: 2 }),
  lapicMode: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 2 }),
  hpetPeriod: fc.array(fc.integer({ min: 60, max: 3000 }), { minLength: 3, maxLength: 3 }),
  hpetLevel: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  pitMode: fc.constantFrom(0, 2, 3),
  pitCount: fc.integer({ min: 4, max: 3000 }),
  rtcRate: fc.integer({ min: 3, max: 15 }),
  steps: fc.array(fc.integer({ min: 0, max: 700_000 }), { minLength: 1, maxLength: 5 }),
  takes: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 5, maxLength: 5 }),
});

function program(p: Platform, s: Setup): void {
  for (let cpu = 0; cpu < 2; cpu++) {
    p.mmio.write(0xfee000f0, 4, 0x1ff, CPU(cpu));
    p.mmio.write(0xfee003e0, 4, 0xb, CPU(cpu));
    p.mmio.write(0xfee00320, 4, (s.lapicMode[cpu]! << 17) | 0x40, CPU(cpu));
    p.mmio.write(0xfee00380, 4, s.tmict[cpu]!, CPU(cpu));
  }
  for (let pin = 0; pin < 24; pin++) {
    p.mmio.write(0xfec00000, 4, 0x10 + 2 * pin);
    p.mmio.write(0xfec00010, 4, 0x50 + pin);
  }
  for (let n = 0; n < 3; n++) {
    const conf = HPET + 0x100 + 0x20 * n;
    const cap = p.mmio.read(conf + 4, 4);
    const route = 31 - Math.clz32(cap & -cap);
    p.mmio.write(conf, 4, (route << 9) | 0x4c | (s.hpetLevel[n] ? 2 : 0));
    p.mmio.write64(conf + 8, BigInt(s.hpetPeriod[n]!));
    p.mmio.write64(conf + 8, BigInt(s.hpetPeriod[n]!));
  }
  p.mmio.write(HPET + 0x10, 4, 1);
  p.ports.write(0x43, 1, 0x30 | (s.pitMode << 1));
  p.ports.write(0x40, 1, s.pitCount & 0xff);
  p.ports.write(0x40, 1, s.pitCount >> 8);
  for (const [reg, v] of [
    [1, 0xff],
    [3, 0xff],
    [5, 0xff],
    [0x0a, 0x20 | s.rtcRate],
    [0x0b, 0x72],
  ] as const) {
    p.ports.write(0x70, 1, reg);
    p.ports.write(0x71, 1, v);
  }
}

function run(profile: 'xen-hvm' | 'qemu-pc', s: Setup, budget: number): { seen: unknown[]; coalesced: number } {
  const p = createPlatform({ profile, vcpus: 2, ramBytes: 0, maxEventsPerAdvance: budget });
  program(p, s);
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  const seen: unknown[] = [];
  s.steps.forEach((ns, i) => {
    p.clock.advance(ns);
    // What the guest sees: IRR/ISR of both vCPUs, TMCCT, HPET status and comparators, PIT read-back, RTC C.
    for (let cpu = 0; cpu < 2; cpu++) {
      for (let r = 0; r < 8; r++) seen.push(p.mmio.read(0xfee00200 + 0x10 * r, 4, CPU(cpu)), p.mmio.read(0xfee00100 + 0x10 * r, 4, CPU(cpu)));
      seen.push(p.mmio.read(0xfee00390, 4, CPU(cpu)));
    }
    seen.push(p.mmio.read(HPET + 0x20, 4));
    for (let n = 0; n < 3; n++) seen.push(p.mmio.read64(HPET + 0x108 + 0x20 * n).toString(16));
    p.ports.write(0x43, 1, 0xc2);
    seen.push(p.ports.read(0x40, 1), p.ports.read(0x40, 1), p.ports.read(0x40, 1));
    seen.push(JSON.stringify(p.snapshot()));
    // The guest takes some interrupts, acknowledges level HPET status and reads RTC register C.
    for (let k = 0; k < s.takes[i]!; k++) {
      seen.push(lapic.acknowledge());
      p.mmio.write(0xfee000b0, 4, 0, CPU(0));
    }
    if (s.takes[i]! & 1) p.mmio.write(HPET + 0x20, 4, 7);
    p.ports.write(0x70, 1, 0x0c);
    seen.push(p.ports.read(0x71, 1));
  });
  return { seen, coalesced: p.clock.coalesced };
}

describe('issue 10 item 13: coalesced advances are unobservable (property)', () => {
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: random rates and steps, budget 1–200 vs unlimited: identical reads and snapshots`, () => {
      let coalescedRuns = 0;
      fc.assert(
        fc.property(setupArb, fc.constantFrom(1, 7, 200), (s, budget) => {
          const exact = run(profile, s, Infinity);
          const coalesced = run(profile, s, budget);
          if (coalesced.coalesced > 0) coalescedRuns++;
          expect(coalesced.seen).toEqual(exact.seen);
        }),
        { numRuns: Number(process.env.COALESCE_RUNS ?? 12) },
      );
      expect(coalescedRuns).toBeGreaterThan(6);
    });
  }
});
