// A busy qemu-pc platform with PCI in flight — pci-testdev's BARs mapped, a user function with an
// MSI in service at a LAPIC and another pending behind its mask (later MSI-X through the BAR), a
// second function's INTx asserted through a PIIX3 link on the PIC, the PM block placed by PIIX4 PM with its timer counting, a LAPIC timer
// armed, the CF8 latch set — is snapshotted, restored into a fresh platform built by createPlatform,
// and both answer the same continuation identically. Mutated PCI snapshot fields are refused
// (SnapshotError, platform unchanged) or accepted whole.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { leafPaths, restoreOrRefuseWhole, withLeaf } from './snapshot-mutation.js';
import type { PciFunctionDefinition } from '../../src/devices/pci/definition.js';
import type { PciHost } from '../../src/devices/pci/host.js';
import { PIC_SETUP_IRQ11_LEVEL } from './pic-setup.js';

const USER: PciFunctionDefinition = {
  name: 'user-nic',
  vendorId: 0x8086,
  deviceId: 0x10d3,
  classCode: 0x020000,
  bars: [
    { index: 0, kind: 'mem32', size: 0x4000 },
    { index: 2, kind: 'io', size: 0x20 },
  ],
  capabilities: [
    { kind: 'msi', vectors: 2, perVectorMask: true },
    { kind: 'msix', vectors: 4, tableBar: 0, tableOffset: 0x2000, pbaBar: 0, pbaOffset: 0x3000 },
  ],
};
// MSI at 0x40 (control 0x42, address 0x44, data 0x4c, mask 0x50), MSI-X at 0x58 (control 0x5a).

/** A legacy function at slot 5: INTA → PIRQA (i440FX: (5 − 1 + 0) mod 4 = 0). */
const LEGACY: PciFunctionDefinition = { name: 'user-legacy', vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x020000, interruptPin: 1 };

const cf8 = (dev: number, fn: number, reg: number) => 'outl 0xcf8 0x' + ((0x80000000 | (dev << 11) | (fn << 8) | reg) >>> 0).toString(16);

const SETUP = [
  // LAPICs on; vCPU 0 periodic timer (vector 0x40), LINT0 ExtINT for the PIC.
  'writel 0xfee000f0 0x1ff',
  'writel 0xfee00350 0x700',
  'writel 0xfee003e0 0x3',
  'writel 0xfee00320 0x20040',
  'writel 0xfee00380 50000',
  'vcpu 1',
  'writel 0xfee000f0 0x1ff',
  'writel 0xfee00350 0x10000',
  'vcpu 0',
  // PIC: bases 0x20/0x28, IRQ0 masked, IRQ 11 level.
  ...PIC_SETUP_IRQ11_LEVEL,
  // PIIX4 PM: the PM block at 0x600, timer counting.
  cf8(1, 3, 0x40),
  'outl 0xcfc 0x601',
  cf8(1, 3, 0x80),
  'outb 0xcfc 0x01',
  // PIIX3 PIRQA → IRQ 11.
  cf8(1, 0, 0x60),
  'outb 0xcfc 0x0b',
  // pci-testdev (00:02.0): BAR0 0xfebf0000, BAR1 0xc000, decoding on.
  cf8(2, 0, 0x10),
  'outl 0xcfc 0xfebf0000',
  cf8(2, 0, 0x14),
  'outl 0xcfc 0xc001',
  cf8(2, 0, 0x04),
  'outw 0xcfc 0x3',
  // user-nic (00:04.0): BAR0 0xfd000000, BAR2 0xc100, memory + I/O + bus master.
  cf8(4, 0, 0x10),
  'outl 0xcfc 0xfd000000',
  cf8(4, 0, 0x18),
  'outl 0xcfc 0xc101',
  cf8(4, 0, 0x04),
  'outw 0xcfc 0x7',
  // MSI → vCPU 1 vector 0x70 (2 vectors), vector 1 masked.
  cf8(4, 0, 0x44),
  'outl 0xcfc 0xfee01000',
  cf8(4, 0, 0x4c),
  'outw 0xcfc 0x70',
  cf8(4, 0, 0x50),
  'outl 0xcfc 0x2',
  cf8(4, 0, 0x40),
  'outw 0xcfe 0x11',
  'msi 0',
  'msi 1', // vector 0x70 to vCPU 1, 0x71 pends (mask)
  'vcpu 1',
  'inta',
  'vcpu 0', // 0x70 in service on vCPU 1
  'intx 1',
  'inta', // user-legacy INTA → PIRQA → IRQ 11 → 0x2b in service on vCPU 0
  'clock_step 123457',
  cf8(2, 0, 0x04), // the latch left pointing somewhere
];

/** MSI-X is enabled later in the continuation (MSI and MSI-X cannot both be on). */
const CONTINUATION = [
  'inl 0xcf8',
  'inw 0xcfc',
  'inl 0x608',
  'inl 0x600',
  'readl 0xfebf0000',
  'inb 0xc000',
  'inb 0xc100',
  'vcpu 1',
  'readl 0xfee00130',
  'readl 0xfee00230',
  'inta',
  'writel 0xfee000b0 0',
  'inta',
  cf8(4, 0, 0x54),
  'inl 0xcfc',
  cf8(4, 0, 0x50),
  'outl 0xcfc 0',
  'inta',
  'writel 0xfee000b0 0',
  'vcpu 0',
  'readl 0xfee00110',
  'clock_step 300000',
  'inta',
  'writel 0xfee000b0 0',
  'outb 0xa0 0x20',
  'outb 0x20 0x20',
  'inta',
  'intx 0',
  'outb 0xa0 0x20',
  'outb 0x20 0x20',
  'inta',
  // Switch to MSI-X: entry 3 → vCPU 0 vector 0x90, function-masked, signalled, then released.
  cf8(4, 0, 0x40),
  'outw 0xcfe 0x0',
  'writel 0xfd002030 0xfee00000',
  'writel 0xfd002038 0x90',
  'writel 0xfd00203c 0',
  cf8(4, 0, 0x58),
  'outw 0xcfe 0xc000',
  'msi 3',
  'readl 0xfd003000',
  'inta',
  'outw 0xcfe 0x8000',
  'inta',
  'writel 0xfee000b0 0',
  'readl 0xfd003000',
  'inl 0x608',
  'clock_step',
  'inta',
];

function session() {
  const s = new QtestSession(createPlatform({ profile: 'qemu-pc', vcpus: 2, pciTestdev: true, ramBytes: 0 }));
  installExtensions(s);
  // The user function is part of the platform's construction: a fresh platform gets it too.
  const host = s.platform.device<PciHost>('pci');
  const fn = host.attach({ device: 4 }, USER);
  const legacy = host.attach({ device: 5 }, LEGACY);
  s.registerCommand('msi', (args) => (fn.signalMsi(Number(args[0])) ? 'OK sent' : 'OK dropped'));
  s.registerCommand('intx', (args) => {
    legacy.setIntx(args[0] === '1');
    return 'OK';
  });
  return s;
}

function busy() {
  const s = session();
  for (const cmd of SETUP) {
    const reply = s.handle(cmd).at(-1)!;
    if (reply.startsWith('FAIL')) throw new Error(`${cmd}: ${reply}`);
  }
  return s;
}

const run = (s: QtestSession, script: readonly string[]) => script.flatMap((cmd) => [`> ${cmd}`, ...s.handle(cmd)]);

describe('busy qemu-pc platform with PCI activity: snapshot and restore', () => {
  it('the setup really is busy (vectors in service, a pending MSI bit, the link asserted, the PM block placed)', () => {
    const s = busy();
    const host = s.platform.device<PciHost>('pci');
    const fn = host.functionAt({ device: 4 })!;
    expect(fn.msi!.pending!.value).toBe(0b10);
    expect(host.router.linkAsserted(0)).toBe(true);
    expect(s.platform.irq.picInputLevel(11)).toBe(true);
    // 0x70 in service at vCPU 1's LAPIC (ISR[3] bit 16); 0x2b came by ExtINT, so it is in service at the slave PIC (ISR bit 3).
    const replies = ['vcpu 1', 'readl 0xfee00130', 'vcpu 0', 'outb 0xa0 0x0b', 'inb 0xa0'].map((c) => s.handle(c).at(-1));
    expect(replies).toEqual(['OK', 'OK 0x0000000000010000', 'OK', 'OK', 'OK 0x0008']);
    expect(s.handle('inl 0x608')).not.toEqual(['OK 0xffffffff']);
  });

  it('restores into a fresh createPlatform platform that then behaves identically', () => {
    const a = busy();
    const snap = JSON.parse(JSON.stringify(a.platform.snapshot())) as { devices: Record<string, unknown> };
    const b = session();
    b.platform.restore(snap);
    const pciState = (s: QtestSession) => JSON.parse(JSON.stringify(s.platform.snapshot().devices['pci']));
    expect(pciState(b)).toEqual(snap.devices['pci']);
    const ra = run(a, CONTINUATION);
    const rb = run(b, CONTINUATION);
    expect(rb).toEqual(ra);
    // The continuation exercises the restored state: the pending MSI, the in-service vectors, the link, MSI-X.
    expect(ra.join('\n')).toContain('> inta\nOK 0x71');
    expect(ra.join('\n')).toContain('> inta\nOK 0x90');
    expect(ra.join('\n')).toContain('> clock_step\nOK 800000\n> inta\nOK 0x40'); // the armed LAPIC timer
    expect(ra.filter((l) => l === 'OK 0x2b').length).toBe(1); // re-requested once after EOI, then de-asserted
    expect(ra.some((l) => l.startsWith('FAIL'))).toBe(false);
    expect(pciState(b)).toEqual(pciState(a));
  });

  it('property: a mutated PCI snapshot field is refused with SnapshotError and changes nothing, or accepted whole', () => {
    const snap = JSON.parse(JSON.stringify(busy().platform.snapshot())) as { devices: Record<string, unknown> };
    const paths = leafPaths(snap.devices.pci, ['devices', 'pci']);
    const hostile = fc.oneof(fc.constantFrom(-1, 2 ** 32, 2 ** 53, 0.5, null, true, 'x', [], {}, 0xffffffff, 0x80), fc.integer(), fc.nat(0xffff));
    const target = session();
    fc.assert(
      fc.property(fc.nat(paths.length - 1), hostile, (i, value) => {
        if (restoreOrRefuseWhole(target.platform, withLeaf(snap, paths[i]!, value))) return;
        // Accepted: every later guest access is answered (a throw would surface as FAIL) and a
        // snapshot of the result restores again (the state is one the registers can hold).
        for (const cmd of CONTINUATION) expect(target.handle(cmd).filter((l) => l.startsWith('FAIL'))).toEqual([]);
        const again = JSON.parse(JSON.stringify(target.platform.snapshot())) as unknown;
        target.platform.restore(again);
      }),
      { numRuns: 250 },
    );
  });
});
