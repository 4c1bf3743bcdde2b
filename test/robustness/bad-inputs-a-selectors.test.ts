// Selector/index registers used by several vCPUs: the CMOS index written by one vCPU and the data
// port used by another always address one of the 128 CMOS bytes, checked at the point of use.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { FuzzRng } from '../../bench/guest-traffic.js';

describe('bad inputs, class A: selector registers shared between vCPUs', () => {
  it('entry 30, XSA-503 (vRTC CMOS index checked before use): random 0x70 writes (all 256 values, NMI bit included) from one vCPU interleaved with 0x71 reads and writes from others always address CMOS[index & 0x7F]', () => {
    for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
      const p = createPlatform({ profile, vcpus: 3, ramBytes: 0 });
      const rng = new FuzzRng(0x503);
      // The reference: what the data port gives for index i, read on vCPU 0 right after selecting i.
      const reference = (i: number): number => {
        p.ports.write(0x70, 1, i, accessContext(0));
        return p.ports.read(0x71, 1, accessContext(0));
      };
      let selected = 0;
      for (let k = 0; k < 4000; k++) {
        const vcpu = rng.below(3);
        const roll = rng.below(3);
        if (roll === 0) {
          selected = rng.below(256);
          p.ports.write(0x70, 1, selected, accessContext(vcpu));
        } else if (roll === 1) {
          const i = selected & 0x7f;
          if (i === 0x0c) continue; // register C clears on read: compared separately below
          const v = p.ports.read(0x71, 1, accessContext(vcpu));
          expect(Number.isInteger(v) && v >= 0 && v <= 0xff).toBe(true);
          expect(v, `${profile} index 0x${selected.toString(16)}`).toBe(reference(selected));
          p.ports.write(0x70, 1, selected, accessContext(vcpu));
        } else {
          const i = selected & 0x7f;
          if (i < 0x0e) continue; // clock and control registers: NVRAM bytes only
          const value = rng.below(256);
          p.ports.write(0x71, 1, value, accessContext(vcpu));
          // QEMU keeps all 128 bytes; Xen's vRTC has no NVRAM past register D (reads all-ones).
          expect(reference(selected), `${profile} NVRAM 0x${i.toString(16)}`).toBe(profile === 'qemu-pc' ? value : 0xff);
          p.ports.write(0x70, 1, selected, accessContext(vcpu));
        }
      }
      const cmos = (p.snapshot().devices.rtc as { cmos: number[] }).cmos;
      expect(cmos.length).toBe(128); // nothing was ever written past the array
      expect(cmos.every((b) => Number.isInteger(b) && b >= 0 && b <= 0xff)).toBe(true);
      // Index 0x8C (NMI bit + register C) selects register C: it reads, then reads clear.
      p.ports.write(0x70, 1, 0x8c, accessContext(1));
      const c1 = p.ports.read(0x71, 1, accessContext(2));
      expect(c1 & 0x0f).toBe(0);
      expect(p.ports.read(0x71, 1, accessContext(0))).toBe(0);
    }
  });
});
