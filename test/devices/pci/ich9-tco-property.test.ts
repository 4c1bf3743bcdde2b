// Guest traffic on the TCO block, SMI_EN/SMI_STS and GCS never throws and keeps the watchdog's
// invariants: the count fits 10 bits, TCO_TMR is 2..0x3FF, TCO_LOCK never clears before a reset,
// and a snapshot restored into a fresh platform at the same time reads the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TCO_TICK_NS, type Ich9Tco } from '../../../src/devices/pci/ich9-tco.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform } from '../../../src/platform/platform.js';

const PMBASE = 0xb000;
const RCBA = 0xfed1c000;

function q35(): Platform {
  const p = createPlatform({ profile: 'qemu-q35' });
  const cfg = (reg: number, size: 1 | 4, v: number) => {
    p.ports.write(0xcf8, 4, (0x80000000 | (0x1f << 11) | reg) >>> 0);
    p.ports.write(0xcfc, size, v);
  };
  cfg(0x40, 4, PMBASE | 1);
  cfg(0x44, 1, 0x80);
  cfg(0xf0, 4, RCBA | 1);
  return p;
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('out' as const),
    port: fc.integer({ min: PMBASE + 0x30, max: PMBASE + 0x7f }),
    size: fc.constantFrom(1, 2, 4),
    value: fc.nat(),
  }),
  fc.record({ kind: fc.constant('in' as const), port: fc.integer({ min: PMBASE + 0x30, max: PMBASE + 0x7f }), size: fc.constantFrom(1, 2, 4) }),
  fc.record({ kind: fc.constant('gcs' as const), value: fc.nat() }),
  fc.record({ kind: fc.constant('step' as const), ns: fc.integer({ min: 0, max: 3 * TCO_TICK_NS }) }),
);

describe('ICH9 TCO under random guest traffic', () => {
  it('never throws, keeps its invariants, and a snapshot reads the same elsewhere', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const p = q35();
        const tco = p.device<Ich9Tco>('ich9-tco');
        let locked = false;
        for (const o of ops) {
          if (o.kind === 'out') p.ports.write(o.port, o.size as 1 | 2 | 4, o.value >>> 0);
          else if (o.kind === 'in') p.ports.read(o.port, o.size as 1 | 2 | 4);
          else if (o.kind === 'gcs') p.mmio.write(RCBA + 0x3410, 4, o.value >>> 0);
          else p.clock.advance(o.ns);
          const cnt1 = p.ports.read(PMBASE + 0x68, 2);
          if (locked) expect(cnt1 & 0x1000).toBe(0x1000);
          locked ||= (cnt1 & 0x1000) !== 0;
          expect(p.ports.read(PMBASE + 0x60, 2)).toBeLessThanOrEqual(0x3ff);
          const tmr = p.ports.read(PMBASE + 0x72, 2);
          expect(tmr >= 2 && tmr <= 0x3ff).toBe(true);
        }
        const other = q35();
        other.clock.advance(p.clock.now - other.clock.now);
        other.device<Ich9Tco>('ich9-tco').restore(tco.snapshot());
        const block = (q: Platform) => Array.from({ length: 0x20 }, (_, i) => q.ports.read(PMBASE + 0x60 + i, 1));
        expect(block(other)).toEqual(block(p));
        expect(other.device<Ich9Tco>('ich9-tco').snapshot()).toEqual(tco.snapshot());
      }),
      { numRuns: 30 },
    );
  });
});
