import { describe, expect, it } from 'vitest';
import { pamAttribute, PAM_BASE } from '../../../src/devices/pci/pam.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform } from '../../../src/platform/platform.js';

function cfgWriteb(p: Platform, reg: number, value: number): void {
  p.ports.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
  p.ports.write(0xcfc + (reg & 3), 1, value);
}

/** Each of the 13 PAM segments: [first, last] address and its PAM nibble (i440fx-test's table). */
const SEGMENTS: [number, number, number][] = [[0xf0000, 0xfffff, 1]];
for (let i = 0; i < 12; i++) SEGMENTS.push([0xc0000 + i * 0x4000, 0xc3fff + i * 0x4000, i + 2]);

describe('PAM: 0xC0000-0xFFFFF routed by the host bridge', () => {
  for (const [profile, pam0] of [
    ['qemu-pc', 0x59],
    ['qemu-q35', 0x90],
  ] as const) {
    it(`${profile}: RE reads DRAM, WE writes it; otherwise reads are unclaimed (0) and writes dropped`, () => {
      const p = createPlatform({ profile });
      const set = (nibble: number, mode: number) => {
        const reg = pam0 + (nibble >>> 1);
        p.ports.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
        const old = p.ports.read(0xcfc + (reg & 3), 1);
        cfgWriteb(p, reg, nibble & 1 ? (old & 0x0f) | (mode << 4) : (old & 0xf0) | mode);
      };
      for (const [first, last, nibble] of SEGMENTS) {
        p.mmio.write(first, 1, 0x42);
        expect(p.mmio.read(first, 1)).toBe(0); // power-on: PAM 0, nothing behind
        set(nibble, 3);
        p.mmio.write(first, 4, 0x82828282);
        p.mmio.write(last, 1, 0x82);
        expect(p.mmio.read(last, 1)).toBe(0x82);
        set(nibble, 2); // write-only: reads go to PCI
        expect(p.mmio.read(first, 4)).toBe(0);
        p.mmio.write(first, 1, 0x11);
        set(nibble, 1); // read-only: writes go to PCI
        expect(p.mmio.read(first, 4)).toBe(0x82828211);
        p.mmio.write(first, 1, 0x22);
        expect(p.mmio.read(first, 1)).toBe(0x11);
        set(nibble, 0);
        expect(p.mmio.read(last, 1)).toBe(0);
        // Neighbouring segments are untouched.
        if (first > PAM_BASE) expect(p.mmio.read(first - 1, 1)).toBe(0);
      }
      // A reset clears the registers; the shadow RAM keeps its bytes, as RAM does.
      set(1, 1);
      p.reset();
      expect(p.mmio.read(0xf0000, 1)).toBe(0);
      set(1, 1);
      expect(p.mmio.read(0xf0000, 1)).toBe(0x11);
    });
  }

  it('attribute layout: PAM0 high nibble is the BIOS area, then two 16 KiB segments per register', () => {
    expect(pamAttribute(0x59, 0)).toEqual({ offset: 0x5a, shift: 0 });
    expect(pamAttribute(0x59, 1)).toEqual({ offset: 0x5a, shift: 4 });
    expect(pamAttribute(0x59, 11)).toEqual({ offset: 0x5f, shift: 4 });
    expect(pamAttribute(0x90, 15)).toEqual({ offset: 0x90, shift: 4 });
  });
});
