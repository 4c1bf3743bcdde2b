import { describe, expect, it } from 'vitest';
import { decodePirqRoute } from '../../../src/devices/pci/piix3.js';
import { XEN_HVM_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { QemuPcChipset } from '../../../src/devices/pci/qemu-pc-chipset.js';
import { cfgRead, cfgWrite, qemuRig, xenRig } from './helpers.js';

function pc() {
  const rig = qemuRig();
  const placed: (number | null)[] = [];
  const chipset = new QemuPcChipset(rig.host, { placePmBlock: (b) => void placed.push(b) });
  return { ...rig, chipset, placed };
}

describe('PIIX3 PIRQ routing (82371SB §2.2.13)', () => {
  it('decodes route values as the datasheet says', () => {
    expect(decodePirqRoute(0x80)).toBeNull();
    expect(decodePirqRoute(0x8b)).toBeNull();
    expect(decodePirqRoute(0x0b)).toBe(11);
    expect([0, 1, 2, 8, 13].map(decodePirqRoute)).toEqual([null, null, null, null, null]);
    expect(decodePirqRoute(0x7a)).toBe(10); // reserved bits 6:4 ignored
  });

  it('a device INTA on slot 3 reaches the PIC through PIRQC once firmware routes it', () => {
    const { host, ports, fabric } = pc();
    const fn = host.attach({ device: 3 }, { name: 'nic', vendorId: 0x8086, deviceId: 0x100e, classCode: 0x020000, interruptPin: 1 });
    fn.setIntx(true);
    expect(fabric.picInputLevel(11)).toBe(false); // links reset disabled (0x80)
    cfgWrite(ports, 0, 1, 0, 0x62, 1, 0x0b); // PIRQC → IRQ 11
    expect(fabric.picInputLevel(11)).toBe(true);
    expect(fabric.gsiLevel(11)).toBe(true);
    cfgWrite(ports, 0, 1, 0, 0x62, 1, 0x8b); // disable
    expect(fabric.picInputLevel(11)).toBe(false);
    expect(cfgRead(ports, 0, 1, 0, 0x62, 1)).toBe(0x8b);
    cfgWrite(ports, 0, 1, 0, 0x62, 1, 0xfa); // reserved bits read 0
    expect(cfgRead(ports, 0, 1, 0, 0x62, 1)).toBe(0x8a);
  });

  it('reset restores the disabled routes and drops the IRQ', () => {
    const { host, ports, fabric } = pc();
    const fn = host.attach({ device: 3 }, { name: 'nic', vendorId: 0x8086, deviceId: 0x100e, classCode: 0x020000, interruptPin: 1 });
    cfgWrite(ports, 0, 1, 0, 0x62, 1, 0x0a);
    fn.setIntx(true);
    expect(fabric.picInputLevel(10)).toBe(true);
    host.reset();
    expect(fabric.picInputLevel(10)).toBe(false);
    expect(cfgRead(ports, 0, 1, 0, 0x60, 4)).toBe(0x80808080);
    fn.setIntx(true);
    expect(fabric.picInputLevel(10)).toBe(false);
  });
});

describe('PIIX4 PM: PMBA and PMREGMISC place the ACPI PM block', () => {
  it('places the block at PMBA & 0xffc0 when PMIOSE is set, and removes it when cleared', () => {
    const { ports, placed } = pc();
    expect(cfgRead(ports, 0, 1, 3, 0x40, 4)).toBe(0x00000001);
    cfgWrite(ports, 0, 1, 3, 0x40, 4, 0x601);
    expect(placed).toEqual([]);
    cfgWrite(ports, 0, 1, 3, 0x80, 1, 0x01);
    expect(placed).toEqual([0x600]);
    cfgWrite(ports, 0, 1, 3, 0x40, 4, 0xb001);
    expect(placed).toEqual([0x600, 0xb000]);
    cfgWrite(ports, 0, 1, 3, 0x80, 1, 0x00);
    expect(placed).toEqual([0x600, 0xb000, null]);
  });

  it('keeps the datasheet writable bits of PMBA and PMREGMISC', () => {
    const { ports } = pc();
    cfgWrite(ports, 0, 1, 3, 0x40, 4, 0xffffffff);
    expect(cfgRead(ports, 0, 1, 3, 0x40, 4)).toBe(0x0000ffc1);
    cfgWrite(ports, 0, 1, 3, 0x80, 1, 0xff);
    expect(cfgRead(ports, 0, 1, 3, 0x80, 1)).toBe(0x01);
  });

  it('host reset unplaces the block', () => {
    const { ports, host, placed } = pc();
    cfgWrite(ports, 0, 1, 3, 0x40, 4, 0x601);
    cfgWrite(ports, 0, 1, 3, 0x80, 1, 0x01);
    host.reset();
    expect(placed).toEqual([0x600, null]);
  });
});

describe('describe()', () => {
  it('summarises the qemu-pc topology as plain data', () => {
    const { host, ports } = pc();
    cfgWrite(ports, 0, 1, 0, 0x60, 1, 0x0b);
    const d = host.describe() as { functions: { bdf: string; ids: string; intx: unknown }[]; links: unknown[]; ecam: unknown[] };
    expect(d.functions.map((f) => `${f.bdf} ${f.ids}`)).toEqual([
      '0000:00:00.0 0x8086:0x1237',
      '0000:00:01.0 0x8086:0x7000',
      '0000:00:01.1 0x8086:0x7010',
      '0000:00:01.3 0x8086:0x7113',
    ]);
    expect(d.functions[3]!.intx).toEqual({ pin: 'A', gsi: null, link: 0 });
    expect(d.links).toEqual([11, null, null, null]);
    expect(d.ecam).toEqual([]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });
});

describe('Xen HVM device-model view (XEN_HVM_PCI_HOST_PARAMS)', () => {
  it('PIIX3 PIRQRC writes route Xen links; pins also reach their GSI by the formula', () => {
    const rig = xenRig(XEN_HVM_PCI_HOST_PARAMS); // Xen's 48 GSIs
    new QemuPcChipset(rig.host, { placePmBlock: () => undefined });
    const fn = rig.host.attach({ device: 3 }, { name: 'nic', vendorId: 0x8086, deviceId: 0x100e, classCode: 0x020000, interruptPin: 1 });
    cfgWrite(rig.ports, 0, 1, 0, 0x63, 1, 0x05); // Xen link (3 + 0) & 3 = 3 = PIRQD
    fn.setIntx(true);
    expect(rig.fabric.picInputLevel(5)).toBe(true);
    expect(rig.host.router.gsiOf(3, 1)).toBe(28);
    expect(rig.fabric.gsiLevel(28)).toBe(true);
  });
});
