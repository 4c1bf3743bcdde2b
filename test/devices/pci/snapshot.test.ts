import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import { QemuPcChipset } from '../../../src/devices/pci/qemu-pc-chipset.js';
import { cfgRead, cfgWrite, qemuRig, xenRig, type Rig } from './helpers.js';

const NIC: PciFunctionDefinition = {
  name: 'nic',
  vendorId: 0x8086,
  deviceId: 0x10d3,
  classCode: 0x020000,
  interruptPin: 1,
  bars: [
    { index: 0, kind: 'mem32', size: 0x20000 },
    { index: 2, kind: 'io', size: 0x20 },
    { index: 3, kind: 'mem32', size: 0x4000 },
  ],
  capabilities: [
    { kind: 'msi', vectors: 2, perVectorMask: true },
    { kind: 'msix', vectors: 5, tableBar: 3, tableOffset: 0, pbaBar: 3, pbaOffset: 0x2000 },
  ],
};

/** Builds the same platform every time; `busy` drives it into a state with everything in flight. */
function build(kind: 'xen' | 'qemu') {
  const rig: Rig = kind === 'xen' ? xenRig() : qemuRig();
  const placed: (number | null)[] = [];
  if (kind === 'qemu') new QemuPcChipset(rig.host, { placePmBlock: (b) => void placed.push(b) });
  const nic = rig.host.attach({ device: 3 }, NIC);
  const other = rig.host.attach({ device: 4 }, { name: 'other', vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x020000, interruptPin: 2 });
  return { ...rig, nic, other, placed };
}

function busy(p: ReturnType<typeof build>) {
  const w = (dev: number, reg: number, size: 1 | 2 | 4, v: number) => cfgWrite(p.ports, 0, dev, 0, reg, size, v);
  w(3, 0x10, 4, 0xfe000000);
  w(3, 0x18, 4, 0xc040);
  w(3, 0x1c, 4, 0xfe100000);
  w(3, 0x04, 2, 0x0007);
  // MSI-X entry 2 programmed, entry 4 left masked; function enabled then entry 4 signalled (pending).
  p.mmio.write(0xfe100000 + 2 * 16, 4, 0xfee00000);
  p.mmio.write(0xfe100000 + 2 * 16 + 8, 4, 0x45);
  p.mmio.write(0xfe100000 + 2 * 16 + 12, 4, 0);
  p.mmio.write(0xfe100000 + 4 * 16, 4, 0xfee01000);
  p.mmio.write(0xfe100000 + 4 * 16 + 8, 4, 0x47);
  w(3, 0x5a, 2, 0x8000); // MSI-X control (cap at 0x58)
  p.nic.signalMsi(4);
  p.other.setIntx(true);
  if (p.placed !== undefined && p.host.params.intx.link === 'i440fx') {
    w(1, 0x63, 1, 0x0b); // qemu: PIRQD → IRQ 11 (slot 4 INTB: (4 − 1 + 1) & 3 = 0 → PIRQA)
    w(1, 0x60, 1, 0x0a);
    cfgWrite(p.ports, 0, 1, 3, 0x40, 4, 0xb001);
    cfgWrite(p.ports, 0, 1, 3, 0x80, 1, 1);
  } else {
    p.host.router.setLinkRoute((4 + 1) & 3, 5);
  }
  p.ports.write(0xcf8, 4, 0x80001858);
}

/** Everything a guest can observe of the PCI state. */
function observe(p: ReturnType<typeof build>) {
  const cfg = p.host.functions().map((f) => {
    const bytes: number[] = [];
    for (let r = 0; r < 256; r += 4) bytes.push(p.host.configRead(0, f.address.bus, (f.address.device << 3) | f.address.function, r, 4));
    return bytes;
  });
  const regions = [...p.mmio.list(), ...p.ports.list()].map((r) => `${r.owner}/${r.name}@${r.base.toString(16)}+${r.length}`).sort();
  const levels = Array.from({ length: p.fabric.gsiCount }, (_, g) => p.fabric.gsiLevel(g));
  const pic = Array.from({ length: 16 }, (_, i) => p.fabric.picInputLevel(i));
  return { cfg, regions, levels, pic, cf8: p.ports.read(0xcf8, 4), pba: p.mmio.read(0xfe102000, 4) };
}

describe('PCI host snapshots', () => {
  for (const kind of ['xen', 'qemu'] as const) {
    it(`${kind}: restores a busy platform into a fresh one that then behaves identically`, () => {
      const a = build(kind);
      busy(a);
      const snap = JSON.parse(JSON.stringify(a.host.snapshot()));
      const b = build(kind);
      b.host.restore(snap);
      expect(observe(b)).toEqual(observe(a));
      if (kind === 'qemu') expect(b.placed).toEqual([0xb000]);
      // Identical behaviour afterwards: unmasking entry 4 releases the pending message; INTx drops.
      for (const p of [a, b]) {
        p.mmio.write(0xfe100000 + 4 * 16 + 12, 4, 0);
        p.nic.signalMsi(2);
        p.other.setIntx(false);
      }
      expect(b.msi.messages).toEqual(a.msi.messages.slice(-2));
      expect(b.msi.messages.map((m) => m.data)).toEqual([0x47, 0x45]);
      expect(observe(b)).toEqual(observe(a));
    });
  }

  it('restores over a running platform without stale mappings', () => {
    const a = build('xen');
    busy(a);
    const snap = a.host.snapshot();
    const b = build('xen');
    busy(b);
    cfgWrite(b.ports, 0, 3, 0, 0x04, 2, 0);
    cfgWrite(b.ports, 0, 3, 0, 0x10, 4, 0xfd000000);
    cfgWrite(b.ports, 0, 3, 0, 0x04, 2, 0x0002);
    b.host.restore(snap);
    expect(observe(b)).toEqual(observe(a));
  });

  it('refuses mutated snapshots and leaves the platform unchanged', () => {
    const a = build('xen');
    busy(a);
    const good = JSON.stringify(a.host.snapshot());
    const before = observe(a);
    const mutations: ((s: any) => void)[] = [
      (s) => (s.cf8 = -1),
      (s) => (s.cf8 = 2 ** 32),
      (s) => (s.rcr = 4),
      (s) => (s.links = [0, 0, 0]),
      (s) => (s.links[0] = 16),
      (s) => s.functions.pop(),
      (s) => (s.functions[1].bdf = '0000:00:09.0'),
      (s) => (s.functions[1].state.registers[0] = 0x1234), // vendor ID is read-only
      (s) => (s.functions[1].state.registers[3] = 0x10000), // status out of range
      (s) => (s.functions[1].state.registers[3] = 0x0001), // a read-only status bit
      (s) => s.functions[1].state.registers.push(0),
      (s) => (s.functions[1].state.registers[5] = 1.5),
      (s) => (s.functions[1].state.intx = 'yes'),
      (s) => (s.functions[1].state.msix.table[3] = 2), // vector control bit 1 is reserved
      (s) => (s.functions[1].state.msix.table[0] = 0xfee00001), // address bits 1:0 reserved
      (s) => (s.functions[1].state.msix.pba[0] = 1 << 5), // entry 5 does not exist
      (s) => (s.functions[1].state.msix = null),
      (s) => (s.functions[1].state.scratch = [1]),
      (s) => (s.functions = {}),
    ];
    for (const m of mutations) {
      const s = JSON.parse(good);
      m(s);
      expect(() => a.host.restore(s), m.toString()).toThrow(SnapshotError);
      expect(observe(a)).toEqual(before);
    }
  });

  it('reads back the BAR registers as written after restore', () => {
    const a = build('xen');
    busy(a);
    const b = build('xen');
    b.host.restore(a.host.snapshot());
    expect(cfgRead(b.ports, 0, 3, 0, 0x10, 4)).toBe(0xfe000000);
    expect(b.mmio.regionAt(0xfe000000)?.owner).toBe('nic');
    expect(b.ports.regionAt(0xc040)?.owner).toBe('nic');
  });
});
