// A profile is data: every behaviour a profile selects is one of its fields, never a test of its
// name. A profile built by a user, under a name of its own, behaves by its values.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { formatDescription } from '../../src/cli/describe-command.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import type { PciHost } from '../../src/devices/pci/host.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { PROFILES, type PlatformProfile } from '../../src/platform/profiles.js';

const XEN_HVM = PROFILES['xen-hvm'];
const QEMU_PC = PROFILES['qemu-pc'];

function withBoard(base: PlatformProfile, name: string, board: Partial<PlatformProfile['board']>): PlatformProfile {
  return { ...base, name, board: { ...base.board, ...board } };
}

/** CMOS byte `index` as the guest reads it through ports 0x70/0x71. */
function cmos(profile: PlatformProfile, ramBytes: number, index: number): number {
  const p = createPlatform({ profile, ramBytes });
  p.ports.write(0x70, 1, index);
  return p.ports.read(0x71, 1);
}

/**
 * Two vCPUs, both named by a lowest-priority logical GSI 2 entry, vCPU 0 busy at a higher TPR so
 * that arbitration alone picks vCPU 1; PIT channel 0 runs at ~1 kHz. Returns the vector each vCPU
 * took for the tick after one PIT period (Xen's IRQ0 special routing sends it to vCPU 0).
 */
function irq0Takers(profile: PlatformProfile): (number | null)[] {
  const p = createPlatform({ profile, vcpus: 2, ramBytes: 0 });
  const lapicWrite = (vcpu: number, off: number, v: number) => p.mmio.write(0xfee00000 + off, 4, v, accessContext(vcpu));
  for (const v of [0, 1]) {
    lapicWrite(v, 0xf0, 0x1ff);
    lapicWrite(v, 0xe0, 0xffffffff); // flat model
    lapicWrite(v, 0xd0, (1 << v) << 24); // logical ID bit v
  }
  lapicWrite(0, 0x80, 0x20); // vCPU 0's TPR above vCPU 1's
  for (const [index, value] of [
    [0x11 + 4, 0x03000000], // GSI 2: logical destination 0b11
    [0x10 + 4, 0x30 | (1 << 8) | (1 << 11)], // vector 0x30, lowest priority, logical, edge
  ]) {
    p.mmio.write(0xfec00000, 4, index!);
    p.mmio.write(0xfec00010, 4, value!);
  }
  p.ports.write(0x43, 1, 0x34); // channel 0, mode 2, 1193 counts (~1 ms)
  p.ports.write(0x40, 1, 0xa9);
  p.ports.write(0x40, 1, 0x04);
  const lapics = [0, 1].map((i) => p.vcpus[i]!.devices.get('lapic') as Lapic);
  // The rise of OUT0 at programming (before the channel counts) is not this test's: take it away.
  for (const l of lapics) if (l.acknowledge() !== null) l.eoi();
  p.clock.advance(1_500_000); // one tick
  return lapics.map((l) => l.acknowledge());
}

describe('profiles are data', () => {
  it('a copy of qemu-pc under another name is a qemu-pc platform: chipset, CMOS memory sizes, unclaimed reads', () => {
    const mine = withBoard(QEMU_PC, 'my-pc', {});
    const fns = (profile: PlatformProfile) =>
      createPlatform({ profile })
        .device<PciHost>('pci')
        .functions()
        .map((f) => f.name);
    expect(fns(mine)).toEqual(['i440fx', 'piix3', 'piix3-ide', 'piix4-pm']);
    expect(fns(mine)).toEqual(fns(QEMU_PC));
    // Memory above 16 MiB in 64 KiB units (CMOS 0x35): 256 MiB → 0x0F00, QEMU's pc_cmos_init.
    expect(cmos(mine, 256 * 1024 * 1024, 0x35)).toBe(0x0f);
    expect(cmos(QEMU_PC, 256 * 1024 * 1024, 0x35)).toBe(0x0f);
    const text = formatDescription(createPlatform({ profile: mine }).describe());
    expect(text).toContain('Unclaimed accesses read all-ones on ports and 0 in memory (QEMU); writes are dropped.');
    expect(createPlatform({ profile: mine }).mmio.read(0xd0000000, 4)).toBe(0);
  });

  it('board fields change what a platform has, whatever its name', () => {
    const noChipset = withBoard(QEMU_PC, 'qemu-pc', { pciChipset: null });
    expect(
      createPlatform({ profile: noChipset })
        .device<PciHost>('pci')
        .functions()
        .map((f) => f.name),
    ).toEqual(['i440fx']);
    // Without cmosMemorySizes the RTC's NVRAM bytes stay as the parameters give them (128 MiB: 0x07).
    expect(cmos(withBoard(QEMU_PC, 'fixed-cmos', { cmosMemorySizes: false }), 256 * 1024 * 1024, 0x35)).toBe(0x07);
    // A Xen profile given the chipset gets it beside its PCI host.
    const xenWithPiix = withBoard(PROFILES['xen-pvh-dom0'], 'dom0-piix', { pciChipset: 'piix' });
    expect(
      createPlatform({ profile: xenWithPiix })
        .device<PciHost>('pci')
        .functions()
        .map((f) => f.name),
    ).toContain('piix3');
  });

  it("Xen's IRQ0 special routing follows board.irq0SpecialRouting", () => {
    expect(irq0Takers(XEN_HVM)).toEqual([0x30, null]);
    expect(irq0Takers(withBoard(XEN_HVM, 'xen-hvm', { irq0SpecialRouting: false }))).toEqual([null, 0x30]);
  });

  it('the unclaimed-read text is the buses\u2019 rule, not the profile\u2019s name', () => {
    const zeroMemory = { ...XEN_HVM, name: 'xen-zero', bus: { port: XEN_HVM.bus.port, mmio: { ...XEN_HVM.bus.mmio, unclaimedRead: 'zero' as const } } };
    expect(formatDescription(createPlatform({ profile: zeroMemory }).describe())).toContain('read all-ones on ports and 0 in memory (QEMU)');
    const allZero = { ...zeroMemory, bus: { port: { ...XEN_HVM.bus.port, unclaimedRead: 'zero' as const }, mmio: zeroMemory.bus.mmio } };
    expect(formatDescription(createPlatform({ profile: allZero }).describe())).toContain('read 0 on ports and 0 in memory;');
    expect(formatDescription(createPlatform({ profile: XEN_HVM }).describe())).toContain('read all-ones (Xen null handler);');
  });
});
