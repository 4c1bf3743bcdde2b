import { describe, expect, it } from 'vitest';
import { QEMU_Q35_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { decodePciexbar, Q35Mch } from '../../../src/devices/pci/q35-mch.js';
import { cfgRead, cfgWrite, qemuRig } from './helpers.js';

function q35() {
  const rig = qemuRig(QEMU_Q35_PCI_HOST_PARAMS);
  const mch = new Q35Mch(rig.host);
  return { ...rig, mch };
}

describe('Q35 MCH PCIEXBAR', () => {
  it('decodes enable, length and base', () => {
    expect(decodePciexbar(0xb0000000, 0)).toBeNull();
    expect(decodePciexbar(0xb0000001, 0)).toEqual({ segment: 0, busStart: 0, busEnd: 255, base: 0xb0000000 });
    expect(decodePciexbar(0xbc000003, 0)).toEqual({ segment: 0, busStart: 0, busEnd: 127, base: 0xb8000000 });
    expect(decodePciexbar(0xbc000005, 2)).toEqual({ segment: 0, busStart: 0, busEnd: 63, base: 0x2_bc000000 });
    expect(decodePciexbar(0xb0000007, 0)).toBeNull(); // reserved length
  });

  it('keeps the datasheet writable bits', () => {
    const { ports } = q35();
    cfgWrite(ports, 0, 0, 0, 0x64, 4, 0xffffffff);
    expect(cfgRead(ports, 0, 0, 0, 0x64, 4)).toBe(0xf);
    cfgWrite(ports, 0, 0, 0, 0x64, 4, 0);
    cfgWrite(ports, 0, 0, 0, 0x60, 4, 0xfffffffe);
    expect(cfgRead(ports, 0, 0, 0, 0x60, 4)).toBe(0xfc000006);
  });

  it('a window placed over another range stays off without disturbing it', () => {
    const { ports, mmio, mch } = q35();
    mmio.register(0xb0000000, 0x1000, { read: () => 0x77, write: () => undefined }, { owner: 'other' });
    cfgWrite(ports, 0, 0, 0, 0x60, 4, 0xb0000001);
    expect(mch.conflict).toBe(true);
    expect(mmio.read(0xb0000000, 4)).toBe(0x77);
    cfgWrite(ports, 0, 0, 0, 0x60, 4, 0xc0000001);
    expect(mch.conflict).toBe(false);
    expect(mmio.read(0xc0000000, 4)).toBe(0x29c08086);
  });

  it('reset turns ECAM off; restore brings the window back', () => {
    const a = q35();
    cfgWrite(a.ports, 0, 0, 0, 0x60, 4, 0xe0000001);
    const snap = a.host.snapshot();
    a.host.reset();
    expect(a.mch.ecam).toBeNull();
    expect(a.mmio.read(0xe0000000, 4)).toBe(0);
    const b = q35();
    b.host.restore(snap);
    expect(b.mmio.read(0xe0000000, 4)).toBe(0x29c08086);
    expect(b.host.ecamWindows()).toEqual([{ segment: 0, busStart: 0, busEnd: 255, base: 0xe0000000 }]);
  });
});
