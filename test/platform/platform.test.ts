const isFrozen = Object.isFrozen;
import { describe, expect, it } from 'vitest';
import { CollectingSink, DebugConsole } from '../../src/devices/debugcon/debug-console.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { InvalidFlagsError, PlatformOptionError } from '../../src/platform/errors.js';
import { PROFILE_NAMES, PROFILES } from '../../src/platform/profiles.js';
import { SnapshotError } from '../../src/device-model/snapshot.js';
import type { PlatformSnapshot } from '../../src/platform/platform.js';

function print(p: ReturnType<typeof createPlatform>, s: string) {
  for (const ch of s) p.ports.write(0xe9, 1, ch.charCodeAt(0));
}

describe('profiles', () => {
  it('are immer-frozen data, one per name', () => {
    expect(Object.keys(PROFILES)).toEqual([...PROFILE_NAMES]);
    for (const p of Object.values(PROFILES)) {
      expect(isFrozen(p)).toBe(true);
      expect(isFrozen(p.bus.port)).toBe(true);
    }
  });

  it('default flags are what Xen/libxl give each guest type', () => {
    expect(PROFILES['xen-hvm'].defaultFlags).toBe(0x1ff);
    expect(PROFILES['xen-pvh'].defaultFlags).toBe(0x001);
    expect(PROFILES['xen-pvh-dom0'].defaultFlags).toBe(0x411);
    expect(PROFILES['xen-pv'].defaultFlags).toBe(0);
  });

  it('every profile builds with its default flags', () => {
    for (const name of PROFILE_NAMES) {
      const p = createPlatform({ profile: name, ramBytes: 0 });
      expect(p.profile.name).toBe(name);
      expect(p.flags).toBe(PROFILES[name].defaultFlags);
    }
  });
});

describe('createPlatform', () => {
  it('refuses a flag set Xen refuses, with the validator explanation', () => {
    let err: unknown;
    try {
      createPlatform({ flags: 0x411 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidFlagsError);
    const v = (err as InvalidFlagsError).validation;
    expect(v.valid).toBe(false);
    expect(v.errno).toBe(-95);
    expect((err as Error).message).toMatch(/0x411.*refused for hvm.*Nearest accepted: 0x1ff/);
  });

  it('validates against the chosen Xen release (0 was accepted for HVM before XSA-256)', () => {
    expect(createPlatform({ flags: 0, xenVersion: '4.10.0', ramBytes: 0 }).flags).toBe(0);
    expect(() => createPlatform({ flags: 0, xenVersion: '4.10.1' })).toThrow(InvalidFlagsError);
  });

  it('accepts names and numbers for flags', () => {
    expect(createPlatform({ profile: 'xen-pvh-dom0', flags: 'lapic,ioapic,vpci', ramBytes: 0 }).flags).toBe(0x411);
    expect(createPlatform({ profile: 'xen-pv', flags: 'pit', ramBytes: 0 }).flags).toBe(0x100);
  });

  it('bad options are typed errors that say what to do', () => {
    expect(() => createPlatform({ vcpus: 0 })).toThrow(PlatformOptionError);
    expect(() => createPlatform({ vcpus: 1.5 })).toThrow(/vcpus must be an integer from 1 to 128/);
    expect(() => createPlatform({ profile: 'bochs' as never })).toThrow(/unknown profile 'bochs'; choose one of xen-hvm/);
    expect(() => createPlatform({ wallTime: 'yesterday' })).toThrow(/ISO 8601/);
    expect(() => createPlatform({ tscHz: 0 })).toThrow(/tscHz/);
  });

  it('each platform has its own container: devices are not shared between platforms', () => {
    const a = createPlatform();
    const b = createPlatform();
    expect(a.device('debugcon')).toBeInstanceOf(DebugConsole);
    expect(a.device('debugcon')).not.toBe(b.device('debugcon'));
    expect(a.ports).not.toBe(b.ports);
  });

  it('the debug console exists for HVM containers only (not PV, not qemu-pc)', () => {
    expect(createPlatform({ profile: 'xen-pvh', ramBytes: 0 }).devices.has('debugcon')).toBe(true);
    expect(createPlatform({ profile: 'xen-pv', ramBytes: 0 }).devices.has('debugcon')).toBe(false);
    expect(createPlatform({ profile: 'qemu-pc', ramBytes: 0 }).devices.has('debugcon')).toBe(false);
  });

  it('vCPU slots exist per vCPU', () => {
    expect(createPlatform({ vcpus: 4, ramBytes: 0 }).vcpus.map((v) => v.index)).toEqual([0, 1, 2, 3]);
  });

  it('maps guest RAM below 640 KiB and from 1 MiB', () => {
    const p = createPlatform({ ramBytes: 2 << 20 });
    const ram = p.mmio.list().filter((r) => r.ram !== null);
    expect(ram.map((r) => [r.base, r.length])).toEqual([
      [0, 0xa0000],
      [0x100000, 0x100000],
    ]);
  });
});

describe('describe()', () => {
  it('lists every selected flag with its status and every range', () => {
    const d = createPlatform().describe();
    expect(d.flags).toBe(0x1ff);
    expect(d.devices.map((x) => x.kind)).toEqual(['lapic', 'hpet', 'pm', 'rtc', 'ioapic', 'pic', 'vga', 'iommu', 'pit', 'debugcon']);
    expect(d.devices.find((x) => x.kind === 'iommu')).toMatchObject({ status: 'no-device', instances: [] });
    expect(d.devices.find((x) => x.kind === 'debugcon')).toMatchObject({ status: 'implemented', instances: ['debugcon'] });
    expect(d.ranges).toContainEqual({ bus: 'port', base: 0xe9, end: 0xe9, owner: 'debugcon', name: 'debug console' });
  });
});

describe('snapshots', () => {
  it('are frozen, versioned plain data and restore into a fresh platform that then behaves identically', () => {
    const sinkA = new CollectingSink();
    const a = createPlatform({ debugConsole: sinkA, ramBytes: 0 });
    a.clock.advance(12345);
    print(a, 'half a li');
    const snap = a.snapshot();
    expect(isFrozen(snap)).toBe(true);
    expect(snap).toMatchObject({ format: 'hvmdev-platform', version: 3, profile: 'xen-hvm', flags: 0x1ff, vcpus: 1, clockNs: 12345 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);

    const sinkB = new CollectingSink();
    const b = createPlatform({ debugConsole: sinkB, ramBytes: 0 });
    b.restore(JSON.parse(JSON.stringify(snap)));
    expect(b.clock.now).toBe(12345);
    print(a, 'ne\n');
    print(b, 'ne\n');
    expect(sinkB.lines).toEqual(sinkA.lines);
    expect(sinkB.lines).toEqual(['half a line']);
  });

  it('refuses a snapshot of a different platform, a newer format, or corrupt device state, and changes nothing', () => {
    const a = createPlatform({ ramBytes: 0 });
    print(a, 'abc');
    const snap = a.snapshot();
    const fresh = () => createPlatform({ ramBytes: 0 });
    const mutate = (f: (s: Record<string, unknown>) => void) => {
      const s = JSON.parse(JSON.stringify(snap)) as Record<string, unknown>;
      f(s);
      return s;
    };
    expect(() => createPlatform({ profile: 'xen-pvh', ramBytes: 0 }).restore(snap)).toThrow(/snapshot is of a xen-hvm platform/);
    expect(() => fresh().restore(mutate((s) => (s.version = 4)))).toThrow(/version 4 is not supported/);
    expect(() => fresh().restore(mutate((s) => (s.version = 0)))).toThrow(/version 0 is not supported/);
    expect(() => fresh().restore(mutate((s) => (s.format = 'x')))).toThrow(SnapshotError);
    expect(() => fresh().restore(mutate((s) => ((s.devices as Record<string, unknown>).debugcon = { buffer: 7 })))).toThrow(
      /debugcon.buffer: expected a string/,
    );
    expect(() => fresh().restore(mutate((s) => (s.devices = {})))).toThrow(/devices\.\S+: missing/);
    expect(() => fresh().restore(null)).toThrow(SnapshotError);
    expect(() => fresh().restore(mutate((s) => (s.clockNs = -1)))).toThrow(SnapshotError);
    // A fractional time is refused by the header check itself (it used to reach the clock as ClockError).
    expect(() => fresh().restore(mutate((s) => (s.clockNs = 0.5)))).toThrow(/clockNs: expected an integer/);

    const target = createPlatform({ ramBytes: 0 });
    target.clock.advance(99);
    print(target, 'xyz');
    const before: PlatformSnapshot = target.snapshot();
    expect(() => target.restore(mutate((s) => ((s.devices as Record<string, unknown>).debugcon = { buffer: 'a\u0001' })))).toThrow(SnapshotError);
    expect(target.snapshot()).toEqual(before);
  });

  it('reset brings devices back to power-on state', () => {
    const sink = new CollectingSink();
    const p = createPlatform({ debugConsole: sink, ramBytes: 0 });
    print(p, 'partial');
    p.reset();
    print(p, 'new\n');
    expect(sink.lines).toEqual(['new']);
  });
});

describe('interrupt path through the platform (xen-hvm)', () => {
  it('an ISA IRQ programmed in the IO-APIC reaches the LAPIC of vCPU 0, and EOI clears Remote-IRR', () => {
    const p = createPlatform({ ramBytes: 0 });
    const lapic = p.vcpus[0]!.devices.get('lapic') as unknown as { acknowledge(): number | null };
    p.mmio.write(0xfee000f0, 4, 0x1ff); // SVR: enable
    // RTE for GSI 8 (ISA IRQ8): vector 0x38, level, physical destination 0.
    p.mmio.write(0xfec00000, 4, 0x10 + 2 * 8);
    p.mmio.write(0xfec00010, 4, 0x8038);
    p.mmio.write(0xfec00000, 4, 0x11 + 2 * 8);
    p.mmio.write(0xfec00010, 4, 0);
    p.irq.isaLine(8).raise();
    expect(lapic.acknowledge()).toBe(0x38);
    p.mmio.write(0xfec00000, 4, 0x10 + 2 * 8);
    expect(p.mmio.read(0xfec00010, 4) & 0x4000).toBe(0x4000); // Remote-IRR
    p.irq.isaLine(8).lower();
    p.mmio.write(0xfee000b0, 4, 0); // EOI → broadcast to the IO-APIC
    expect(p.mmio.read(0xfec00010, 4) & 0x4000).toBe(0);
  });

  it('PVH dom0 mirrors each host IO-APIC with its base and GSI base', () => {
    const p = createPlatform({
      profile: 'xen-pvh-dom0',
      ramBytes: 0,
      hostIoapics: [
        { base: 0xfec00000, apicId: 8, gsiBase: 0, pins: 24 },
        { base: 0xfec01000, apicId: 9, gsiBase: 24, pins: 32 },
      ],
    });
    expect(p.irq.gsiCount).toBe(56);
    expect([...p.devices.keys()].filter((id) => id.startsWith('ioapic'))).toEqual(['ioapic0', 'ioapic1']);
    p.mmio.write(0xfec01000, 4, 1); // IOREGSEL = version
    expect(p.mmio.read(0xfec01010, 4)).toBe(0x001f0011); // 32 pins, version 0x11
    expect(() => createPlatform({ hostIoapics: [] })).toThrow(/xen-pvh-dom0 profile only/);
  });
});

describe('PCI on the platform', () => {
  it('PVH dom0 has vPCI: the host bridge answers on CF8/CFC, and a 0xCF9 reset request resets the devices', () => {
    const sink = new CollectingSink();
    const p = createPlatform({ profile: 'xen-pvh-dom0', debugConsole: sink, ramBytes: 0 });
    p.ports.write(0xcf8, 4, 0x80000000);
    const id = p.ports.read(0xcfc, 4);
    expect(id).not.toBe(0xffffffff);
    print(p, 'lost');
    p.ports.write(0xcf9, 1, 0x06); // hard reset request
    print(p, 'kept\n');
    expect(sink.lines).toEqual(['kept']);
  });

  it('qemu-pc has the i440FX, PIIX3 and PIIX4 PM functions with QEMU’s IDs', () => {
    const p = createPlatform({ profile: 'qemu-pc', ramBytes: 0 });
    const cfg = (dev: number, fn: number, reg: number) => {
      p.ports.write(0xcf8, 4, (0x80000000 | (dev << 11) | (fn << 8) | reg) >>> 0);
      return p.ports.read(0xcfc, 4);
    };
    expect(cfg(0, 0, 0)).toBe(0x12378086);
    expect(cfg(1, 0, 0)).toBe(0x70008086);
    expect(cfg(1, 3, 0)).toBe(0x71138086);
    expect(cfg(5, 0, 0)).toBe(0xffffffff);
  });
});

describe('options that need a device', () => {
  it('pciTestdev without a PCI host is a typed error naming the fix', () => {
    expect(() => createPlatform({ pciTestdev: true, ramBytes: 0 })).toThrow(/pciTestdev needs a PCI host: use profile qemu-pc/);
    expect(createPlatform({ profile: 'qemu-pc', pciTestdev: true, ramBytes: 0 }).devices.has('pci')).toBe(true);
  });
});
