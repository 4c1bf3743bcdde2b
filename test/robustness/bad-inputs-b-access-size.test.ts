// Access-size and address totality on whole platforms: a read of every port at every size, byte
// reads of the ACPI PM blocks, physical addresses at and above 2^52, and port numbers at and
// above 0x10000. Each ends with normal accesses that must still work.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { BusRangeError } from '../../src/bus/errors.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { MAX_PHYS_ADDR } from '../../src/bus/mmio-bus.js';
import { PROFILE_NAMES, PROFILES } from '../../src/platform/profiles.js';
import type { Platform } from '../../src/platform/platform.js';

const noop = { read: () => 0x12, write: () => undefined };

/** PIT channel 2 programmed (mode 0, count 0x1234) and read back after 1 µs: 0x1234 − 1 µs of ticks. */
function pitStillWorks(p: Platform): number {
  p.ports.write(0x43, 1, 0xb0); // channel 2, lobyte/hibyte, mode 0
  p.ports.write(0x42, 1, 0x34);
  p.ports.write(0x42, 1, 0x12);
  p.ports.write(0x61, 1, 0x01); // gate 2 on
  p.clock.advance(1000);
  p.ports.write(0x43, 1, 0x80); // latch channel 2
  return p.ports.read(0x42, 1) | (p.ports.read(0x42, 1) << 8);
}

describe('bad inputs, class B: access size and address totality on every profile', () => {
  it('entry 21, CVE-2010-0309 (KVM PIT read with bad state): reading every port 0..0xFFFF at every size terminates, never throws, returns in-range values, and the devices still work', () => {
    for (const profile of PROFILE_NAMES) {
      const p = createPlatform({ profile, vcpus: 2, ramBytes: 0 });
      const before = JSON.stringify(p.snapshot());
      let bad = 0;
      for (const size of [1, 2, 4] as const) {
        for (let port = 0; port <= 0xffff; port++) {
          const v = p.ports.read(port, size, accessContext(port & 1));
          if (!Number.isInteger(v) || v < 0 || v >= 2 ** (8 * size)) bad++;
        }
      }
      expect(bad, profile).toBe(0);
      if (p.ports.regionAt(0x42)?.owner === 'pit') {
        // 1 µs at 1.193182 MHz is one tick: the count read back is 0x1233 on every profile with a PIT.
        expect(pitStillWorks(p), profile).toBe(0x1233);
      }
      if (p.ports.regionAt(0x70)?.owner === 'rtc') {
        p.ports.write(0x70, 1, 0x0a); // register A reads back its divider/rate
        expect(p.ports.read(0x71, 1), profile).toBe(JSON.parse(before).devices.rtc.cmos[0x0a]);
      }
    }
  });

  it('entry 37, v86 PM timer fast polling and byte reads: PM1a_EVT byte reads give the bytes of the dword; PM_TMR never goes backwards under 1 ns steps and advances within one tick period (279.4 ns)', () => {
    const p = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0 });
    p.ports.write(0x1f42, 2, 0x0001); // PM1a_EN: TMR_EN
    p.clock.advance(2 ** 31 * 280); // past one bit-31 flip: TMR_STS is set
    const dword = p.ports.read(0x1f40, 4);
    expect(dword & 1).toBe(1);
    for (let k = 0; k < 4; k++) expect(p.ports.read(0x1f40 + k, 1)).toBe((dword >>> (8 * k)) & 0xff);
    expect(p.ports.read(0x1f40, 2)).toBe(dword & 0xffff);
    expect(p.ports.read(0x1f42, 2)).toBe(dword >>> 16);
    // Polling with the clock moving 1 ns per read (a VMM that advances virtual time per exit).
    let last = p.ports.read(0x1f48, 4);
    let changes = 0;
    for (let i = 0; i < 3000; i++) {
      p.clock.advance(1);
      const v = p.ports.read(0x1f48, 4);
      expect(v >= last || last - v > 2 ** 31).toBe(true); // monotonic modulo the 32-bit wrap
      if (v !== last) changes++;
      last = v;
    }
    // 3000 ns at 3.579545 MHz: 10 or 11 ticks.
    expect(changes).toBeGreaterThanOrEqual(10);
    expect(changes).toBeLessThanOrEqual(11);
    // With the clock held still, reads are stable (time belongs to the host, never the wall clock).
    expect(p.ports.read(0x1f48, 4)).toBe(last);
  });

  it('entry 39, crosvm bus range overflow: accesses at 2^52 − 1, 2^52, 2^53 − 1 and 2^64 − 1 never throw, read as unclaimed, and registrations reaching past 2^52 are refused', () => {
    for (const profile of PROFILE_NAMES) {
      const p = createPlatform({ profile, vcpus: 1, ramBytes: 0 });
      const ones = PROFILES[profile].bus.mmio.unclaimedRead === 'ones';
      for (const addr of [MAX_PHYS_ADDR - 8, MAX_PHYS_ADDR - 1, MAX_PHYS_ADDR, MAX_PHYS_ADDR + 4096, 2 ** 53 - 1, 2 ** 64 - 1, 2 ** 32 - 2]) {
        for (const size of [1, 2, 4] as const) {
          p.mmio.write(addr, size, 0xffffffff);
          expect(p.mmio.read(addr, size), `${profile} ${addr} ${size}`).toBe(ones ? 2 ** (8 * size) - 1 : 0);
        }
        p.mmio.write64(addr, 0x1122334455667788n);
        expect(p.mmio.read64(addr)).toBe(ones ? 0xffff_ffff_ffff_ffffn : 0n);
      }
      expect(() => p.mmio.register(MAX_PHYS_ADDR - 0x1000, 0x2000, noop, { owner: 'x' })).toThrow(BusRangeError);
      expect(() => p.mmio.register(2 ** 64 - 0x1000, 0x1000, noop, { owner: 'x' })).toThrow(BusRangeError);
      // The last page below 2^52 is usable, and an 8-byte access straddling 2^52 stays within it.
      p.mmio.register(MAX_PHYS_ADDR - 0x1000, 0x1000, noop, { owner: 'top', sizes: 1 | 2 | 4 });
      expect(p.mmio.read(MAX_PHYS_ADDR - 4, 4)).toBe(0x12);
      expect(p.mmio.read(MAX_PHYS_ADDR - 2, 4)).toBe(ones ? 0xffffffff : 0x12 | (0 << 16)); // straddles 2^52
    }
  });

  it('entry 44, XSA-199 (ioport number wider than 16 bits): ports at and above 0x10000 read all-ones and writes are dropped; an access crossing 0xFFFF never reaches a device beyond it', () => {
    for (const profile of PROFILE_NAMES) {
      const p = createPlatform({ profile, vcpus: 1, ramBytes: 0 });
      const seen: number[] = [];
      p.ports.register(
        0,
        1,
        {
          read: () => {
            seen.push(0);
            return 0x5a;
          },
          write: () => seen.push(0),
        },
        { owner: 'port0', sizes: 1 },
      );
      p.ports.register(0xfffe, 2, { read: () => 0xabcd, write: () => undefined }, { owner: 'top', sizes: 2 });
      for (const port of [0x10000, 0x10001, 0x1ffff, 0xffffffff]) {
        for (const size of [1, 2, 4] as const) {
          expect(p.ports.read(port, size), `${profile} ${port}`).toBe(2 ** (8 * size) - 1);
          p.ports.write(port, size, 0);
        }
      }
      expect(seen).toEqual([]); // port & 0xffff would have reached port 0
      expect(p.ports.read(0xfffe, 2)).toBe(0xabcd);
      // Xen refuses an access its handler does not fully contain; QEMU splits it, widening the byte
      // at 0xFFFF to its range's 2-byte unit, and the byte beyond 0xFFFF is unassigned.
      const split = PROFILES[profile].bus.port.widthPolicy === 'split';
      expect(p.ports.read(0xffff, 2)).toBe(split ? 0xffab : 0xffff);
      expect(p.ports.read(0xfffe, 4)).toBe(split ? 0xffffabcd : 0xffffffff);
      expect(seen).toEqual([]);
    }
  });
});
