import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseQemuArgs } from '../../src/cli/qemu-args.js';
import { loadFirmware } from '../../src/cli/qemu-firmware.js';
import { qemuPlatform } from '../../src/cli/qemu-system.js';
import type { Platform } from '../../src/platform/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'hvmdev-fw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const io = { now: () => 0, localOffsetMinutes: () => 0 };

function image(name: string, size: number): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >>> 8)) & 0xff),
  );
  return path;
}

const byte = (i: number) => (i * 7 + (i >>> 8)) & 0xff;

function boot(args: string[]): { platform: Platform; notices: string[] } {
  const inv = parseQemuArgs(args);
  const platform = qemuPlatform(inv, io);
  const notices: string[] = [];
  loadFirmware(platform, inv.firmware!, (l) => void notices.push(l));
  return { platform, notices };
}

describe('hvmdev-system-x86_64 firmware images', () => {
  for (const machine of ['pc', 'q35']) {
    it(`${machine}: -bios maps the image below 4 GiB and its last 128 KiB below 1 MiB, behind PAM`, () => {
      const size = 256 * 1024;
      const { platform: p } = boot(['-M', machine, '-bios', image(`bios-${machine}.bin`, size)]);
      for (const i of [0, 1, 0x1234, size - 1]) expect(p.mmio.read(2 ** 32 - size + i, 1)).toBe(byte(i));
      expect(p.mmio.read(2 ** 32 - 4, 4)).toBe((byte(size - 4) | (byte(size - 3) << 8) | (byte(size - 2) << 16) | (byte(size - 1) << 24)) >>> 0);
      p.mmio.write(2 ** 32 - size, 1, 0x55); // ROM
      expect(p.mmio.read(2 ** 32 - size, 1)).toBe(byte(0));
      // 0xE0000-0xFFFFF: the last 128 KiB while PAM sends reads to PCI (power-on).
      for (const i of [0, 0x10000, 0x1ffff]) expect(p.mmio.read(0xe0000 + i, 1)).toBe(byte(size - 0x20000 + i));
      expect(p.mmio.read(0xdffff, 1)).toBe(0);
    });
  }

  it('a pflash image reads the same; a write is dropped and reported once', () => {
    const size = 64 * 1024;
    const { platform: p, notices } = boot(['-drive', `if=pflash,format=raw,file=${image('flash.fd', size)}`]);
    expect(p.mmio.read(0xfffffff0, 1)).toBe(byte(size - 16));
    expect(p.mmio.read(0xf0000, 1)).toBe(byte(0));
    p.mmio.write(0xffff0000, 1, 0x98); // CFI query
    p.mmio.write(0xffff0000, 1, 0xff);
    expect(p.mmio.read(0xffff0000, 1)).toBe(byte(0));
    expect(notices).toEqual(['the pflash command set (CFI) is not modelled: writes to the flash are dropped (docs/qtest.md#firmware)']);
  });

  it('refuses what QEMU refuses, naming the option', () => {
    expect(() => boot(['-bios', image('odd.bin', 4096)])).toThrow(/^-bios .*odd.bin: 4096 bytes; a BIOS image is 64 KiB to 16 MiB in whole 64 KiB blocks/);
    expect(() => boot(['-pflash', image('odd.fd', 1000)])).toThrow(/1000 bytes; a pflash image is 4 KiB to 8 MiB in whole 4 KiB sectors/);
    expect(() => boot(['-bios', join(dir, 'missing.bin')])).toThrow(/missing.bin: cannot read: ENOENT/);
  });
});
