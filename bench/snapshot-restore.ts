// Issue 13's snapshot bench: Platform.snapshot(), Platform.restore() and the two together on a
// busy xen-hvm platform (guest RAM excluded: ramBytes 0), at 1 and at 128 vCPUs. Targets: snapshot +
// restore ≤ 20 µs at 1 vCPU, ≤ 200 µs at 128. The baseline, measured in the same rounds, is a
// structuredClone of the same snapshot: the cost of merely copying that much plain data.
import 'reflect-metadata';
import { accessContext } from '../src/bus/access.js';
import { createPlatform } from '../src/platform/create-platform.js';
import type { Platform } from '../src/platform/platform.js';
import { interleaved, QUICK, round, type BenchRecord } from './harness.js';

const CTX = accessContext(0);

/** A xen-hvm platform with its timers running: PIT 1 kHz, HPET timer 0 periodic, RTC periodic, IO-APIC routes set. */
export function busySnapshotPlatform(vcpus: number): Platform {
  const p = createPlatform({ profile: 'xen-hvm', vcpus, ramBytes: 0 });
  const w = (a: number, v: number) => p.mmio.write(a, 4, v, CTX);
  w(0xfee000f0, 0x1ff);
  for (const [gsi, vector] of [
    [2, 0x30],
    [8, 0x38],
    [20, 0x48],
  ] as const) {
    w(0xfec00000, 0x11 + 2 * gsi);
    w(0xfec00010, 0);
    w(0xfec00000, 0x10 + 2 * gsi);
    w(0xfec00010, vector);
  }
  w(0xfed00100, 0x4c | (20 << 9));
  p.mmio.write64(0xfed00108, 100_000n, CTX);
  w(0xfed00010, 1);
  p.ports.write(0x43, 1, 0x34);
  p.ports.write(0x40, 1, 0xa9);
  p.ports.write(0x40, 1, 0x04);
  p.ports.write(0x70, 1, 0x0b);
  p.ports.write(0x71, 1, 0x42); // RTC: PIE, 24-hour
  // LAPIC timer of vCPU 0: periodic, vector 0x40.
  w(0xfee003e0, 0xb);
  w(0xfee00320, 0x20040);
  w(0xfee00380, 100_000);
  p.clock.advance(3_456_789);
  return p;
}

function caseOf(vcpus: number, ops: number): BenchRecord[] {
  const p = busySnapshotPlatform(vcpus);
  const s = p.snapshot();
  const r = interleaved(
    {
      snapshot: (n) => {
        let k = 0;
        for (let i = 0; i < n; i++) k += p.snapshot().clockNs;
        return k;
      },
      restore: (n) => {
        for (let i = 0; i < n; i++) p.restore(s);
        return n;
      },
      both: (n) => {
        for (let i = 0; i < n; i++) p.restore(p.snapshot());
        return n;
      },
      clone: (n) => {
        let k = 0;
        for (let i = 0; i < n; i++) k += structuredClone(s).clockNs;
        return k;
      },
    },
    ops,
    QUICK ? 5 : 9,
  );
  const target = vcpus === 1 ? 20_000 : 200_000;
  return (['snapshot', 'restore', 'both'] as const).map((k) => ({
    case: `xen-hvm ${vcpus} vCPU${vcpus === 1 ? '' : 's'}: ${k}`,
    minNs: r[k].min,
    medianNs: r[k].median,
    cloneMinNs: r.clone.min,
    ratioToClone: round(r[k].min / r.clone.min),
    ...(k === 'both' ? { targetNs: target, met: r[k].median <= target } : {}),
  }));
}

export function benchSnapshotRestore(): BenchRecord[] {
  return [...caseOf(1, QUICK ? 500 : 3000), ...caseOf(128, QUICK ? 10 : 60)];
}
