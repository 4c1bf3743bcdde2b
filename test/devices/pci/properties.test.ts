// Random guest config traffic (mechanism #1, ECAM, BAR/MSI-X MMIO) never throws, never changes
// read-only header fields and never leaves a BAR mapping that the registers do not describe.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import type { PciFunction } from '../../../src/devices/pci/function.js';
import { QEMU_Q35_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { decodePciexbar, Q35Mch } from '../../../src/devices/pci/q35-mch.js';
import { QemuPcChipset } from '../../../src/devices/pci/qemu-pc-chipset.js';
import { qemuRig, xenRig, type Rig } from './helpers.js';

const DEVS: PciFunctionDefinition[] = [
  {
    name: 'a',
    vendorId: 0x1af4,
    deviceId: 0x1041,
    classCode: 0x020000,
    interruptPin: 1,
    bars: [
      { index: 0, kind: 'mem32', size: 0x1000 },
      { index: 1, kind: 'io', size: 0x40 },
      { index: 2, kind: 'mem64', size: 0x4000, prefetchable: true },
    ],
    rom: { size: 0x10000 },
    capabilities: [
      { kind: 'msi', vectors: 8, perVectorMask: true },
      { kind: 'msix', vectors: 3, tableBar: 2, tableOffset: 0, pbaBar: 2, pbaOffset: 0x100 },
    ],
  },
  {
    name: 'b',
    vendorId: 0x8086,
    deviceId: 0x100e,
    classCode: 0x020000,
    interruptPin: 2,
    express: true,
    bars: [
      { index: 0, kind: 'mem32', size: 0x1000 },
      { index: 1, kind: 'io', size: 0x40 },
    ],
  },
];

// Addresses the guest picks BARs from: a few distinct windows so clashes happen often.
const BAR_VALUES = [0, 0xffffffff, 0xcc1, 0xa0000, 0xfe000000, 0xfe001000, 0xfe002000, 0xfe000008, 0xc000, 0xc040, 0xc001, 0xfebfff00, 0xe0000000, 0x12345678];
const REGS = [
  0x64, 0x00, 0x04, 0x06, 0x0c, 0x10, 0x14, 0x18, 0x1c, 0x30, 0x3c, 0x40, 0x42, 0x44, 0x48, 0x4c, 0x50, 0x54, 0x58, 0x5a, 0x5c, 0x60, 0x62, 0x80, 0x100, 0xfc,
];

const op = fc.oneof(
  fc.record({
    k: fc.constant('cf8' as const),
    v: fc.oneof(
      fc.nat(0xffffffff),
      fc.constantFrom(0x80001800, 0x80002000, 0x80000800, 0x80000b00).chain((b) => fc.constantFrom(...REGS).map((r) => (b | r) >>> 0)),
    ),
  }),
  fc.record({
    k: fc.constant('port' as const),
    port: fc.integer({ min: 0xcf6, max: 0xd01 }),
    size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
    v: fc.oneof(fc.nat(0xffffffff), fc.constantFrom(...BAR_VALUES)),
    write: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('cfg' as const),
    dev: fc.constantFrom(3, 4, 1, 0),
    fn: fc.constantFrom(0, 3),
    reg: fc.constantFrom(...REGS),
    size: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
    v: fc.oneof(fc.constantFrom(...BAR_VALUES), fc.nat(0xffff), fc.constantFrom(0x7, 0x3, 0x406, 0x8000, 0xc000, 0xe0000001, 0xfe000001, 0xfc000003)),
  }),
  fc.record({
    k: fc.constant('ecam' as const),
    off: fc.nat(0x3fffff),
    size: fc.constantFrom(1, 2, 4, 8) as fc.Arbitrary<1 | 2 | 4 | 8>,
    v: fc.nat(0xffffffff),
    write: fc.boolean(),
    aligned: fc.boolean(),
  }),
  fc.record({
    k: fc.constant('mmio' as const),
    addr: fc.integer({ min: 0xfdfffff0, max: 0xfe003010 }),
    size: fc.constantFrom(1, 2, 4, 8) as fc.Arbitrary<1 | 2 | 4 | 8>,
    v: fc.nat(0xffffffff),
    write: fc.boolean(),
  }),
  fc.record({ k: fc.constant('irq' as const), which: fc.nat(1), level: fc.boolean(), vector: fc.integer({ min: -1, max: 9 }) }),
);

function setup(kind: 'xen' | 'qemu' | 'q35') {
  const rig: Rig = kind === 'xen' ? xenRig() : kind === 'qemu' ? qemuRig() : qemuRig(QEMU_Q35_PCI_HOST_PARAMS);
  if (kind === 'qemu') {
    new QemuPcChipset(rig.host, { placePmBlock: () => undefined });
    rig.host.addEcamRegion({ segment: 0, busStart: 0, busEnd: 3, base: 0xe0000000 });
  }
  // q35: the guest places (and may clash) the ECAM window itself through PCIEXBAR.
  const mch = kind === 'q35' ? new Q35Mch(rig.host) : null;
  const fns = DEVS.map((d, i) => rig.host.attach({ device: 3 + i }, d));
  return { ...rig, fns, mch };
}

function apply(p: ReturnType<typeof setup>, o: fc.Arbitrary<unknown> extends never ? never : any): void {
  switch (o.k) {
    case 'cf8':
      p.ports.write(0xcf8, 4, o.v);
      break;
    case 'port':
      if (o.write) p.ports.write(o.port, o.size, o.v);
      else p.ports.read(o.port, o.size);
      break;
    case 'cfg':
      p.ports.write(0xcf8, 4, (0x80000000 | (o.dev << 11) | (o.fn << 8) | (o.reg & 0xfc)) >>> 0);
      p.ports.write(0xcfc + (o.reg & 3 & (4 - o.size)), o.size, o.v);
      break;
    case 'ecam': {
      // Misaligned ones too (class B): they read all-ones and are dropped, never throw.
      const addr = 0xe0000000 + o.off - (o.aligned ? o.off % o.size : 0);
      if (o.size === 8) {
        if (o.write) p.mmio.write64(addr, BigInt(o.v) * 0x1_0000_0001n);
        else p.mmio.read64(addr);
      } else if (o.write) p.mmio.write(addr, o.size, o.v);
      else p.mmio.read(addr, o.size);
      break;
    }
    case 'mmio':
      if (o.size === 8) {
        if (o.write) p.mmio.write64(o.addr, BigInt(o.v));
        else p.mmio.read64(o.addr);
      } else if (o.write) p.mmio.write(o.addr, o.size, o.v);
      else p.mmio.read(o.addr, o.size);
      break;
    case 'irq': {
      const f = p.fns[o.which]!;
      f.setIntx(o.level);
      f.signalMsi(o.vector);
      break;
    }
  }
}

/** The header fields a guest can never change, and the bus mappings the registers describe. */
function checkInvariants(p: ReturnType<typeof setup>): void {
  if (p.mch !== null) {
    // The ECAM window is exactly what PCIEXBAR selects, unless that placement clashed.
    const want = decodePciexbar(p.host.configRead(0, 0, 0, 0x60, 4), p.host.configRead(0, 0, 0, 0x64, 4));
    if (p.mch.conflict) expect(p.mch.ecam).toBeNull();
    else expect(p.mch.ecam).toEqual(want);
    expect(p.host.ecamWindows()).toEqual(p.mch.ecam === null ? [] : [p.mch.ecam]);
  }
  for (const f of p.host.functions()) {
    const d = f.definition;
    const devfn = (f.address.device << 3) | f.address.function;
    expect(p.host.configRead(0, 0, devfn, 0, 4)).toBe(((d.deviceId << 16) | d.vendorId) >>> 0);
    expect(p.host.configRead(0, 0, devfn, 8, 4) >>> 8).toBe(d.classCode);
    expect(p.host.configRead(0, 0, devfn, 0x0e, 1) & 0x7f).toBe(0);
    expect(p.host.configRead(0, 0, devfn, 0x3d, 1)).toBe(d.interruptPin ?? 0);
    checkMappings(p, f);
  }
}

function checkMappings(p: ReturnType<typeof setup>, f: PciFunction): void {
  const cmd = f.command.value;
  for (const bar of f.declaredBars()) {
    const want = bar.placement(cmd);
    if (want === null) expect(bar.region).toBeNull();
    else if (bar.region === null) expect(bar.conflict).toBe(true);
    else {
      expect(bar.region.base).toBe(want);
      expect(bar.region.live).toBe(true);
      const bus = bar.space === 'io' ? p.ports : p.mmio;
      expect(bus.regionAt(want)).toBe(bar.region);
    }
  }
  // No orphan regions: every live region owned by the function is one of its BARs' regions.
  const owned = [...p.mmio.list(), ...p.ports.list()].filter((r) => r.owner === f.name);
  const mine = f
    .declaredBars()
    .map((b) => b.region)
    .filter((r) => r !== null);
  expect(owned.length).toBe(mine.length);
  for (const r of owned) expect(mine).toContain(r);
}

describe('random config traffic', () => {
  for (const kind of ['xen', 'qemu', 'q35'] as const) {
    it(`${kind}: never throws, keeps header invariants, never leaves a stale mapping`, () => {
      const q = setup(kind); // restored over again and again: restore must not depend on a fresh target
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
          const p = setup(kind);
          for (const o of ops) apply(p, o);
          checkInvariants(p);
          // And a snapshot of the result restores into a fresh platform with the same view.
          q.host.restore(JSON.parse(JSON.stringify(p.host.snapshot())));
          for (const f of q.host.functions()) checkMappings(q, f);
          const dump = (x: ReturnType<typeof setup>) =>
            x.host.functions().flatMap((f) => {
              const devfn = (f.address.device << 3) | f.address.function;
              return Array.from({ length: 64 }, (_, i) => x.host.configRead(0, 0, devfn, i * 4, 4));
            });
          expect(dump(q)).toEqual(dump(p));
        }),
        { numRuns: 60 },
      );
    });
  }
});
