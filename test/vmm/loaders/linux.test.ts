// The Linux boot-protocol loader (64-bit entry) on the real Debian kernel (bzImage and vmlinux) and
// on images built here: where everything lands, boot_params field by field, the identity map, errors.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOOT_PARAMS, BOOT_PARAMS_ADDR, CMDLINE_ADDR, linuxKernelFormat, loadLinux } from '../../../src/vmm/loaders/linux.js';
import { LoaderError } from '../../../src/vmm/loaders/loader-error.js';
import { parseSetupHeader, SETUP_HEADER } from '../../../src/vmm/loaders/linux-setup-header.js';
import { writeLongModeTables } from '../../../src/vmm/loaders/long-mode-tables.js';
import { LINUX_BZIMAGE, LINUX_VMLINUX_GZ, NO_GUESTS_REASON } from './guest-files.js';

const MIB = 1024 * 1024;
/** A PC map as the firmware tables give it for 128 MiB (low RAM, BIOS area reserved, high RAM). */
const E820_128M = [
  { base: 0, size: 0xa0000, type: 1 },
  { base: 0xf0000, size: 0x10000, type: 2 },
  { base: 0x100000, size: 127 * MIB, type: 1 },
];

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LoaderError) return e.problem;
    throw e;
  }
  return 'loaded';
}

/** A minimal bzImage: 1 setup sector after the boot sector, a protocol-`version` header, `payload` after. */
function bzImage(
  opts: { version?: number; xloadflags?: number; loadflags?: number; payload?: Uint8Array; initSize?: number; cmdlineSize?: number } = {},
): Uint8Array {
  const payload = opts.payload ?? new Uint8Array([0x90, 0x90, 0xf4]);
  const img = new Uint8Array(1024 + payload.length);
  const dv = new DataView(img.buffer);
  img[SETUP_HEADER.setupSects] = 1;
  dv.setUint16(SETUP_HEADER.bootFlag, 0xaa55, true);
  img[SETUP_HEADER.jump] = 0xeb;
  img[SETUP_HEADER.jump + 1] = 0x6a; // header to 0x26C, as protocol 2.15
  dv.setUint32(SETUP_HEADER.header, 0x53726448, true);
  dv.setUint16(SETUP_HEADER.version, opts.version ?? 0x020f, true);
  img[SETUP_HEADER.loadflags] = opts.loadflags ?? 1;
  dv.setUint32(SETUP_HEADER.initrdAddrMax, 0x7fffffff, true);
  dv.setUint32(SETUP_HEADER.kernelAlignment, 0x200000, true);
  img[SETUP_HEADER.relocatableKernel] = 1;
  dv.setUint16(SETUP_HEADER.xloadflags, opts.xloadflags ?? 0x3, true);
  dv.setUint32(SETUP_HEADER.cmdlineSize, opts.cmdlineSize ?? 2047, true);
  dv.setBigUint64(SETUP_HEADER.prefAddress, 0x1000000n, true);
  dv.setUint32(SETUP_HEADER.initSize, opts.initSize ?? 0x10000, true);
  img.set(payload, 1024);
  return img;
}

function zeroPage(ram: Uint8Array): DataView {
  return new DataView(ram.buffer, ram.byteOffset + BOOT_PARAMS_ADDR, 4096);
}

describe('bzImage built here', () => {
  it('places the protected-mode kernel at pref_address, enters 0x200 in with RSI = boot_params, fills the loader fields', () => {
    const payload = new Uint8Array(0x300).map((_, i) => i & 0xff);
    const image = bzImage({ payload });
    const ram = new Uint8Array(128 * MIB).fill(0xcc);
    const initrd = new Uint8Array(5000).fill(0x5a);
    const r = loadLinux(ram, image, { ramSize: 128 * MIB, cmdline: 'console=ttyS0 x=1', initrd, e820: E820_128M, rsdp: 0xf0000 });
    expect(r.format).toBe('bzImage');
    expect(r.boot).toEqual({ mode: 'long64', rip: 0x1000200, regs: { esi: 0x7000, esp: 0x8ff0 }, longMode: { cr3: 0x9000, gdtBase: 0x1000, gdtLimit: 31 } });
    expect(r.kernel).toEqual({ start: 0x1000000, end: 0x1010000 }); // init_size 0x10000 reserved
    expect([...ram.subarray(0x1000000, 0x1000300)]).toEqual([...payload]);
    expect(ram[0x1000300]).toBe(0); // zeroed up to init_size
    // The initrd: the highest page boundary that holds it below the end of RAM.
    expect(r.initrd).toEqual({ start: 128 * MIB - 8192, size: 5000 });
    expect(ram.subarray(128 * MIB - 8192, 128 * MIB - 8192 + 5000).every((b) => b === 0x5a)).toBe(true);

    const zp = zeroPage(ram);
    expect(zp.getUint32(SETUP_HEADER.header, true)).toBe(0x53726448);
    expect(zp.getUint16(SETUP_HEADER.version, true)).toBe(0x020f);
    expect(zp.getUint8(SETUP_HEADER.typeOfLoader)).toBe(0xff);
    expect(zp.getUint8(SETUP_HEADER.loadflags)).toBe(1);
    expect(zp.getUint16(SETUP_HEADER.vidMode, true)).toBe(0xffff);
    expect(zp.getUint32(SETUP_HEADER.cmdLinePtr, true)).toBe(CMDLINE_ADDR);
    expect(zp.getUint32(SETUP_HEADER.ramdiskImage, true)).toBe(128 * MIB - 8192);
    expect(zp.getUint32(SETUP_HEADER.ramdiskSize, true)).toBe(5000);
    expect(zp.getBigUint64(BOOT_PARAMS.acpiRsdpAddr, true)).toBe(0xf0000n);
    expect(zp.getUint8(0x1ef)).toBe(0); // sentinel: 0, so the kernel keeps the fields (sanitize_boot_params)
    expect(zp.getUint8(BOOT_PARAMS.e820Entries)).toBe(3);
    const e820 = [0, 1, 2].map((i) => {
      const p = BOOT_PARAMS.e820Table + 20 * i;
      return [Number(zp.getBigUint64(p, true)), Number(zp.getBigUint64(p + 8, true)), zp.getUint32(p + 16, true)];
    });
    expect(e820).toEqual([
      [0, 0xa0000, 1],
      [0xf0000, 0x10000, 2],
      [0x100000, 127 * MIB, 1],
    ]);
    expect(new TextDecoder().decode(ram.subarray(CMDLINE_ADDR, CMDLINE_ADDR + 18))).toBe('console=ttyS0 x=1\0');
  });

  it('refuses a protocol older than 2.12, a kernel without XLF_KERNEL_64 or LOADED_HIGH, a cut header, a kernel past RAM, a long command line', () => {
    const ram = new Uint8Array(32 * MIB);
    const e820 = [{ base: 0x100000, size: 31 * MIB, type: 1 }];
    const load = (img: Uint8Array, cmdline = '') => problem(() => loadLinux(ram, img, { ramSize: 32 * MIB, e820, cmdline }));
    expect(load(bzImage({ version: 0x020b }))).toBe('unsupported');
    expect(load(bzImage({ xloadflags: 0 }))).toBe('unsupported');
    expect(load(bzImage({ loadflags: 0 }))).toBe('unsupported');
    expect(load(bzImage().subarray(0, 0x210))).toBe('truncated');
    expect(load(bzImage({ initSize: 32 * MIB }))).toBe('outside-ram');
    expect(load(bzImage({ cmdlineSize: 10 }), 'a'.repeat(11))).toBe('bad-option');
    expect(load(bzImage({ cmdlineSize: 10 }), 'a'.repeat(10))).toBe('loaded');
    expect(load(new Uint8Array(4096))).toBe('unsupported');
  });

  it('an initrd that fits nowhere above the kernel is refused', () => {
    const ram = new Uint8Array(32 * MIB);
    const e820 = [{ base: 0x100000, size: 31 * MIB, type: 1 }];
    expect(problem(() => loadLinux(ram, bzImage(), { ramSize: 32 * MIB, e820, initrd: new Uint8Array(16 * MIB) }))).toBe('outside-ram');
  });

  it('no Linux format for random bytes, a 32-bit ELF or an empty file', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), (bytes) => {
        const f = linuxKernelFormat(bytes);
        // Random bytes almost never carry both magics; when they do, the parser decides.
        if (f === 'bzImage') expect(() => parseSetupHeader(bytes)).not.toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
    const elf32 = new Uint8Array(64);
    elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    elf32[18] = 3;
    expect(linuxKernelFormat(elf32)).toBe(null);
    expect(linuxKernelFormat(new Uint8Array(0))).toBe(null);
  });
});

describe('identity map for the 64-bit entry', () => {
  it('every address below 4 GiB walks PML4 → PDPT → PD (2 MiB page) to itself; the GDT has the boot protocol selectors', () => {
    const ram = new Uint8Array(0x10000);
    const t = writeLongModeTables(ram, 0x1000, 0x9000);
    const dv = new DataView(ram.buffer);
    const entry = (table: number, i: number) => dv.getBigUint64(table + 8 * i, true);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (va) => {
        const pml4e = entry(t.cr3, 0); // bits 47:39 of a VA below 4 GiB are 0
        expect(pml4e & 3n).toBe(3n);
        const pdpte = entry(Number(pml4e & ~0xfffn), Math.floor(va / 0x40000000));
        expect(pdpte & 3n).toBe(3n);
        const pde = entry(Number(pdpte & ~0xfffn), Math.floor(va / 0x200000) % 512);
        expect(pde & 0x83n).toBe(0x83n); // present, writable, PS
        expect(Number(pde & ~0x1fffffn) + (va % 0x200000)).toBe(va);
      }),
      { numRuns: 500 },
    );
    expect(dv.getBigUint64(0x1010, true)).toBe(0x00af9b000000ffffn); // 0x10: L = 1 code
    expect(dv.getBigUint64(0x1018, true)).toBe(0x00cf93000000ffffn); // 0x18: flat data
  });
});

describe.skipIf(LINUX_BZIMAGE === null)(`Debian 6.1 kernel${LINUX_BZIMAGE === null ? ` (skipped: ${NO_GUESTS_REASON})` : ''}`, () => {
  it('bzImage: protocol 2.15, 39 setup sectors, relocatable, 64-bit; loads at 0x1000000 with init_size reserved', () => {
    const image = new Uint8Array(readFileSync(LINUX_BZIMAGE!));
    const h = parseSetupHeader(image);
    expect([h.version, h.setupBytes, h.headerLength, h.xloadflags, h.kernelAlignment, h.relocatable, h.cmdlineSize, h.prefAddress, h.initSize]).toEqual([
      0x020f,
      40 * 512,
      0x7b,
      0x7f,
      0x200000,
      true,
      2047,
      0x1000000,
      0x3f98000,
    ]);
    const ram = new Uint8Array(128 * MIB);
    const r = loadLinux(ram, image, { ramSize: 128 * MIB, e820: E820_128M, cmdline: 'console=ttyS0' });
    expect(r.boot.rip).toBe(0x1000200);
    expect(r.kernel).toEqual({ start: 0x1000000, end: 0x1000000 + 0x3f98000 });
    expect(ram.subarray(0x1000000, 0x1000000 + 4096)).toEqual(image.subarray(40 * 512, 40 * 512 + 4096));
    // The kernel's own header bytes are in boot_params (e.g. kernel_version pointer, init_size).
    expect(zeroPage(ram).getUint32(SETUP_HEADER.initSize, true)).toBe(0x3f98000);
  });

  it('vmlinux: 4 PT_LOAD segments at their physical addresses, entry startup_64 at 0x1000000, a synthesised 2.15 header', () => {
    const image = new Uint8Array(gunzipSync(readFileSync(LINUX_VMLINUX_GZ!)));
    expect(linuxKernelFormat(image)).toBe('vmlinux');
    const ram = new Uint8Array(128 * MIB);
    const r = loadLinux(ram, image, { ramSize: 128 * MIB, e820: E820_128M, cmdline: 'console=ttyS0', rsdp: 0xf0000 });
    expect(r.format).toBe('vmlinux');
    expect(r.boot.rip).toBe(0x1000000);
    expect(r.kernel).toEqual({ start: 0x1000000, end: 0x3079000 + 0x1987000 });
    expect(ram.subarray(0x1000000, 0x1000000 + 0x10000)).toEqual(image.subarray(0x200000, 0x210000));
    expect(ram.subarray(0x3044000, 0x3044000 + 0x1000)).toEqual(image.subarray(0x2400000, 0x2401000));
    const zp = zeroPage(ram);
    expect([zp.getUint16(SETUP_HEADER.bootFlag, true), zp.getUint32(SETUP_HEADER.header, true), zp.getUint16(SETUP_HEADER.version, true)]).toEqual([
      0xaa55, 0x53726448, 0x020f,
    ]);
    expect(zp.getBigUint64(BOOT_PARAMS.acpiRsdpAddr, true)).toBe(0xf0000n);
  });
});
