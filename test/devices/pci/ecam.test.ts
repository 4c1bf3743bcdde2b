import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import { PciEcamError } from '../../../src/devices/pci/errors.js';
import { cfgRead, cfgWrite, xenRig, type Rig } from './helpers.js';

const ECAM = 0xe0000000;
const ecamAddr = (bus: number, dev: number, fn: number, reg: number) => ECAM + bus * 2 ** 20 + (dev << 15) + (fn << 12) + reg;

describe('ECAM / MMCFG', () => {
  it('reads the same first 256 bytes as mechanism #1, for every size and lane', () => {
    const { ports, mmio, host } = xenRig();
    host.attach(
      { device: 2 },
      {
        name: 'nic',
        vendorId: 0x8086,
        deviceId: 0x100e,
        classCode: 0x020000,
        interruptPin: 1,
        bars: [
          { index: 0, kind: 'mem32', size: 0x20000 },
          { index: 1, kind: 'io', size: 0x40 },
        ],
        capabilities: [{ kind: 'msi', vectors: 4, perVectorMask: true }],
      },
    );
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
    host.attach(
      { device: 1 },
      {
        name: 'pcie',
        vendorId: 0x1b36,
        deviceId: 0x000c,
        classCode: 0x060400,
        express: true,
        registers: [{ offset: 0x200, size: 4, name: 'vendor scratch' }],
      },
    );
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

/** A function whose first 256 bytes have every kind of register: BARs (sizing, mapping), MSI, MSI-X, rw1c status. */
const BUSY_DEV: PciFunctionDefinition = {
  name: 'busy',
  vendorId: 0x1af4,
  deviceId: 0x1041,
  classCode: 0x020000,
  interruptPin: 1,
  bars: [
    { index: 0, kind: 'mem32', size: 0x1000 },
    { index: 1, kind: 'io', size: 0x40 },
    { index: 2, kind: 'mem64', size: 0x4000, prefetchable: true },
  ],
  rom: { size: 0x8000 },
  capabilities: [
    { kind: 'msi', vectors: 8, perVectorMask: true },
    { kind: 'msix', vectors: 3, tableBar: 2, tableOffset: 0, pbaBar: 2, pbaOffset: 0x100 },
  ],
  registers: [{ offset: 0x80, size: 4, name: 'w1c', rw1c: 0xff00ff00, reset: 0xff00ff00 }],
};

describe('ECAM ≡ mechanism #1 for the first 256 bytes (property)', () => {
  const values = fc.oneof(fc.nat(0xffffffff), fc.constantFrom(0xffffffff, 0, 0x7, 0x3, 0x406, 0xfe000000, 0xc001, 0x8000, 0xc000, 0xfe001001));
  const op = fc.record({
    dev: fc.constantFrom(0, 3, 4),
    reg: fc.nat(255),
    size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
    write: fc.boolean(),
    v: values,
  });
  const dump = (r: Rig) => [0, 3, 4].flatMap((dev) => Array.from({ length: 64 }, (_, i) => r.host.configRead(0, 0, dev << 3, i * 4, 4)));
  const mappings = (r: Rig) => [...r.mmio.list(), ...r.ports.list()].map((x) => `${x.owner}/${x.name}@${x.base.toString(16)}+${x.length}`).sort();

  it('the same guest traffic through 0xCF8/0xCFC and through ECAM reads the same values and leaves the same state', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
        const viaPorts = xenRig();
        const viaEcam = xenRig();
        for (const r of [viaPorts, viaEcam]) r.host.attach({ device: 3 }, BUSY_DEV);
        for (const o of ops) {
          const reg = o.reg - (o.reg % o.size); // both mechanisms refuse misaligned accesses; compare aligned ones
          if (o.write) {
            cfgWrite(viaPorts.ports, 0, o.dev, 0, reg, o.size, o.v & (o.size === 4 ? 0xffffffff : (1 << (o.size * 8)) - 1));
            viaEcam.mmio.write(ecamAddr(0, o.dev, 0, reg), o.size, o.v & (o.size === 4 ? 0xffffffff : (1 << (o.size * 8)) - 1));
          } else {
            expect(viaEcam.mmio.read(ecamAddr(0, o.dev, 0, reg), o.size)).toBe(cfgRead(viaPorts.ports, 0, o.dev, 0, reg, o.size));
          }
        }
        expect(dump(viaEcam)).toEqual(dump(viaPorts));
        expect(mappings(viaEcam)).toEqual(mappings(viaPorts));
        // Within one platform, both windows show the same bytes.
        for (const dev of [0, 3, 4]) {
          for (let reg = 0; reg < 256; reg += 4) expect(viaEcam.mmio.read(ecamAddr(0, dev, 0, reg), 4)).toBe(cfgRead(viaEcam.ports, 0, dev, 0, reg, 4));
        }
      }),
      { numRuns: 100 },
    );
  });
});
