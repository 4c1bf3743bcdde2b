// Differential property test of IrqLine.retrigger and pulse (issue 14): a high line re-asserted at
// once (Xen's periodic IRQ0 at each PIT tick) must do exactly what lower() then raise() do, and an
// edge (an HPET comparator's) what raise() then lower() do. The fabric takes the two steps in one
// call (retriggerSource, pulseSource), the 8259 takes its input's fall and rise as one step
// (I8259Chip.retriggerInput) and tells a glitch of its INT as one call down to LINT0
// (Line.glitch, Lapic.lintGlitch). Two platforms get the same random guest (8259 ICWs, OCWs, masks
// and ELCR as random port writes, LVT LINT0 in every delivery mode, IO-APIC entries, INTA and EOI);
// on one a source line is retriggered (pulsed), on the other lowered and raised (raised and lowered). Every 8259, LAPIC and
// IO-APIC register, the INTA results and the LAPIC's wake-ups must be equal after every step.
import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import type { Ioapic } from '../../src/devices/ioapic/ioapic.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import type { PicPair } from '../../src/devices/pic/pic-pair.js';
import type { IrqLine } from '../../src/irq/line.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import type { Platform } from '../../src/platform/platform.js';

/** The lines the test drives: (GSI, 8259 input) as an ISA IRQ has them; IRQ0's, a slave IRQ's, a master IRQ's. */
const LINES = [
  [2, 0],
  [8, 8],
  [5, 5],
  [10, 10],
] as const;

type Op =
  | { k: 'port'; port: number; value: number }
  | { k: 'lint0'; value: number }
  | { k: 'svr'; value: number }
  | { k: 'rte'; gsi: number; low: number }
  | { k: 'set'; line: number; level: boolean }
  | { k: 'second'; line: number; level: boolean }
  | { k: 'retrigger'; line: number }
  | { k: 'pulse'; line: number }
  | { k: 'take' }
  | { k: 'observe' };

const line = fc.integer({ min: 0, max: LINES.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('port' as const),
      port: fc.constantFrom(0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1),
      // ICW1 (0x11, 0x13, 0x19), OCW2 EOIs and rotations, OCW3 (read ISR, poll, special mask), masks, bases.
      value: fc.oneof(
        fc.constantFrom(0x11, 0x13, 0x19, 0x20, 0x60, 0xa0, 0xe0, 0x0a, 0x0b, 0x0c, 0x68, 0x48, 0x00, 0xff, 0xfe, 0x01, 0x04, 0x30, 0x28),
        fc.integer({ min: 0, max: 0xff }),
      ),
    }),
  },
  {
    weight: 2,
    // LVT LINT0: masked, ExtINT, fixed edge / level, NMI, SMI, INIT, masked ExtINT, an illegal vector.
    arbitrary: fc.record({ k: fc.constant('lint0' as const), value: fc.constantFrom(0x10000, 0x700, 0x31, 0x8031, 0x400, 0x200, 0x500, 0x10700, 0x05) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('svr' as const), value: fc.constantFrom(0x1ff, 0x0ff) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('rte' as const),
      gsi: fc.constantFrom(...LINES.map(([g]) => g)),
      // vector 0x40–0x43, fixed / lowest priority / ExtINT, level, masked
      low: fc
        .tuple(fc.integer({ min: 0x40, max: 0x43 }), fc.constantFrom(0, 1, 7), fc.boolean(), fc.boolean())
        .map(([v, mode, level, masked]) => v | (mode << 8) | (level ? 0x8000 : 0) | (masked ? 0x10000 : 0)),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('set' as const), line, level: fc.boolean() }) },
  // A second source on the same GSI and input (wired-OR): a retrigger then changes nothing there.
  { weight: 1, arbitrary: fc.record({ k: fc.constant('second' as const), line, level: fc.boolean() }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('retrigger' as const), line }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('pulse' as const), line }) },
  { weight: 3, arbitrary: fc.constant({ k: 'take' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'observe' as const }) },
);

interface Rig {
  p: Platform;
  lapic: Lapic;
  sources: IrqLine[];
  seconds: IrqLine[];
  seen: unknown[];
}

function rig(profile: 'xen-hvm' | 'qemu-pc'): Rig {
  const p = createPlatform({ profile, vcpus: 1, ramBytes: 0 });
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  const seen: unknown[] = [];
  lapic.wakeObserver = () => seen.push('wake');
  p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(0));
  const sources = LINES.map(([gsi, pin], i) => p.irq.sourceLine(`test${i}`, gsi, pin));
  const seconds = LINES.map(([gsi, pin], i) => p.irq.sourceLine(`second${i}`, gsi, pin));
  return { p, lapic, sources, seconds, seen };
}

function apply(r: Rig, o: Op, retrigger: boolean): void {
  const ctx = accessContext(0);
  const w = (a: number, v: number) => r.p.mmio.write(a, 4, v >>> 0, ctx);
  switch (o.k) {
    case 'port':
      r.p.ports.write(o.port, 1, o.value);
      break;
    case 'lint0':
      w(0xfee00350, o.value);
      break;
    case 'svr':
      w(0xfee000f0, o.value);
      break;
    case 'rte':
      w(0xfec00000, 0x11 + 2 * o.gsi);
      w(0xfec00010, 0);
      w(0xfec00000, 0x10 + 2 * o.gsi);
      w(0xfec00010, o.low);
      break;
    case 'set':
      r.sources[o.line]!.set(o.level);
      break;
    case 'second':
      r.seconds[o.line]!.set(o.level);
      break;
    case 'retrigger': {
      const l = r.sources[o.line]!;
      if (retrigger) {
        l.retrigger();
      } else {
        l.lower();
        l.raise();
      }
      break;
    }
    case 'pulse': {
      const l = r.sources[o.line]!;
      if (retrigger) {
        l.pulse();
      } else {
        l.raise();
        l.lower();
      }
      break;
    }
    case 'take':
      for (let n = 0; n < 4; n++) {
        const v = r.lapic.takeInterrupt();
        r.seen.push(['took', v]);
        if (v < 0) break;
        w(0xfee000b0, 0);
      }
      break;
    case 'observe':
      // Observers take every line back to its general path (both platforms get them).
      r.p.irq.observePicInputs((pin, level) => r.seen.push(['pic', pin, level]));
      r.p.irq.namedLine('pic.int').observe((level) => r.seen.push(['int', level]));
      break;
  }
}

/** Everything the guest or a host could see: the three controllers' registers and what was taken. */
function state(r: Rig): unknown {
  return {
    pic: r.p.device<PicPair>('pic').snapshot(),
    lapic: r.lapic.snapshot(),
    ioapic: r.p.device<Ioapic>('ioapic0').snapshot(),
    int: r.p.irq.namedLine('pic.int').level,
    seen: r.seen,
  };
}

describe('IrqLine.retrigger and pulse: exactly lower() then raise(), raise() then lower() (issue 14, the PIT and HPET ticks)', () => {
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: random 8259, LINT0 and IO-APIC programming; every register, INTA and wake-up equal after every step`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
          const a = rig(profile);
          const b = rig(profile);
          for (const o of ops) {
            apply(a, o, true);
            apply(b, o, false);
            expect(state(a)).toEqual(state(b));
          }
        }),
        { numRuns: 100 },
      );
    });
  }

  it('the PIT tick on xen-hvm takes the glitch path: IR0 stays requested, INT and LINT0 (masked) stay high, one wake-up as the two steps give', () => {
    const r = rig('xen-hvm');
    r.sources[0]!.raise(); // the 8259 (reset state: IMR 0) requests IR0, INT rises, LINT0 (masked) follows
    expect(r.p.device<PicPair>('pic').master.irr).toBe(0x01);
    expect(r.lapic.lint[0]).toBe(true);
    r.seen.length = 0;
    r.sources[0]!.retrigger();
    expect(r.p.device<PicPair>('pic').master.irr).toBe(0x01);
    expect(r.p.device<PicPair>('pic').master.intOutput).toBe(true);
    expect(r.lapic.lint[0]).toBe(true);
    // The glitch's rise on LINT0 wakes the CPU as setLint's rise does (the IO-APIC entry is masked after reset).
    expect(r.seen).toEqual(['wake']);
  });
});
