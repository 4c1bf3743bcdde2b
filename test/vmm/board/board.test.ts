// attachBoard on real platforms: what the guest finds at each port, and the CMOS NVRAM the board
// gives the RTC on every profile (on Xen the RTC has none of its own).
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../../src/platform/create-platform.js';
import { attachBoard, BoardOptionError } from '../../../src/vmm/board/index.js';
import { pcBiosNvram, CmosNvramError } from '../../../src/vmm/board/cmos-nvram.js';

const MIB = 1024 * 1024;

function cmos(p: ReturnType<typeof createPlatform>, i: number): number {
  p.ports.write(0x70, 1, i);
  return p.ports.read(0x71, 1);
}

function board(profile: 'xen-hvm' | 'qemu-pc' | 'xen-pvh', testDevices: boolean, ramSize = 256 * MIB) {
  const p = createPlatform({ profile, vcpus: 2 });
  const out: number[] = [];
  const exits: number[] = [];
  let resets = 0;
  const b = attachBoard(p, {
    serialOut: (bytes) => out.push(...bytes),
    testDevices,
    cpus: 2,
    ramSize,
    onDebugExit: (c) => exits.push(c),
    onReset: () => resets++,
  });
  return { p, b, out, exits, resets: () => resets };
}

describe('attachBoard', () => {
  it('COM1 output reaches serialOut; serial input reaches RBR', () => {
    const { p, b, out } = board('xen-hvm', false);
    for (const c of 'ok') p.ports.write(0x3f8, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('ok');
    b.serialInput(Uint8Array.of(0x41));
    expect([p.ports.read(0x3fd, 1) & 1, p.ports.read(0x3f8, 1)]).toEqual([1, 0x41]);
  });

  it('the UART raises ISA IRQ 4 through the fabric: PIC input 4 and IO-APIC GSI 4', () => {
    const { p, b } = board('xen-hvm', false);
    p.ports.write(0x3fc, 1, 0x08); // OUT2
    p.ports.write(0x3f9, 1, 0x01); // RDA
    b.serialInput(Uint8Array.of(1));
    expect([p.irq.picInputLevel(4), p.irq.gsiLevel(4)]).toEqual([true, true]);
  });

  it('without testDevices the QEMU test ports are unclaimed (all-ones)', () => {
    const { p, b } = board('xen-hvm', false);
    expect([p.ports.read(0x511, 1), p.ports.read(0xe0, 4), p.ports.read(0x200e, 1)]).toEqual([0xff, 0xffffffff, 0xff]);
    p.ports.write(0xf4, 1, 1);
    expect(b.fwCfg).toBeNull();
  });

  it('with testDevices: fw_cfg, isa-debug-exit, pc-testdev and the IRQ lines answer', () => {
    const { p, exits } = board('qemu-pc', true, 512 * MIB);
    p.ports.write(0x510, 2, 0x05);
    expect([p.ports.read(0x511, 1), p.ports.read(0x511, 1)]).toEqual([2, 0]);
    p.ports.write(0xe0, 4, 0xdeadbeef);
    expect(p.ports.read(0xe0, 4)).toBe(0xdeadbeef);
    p.ports.write(0x200e, 1, 1);
    expect(p.irq.gsiLevel(14)).toBe(true);
    p.mmio.write(0xff000010, 4, 0x01020304);
    expect(p.mmio.read(0xff000012, 2)).toBe(0x0102);
    p.ports.write(0xf4, 4, 0);
    expect(exits).toEqual([0]);
  });

  it("xen-hvm with testDevices: Xen's debug console keeps 0xE9, pc-testdev keeps 0xE0–0xE7", () => {
    // Regression: the byte-wise copy at 0xE8–0xEB overlapped the debug console and attachBoard threw.
    const { p, b } = board('xen-hvm', true);
    p.ports.write(0xe0, 4, 0x01020304);
    expect([p.ports.read(0xe0, 4), p.ports.read(0xe8, 1)]).toEqual([0x01020304, 0xff]);
    expect(b.describe().devices.find((d) => d.id === 'pc-testdev')?.note).toMatch(/debug console/);
  });

  it('port 0x92 bit 0 calls onReset', () => {
    const { p, resets } = board('xen-hvm', false);
    p.ports.write(0x92, 1, 1);
    expect(resets()).toBe(1);
  });

  it('describe lists every board range', () => {
    const { b } = board('qemu-pc', true);
    expect(b.describe().devices.map((d) => `${d.id}@${d.ranges.map((r) => `${r.bus}:${r.base.toString(16)}-${r.end.toString(16)}`).join(',')}`)).toEqual([
      'uart0@port:3f8-3ff',
      'port92@port:92-92',
      'fw-cfg@port:510-511',
      'isa-debug-exit@port:f4-f7',
      'pc-testdev@port:e0-eb,mmio:ff000000-ff00ffff',
      'pc-testdev-irq@port:2000-2017',
    ]);
  });

  it('refuses bad options with a typed error', () => {
    const p = createPlatform();
    expect(() => attachBoard(p, { serialOut: () => undefined, testDevices: false, cpus: 0, ramSize: MIB })).toThrow(BoardOptionError);
  });
});

describe('CMOS NVRAM from the board', () => {
  it('on xen-hvm the century byte reads 0xFF without a board and 0x20 (BCD) with one', () => {
    const bare = createPlatform({ profile: 'xen-hvm' });
    expect([cmos(bare, 0x32), cmos(bare, 0x15)]).toEqual([0xff, 0xff]);
    const { p } = board('xen-hvm', false, 256 * MIB);
    expect(cmos(p, 0x32)).toBe(0x20);
  });

  it('memory bytes for 256 MiB: base 640 KiB, extended 65535 KiB (capped), 3840 × 64 KiB above 16 MiB', () => {
    const { p } = board('xen-hvm', false, 256 * MIB);
    const idx = [0x14, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x37, 0x5b, 0x5c, 0x5d];
    expect(idx.map((i) => cmos(p, i))).toEqual([0x06, 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0f, 0x20, 0, 0, 0]);
  });

  it("qemu-pc: the board writes the VMM's RAM size even when the platform was built with another", () => {
    const { p } = board('qemu-pc', false, 32 * MIB);
    expect([0x17, 0x18, 0x34, 0x35].map((i) => cmos(p, i))).toEqual([0x00, 0x7c, 0x00, 0x01]); // 31744 KiB; 256 × 64 KiB
  });

  it('the century follows the RTC across 2099 → 2100 (the RTC keeps index 0x32 current)', () => {
    const p = createPlatform({ profile: 'xen-hvm', wallTime: '2099-12-31T23:59:59' });
    attachBoard(p, { serialOut: () => undefined, testDevices: false, cpus: 1, ramSize: 64 * MIB });
    expect(cmos(p, 0x32)).toBe(0x20);
    p.clock.advance(1.5e9);
    expect([cmos(p, 0x32), cmos(p, 0x09)]).toEqual([0x21, 0x00]);
  });

  it('NVRAM bytes are plain RAM to the guest and survive a platform reset', () => {
    const { p } = board('xen-hvm', false);
    p.ports.write(0x70, 1, 0x40);
    p.ports.write(0x71, 1, 0x5a);
    p.reset();
    expect([cmos(p, 0x40), cmos(p, 0x15)]).toEqual([0x5a, 0x80]);
  });

  it('a platform without an RTC (xen-pvh) gets no NVRAM', () => {
    const { b } = board('xen-pvh', false);
    expect(b.describe().nvram).toEqual({});
  });

  it('pcBiosNvram: above-4 GiB memory in 64 KiB units over three bytes; small RAM', () => {
    const n = pcBiosNvram({ belowFourGiB: 3 * 1024 * MIB, aboveFourGiB: 5 * 1024 * MIB }, 2024);
    expect([n[0x5b], n[0x5c], n[0x5d], n[0x34], n[0x35]]).toEqual([0x00, 0x40, 0x01, 0x00, 0xbf]); // 81920 = 0x14000; (3072 - 16) MiB / 64 KiB = 0xBF00
    const small = pcBiosNvram({ belowFourGiB: 512 * 1024, aboveFourGiB: 0 }, 1999);
    expect([small[0x15], small[0x16], small[0x17], small[0x32]]).toEqual([0x00, 0x02, 0x00, 0x19]);
    expect(() => pcBiosNvram({ belowFourGiB: -1, aboveFourGiB: 0 }, 2000)).toThrow(CmosNvramError);
  });
});
