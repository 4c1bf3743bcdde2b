// Every PIT state a guest can reach (port writes + clock advances) snapshots and restores, and the
// restored PIT answers exactly as the original from then on (issue 10, item 7).
import 'reflect-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform, PlatformSnapshot } from '../../../src/platform/platform.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { makePit, type PitRig } from './harness.js';

/**
 * Restores `snap` (taken from `p`) into a fresh platform of the same profile through JSON, checks
 * the snapshots agree, then after each step writes the read-back command `readBack` to both and
 * requires the same bytes from `ports` in order.
 */
function expectRestoredTwinReadsAlike(p: Platform, snap: PlatformSnapshot, steps: readonly number[], readBack: number, ports: readonly number[]): void {
  const q = createPlatform({ profile: p.profile.name });
  q.restore(JSON.parse(JSON.stringify(snap)));
  expect(JSON.stringify(q.snapshot())).toBe(JSON.stringify(snap));
  for (const step of steps) {
    p.clock.advance(step);
    q.clock.advance(step);
    p.ports.write(0x43, 1, readBack);
    q.ports.write(0x43, 1, readBack);
    const a = ports.map((port) => p.ports.read(port, 1));
    expect(ports.map((port) => q.ports.read(port, 1))).toEqual(a);
  }
}

describe('issue 10 item 7: a mode 3 reload to count 1 restores', () => {
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: mode 3 count 4096, 100 µs, count 1, 2 ms → restore accepts and both read alike`, () => {
      const p = createPlatform({ profile });
      p.ports.write(0x43, 1, 0x36); // channel 0, word, mode 3
      p.ports.write(0x40, 1, 0x00);
      p.ports.write(0x40, 1, 0x10); // 4096
      p.clock.advance(100_000);
      p.ports.write(0x40, 1, 0x01);
      p.ports.write(0x40, 1, 0x00); // 1: takes effect at the end of the current half-cycle
      p.clock.advance(2_000_000);
      const snap = p.snapshot();
      expect((snap.devices as any).pit.channels[0].segPhase).toBe(0); // a count of 1 has no phase
      expectRestoredTwinReadsAlike(p, snap, [0, 1000, 838, 5_000_000], 0xc2, [0x40, 0x40, 0x40]); // read-back: status + count of channel 0
    });
  }
});

describe('fuzz finding: channel 2 paused past terminal count at CE 0 restores', () => {
  // Found by campaign (a) (xen-pv case 2593): GATE2 lowered and raised through port 0x61 after the
  // counter reached terminal count at CE 0 left a wave of count 0, which restore refused.
  for (const profile of ['xen-hvm', 'xen-pv', 'qemu-pc'] as const) {
    it(`${profile}: restore accepts and both read alike`, () => {
      const p = createPlatform({ profile });
      p.clock.advance(174);
      p.ports.write(0x42, 1, 0x01);
      p.ports.write(0x61, 1, 0xff);
      p.clock.advance(803);
      p.ports.write(0x61, 1, 0x96);
      p.ports.write(0x61, 1, 0x1f);
      expectRestoredTwinReadsAlike(p, p.snapshot(), [0, 838, 1000, 60_000_000], 0xc8, [0x42, 0x42, 0x42, 0x61]); // read-back: status + count of channel 2
    });
  }
});

type Op =
  | { kind: 'out'; port: number; value: number }
  | { kind: 'in'; port: number }
  | { kind: 'step'; ns: number }
  | { kind: 'program'; channel: number; mode: number; bcd: boolean; count: number }
  | { kind: 'count'; channel: number; count: number };

const CONTROL = fc.integer({ min: 0, max: 255 });
/** Counts that reach the corners: 0 (65536), 1, 2, 3, odd and even, plus any byte. */
const COUNT_BYTE = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 0x10), fc.integer({ min: 0, max: 255 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('out' as const), port: fc.constant(0x43), value: CONTROL }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('out' as const), port: fc.constantFrom(0x40, 0x41, 0x42), value: COUNT_BYTE }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('out' as const), port: fc.constant(0x61), value: fc.integer({ min: 0, max: 3 }) }) },
  // Whole programming sequences (control word + word count) and new counts, so that reloads in
  // modes 2/3 and counts 1/2/3 are common rather than one control byte in 16.
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('program' as const),
      channel: fc.integer({ min: 0, max: 2 }),
      mode: fc.oneof(fc.constantFrom(2, 3), fc.integer({ min: 0, max: 7 })), // periodic modes reload
      bcd: fc.boolean(),
      count: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 4096), fc.integer({ min: 0, max: 0xffff })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('count' as const),
      channel: fc.integer({ min: 0, max: 2 }),
      count: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 4096), fc.integer({ min: 0, max: 0xffff })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('in' as const), port: fc.constantFrom(0x40, 0x41, 0x42, 0x61) }) },
  // Steps of 0, one CLK, a few CLKs, a half-cycle of 4096, up to 2 ms (QEMU has no IRQ0 clamp).
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('step' as const),
      ns: fc.oneof(fc.constantFrom(0, 1, 838, 839, 1676, 1_716_000), fc.integer({ min: 0, max: 2_000_000 })),
    }),
  },
);

function run(r: PitRig, ops: readonly Op[]): number[] {
  const reads: number[] = [];
  for (const op of ops) {
    if (op.kind === 'out') r.out(op.port, op.value);
    else if (op.kind === 'in')
      reads.push(op.port === 0x61 ? r.inb(0x61) & 0x21 : r.inb(op.port)); // bit 4 toggles per read on QEMU
    else if (op.kind === 'step') r.clock.advance(op.ns);
    else {
      if (op.kind === 'program') r.out(0x43, (op.channel << 6) | 0x30 | (op.mode << 1) | (op.bcd ? 1 : 0));
      r.out(0x40 + op.channel, op.count & 0xff); // as a word if the channel's RW is 3
      r.out(0x40 + op.channel, op.count >> 8);
    }
  }
  // Read back every channel's status and count at the end.
  r.out(0x43, 0xce);
  for (const port of [0x40, 0x41, 0x42]) reads.push(r.inb(port), r.inb(port), r.inb(port));
  return reads;
}

describe('issue 10 item 7: every reachable PIT state snapshots and restores (property)', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: random port writes and clock steps, snapshot at any point → identical reads and IRQ0`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 4, maxLength: 40 }), fc.array(opArb, { maxLength: 25 }), (pre, post) => {
          const a = makePit(profile);
          run(a, pre);
          const clock = new VirtualClock({ minPeriodNs: profile === 'xen' ? 100_000 : 1 });
          clock.restoreTime(a.clock.now);
          const b = makePit(profile, { clock });
          b.pit.restore(JSON.parse(JSON.stringify(a.pit.snapshot())));
          expect(JSON.stringify(b.pit.snapshot())).toBe(JSON.stringify(a.pit.snapshot()));
          a.irq.length = 0;
          b.irq.length = 0;
          expect(run(b, post)).toEqual(run(a, post));
          expect(b.irq).toEqual(a.irq);
        }),
        { numRuns: profile === 'xen' ? 500 : 250 },
      );
    });
  }
});
