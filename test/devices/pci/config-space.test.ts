import { describe, expect, it } from 'vitest';
import { ConfigSpace } from '../../../src/devices/pci/config-space.js';
import { PciRegisterError } from '../../../src/devices/pci/errors.js';
import { SnapshotError } from '../../../src/device-model/snapshot.js';

describe('config register framework (vPCI-style)', () => {
  it('refuses misaligned, oversized and overlapping registers with a typed error', () => {
    const s = new ConfigSpace(256, 'ones');
    s.add({ offset: 0x40, size: 4, name: 'a' });
    expect(() => s.add({ offset: 0x42, size: 2, name: 'b' })).toThrow(PciRegisterError);
    expect(() => s.add({ offset: 0x45, size: 2, name: 'c' })).toThrow(/multiple of its size/);
    expect(() => s.add({ offset: 0xfe, size: 4, name: 'd' })).toThrow(PciRegisterError);
    expect(() => s.add({ offset: 0x50, size: 3 as 4, name: 'e' })).toThrow(/1, 2 or 4/);
  });

  it('applies ro, rw1c, rsvdp and rsvdz masks on writes', () => {
    const s = new ConfigSpace(256, 'ones');
    const r = s.add({ offset: 0x40, size: 4, name: 'r', reset: 0x0000_00f0, ro: 0x0000_00ff, rw1c: 0x0f00_0000, rsvdz: 0xf000_0000 });
    s.write(0x40, 4, 0xffff_ff00);
    // ro byte kept (0xf0), rsvdz nibble 0, rw1c bits were 0 and stay 0 (writing 1 clears), rest written.
    expect(r.value).toBe(0x00ff_fff0);
    r.value = 0x0a00_0000 | r.value; // the device sets status bits
    s.write(0x40, 4, 0x0200_0000); // clear bit 25 only
    expect(s.read(0x40, 4)).toBe(0x0800_00f0); // a dword write also writes bytes 1–2
    // A byte write elsewhere must not clear rw1c bits it did not write.
    s.write(0x41, 1, 0x12);
    expect(s.read(0x40, 4)).toBe(0x0800_12f0);
  });

  it('reads rsvdz bits as 0 and keeps rsvdp bits on writes', () => {
    const s = new ConfigSpace(256, 'ones');
    s.add({ offset: 0x40, size: 2, name: 'r', reset: 0x8000, rsvdp: 0x8000, rsvdz: 0x0001 });
    s.write(0x40, 2, 0x0fff);
    expect(s.read(0x40, 2)).toBe(0x8ffe);
  });

  it('assembles accesses spanning registers and gaps; gaps follow the policy', () => {
    for (const [policy, gap] of [
      ['ones', 0xff],
      ['zero', 0x00],
    ] as const) {
      const s = new ConfigSpace(256, policy);
      s.add({ offset: 0x40, size: 1, name: 'a', reset: 0x11 });
      s.add({ offset: 0x42, size: 2, name: 'b', reset: 0x3322 });
      expect(s.read(0x40, 4)).toBe((0x33220011 | (gap << 8)) >>> 0);
      s.write(0x40, 4, 0xaabbccdd);
      expect(s.read(0x40, 4)).toBe((0xaabb00dd | (gap << 8)) >>> 0);
      expect(s.read(0x44, 4)).toBe(gap === 0xff ? 0xffffffff : 0);
    }
  });

  it('gives a written register only its own bytes (word write into a dword register)', () => {
    const s = new ConfigSpace(256, 'ones');
    const seen: number[] = [];
    s.add({
      offset: 0x40,
      size: 4,
      name: 'w',
      reset: 0x11223344,
      write: (reg, v) => {
        seen.push(v);
        reg.store(v);
      },
    });
    s.write(0x42, 2, 0xbeef);
    expect(seen).toEqual([0xbeef3344]);
  });

  it('qemu policy: device-specific gaps are guest storage, header gaps read 0', () => {
    const s = new ConfigSpace(256, 'qemu');
    s.write(0x80, 4, 0xdeadbeef);
    expect(s.read(0x80, 4)).toBe(0xdeadbeef);
    s.write(0x20, 4, 0xdeadbeef);
    expect(s.read(0x20, 4)).toBe(0);
    s.reset();
    expect(s.read(0x80, 4)).toBe(0);
  });

  it('refuses snapshot values a register cannot hold, changing nothing', () => {
    const s = new ConfigSpace(256, 'ones');
    const r = s.add({ offset: 0x40, size: 2, name: 'r', reset: 0x0010, ro: 0x00ff });
    s.write(0x40, 2, 0x1200);
    const good = s.snapshot();
    expect(() => s.restore([0x1211], good.scratch, 'x')).toThrow(SnapshotError);
    expect(() => s.restore([0x10000], good.scratch, 'x')).toThrow(SnapshotError);
    expect(() => s.restore([], good.scratch, 'x')).toThrow(SnapshotError);
    expect(r.value).toBe(0x1210);
    s.restore([0x3410], good.scratch, 'x');
    expect(s.read(0x40, 2)).toBe(0x3410);
  });
});

describe('unsigned storage', () => {
  it('keeps 4-byte reset values with bit 31 set unsigned (snapshots hold them as such)', () => {
    const s = new ConfigSpace(256, 'ones');
    const r = s.add({ offset: 0x60, size: 4, name: 'bar-like', reset: 0xb0000000, ro: 0x80000000 });
    expect(r.value).toBe(0xb0000000);
    expect(r.ro).toBe(0x80000000);
    expect(s.snapshot().registers).toEqual([0xb0000000]);
    s.restore([0xb0000000], [], 'x');
    expect(s.read(0x60, 4)).toBe(0xb0000000);
  });
});
