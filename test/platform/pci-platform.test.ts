// PCI, port 0xCF9 and the legacy VGA window on platforms built by createPlatform: a reset request
// from the guest mid-activity, BARs placed over the platform's own ranges (bad-inputs 43), and
// guest instructions (x86emu) that reach the VGA window and an MSI-X table with string operations
// (bad-inputs 45, 48: class H confinement).
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import type { IoHandler } from '../../src/bus/handler.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDI, RSI } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';

import type { PciHost } from '../../src/devices/pci/host.js';
import type { VgaWriteSink } from '../../src/devices/vga/params.js';
import type { VgaWindow } from '../../src/devices/vga/vga-window.js';

const hex = (n: number) => '0x' + (n >>> 0).toString(16);
const cfgAddr = (dev: number, fn: number, reg: number) => hex(0x80000000 | (dev << 11) | (fn << 8) | (reg & 0xfc));

function qtest(options: Parameters<typeof createPlatform>[0]) {
  const s = new QtestSession(createPlatform({ ramBytes: 0, ...options }));
  installExtensions(s);
  const run = (...cmds: string[]) => cmds.map((c) => s.handle(c).at(-1)!);
  return { s, run, host: s.platform.device<PciHost>('pci') };
}

describe('port 0xCF9 on a qemu-pc platform with pci-testdev', () => {
  /** BAR0 at 0xfebf0000, BAR1 at 0xc000, decoding on; PIRQA → IRQ 11; the PM block at 0x600; the latch left set. */
  const BUSY = [
    `outl 0xcf8 ${cfgAddr(2, 0, 0x10)}`,
    'outl 0xcfc 0xfebf0000',
    `outl 0xcf8 ${cfgAddr(2, 0, 0x14)}`,
    'outl 0xcfc 0xc001',
    `outl 0xcf8 ${cfgAddr(2, 0, 0x04)}`,
    'outw 0xcfc 0x0003',
    `outl 0xcf8 ${cfgAddr(1, 0, 0x60)}`,
    'outb 0xcfc 0x0b',
    `outl 0xcf8 ${cfgAddr(1, 3, 0x40)}`,
    'outl 0xcfc 0x601',
    `outl 0xcf8 ${cfgAddr(1, 3, 0x80)}`,
    'outb 0xcfc 0x01',
    `outl 0xcf8 ${cfgAddr(0, 0, 0x00)}`,
  ];

  it('SRST alone is only stored; RCPU resets every PCI function, the links, the PM block and the latch', () => {
    const { s, run, host } = qtest({ profile: 'qemu-pc', pciTestdev: true });
    run(...BUSY);
    const testdev = host.functionAt({ device: 2 })!;
    expect(testdev.declaredBars().map((b) => b.region?.base ?? null)).toEqual([0xfebf0000, 0xc000]);
    expect(host.router.linkRoute(0)).toBe(11);
    expect(run('inl 0x608')).not.toEqual(['OK 0xffffffff']); // PM timer decoded at 0x608
    expect(run('outb 0xcf9 0x02', 'inb 0xcf9', 'inl 0xcf8')).toEqual(['OK', 'OK 0x0002', 'OK 0x80000000']);
    expect(host.router.linkRoute(0)).toBe(11); // SRST without RCPU resets nothing

    expect(run('outb 0xcf9 0x06')).toEqual(['OK']); // hard reset, requested from inside the port handler
    expect(run('inb 0xcf9', 'inl 0xcf8', 'inl 0x608', 'inb 0xc000')).toEqual(['OK 0x0000', 'OK 0x0000', 'OK 0xffffffff', 'OK 0x00ff']);
    expect(testdev.declaredBars().map((b) => b.region)).toEqual([null, null]);
    expect(s.platform.mmio.regionAt(0xfebf0000)).toBeNull();
    expect(host.router.linkRoute(0)).toBeNull();
    // Config space is back at power-on values and still reachable.
    expect(run(`outl 0xcf8 ${cfgAddr(2, 0, 0x10)}`, 'inl 0xcfc', `outl 0xcf8 ${cfgAddr(1, 0, 0x60)}`, 'inl 0xcfc')).toEqual([
      'OK',
      'OK 0x0000',
      'OK',
      'OK 0x80808080',
    ]);
    // And the platform works as after power-on: the same programming maps the BARs again.
    run(...BUSY);
    expect(testdev.declaredBars().map((b) => b.region?.base ?? null)).toEqual([0xfebf0000, 0xc000]);
  });

  it('xen-pvh-dom0: a soft reset request (RCPU without SRST) resets too', () => {
    const { run, host } = qtest({ profile: 'xen-pvh-dom0' });
    host.attach({ device: 3 }, { name: 'd', vendorId: 1, deviceId: 2, classCode: 0, bars: [{ index: 0, kind: 'mem32', size: 0x1000 }] });
    run(`outl 0xcf8 ${cfgAddr(3, 0, 0x10)}`, 'outl 0xcfc 0xfe000000', `outl 0xcf8 ${cfgAddr(3, 0, 0x04)}`, 'outw 0xcfc 0x0002');
    expect(host.functionAt({ device: 3 })!.bars[0]!.region?.base).toBe(0xfe000000);
    run('outb 0xcf9 0x04');
    expect(host.functionAt({ device: 3 })!.bars[0]!.region).toBeNull();
    expect(run('inl 0xcf8')).toEqual(['OK 0x0000']);
  });
});

describe("BARs placed over the platform's own ranges (bad-inputs 43)", () => {
  const CASES = [
    { profile: 'xen-pvh-dom0', range: 'LAPIC', at: 0xfee00000, probe: 'readl 0xfee00030' }, // LAPIC version
    { profile: 'xen-pvh-dom0', range: 'IO-APIC', at: 0xfec00000, probe: 'readl 0xfec00010' },
    { profile: 'xen-pvh-dom0', range: 'MMCFG', at: 0xe0000000, probe: 'readl 0xe0000000' },
    { profile: 'qemu-pc', range: 'HPET', at: 0xfed00000, probe: 'readl 0xfed00000' },
    { profile: 'qemu-pc', range: 'LAPIC', at: 0xfee00000, probe: 'readl 0xfee00030' },
  ] as const;
  for (const c of CASES) {
    it(`${c.profile}: a BAR over the ${c.range} stays unmapped, the ${c.range} keeps answering, moving the BAR maps it`, () => {
      const { s, run, host } = qtest({ profile: c.profile });
      const fn = host.attach(
        { device: 3 },
        {
          name: 'greedy',
          vendorId: 1,
          deviceId: 2,
          classCode: 0,
          bars: [{ index: 0, kind: 'mem32', size: 0x1000, handler: { read: () => 0x5a5a5a5a, write: () => undefined } }],
        },
      );
      const before = run(c.probe);
      run(`outl 0xcf8 ${cfgAddr(3, 0, 0x10)}`, `outl 0xcfc ${hex(c.at)}`, `outl 0xcf8 ${cfgAddr(3, 0, 0x04)}`, 'outw 0xcfc 0x0002');
      expect(fn.bars[0]!.conflict).toBe(true);
      expect(fn.bars[0]!.region).toBeNull();
      expect(run(c.probe)).toEqual(before);
      expect(s.platform.mmio.regionAt(c.at)!.owner).not.toBe('greedy');
      // The BAR register reads back what the guest wrote; with decoding off it can move (Xen ignores writes only while mapped).
      run(`outl 0xcf8 ${cfgAddr(3, 0, 0x10)}`, 'outl 0xcfc 0xfd000000');
      expect(fn.bars[0]!.region?.base).toBe(0xfd000000);
      expect(run('readl 0xfd000000', c.probe)).toEqual(['OK 0x000000005a5a5a5a', ...before]);
    });
  }
});

describe('guest instructions (x86emu) on PCI and VGA ranges', () => {
  const bytes = (h: string) => Uint8Array.from(h.split(' ').map((b) => parseInt(b, 16)));

  it('xen-hvm VGA window: MOV is forwarded; MOVS VRAM → VRAM (XSA-463) completes and is not claimed', () => {
    const seen: [number, number, number | bigint][] = [];
    const sink: VgaWriteSink = { write: (a, sz, v) => void seen.push([a, sz, v]), write64: (a, v) => void seen.push([a, 8, v]) };
    const p = createPlatform({ profile: 'xen-hvm', vgaWrites: sink, ramBytes: 1 << 20 });
    const emu = new X86Emulator();
    const ops = new BusEmulateOps(p.mmio, p.ports);
    const s = new CpuState().setLongMode();
    const run = (h: string) => emu.emulate(s, ops, { insnBytes: bytes(h) });
    s.setReg(RAX, 0xb8000).setReg(RCX, 0x0741);
    expect(run('66 89 08').kind).toBe('executed'); // mov [rax], cx
    s.setReg(RAX, 0xb8008);
    expect(run('48 89 08').kind).toBe('executed'); // mov [rax], rcx (8 bytes)
    expect(seen).toEqual([
      [0xb8000, 2, 0x0741],
      [0xb8008, 8, 0x0741n],
    ]);
    // A single MOVSB and a REP MOVSD with both operands in the window: they complete, nothing forwarded.
    s.setReg(RSI, 0xb8000).setReg(RDI, 0xb8100);
    expect(run('a4').kind).toBe('executed');
    s.setReg(RSI, 0xb8000).setReg(RDI, 0xb8100).setReg(RCX, 16);
    const r = run('f3 a5');
    expect(r.kind).toBe('executed');
    expect([s.getReg(RCX), s.getReg(RSI), s.getReg(RDI)]).toEqual([0n, 0xb8040n, 0xb8140n]);
    expect(seen.length).toBe(2);
    const vga = p.device<VgaWindow>('vga');
    expect([vga.forwardedWrites, vga.unclaimedAccesses]).toEqual([2, 34]); // 1 + 16 reads, 1 + 16 string writes
    // A plain MOV from the window reads as unclaimed memory (all-ones under Xen).
    s.setReg(RAX, 0xb8000);
    run('8b 08'); // mov ecx, [rax]
    expect(s.getReg(RCX)).toBe(0xffffffffn);
  });

  it('REP STOSD from inside an MSI-X table past the BAR end (XSA-112): every handler sees only its own range', () => {
    const p = createPlatform({ profile: 'xen-pvh-dom0', ramBytes: 1 << 20 });
    const host = p.device<PciHost>('pci');
    const offsets: [number, number][] = [];
    const inner: IoHandler = { read: () => 0, write: (o, sz) => void offsets.push([o, sz]) };
    const fn = host.attach(
      { device: 6 },
      {
        name: 'msix-dev',
        vendorId: 1,
        deviceId: 2,
        classCode: 0,
        bars: [{ index: 0, kind: 'mem32', size: 0x1000, handler: inner }],
        capabilities: [{ kind: 'msix', vectors: 8, tableBar: 0, tableOffset: 0xf00, pbaBar: 0, pbaOffset: 0x800 }],
      },
    );
    host.configWrite(0, 0, 6 << 3, 0x10, 4, 0xfe000000);
    host.configWrite(0, 0, 6 << 3, 0x04, 2, 0x0002);
    // Table entries 0–7 sit at 0xf00–0xf7f; start inside entry 6 and run 96 dwords: through the
    // table's end, over the rest of the BAR and 0x100 bytes past the BAR's end.
    const emu = new X86Emulator();
    const ops = new BusEmulateOps(p.mmio, p.ports);
    const s = new CpuState().setLongMode();
    s.setReg(RAX, 0xfee0_0000).setReg(RDI, 0xfe000f60).setReg(RCX, 96);
    let r = emu.emulate(s, ops, { insnBytes: bytes('f3 ab') });
    while (r.kind === 'executed' && !r.complete) r = emu.emulate(s, ops, { insnBytes: bytes('f3 ab') });
    expect(r.kind).toBe('executed');
    expect([s.getReg(RCX), s.getReg(RDI)]).toEqual([0n, 0xfe000f60n + 96n * 4n]);
    // Entries 6 and 7 took every dword (vector control keeps only the mask bit: 0xfee00000 → 0).
    expect([0, 4, 8, 12].map((o) => p.mmio.read(0xfe000f60 + o, 4))).toEqual([0xfee00000, 0xfee00000, 0xfee00000, 0]);
    expect([0, 4, 8, 12].map((o) => p.mmio.read(0xfe000f70 + o, 4))).toEqual([0xfee00000, 0xfee00000, 0xfee00000, 0]);
    expect(fn.msix!.tableRead(5 * 16)).toBe(0); // entry 5 untouched
    // The device's own handler saw exactly the BAR bytes after the table: 0xf80–0xfff, dword by dword.
    expect(offsets).toEqual(Array.from({ length: 32 }, (_, i) => [0xf80 + i * 4, 4]));
    // Nothing past the BAR was decoded by anyone.
    expect(p.mmio.regionAt(0xfe001000)).toBeNull();
    expect(p.mmio.read(0xfe001000, 4, accessContext(0))).toBe(0xffffffff);
  });
});
