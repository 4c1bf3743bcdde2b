// Issue 10, item 13: `advance(1 s)` with every timer of every device at its fastest rate, 128 vCPUs,
// in wall time (target ≤ 100 ms; VirtualClock.maxEventsPerAdvance bounds the work).
// programStorm programs every timer of a platform at its fastest rate: the LAPIC timer of
// every vCPU (TMICT 1, divide by 1, periodic), every HPET comparator (periodic, period 1 tick),
// PIT channel 0 (mode 3, count 2), the RTC (8192 Hz periodic + update + alarm every second), the
// PM timer (TMR_EN) and every IO-APIC pin unmasked, so each event also reaches a LAPIC.
import 'reflect-metadata';
import { createPlatform } from '../src/platform/create-platform.js';
import type { Platform } from '../src/platform/platform.js';
import type { ProfileName } from '../src/platform/profiles.js';
import { round, type BenchRecord } from './harness.js';

const HPET = 0xfed00000;
const LAPIC = 0xfee00000;
const IOAPIC = 0xfec00000;

export interface StormOptions {
  /** TMICT (default 1) and the HPET period in ticks (default 1); larger values for exact comparisons. */
  readonly tmict?: number;
  readonly hpetPeriod?: bigint;
  readonly pitCount?: number;
}

export function programStorm(p: Platform, o: StormOptions = {}): void {
  const out = (port: number, size: 1 | 2 | 4, v: number) => p.ports.write(port, size, v);
  // LAPIC timer on every vCPU.
  for (let cpu = 0; cpu < p.vcpus.length; cpu++) {
    const ctx = { vcpu: cpu, stringOp: false };
    p.mmio.write(LAPIC + 0xf0, 4, 0x1ff, ctx);
    p.mmio.write(LAPIC + 0x3e0, 4, 0xb, ctx);
    p.mmio.write(LAPIC + 0x320, 4, 0x20040, ctx);
    p.mmio.write(LAPIC + 0x380, 4, o.tmict ?? 1, ctx);
  }
  // IO-APIC: every pin unmasked, edge, fixed, vector 0x50 + pin, to APIC 0.
  for (let pin = 0; pin < 24; pin++) {
    p.mmio.write(IOAPIC, 4, 0x10 + 2 * pin);
    p.mmio.write(IOAPIC + 0x10, 4, 0x50 + pin);
  }
  // HPET: each comparator periodic on the first input its route capability allows.
  if (p.devices.has('hpet')) {
    for (let n = 0; n < 3; n++) {
      const conf = HPET + 0x100 + 0x20 * n;
      const cap = p.mmio.read(conf + 4, 4);
      const route = 31 - Math.clz32(cap & -cap);
      p.mmio.write(conf, 4, (route << 9) | 0x4c); // periodic, INT_ENB, VAL_SET
      p.mmio.write64(conf + 8, o.hpetPeriod ?? 1n); // the accumulator (QEMU: and the period)
      p.mmio.write64(conf + 8, o.hpetPeriod ?? 1n); // the period (Xen clamps it to 100 µs)
    }
    p.mmio.write(HPET + 0x10, 4, 1);
  }
  // PIT channel 0: mode 3, count 2 (OUT0 toggles at every CLK edge).
  const count = o.pitCount ?? 2;
  out(0x43, 1, 0x36);
  out(0x40, 1, count & 0xff);
  out(0x40, 1, count >> 8);
  // RTC: 8192 Hz periodic, update-ended and an alarm every second (don't-care hours/minutes/seconds).
  for (const [reg, v] of [
    [1, 0xff],
    [3, 0xff],
    [5, 0xff],
    [0x0a, 0x23],
    [0x0b, 0x72],
  ] as const) {
    out(0x70, 1, reg);
    out(0x71, 1, v);
  }
  // PM timer: TMR_EN (Xen: PM1a at 0x1f40; qemu-pc: the PIIX4 PM block placed at 0x600).
  if (p.devices.has('pm')) {
    out(0xcf8, 4, 0x80000b40);
    out(0xcfc, 4, 0x601);
    out(0xcf8, 4, 0x80000b80);
    out(0xcfc, 1, 0x01);
    for (const base of [0x1f40, 0x600]) {
      out(base, 2, 0xffff);
      out(base + 2, 2, 0x0001);
    }
  }
}

/** Wall ms of advance(1 s) on a stormed 128-vCPU platform: median and worst of 5 fresh platforms. */
export function benchTimerStorm(): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const profile of ['xen-hvm', 'xen-pvh', 'xen-pvh-dom0', 'qemu-pc'] as ProfileName[]) {
    const samples: number[] = [];
    let events = 0;
    for (let r = 0; r < 6; r++) {
      const p = createPlatform({ profile, vcpus: 128, ramBytes: 0 });
      programStorm(p);
      const fired = p.clock.eventsFired;
      const t0 = process.hrtime.bigint();
      p.clock.advance(1_000_000_000);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      events = p.clock.eventsFired - fired;
      if (r > 0) samples.push(ms); // the first round warms the JIT up
    }
    samples.sort((a, b) => a - b);
    out.push({
      profile,
      vcpus: 128,
      budget: 20_000,
      eventsInAdvance: events,
      medianMs: round(samples[samples.length >> 1]!),
      worstMs: round(samples[samples.length - 1]!),
    });
  }
  return out;
}
