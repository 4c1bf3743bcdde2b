// Differential property test of ApicRouter.write's short EOI (issue 14): an xAPIC window write
// through the MMIO bus must do exactly what the window's general path does (the accessing vCPU's
// LAPIC, if it serves the default window, takes Lapic.mmioWrite). Two platforms get the same random
// traffic: vectors requested (edge and level), INTAs, IA32_APIC_BASE changes (disabled, x2APIC,
// back to xAPIC) and window writes of every width at EOI and other offsets from two vCPUs; one
// writes through the bus, the other calls mmioWrite as the general path would. Every LAPIC's and
// the IO-APIC's state must be equal after every step.
import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext, type PortAccessSize } from '../../../src/bus/access.js';
import type { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import { XAPIC_DEFAULT_BASE } from '../../../src/devices/lapic/registers.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform } from '../../../src/platform/platform.js';

type Op =
  | { k: 'write'; vcpu: number; offset: number; size: PortAccessSize; value: number }
  | { k: 'request'; vcpu: number; vector: number; level: boolean }
  | { k: 'take'; vcpu: number }
  | { k: 'base'; vcpu: number; value: bigint };

const vcpu = fc.integer({ min: 0, max: 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('write' as const),
      vcpu,
      // EOI (0xB0) and its neighbours, TPR, SVR, LVT LINT0, at every width and alignment.
      offset: fc.oneof(fc.constantFrom(0xb0, 0xb0, 0xb1, 0xb2, 0xb4, 0x80, 0xf0, 0x350), fc.integer({ min: 0, max: 0xfff })),
      size: fc.constantFrom(1 as const, 2 as const, 4 as const, 4 as const),
      value: fc.oneof(fc.constantFrom(0, 0x1ff, 0xff, 0x10, 0x700), fc.integer({ min: 0, max: 0xffffffff })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('request' as const), vcpu, vector: fc.integer({ min: 16, max: 255 }), level: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('take' as const), vcpu }) },
  // xAPIC enabled (BSP or not), disabled, x2APIC: only an xAPIC-mode LAPIC serves the window.
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('base' as const), vcpu, value: fc.constantFrom(0xfee00900n, 0xfee00800n, 0xfee00000n, 0xfee00d00n, 0xfee00c00n) }),
  },
);

function lapics(p: Platform): Lapic[] {
  return p.vcpus.map((v) => v.devices.get('lapic') as Lapic);
}

function apply(p: Platform, o: Op, throughBus: boolean): void {
  const l = lapics(p)[o.vcpu]!;
  switch (o.k) {
    case 'write':
      if (throughBus) p.mmio.write(XAPIC_DEFAULT_BASE + o.offset, o.size, o.value, accessContext(o.vcpu));
      else if (l.servedWindowBase === XAPIC_DEFAULT_BASE) l.mmioWrite(o.offset, o.size, o.value);
      break;
    case 'request':
      l.setIrq(o.vector, o.level);
      break;
    case 'take':
      l.takeInterrupt();
      break;
    case 'base':
      l.writeApicBase(o.vcpu === 0 ? o.value : o.value & ~0x100n);
      break;
  }
}

describe('ApicRouter.write: the EOI straight to the LAPIC is the window write (issue 14)', () => {
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: random window writes of every width, requests, INTAs and APIC base changes give equal LAPIC and IO-APIC states`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
          const a = createPlatform({ profile, vcpus: 2, ramBytes: 0 });
          const b = createPlatform({ profile, vcpus: 2, ramBytes: 0 });
          for (const p of [a, b]) for (let v = 0; v < 2; v++) p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v));
          for (const o of ops) {
            apply(a, o, true);
            apply(b, o, false);
            expect(lapics(a).map((l) => l.snapshot())).toEqual(lapics(b).map((l) => l.snapshot()));
            expect(a.device<Ioapic>('ioapic0').snapshot()).toEqual(b.device<Ioapic>('ioapic0').snapshot());
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});
