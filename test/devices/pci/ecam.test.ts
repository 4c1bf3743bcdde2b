import { describe, expect, it } from 'vitest';
import { PciEcamError } from '../../../src/devices/pci/errors.js';
import { cfgRead, xenRig } from './helpers.js';

const ECAM = 0xe0000000;
const ecamAddr = (bus: number, dev: number, fn: number, reg: number) => ECAM + bus * 2 ** 20 + (dev << 15) + (fn << 12) + reg;

describe('ECAM / MMCFG', () => {
  it('reads the same first 256 bytes as mechanism #1, for every size and lane', () => {
    const { ports, mmio, host } = xenRig();
    host.attach({ device: 2 }, {
      name: 'nic',
      vendorId: 0x8086,
      deviceId: 0x100e,
      classCode: 0x020000,
      interruptPin: 1,
      bars: [{ index: 0, kind: 'mem32', size: 0x20000 }, { index: 1, kind: 'io', size: 0x40 }],
      capabilities: [{ kind: 'msi', vectors: 4, perVectorMask: true }],
    });
    for (const dev of [0, 2, 7]) {
      for (let reg = 0; reg < 256; reg++) {
        for (const size of [1, 2, 4] as const) {
          if (reg % size !== 0) continue;
          expect(mmio.read(ecamAddr(0, dev, 0, reg), size)).toBe(cfgRead(ports, 0, dev, 0, reg, size));
        }
      }
    }
  });

  it('writes through ECAM are seen by mechanism #1', () => {
    const { ports, mmio } = xenRig();
    mmio.write(ecamAddr(0, 0, 0, 0x3c), 1, 0x0b);
    expect(cfgRead(ports, 0, 0, 0, 0x3c, 1)).toBe(0x0b);
  });

  it('splits 8-byte accesses into two 4-byte accesses', () => {
    const { mmio } = xenRig();
    mmio.write(ecamAddr(0, 0, 0, 0x0c), 1, 0x10);
    expect(mmio.read64(ecamAddr(0, 0, 0, 0x08))).toBe(0x00000010_06000002n);
    mmio.write64(ecamAddr(0, 0, 0, 0x38), 0x0000_0000_0000_0005n << 32n);
    expect(mmio.read(ecamAddr(0, 0, 0, 0x3c), 1)).toBe(0x05);
  });

  it('misaligned accesses read all-ones and are dropped', () => {
    const { mmio } = xenRig();
    expect(mmio.read(ecamAddr(0, 0, 0, 1), 2)).toBe(0xffff);
    expect(mmio.read(ecamAddr(0, 0, 0, 2), 4)).toBe(0xffffffff);
    expect(mmio.read64(ecamAddr(0, 0, 0, 4))).toBe(0xffff_ffff_ffff_ffffn);
    mmio.write(ecamAddr(0, 0, 0, 0x3b), 2, 0x0707);
    expect(mmio.read(ecamAddr(0, 0, 0, 0x3c), 1)).toBe(0);
  });

  it('reaches the extended config space of a PCI Express function; a conventional one reads all-ones there', () => {
    const { mmio, host } = xenRig();
    host.attach({ device: 1 }, {
      name: 'pcie',
      vendorId: 0x1b36,
      deviceId: 0x000c,
      classCode: 0x060400,
      express: true,
      registers: [{ offset: 0x200, size: 4, name: 'vendor scratch' }],
    });
    expect(mmio.read(ecamAddr(0, 1, 0, 0x100), 4)).toBe(0);
    mmio.write(ecamAddr(0, 1, 0, 0x200), 4, 0xcafef00d);
    expect(mmio.read(ecamAddr(0, 1, 0, 0x200), 4)).toBe(0xcafef00d);
    expect(mmio.read(ecamAddr(0, 1, 0, 0x300), 4)).toBe(0xffffffff);
    expect(mmio.read(ecamAddr(0, 0, 0, 0x100), 4)).toBe(0xffffffff);
  });

  it('refuses overlapping windows with a typed error, and serves other segments', () => {
    const { mmio, host } = xenRig();
    expect(() => host.addEcamRegion({ segment: 1, busStart: 0, busEnd: 0, base: ECAM + 0x0ff00000 })).toThrow(PciEcamError);
    expect(() => host.addEcamRegion({ segment: 0, busStart: 255, busEnd: 255, base: 0xd0000000 })).toThrow(/buses/);
    expect(() => host.addEcamRegion({ segment: 1, busStart: 0, busEnd: 1, base: 0xd0080000 })).toThrow(/1 MiB aligned/);
    const seg1 = host.addEcamRegion({ segment: 1, busStart: 4, busEnd: 5, base: 0xd0000000 });
    host.attach({ segment: 1, bus: 5, device: 3 }, { name: 's1', vendorId: 0x1af4, deviceId: 0x1041, classCode: 0x020000 });
    expect(mmio.read(0xd0000000 + 2 ** 20 + (3 << 15), 4)).toBe(0x10411af4);
    seg1.remove();
    expect(mmio.read(0xd0000000 + 2 ** 20 + (3 << 15), 4)).toBe(0xffffffff);
  });
});
