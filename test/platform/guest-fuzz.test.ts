// Whatever a guest does, on every profile: random port and MMIO traffic aimed at every device
// window (and anywhere else), interleaved with clock steps and interrupt acknowledges, never
// throws, never returns a value outside the access size, and leaves a platform that snapshots
// and restores.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext, createPlatform, PROFILE_NAMES, type Platform } from '../../src/index.js';

const WINDOWS = [0xfec00000, 0xfed00000, 0xfee00000, 0xa0000, 0xe0000000, 0xb0000000, 0x1000];
const HOT_PORTS = [0x20, 0x21, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0xa0, 0xa1, 0x4d0, 0x4d1, 0xcf8, 0xcf9, 0xcfc, 0xcfe, 0xe9, 0x1f40, 0x1f44, 0x1f48, 0xb000, 0xb008, 0x600, 0x608];

type Op =
  | { kind: 'in'; port: number; size: 1 | 2 | 4 }
  | { kind: 'out'; port: number; size: 1 | 2 | 4; value: number }
  | { kind: 'read'; addr: number; size: 1 | 2 | 4 | 8 }
  | { kind: 'write'; addr: number; size: 1 | 2 | 4 | 8; value: bigint }
  | { kind: 'step'; ns: number }
  | { kind: 'inta'; vcpu: number };

const size4 = fc.constantFrom<1 | 2 | 4>(1, 2, 4);
const size8 = fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8);
const port = fc.oneof(fc.constantFrom(...HOT_PORTS), fc.integer({ min: 0, max: 0xffff }));
const addr = fc.oneof(
  fc.tuple(fc.constantFrom(...WINDOWS), fc.integer({ min: 0, max: 0x1003 })).map(([b, o]) => b + o),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('in' as const), port, size: size4 }),
  fc.record({ kind: fc.constant('out' as const), port, size: size4, value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('read' as const), addr, size: size8 }),
  fc.record({ kind: fc.constant('write' as const), addr, size: size8, value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ kind: fc.constant('step' as const), ns: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(10 ** 12)) }),
  fc.record({ kind: fc.constant('inta' as const), vcpu: fc.integer({ min: 0, max: 1 }) }),
);

function apply(p: Platform, o: Op): void {
  switch (o.kind) {
    case 'in': {
      const v = p.ports.read(o.port, o.size, accessContext(0));
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * o.size)).toBe(true);
      break;
    }
    case 'out':
      p.ports.write(o.port, o.size, o.value, accessContext(0));
      break;
    case 'read': {
      if (o.size === 8) {
        const v = p.mmio.read64(o.addr, accessContext(0));
        expect(v >= 0n && v < 1n << 64n).toBe(true);
      } else {
        const v = p.mmio.read(o.addr, o.size, accessContext(0));
        expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * o.size)).toBe(true);
      }
      break;
    }
    case 'write':
      if (o.size === 8) p.mmio.write64(o.addr, o.value, accessContext(0));
      else p.mmio.write(o.addr, o.size, Number(o.value & 0xffffffffn), accessContext(0));
      break;
    case 'step':
      p.clock.advance(o.ns);
      break;
    case 'inta': {
      const lapic = p.vcpus[o.vcpu]?.devices.get('lapic') as { acknowledge(): number | null } | undefined;
      const v = lapic?.acknowledge() ?? null;
      if (v !== null) expect(Number.isInteger(v) && v >= 0 && v <= 0xff).toBe(true);
      break;
    }
  }
}

describe('random guest traffic on every profile', () => {
  for (const profile of PROFILE_NAMES) {
    it(`${profile}: never throws, values stay in range, and the platform still snapshots and restores`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
          const p = createPlatform({ profile, vcpus: 2, ramBytes: 1 << 16 });
          for (const o of ops) apply(p, o);
          const snap = p.snapshot();
          const q = createPlatform({ profile, vcpus: 2, ramBytes: 1 << 16 });
          q.restore(JSON.parse(JSON.stringify(snap)));
          expect(JSON.parse(JSON.stringify(q.snapshot()))).toEqual(JSON.parse(JSON.stringify(snap)));
        }),
        { numRuns: Number(process.env.GUEST_FUZZ_RUNS ?? 40) },
      );
    });
  }
});
