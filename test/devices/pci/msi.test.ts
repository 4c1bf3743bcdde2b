import { describe, expect, it } from 'vitest';
import { decodeMsi } from '../../../src/irq/msi.js';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import { PciDeviceDefinitionError } from '../../../src/devices/pci/errors.js';
import { XEN_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { cfgRead, cfgWrite, xenRig } from './helpers.js';

const DEV = 4;
const MSI_ONLY: PciFunctionDefinition = {
  name: 'msi-dev',
  vendorId: 0x1234,
  deviceId: 0x11e8,
  classCode: 0xff0000,
  interruptPin: 1,
  capabilities: [
    { kind: 'custom', id: 0x09, length: 4, registers: [{ offset: 2, size: 2, name: 'vendor data', reset: 0xbeef, ro: 0xffff }] },
    { kind: 'msi', vectors: 4, address64: true, perVectorMask: true },
  ],
};

function rig(def: PciFunctionDefinition = MSI_ONLY) {
  const r = xenRig();
  const fn = r.host.attach({ device: DEV }, def);
  const rd = (reg: number, size: 1 | 2 | 4 = 4) => cfgRead(r.ports, 0, DEV, 0, reg, size);
  const wr = (reg: number, size: 1 | 2 | 4, v: number) => cfgWrite(r.ports, 0, DEV, 0, reg, size, v);
  return { ...r, fn, rd, wr };
}

describe('capability list', () => {
  it('links the declared capabilities from 0x34 and sets Status.CapList', () => {
    const { rd } = rig();
    expect(rd(0x06, 2) & 0x10).toBe(0x10);
    expect(rd(0x34, 1)).toBe(0x40);
    expect(rd(0x40, 4)).toBe(0xbeef4409); // vendor-specific, next 0x44
    expect(rd(0x44, 2)).toBe(0x0005); // MSI, end of list
    expect(rd(0x46, 2)).toBe(0x0184); // per-vector mask, 64-bit, MMC=2 (4 vectors)
  });

  it('a function without capabilities has Status.CapList clear and pointer 0', () => {
    const { rd } = rig({ name: 'plain', vendorId: 1, deviceId: 1, classCode: 0 });
    expect(rd(0x06, 2) & 0x10).toBe(0);
    expect(rd(0x34, 1)).toBe(0);
  });

  it('refuses capabilities that do not fit below 0x100', () => {
    const r = xenRig();
    expect(() =>
      r.host.attach(
        { device: 9 },
        {
          name: 'big',
          vendorId: 1,
          deviceId: 1,
          classCode: 0,
          capabilities: [
            { kind: 'custom', id: 9, length: 192 },
            { kind: 'msi', vectors: 1 },
          ],
        },
      ),
    ).toThrow(PciDeviceDefinitionError);
  });
});

describe('MSI (PCI 3.0 §6.8.1)', () => {
  // 64-bit with mask: control 0x46, address 0x48, upper 0x4c, data 0x50, mask 0x54, pending 0x58.
  function program(r: ReturnType<typeof rig>, mme: number) {
    r.wr(0x48, 4, 0xfee01000);
    r.wr(0x4c, 4, 0);
    r.wr(0x50, 2, 0x0040);
    r.wr(0x04, 2, 0x0004); // bus master
    r.wr(0x46, 2, (mme << 4) | 1);
  }

  it('sends the programmed message for vector 0', () => {
    const r = rig();
    program(r, 0);
    expect(r.fn.signalMsi(0)).toBe(true);
    expect(r.msi.messages).toEqual([{ addressLo: 0xfee01000, addressHi: 0, data: 0x40 }]);
    const d = decodeMsi(r.msi.messages[0]!);
    expect([d.valid, d.destination, d.vector, d.deliveryMode]).toEqual([true, 1, 0x40, 0]);
  });

  it('multiple messages replace the low data bits with the vector number', () => {
    const r = rig();
    program(r, 2); // 4 vectors
    r.fn.signalMsi(3);
    r.fn.signalMsi(1);
    expect(r.msi.messages.map((m) => m.data)).toEqual([0x43, 0x41]);
    expect(r.fn.signalMsi(4)).toBe(false);
    expect(r.msi.messages.length).toBe(2);
  });

  it('clamps Multiple Message Enable to Multiple Message Capable', () => {
    const r = rig();
    program(r, 5); // asks for 32, capable of 4
    expect(r.fn.msi!.enabledVectors()).toBe(4);
    expect(r.fn.signalMsi(5)).toBe(false);
  });

  it('address bits 1:0 are reserved and read 0', () => {
    const r = rig();
    r.wr(0x48, 4, 0xfee00003);
    expect(r.rd(0x48)).toBe(0xfee00000);
  });

  it('a masked vector pends and is sent when unmasked', () => {
    const r = rig();
    program(r, 2);
    r.wr(0x54, 4, 0b0010);
    r.fn.signalMsi(1);
    expect(r.msi.messages).toEqual([]);
    expect(r.rd(0x58)).toBe(0b0010);
    r.wr(0x58, 4, 0); // pending bits are read-only
    expect(r.rd(0x58)).toBe(0b0010);
    r.wr(0x54, 4, 0);
    expect(r.msi.messages.map((m) => m.data)).toEqual([0x41]);
    expect(r.rd(0x58)).toBe(0);
  });

  it('mask bits of vectors beyond MMC are read-only 0', () => {
    const r = rig();
    r.wr(0x54, 4, 0xffffffff);
    expect(r.rd(0x54)).toBe(0xf);
  });

  it('drops the message without bus mastering or with MSI disabled', () => {
    const r = rig();
    program(r, 0);
    r.wr(0x04, 2, 0);
    expect(r.fn.signalMsi(0)).toBe(false);
    r.wr(0x04, 2, 4);
    r.wr(0x46, 2, 0);
    expect(r.fn.signalMsi(0)).toBe(false);
    expect(r.msi.messages).toEqual([]);
  });

  it('MSI enabled takes over from INTx (PCI 3.0 §6.8.1.3)', () => {
    const r = rig();
    r.fn.setIntx(true);
    const gsi = 16 + ((4 * DEV + 0 + 0) & 31);
    expect(r.fabric.gsiLevel(gsi)).toBe(true);
    program(r, 0);
    expect(r.fabric.gsiLevel(gsi)).toBe(false);
    r.wr(0x46, 2, 0);
    expect(r.fabric.gsiLevel(gsi)).toBe(true);
  });

  it('32-bit MSI without masking puts the data at +8', () => {
    const r = rig({ name: 'm32', vendorId: 1, deviceId: 2, classCode: 0, capabilities: [{ kind: 'msi', vectors: 1, address64: false }] });
    expect(r.rd(0x40)).toBe(0x00000005);
    r.wr(0x44, 4, 0xfee00000);
    r.wr(0x48, 2, 0x0031);
    r.wr(0x04, 2, 4);
    r.wr(0x42, 2, 1);
    r.fn.signalMsi(0);
    expect(r.msi.messages).toEqual([{ addressLo: 0xfee00000, addressHi: 0, data: 0x31 }]);
    expect(r.rd(0x4c)).toBe(0xffffffff); // past the capability: a gap
  });
});

describe("Xen's domU capability view (capabilityView: 'msi-only')", () => {
  it('links only MSI/MSI-X at their own offsets; other capabilities become gaps', () => {
    const r = xenRig({ ...XEN_PCI_HOST_PARAMS, capabilityView: 'msi-only' });
    r.host.attach({ device: DEV }, MSI_ONLY);
    const rd = (reg: number, size: 1 | 2 | 4 = 4) => cfgRead(r.ports, 0, DEV, 0, reg, size);
    expect(rd(0x34, 1)).toBe(0x44);
    expect(rd(0x40)).toBe(0xffffffff);
    expect(rd(0x44, 2)).toBe(0x0005);
    expect(rd(0x06, 2) & 0x10).toBe(0x10);
  });
});
