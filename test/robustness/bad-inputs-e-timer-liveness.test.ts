// Bounded work: no guest access waits on time or on anything outside the device, and a periodic
// timer left running across a long jump of virtual time costs at most one event per clamped period.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { PROFILE_NAMES } from '../../src/platform/profiles.js';
import { TIMER_MODES } from '../../src/device-model/timer-mode/timer-mode.js';
import { FuzzRng } from '../../bench/guest-traffic.js';

describe('bad inputs, class E: bounded work per access and per advance', () => {
  it('entry 32, cloud-hypervisor CMOS spin loop (oss-fuzz 61165): every access to every register window on every profile returns without moving virtual time or firing a timer event (nothing waits on state it does not control)', () => {
    for (const profile of PROFILE_NAMES) {
      const p = createPlatform({ profile, vcpus: 2, ramBytes: 0, ...(profile === 'xen-pv' ? { flags: 0x100 } : {}) }); // xen-pv: with its PIT
      const rng = new FuzzRng(32);
      const now = p.clock.now;
      const events = p.clock.eventsFired;
      let accesses = 0;
      for (const r of p.describe().ranges) {
        if (r.owner === 'ram') continue;
        const len = Math.min(r.end - r.base + 1, 0x1000); // large windows (ECAM, VGA): their first page
        for (let off = 0; off < len; off++) {
          const addr = r.base + off;
          for (const size of [1, 2, 4] as const) {
            const value = rng.next();
            if (r.bus === 'port') {
              if (addr === 0xcf9) continue; // a reset request is tested on its own below
              p.ports.read(addr, size, accessContext(off & 1));
              p.ports.write(addr, size, value, accessContext(off & 1));
            } else {
              p.mmio.read(addr, size, accessContext(off & 1));
              p.mmio.write(addr, size, value, accessContext(off & 1));
            }
            accesses += 2;
          }
        }
      }
      // CMOS: every index with every value through the index/data pair (the advisory's device).
      if (p.ports.regionAt(0x70)?.owner === 'rtc') {
        for (let i = 0; i < 256; i++) {
          for (const v of [0x00, 0x80, 0xff, i]) {
            p.ports.write(0x70, 1, i);
            p.ports.write(0x71, 1, v);
            p.ports.read(0x71, 1);
            accesses += 3;
          }
        }
      }
      if (p.ports.regionAt(0xcf9) !== null) p.ports.write(0xcf9, 1, 0x06);
      expect(accesses, profile).toBeGreaterThan(0);
      expect(p.clock.now, profile).toBe(now);
      expect(p.clock.eventsFired, profile).toBe(events);
    }
  });

  it('entry 51, CVE-2025-71104 (periodic APIC timer catch-up): with the fastest periodic LAPIC timer, a 10 s jump in one advance fires at most one event per 100 µs (the vpt clamp), leaves the next deadline within one period, and owes the guest no more than the timer mode allows', () => {
    for (const timerMode of TIMER_MODES) {
      const p = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0, timerMode });
      const lapic = p.vcpus[0]!.devices.get('lapic') as unknown as { acknowledge(): number | null };
      p.mmio.write(0xfee000f0, 4, 0x1ff); // software enable
      p.mmio.write(0xfee003e0, 4, 0xb); // divide by 1
      p.mmio.write(0xfee00320, 4, 0x20040); // periodic, vector 0x40
      p.mmio.write(0xfee00380, 4, 1); // TMICT 1: the fastest the guest can ask for
      const before = p.clock.eventsFired;
      const span = 10_000_000_000;
      p.clock.advance(span);
      const events = p.clock.eventsFired - before;
      expect(events, timerMode).toBeLessThanOrEqual(span / 100_000 + 1);
      const next = p.clock.nextDeadline()!;
      expect(next, timerMode).toBeGreaterThan(p.clock.now);
      expect(next - p.clock.now, timerMode).toBeLessThanOrEqual(100_000);
      // Owed ticks are counted per period, also when the clock coalesced them (maxEventsPerAdvance).
      const periods = span / 100_000;
      let owed = 0;
      while (lapic.acknowledge() === 0x40 && owed <= periods + 1) {
        owed++;
        p.mmio.write(0xfee000b0, 4, 0);
      }
      expect(owed, timerMode).toBeGreaterThanOrEqual(1);
      expect(owed, timerMode).toBeLessThanOrEqual(timerMode === 'no_missed_ticks_pending' || timerMode === 'one_missed_tick_pending' ? 2 : periods);
    }
  });
});
