// The firmware tables a VMM guest gets (src/vmm/firmware-tables.ts): found the way an OS finds them,
// by scanning the BIOS area of guest RAM, and consistent with the board's CMOS.
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../../src/platform/create-platform.js';
import { FADT_OFFSET } from '../../../src/firmware/acpi/fadt.js';
import type { ProfileName } from '../../../src/platform/profiles.js';
import { attachBoard } from '../../../src/vmm/board/index.js';
import { CMOS_CENTURY_INDEX } from '../../../src/vmm/board/cmos-nvram.js';
import { installFirmwareTables } from '../../../src/vmm/firmware-tables.js';

const MIB = 1024 * 1024;

/** The OS's RSDP search (ACPI 6.x §5.2.5.1): "RSD PTR " on a 16-byte boundary in 0xE0000–0xFFFFF with a zero checksum over 20 bytes. */
function scanRsdp(ram: Uint8Array): number | null {
  for (let a = 0xe0000; a < 0x100000; a += 16) {
    if (new TextDecoder().decode(ram.subarray(a, a + 8)) !== 'RSD PTR ') continue;
    if (ram.subarray(a, a + 20).reduce((s, b) => (s + b) & 0xff, 0) === 0) return a;
  }
  return null;
}

function table(ram: Uint8Array, rsdp: number, sig: string): number | null {
  const dv = new DataView(ram.buffer);
  const rsdt = dv.getUint32(rsdp + 16, true);
  const len = dv.getUint32(rsdt + 4, true);
  for (let p = rsdt + 36; p < rsdt + len; p += 4) {
    const t = dv.getUint32(p, true);
    if (new TextDecoder().decode(ram.subarray(t, t + 4)) === sig) return t;
  }
  return null;
}

describe.each<[ProfileName, number]>([
  ['qemu-pc', 0x608],
  ['xen-hvm', 0x1f48],
])('%s', (profile, pmTimer) => {
  it(`the BIOS-area scan finds the RSDP; its RSDT leads to a FADT whose PM timer is at 0x${pmTimer.toString(16)}; the MP pointer is in 0xF0000–0xFFFFF`, () => {
    const ramSize = 16 * MIB;
    const p = createPlatform({ profile, ramBytes: 0 });
    const ram = new Uint8Array(ramSize);
    p.mmio.addRam(0, ram.subarray(0, 0xa0000), { owner: 'ram', name: 'low RAM' });
    p.mmio.addRam(0x100000, ram.subarray(0x100000), { owner: 'ram', name: 'high RAM' });
    const board = attachBoard(p, { serialOut: () => undefined, testDevices: false, cpus: 1, ramSize });
    const fw = installFirmwareTables(p, ram);
    const rsdp = scanRsdp(ram);
    expect(rsdp).toBe(fw.image.rsdp);
    const fadt = table(ram, rsdp!, 'FACP')!;
    const dv = new DataView(ram.buffer);
    expect(dv.getUint32(fadt + FADT_OFFSET.PM_TMR_BLK, true)).toBe(pmTimer);
    // The port answers: the PM timer was placed where the FADT says.
    expect(p.ports.read(pmTimer, 4)).not.toBe(0xffffffff);
    // The FADT's century index is the CMOS byte the board keeps the century in.
    expect(ram[fadt + 108]).toBe(CMOS_CENTURY_INDEX);
    expect(board.describe().nvram[CMOS_CENTURY_INDEX]).toBeGreaterThan(0);
    // e820: RAM below the hole, the image reserved, RAM from 1 MiB.
    expect(fw.image.e820.filter((e) => e.type === 1)).toEqual([
      { base: 0, size: 0xa0000, type: 1 },
      { base: 0x100000, size: ramSize - 0x100000, type: 1 },
    ]);
    const mp = 'floatingPointer' in fw.image.mp ? fw.image.mp.floatingPointer : null;
    expect(mp).not.toBe(null);
    expect(new TextDecoder().decode(ram.subarray(mp!, mp! + 4))).toBe('_MP_');
  });
});
