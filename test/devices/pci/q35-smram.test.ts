import { describe, expect, it } from 'vitest';
import { nextFSmbase, nextSmram, Q35_MCH_PARAMS, QEMU_Q35_MCH_PARAMS, type Q35MchParams, SMRAM, tsegBytes } from '../../../src/devices/pci/q35-mch.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import { PROFILES } from '../../../src/platform/profiles.js';
import type { Platform } from '../../../src/platform/platform.js';

const MIB = 1024 * 1024;

function mchWrite(p: Platform, reg: number, size: 1 | 2 | 4, value: number): void {
  p.ports.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
  p.ports.write(0xcfc + (reg & 3), size, value);
}

function mchRead(p: Platform, reg: number, size: 1 | 2 | 4): number {
  p.ports.write(0xcf8, 4, (0x80000000 | (reg & 0xfc)) >>> 0);
  return p.ports.read(0xcfc + (reg & 3), size);
}

function q35(mch?: Partial<Q35MchParams>, ramBytes = 128 * MIB): Platform {
  const base = PROFILES['qemu-q35'];
  const profile = mch === undefined ? base : { ...base, devices: { ...base.devices, q35Mch: { ...base.devices.q35Mch!, ...mch } } };
  return createPlatform({ profile, ramBytes });
}

describe('Q35 MCH SMRAM, ESMRAMC and TSEG', () => {
  it('power-on: SMRAM 0x02, ESMRAMC 0x38, QEMU extended TSEG 16 MiB at 0x50', () => {
    const p = q35();
    expect(mchRead(p, 0x9d, 1)).toBe(0x02);
    expect(mchRead(p, 0x9e, 1)).toBe(0x38);
    expect(mchRead(p, 0x50, 2)).toBe(16);
    mchWrite(p, 0x50, 2, 0x1234);
    expect(mchRead(p, 0x50, 2)).toBe(0x1234);
    mchWrite(p, 0x50, 2, 0xffff); // QEMU's query
    expect(mchRead(p, 0x50, 2)).toBe(16);
  });

  it('D_LCK clears D_OPEN and leaves only D_CLS writable until reset; ESMRAMC locks with it', () => {
    const p = q35();
    mchWrite(p, 0x9d, 1, 0x40);
    expect(mchRead(p, 0x9d, 1)).toBe(0x42);
    mchWrite(p, 0x9d, 1, 0x42 | SMRAM.D_LCK | SMRAM.G_SMRAME);
    expect(mchRead(p, 0x9d, 1)).toBe(0x1a); // D_OPEN gone
    mchWrite(p, 0x9d, 1, 0x7a);
    expect(mchRead(p, 0x9d, 1)).toBe(0x3a); // D_CLS took, D_OPEN did not
    mchWrite(p, 0x9d, 1, 0);
    expect(mchRead(p, 0x9d, 1)).toBe(0x1a);
    mchWrite(p, 0x9e, 1, 0x87);
    expect(mchRead(p, 0x9e, 1)).toBe(0x38);
    p.reset();
    mchWrite(p, 0x9d, 1, 0x40);
    expect(mchRead(p, 0x9d, 1)).toBe(0x42);
  });

  it('G_SMRAME + T_EN hide the top TSEG_SZ of RAM (reads all-ones, writes dropped) and give the same bytes back', () => {
    for (const [sz, bytes] of [
      [0, 1 * MIB],
      [1, 2 * MIB],
      [2, 8 * MIB],
      [3, 16 * MIB],
    ] as const) {
      const p = q35();
      const first = 128 * MIB - bytes;
      p.mmio.write(first, 1, 0x5a);
      p.mmio.write(first - 1, 1, 0x11);
      mchWrite(p, 0x9e, 1, 0x38 | (sz << 1) | 1);
      mchWrite(p, 0x9d, 1, SMRAM.G_SMRAME | SMRAM.D_CLS);
      expect(p.mmio.read(first, 1)).toBe(0xff);
      expect(p.mmio.read(128 * MIB - 4, 4)).toBe(0xffffffff);
      p.mmio.write(first, 1, 0x01);
      expect(p.mmio.read(first, 1)).toBe(0xff);
      expect(p.mmio.read(first - 1, 1)).toBe(0x11); // RAM below TSEG as before
      mchWrite(p, 0x9d, 1, 0x02);
      expect(p.mmio.read(first, 1)).toBe(0x5a);
      // The RAM is one region again.
      expect(p.mmio.ramView(1 * MIB, 127 * MIB)).not.toBeNull();
    }
  });

  it('D_OPEN shows TSEG in the datasheet; QEMU hides it whatever D_OPEN says', () => {
    const set = (p: Platform) => {
      mchWrite(p, 0x9e, 1, 0x39);
      mchWrite(p, 0x9d, 1, SMRAM.G_SMRAME | SMRAM.D_OPEN);
      return p.mmio.read(127 * MIB, 1);
    };
    expect(set(q35())).toBe(0xff);
    expect(set(q35({ dOpenShowsTseg: true }))).toBe(0);
  });

  it("QEMU's SMRAM at SMBASE: 0x9C ignores writes until 0xFF, then bit 1 locks 128 KiB at 0x30000 until reset", () => {
    const p = q35();
    p.mmio.write(0x30000, 1, 0x32);
    for (let i = 0; i < 0xff; i++) {
      mchWrite(p, 0x9c, 1, i);
      expect(mchRead(p, 0x9c, 1)).toBe(0);
    }
    mchWrite(p, 0x9c, 1, 0xff);
    expect(mchRead(p, 0x9c, 1)).toBe(0x01);
    mchWrite(p, 0x9c, 1, 0x02);
    expect(mchRead(p, 0x9c, 1)).toBe(0x02);
    expect(p.mmio.read(0x30000, 1)).toBe(0xff);
    expect(p.mmio.read(0x4ffff, 1)).toBe(0xff);
    expect(p.mmio.read(0x50000, 1)).toBe(0);
    mchWrite(p, 0x9c, 1, 0);
    expect(mchRead(p, 0x9c, 1)).toBe(0x02);
    p.reset();
    expect(mchRead(p, 0x9c, 1)).toBe(0);
    expect(p.mmio.read(0x30000, 1)).toBe(0x32);
    // Without the feature (pc-q35-4.2 and older), 0x9C is a plain byte.
    const old = q35({ smramAtSmbase: false });
    mchWrite(old, 0x9c, 1, 0x02);
    expect(mchRead(old, 0x9c, 1)).toBe(0x02);
    expect(old.mmio.read(0x30000, 1)).toBe(0);
  });

  it('a snapshot carries the lock and the holes', () => {
    const a = q35();
    mchWrite(a, 0x9e, 1, 0x39);
    mchWrite(a, 0x9d, 1, SMRAM.G_SMRAME | SMRAM.D_LCK);
    const snap = a.snapshot();
    const b = q35();
    b.restore(snap);
    expect(b.mmio.read(127 * MIB, 1)).toBe(0xff);
    mchWrite(b, 0x9d, 1, 0x40);
    expect(mchRead(b, 0x9d, 1)).toBe(0x1a);
  });

  it('register rules as functions', () => {
    expect(nextSmram(0x02, 0x52)).toBe(0x12);
    expect(nextSmram(0x12, 0x6a)).toBe(0x32);
    expect([0, 0x01, 0xff].map((v) => nextFSmbase(0, v))).toEqual([0, 0, 0x01]);
    expect([0, 0x02, 0xff].map((v) => nextFSmbase(0x01, v))).toEqual([0x01, 0x02, 0x02]);
    expect(nextFSmbase(0x02, 0)).toBe(0x02);
    expect(tsegBytes(0x06, QEMU_Q35_MCH_PARAMS)).toBe(16 * MIB);
    expect(tsegBytes(0x06, Q35_MCH_PARAMS)).toBe(0); // reserved in the datasheet: no TSEG
  });
});
