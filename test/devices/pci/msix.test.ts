import { describe, expect, it } from 'vitest';
import type { IoHandler } from '../../../src/bus/handler.js';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import { PciDeviceDefinitionError } from '../../../src/devices/pci/errors.js';
import { cfgRead, cfgWrite, xenRig } from './helpers.js';

const DEV = 6;
const BAR = 0xfe000000;
const inner: IoHandler & { writes: number[] } = {
  writes: [],
  read: (o) => 0x1000 + o,
  write(o) {
    this.writes.push(o);
  },
};
const DEF: PciFunctionDefinition = {
  name: 'msix-dev',
  vendorId: 0x1af4,
  deviceId: 0x1041,
  classCode: 0x020000,
  bars: [{ index: 0, kind: 'mem32', size: 0x1000, handler: inner, sizes: 4, aligned: true }],
  capabilities: [{ kind: 'msix', vectors: 8, tableBar: 0, tableOffset: 0, pbaBar: 0, pbaOffset: 0x800 }],
};
// Capability at 0x40: control 0x42, table 0x44, PBA 0x48.

function rig() {
  const r = xenRig();
  const fn = r.host.attach({ device: DEV }, DEF);
  const wr = (reg: number, size: 1 | 2 | 4, v: number) => cfgWrite(r.ports, 0, DEV, 0, reg, size, v);
  wr(0x10, 4, BAR);
  wr(0x04, 2, 0x0006); // memory + bus master
  return { ...r, fn, wr, rd: (reg: number, size: 1 | 2 | 4 = 4) => cfgRead(r.ports, 0, DEV, 0, reg, size) };
}

function entry(r: ReturnType<typeof rig>, i: number, addr: number, data: number, masked: boolean) {
  r.mmio.write(BAR + i * 16, 4, addr);
  r.mmio.write(BAR + i * 16 + 4, 4, 0);
  r.mmio.write(BAR + i * 16 + 8, 4, data);
  r.mmio.write(BAR + i * 16 + 12, 4, masked ? 1 : 0);
}

describe('MSI-X (PCI 3.0 §6.8.2)', () => {
  it('describes the table and PBA in the capability', () => {
    const r = rig();
    expect(r.rd(0x40)).toBe(0x00070011); // ID 0x11, table size 8 (N-1 = 7)
    expect(r.rd(0x44)).toBe(0x00000000);
    expect(r.rd(0x48)).toBe(0x00000800);
    r.wr(0x42, 2, 0xffff);
    expect(r.rd(0x42, 2)).toBe(0xc007);
  });

  it('table entries reset masked with zero address and data', () => {
    const r = rig();
    expect([0, 4, 8, 12].map((o) => r.mmio.read(BAR + 0x70 + o, 4))).toEqual([0, 0, 0, 1]);
  });

  it('delivers an unmasked entry; function mask and entry mask pend it in the PBA', () => {
    const r = rig();
    entry(r, 3, 0xfee02000, 0x51, false);
    r.wr(0x42, 2, 0x8000);
    expect(r.fn.signalMsi(3)).toBe(true);
    expect(r.msi.messages).toEqual([{ addressLo: 0xfee02000, addressHi: 0, data: 0x51 }]);

    r.wr(0x42, 2, 0xc000); // function mask
    r.fn.signalMsi(3);
    expect(r.mmio.read(BAR + 0x800, 4)).toBe(0b1000);
    r.wr(0x42, 2, 0x8000);
    expect(r.msi.messages.length).toBe(2);
    expect(r.mmio.read(BAR + 0x800, 4)).toBe(0);

    r.mmio.write(BAR + 3 * 16 + 12, 4, 1); // entry mask
    r.fn.signalMsi(3);
    expect(r.mmio.read64(BAR + 0x800)).toBe(0b1000n);
    r.mmio.write(BAR + 3 * 16 + 12, 4, 0);
    expect(r.msi.messages.length).toBe(3);
  });

  it('drops signals while disabled, for entries that do not exist, or without bus mastering', () => {
    const r = rig();
    entry(r, 0, 0xfee00000, 0x30, false);
    expect(r.fn.signalMsi(0)).toBe(false);
    r.wr(0x42, 2, 0x8000);
    expect(r.fn.signalMsi(8)).toBe(false);
    expect(r.fn.signalMsi(-1)).toBe(false);
    r.wr(0x04, 2, 0x0002);
    expect(r.fn.signalMsi(0)).toBe(false);
    expect(r.msi.messages).toEqual([]);
  });

  it('table accesses other than aligned 4/8 bytes read all-ones and are dropped (bad-inputs 40)', () => {
    const r = rig();
    entry(r, 1, 0xfee00000, 0x1234, true);
    expect(r.mmio.read(BAR + 0x18, 1)).toBe(0xff);
    expect(r.mmio.read(BAR + 0x18, 2)).toBe(0xffff);
    expect(r.mmio.read(BAR + 0x1a, 4)).toBe(0xffffffff);
    r.mmio.write(BAR + 0x18, 2, 0xffff);
    r.mmio.write(BAR + 0x18, 1, 0xff);
    expect(r.mmio.read(BAR + 0x18, 4)).toBe(0x1234);
    expect(r.mmio.read64(BAR + 0x10)).toBe(0x00000000_fee00000n);
    expect(r.mmio.read64(BAR + 0x14)).toBe(0xffff_ffff_ffff_ffffn);
    r.mmio.write64(BAR + 0x18, 0x0000_0000_0000_abcdn);
    expect(r.mmio.read(BAR + 0x18, 4)).toBe(0xabcd);
    expect(r.mmio.read(BAR + 0x1c, 4)).toBe(0);
  });

  it('vector control keeps only the mask bit; the PBA ignores writes', () => {
    const r = rig();
    r.mmio.write(BAR + 12, 4, 0xfffffffe);
    expect(r.mmio.read(BAR + 12, 4)).toBe(0);
    r.mmio.write(BAR + 0x800, 4, 0xff);
    expect(r.mmio.read(BAR + 0x800, 4)).toBe(0);
  });

  it('the rest of the BAR reaches the device handler with its own sizes', () => {
    const r = rig();
    expect(r.mmio.read(BAR + 0x100, 4)).toBe(0x1100);
    expect(r.mmio.read(BAR + 0x100, 2)).toBe(0xffff); // the device implements 4-byte accesses only
    r.mmio.write(BAR + 0x200, 4, 1);
    expect(inner.writes).toContain(0x200);
    expect(r.mmio.read(BAR + 0x80, 4)).toBe(0x1080); // just past the 8-entry table
  });

  it('refuses a table that does not fit its BAR', () => {
    const r = xenRig();
    expect(() =>
      r.host.attach({ device: 7 }, { ...DEF, capabilities: [{ kind: 'msix', vectors: 256, tableBar: 0, tableOffset: 0, pbaBar: 0, pbaOffset: 0x800 }] }),
    ).toThrow(PciDeviceDefinitionError);
    expect(() =>
      r.host.attach({ device: 7 }, { ...DEF, capabilities: [{ kind: 'msix', vectors: 8, tableBar: 1, tableOffset: 0, pbaBar: 0, pbaOffset: 0x800 }] }),
    ).toThrow(/memory BAR/);
  });
});
