import { describe, expect, it } from 'vitest';
import type { IoHandler } from '../../../src/bus/handler.js';
import { BusOverlapError } from '../../../src/bus/errors.js';
import { PciDeviceDefinitionError } from '../../../src/devices/pci/errors.js';
import type { PciFunctionDefinition } from '../../../src/devices/pci/definition.js';
import { cfgRead, cfgWrite, qemuRig, xenRig } from './helpers.js';

/** A BAR backing that answers 0xA0 + offset and records writes. */
function probe(tag: number): IoHandler & { writes: [number, number][] } {
  const writes: [number, number][] = [];
  return {
    writes,
    read: (o) => (tag << 8) | (o & 0xff),
    write: (o, _s, v) => void writes.push([o, v]),
  };
}

const DEV = 3;
function definition(): PciFunctionDefinition {
  return {
    name: 'dev',
    vendorId: 0x1b36,
    deviceId: 0x0005,
    classCode: 0x00ff00,
    bars: [
      { index: 0, kind: 'mem32', size: 0x1000, handler: probe(0xa0) },
      { index: 1, kind: 'io', size: 0x100, handler: probe(0xb0) },
      { index: 2, kind: 'mem64', size: 0x4000, prefetchable: true, handler: probe(0xc0) },
      { index: 4, kind: 'mem64', size: 2 ** 33 },
    ],
    rom: { size: 0x8000, handler: probe(0xd0) },
  };
}

function sized(ports: Parameters<typeof cfgRead>[0], reg: number): number {
  const old = cfgRead(ports, 0, DEV, 0, reg, 4);
  cfgWrite(ports, 0, DEV, 0, reg, 4, 0xffffffff);
  const v = cfgRead(ports, 0, DEV, 0, reg, 4);
  cfgWrite(ports, 0, DEV, 0, reg, 4, old);
  return v;
}

describe('BAR sizing (PCI 3.0 §6.2.5.1)', () => {
  it('returns the size mask with the type bits for every BAR kind', () => {
    const { ports, host } = xenRig();
    host.attach({ device: DEV }, definition());
    expect(sized(ports, 0x10)).toBe(0xfffff000); // 4 KiB, 32-bit memory
    expect(sized(ports, 0x14)).toBe(0xffffff01); // 256-byte I/O
    expect(sized(ports, 0x18)).toBe(0xffffc00c); // 16 KiB, 64-bit, prefetchable
    expect(sized(ports, 0x1c)).toBe(0xffffffff); // upper half: all address bits
    expect(sized(ports, 0x20)).toBe(0x00000004); // 8 GiB: low half has no address bits
    expect(sized(ports, 0x24)).toBe(0xfffffffe); // upper half: bit 0 = 4 GiB below the size
    expect(sized(ports, 0x30)).toBe(0xffff8001); // 32 KiB ROM; bit 0 is the (writable) enable bit
    expect(cfgRead(ports, 0, DEV, 0, 0x30, 4)).toBe(0);
  });

  it('32-bit prefetchable memory, the smallest BARs (16-byte memory, 4-byte I/O) and a 2 KiB ROM', () => {
    const { ports, host } = xenRig();
    host.attach(
      { device: DEV },
      {
        name: 'small',
        vendorId: 1,
        deviceId: 2,
        classCode: 0,
        bars: [
          { index: 0, kind: 'mem32', size: 0x100000, prefetchable: true },
          { index: 1, kind: 'mem32', size: 16 },
          { index: 2, kind: 'io', size: 4 },
          { index: 3, kind: 'mem32', size: 2 ** 31 },
        ],
        rom: { size: 0x800 },
      },
    );
    expect(sized(ports, 0x10)).toBe(0xfff00008); // 1 MiB, 32-bit, prefetchable (bit 3)
    expect(sized(ports, 0x14)).toBe(0xfffffff0);
    expect(sized(ports, 0x18)).toBe(0xfffffffd); // 4-byte I/O: bits 1:0 = reserved 0, I/O 1
    expect(sized(ports, 0x1c)).toBe(0x80000000); // 2 GiB: only bit 31 decodes
    expect(sized(ports, 0x30)).toBe(0xfffff801);
    // Reading back after restoring the old value gives the type bits alone (address unassigned).
    expect([0x10, 0x14, 0x18, 0x1c].map((r) => cfgRead(ports, 0, DEV, 0, r, 4))).toEqual([0x8, 0x0, 0x1, 0x0]);
  });

  it('undeclared BAR slots are hardwired to 0', () => {
    const { ports, host } = xenRig();
    host.attach({ device: DEV }, { name: 'nobars', vendorId: 1, deviceId: 2, classCode: 0 });
    for (let r = 0x10; r <= 0x24; r += 4) expect(sized(ports, r)).toBe(0);
    expect(sized(ports, 0x30)).toBe(0);
  });

  it('refuses malformed BAR definitions', () => {
    const { host } = xenRig();
    const base = { name: 'x', vendorId: 1, deviceId: 2, classCode: 0 };
    expect(() => host.attach({ device: 4 }, { ...base, bars: [{ index: 0, kind: 'mem32', size: 0x1800 }] })).toThrow(PciDeviceDefinitionError);
    expect(() => host.attach({ device: 4 }, { ...base, bars: [{ index: 0, kind: 'io', size: 512 }] })).toThrow(/4–256/);
    expect(() => host.attach({ device: 4 }, { ...base, bars: [{ index: 5, kind: 'mem64', size: 16 }] })).toThrow(/two slots/);
    expect(() =>
      host.attach(
        { device: 4 },
        {
          ...base,
          bars: [
            { index: 0, kind: 'mem64', size: 16 },
            { index: 1, kind: 'io', size: 4 },
          ],
        },
      ),
    ).toThrow(/already used/);
  });
});

describe('BAR mapping', () => {
  it('maps memory and I/O BARs when the command register enables them, and unmaps them when disabled', () => {
    const { ports, mmio, host } = xenRig();
    const fn = host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(ports, 0, DEV, 0, 0x14, 4, 0xc000);
    expect(mmio.read(0xfebf0004, 4)).toBe(0xffffffff); // decoding off: unclaimed
    expect(ports.read(0xc004, 1)).toBe(0xff);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0003);
    expect(mmio.read(0xfebf0004, 4)).toBe(0xa004);
    expect(ports.read(0xc004, 1)).toBe(0x04);
    ports.write(0xc010, 1, 0x99);
    expect((fn.definition.bars![1]!.handler as ReturnType<typeof probe>).writes).toEqual([[0x10, 0x99]]);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0001); // memory off, I/O stays
    expect(mmio.read(0xfebf0004, 4)).toBe(0xffffffff);
    expect(ports.read(0xc004, 1)).toBe(0x04);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0);
    expect(ports.read(0xc004, 1)).toBe(0xff);
    expect(fn.bars[0]!.region).toBeNull();
  });

  it('maps a 64-bit BAR above 4 GiB from both halves', () => {
    const { ports, mmio, host } = xenRig();
    host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x18, 4, 0x00004000);
    cfgWrite(ports, 0, DEV, 0, 0x1c, 4, 0x00000008); // 0x8_0000_4000
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    expect(mmio.read(0x8_0000_4010, 4)).toBe(0xc010);
    expect(mmio.regionAt(0x8_0000_4000)!.length).toBe(0x4000);
  });

  it('Xen ignores memory BAR writes while decoding is on (I/O BARs move); QEMU moves the BAR at once', () => {
    const xen = xenRig();
    const fx = xen.host.attach({ device: DEV }, definition());
    cfgWrite(xen.ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(xen.ports, 0, DEV, 0, 0x04, 2, 0x0002);
    cfgWrite(xen.ports, 0, DEV, 0, 0x10, 4, 0xfeb00000);
    expect(cfgRead(xen.ports, 0, DEV, 0, 0x10, 4)).toBe(0xfebf0000);
    expect(xen.mmio.read(0xfebf0000, 4)).toBe(0xa000);
    expect(fx.ignoredBarWrites).toBe(1);
    // vPCI traps no I/O BAR: with Command.IO on, an I/O BAR write still moves the ports at once.
    cfgWrite(xen.ports, 0, DEV, 0, 0x14, 4, 0xc000);
    cfgWrite(xen.ports, 0, DEV, 0, 0x04, 2, 0x0003);
    expect(xen.ports.read(0xc004, 1)).toBe(0x04);
    cfgWrite(xen.ports, 0, DEV, 0, 0x14, 4, 0xd000);
    expect(cfgRead(xen.ports, 0, DEV, 0, 0x14, 4)).toBe(0xd001);
    expect([xen.ports.read(0xd004, 1), xen.ports.read(0xc004, 1)]).toEqual([0x04, 0xff]);
    expect(fx.ignoredBarWrites).toBe(1);

    const q = qemuRig();
    q.host.attach({ device: DEV }, definition());
    cfgWrite(q.ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(q.ports, 0, DEV, 0, 0x04, 2, 0x0002);
    cfgWrite(q.ports, 0, DEV, 0, 0x10, 4, 0xfeb00000);
    expect(q.mmio.read(0xfeb00000, 4)).toBe(0xa000);
    expect(q.mmio.read(0xfebf0000, 4)).toBe(0); // QEMU: unassigned memory reads 0
  });

  it('Xen: an unassigned BAR takes a write while decoding is on and maps at once', () => {
    const { ports, mmio, host } = xenRig();
    const fn = host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    cfgWrite(ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    expect(fn.ignoredBarWrites).toBe(0);
    expect(mmio.read(0xfebf0000, 4)).toBe(0xa000);
  });

  it('moves a BAR with decoding off and re-enables it at the new place', () => {
    const { ports, mmio, host } = xenRig();
    host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0);
    cfgWrite(ports, 0, DEV, 0, 0x10, 4, 0xfeb00000);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    expect(mmio.read(0xfeb00000, 4)).toBe(0xa000);
    expect(mmio.read(0xfebf0000, 4)).toBe(0xffffffff);
  });

  it('maps the ROM only with memory decoding and its enable bit', () => {
    const { ports, mmio, host } = xenRig();
    host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x30, 4, 0xfeb80000);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    expect(mmio.read(0xfeb80000, 4)).toBe(0xffffffff);
    cfgWrite(ports, 0, DEV, 0, 0x30, 4, 0xfeb80001); // enabling maps it (Xen rom_write allows this)
    expect(mmio.read(0xfeb80004, 4)).toBe(0xd004);
    cfgWrite(ports, 0, DEV, 0, 0x30, 4, 0xfea00001); // moving an enabled, decoded ROM: ignored (Xen)
    expect(mmio.read(0xfeb80004, 4)).toBe(0xd004);
    expect(cfgRead(ports, 0, DEV, 0, 0x30, 4)).toBe(0xfeb80001);
    cfgWrite(ports, 0, DEV, 0, 0x30, 4, 0xfea00000); // switching the ROM off is allowed; Xen keeps the address
    expect(mmio.read(0xfeb80004, 4)).toBe(0xffffffff);
    expect(cfgRead(ports, 0, DEV, 0, 0x30, 4)).toBe(0xfeb80000);
  });

  it('an unassigned (address 0) BAR is not mapped', () => {
    const { ports, mmio, host } = xenRig();
    const fn = host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0003);
    expect(fn.declaredBars().every((b) => b.region === null)).toBe(true);
    expect(mmio.list().length).toBe(1); // only the ECAM window
  });

  it('a BAR placed over another range stays unmapped and leaves that range intact', () => {
    const { ports, mmio, host } = xenRig();
    const other = mmio.register(0xfebf0800, 0x100, { read: () => 0x77, write: () => undefined }, { owner: 'other' });
    const fn = host.attach({ device: DEV }, definition());
    cfgWrite(ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    expect(fn.bars[0]!.conflict).toBe(true);
    expect(fn.bars[0]!.region).toBeNull();
    expect(mmio.read(0xfebf0800, 4)).toBe(0x77);
    expect(mmio.read(0xfebf0000, 4)).toBe(0xffffffff);
    other.remove();
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0);
    cfgWrite(ports, 0, DEV, 0, 0x04, 2, 0x0002);
    expect(fn.bars[0]!.conflict).toBe(false);
    expect(mmio.read(0xfebf0800, 4)).toBe(0xa000);
  });

  it('two BARs of one device moved onto each other: the second is refused, the first keeps working', () => {
    const q = qemuRig();
    const fn = q.host.attach({ device: DEV }, definition());
    cfgWrite(q.ports, 0, DEV, 0, 0x10, 4, 0xfebf0000);
    cfgWrite(q.ports, 0, DEV, 0, 0x18, 4, 0xfeb00000);
    cfgWrite(q.ports, 0, DEV, 0, 0x04, 2, 0x0002);
    cfgWrite(q.ports, 0, DEV, 0, 0x18, 4, 0xfebf0000); // QEMU remaps at once: clash with BAR0
    expect(fn.bars[2]!.conflict).toBe(true);
    expect(q.mmio.read(0xfebf0000, 4)).toBe(0xa000);
    expect(q.mmio.read(0xfeb00000, 4)).toBe(0);
    expect(() => q.mmio.register(0xfebf0000, 16, probe(1), { owner: 'x' })).toThrow(BusOverlapError);
  });
});
