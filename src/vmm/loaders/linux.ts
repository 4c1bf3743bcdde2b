// Linux/x86 boot protocol loader (Documentation/arch/x86/boot.rst), 64-bit entry, for a bzImage
// (protocol ≥ 2.12) or an uncompressed ELF64 vmlinux. It leaves in guest RAM:
//   0x1000            GDT: __BOOT_CS 0x10 (64-bit code), __BOOT_DS 0x18 (flat data)
//   0x7000            boot_params (the zero page): setup header, e820 table, acpi_rsdp_addr
//   0x9000–0xEFFF     page tables identity-mapping the first 4 GiB (long-mode-tables.ts)
//   0x20000           the command line (NUL-terminated)
//   kernel            bzImage: the protected-mode part at pref_address (its 64-bit entry is
//                     0x200 in); vmlinux: each PT_LOAD segment at its p_paddr, entry e_entry
//   initrd            the highest page-aligned place in RAM below initrd_addr_max
// and enters at the 64-bit entry with RSI = boot_params. Why 64-bit rather than the 32-bit entry:
// the VMM can set long mode directly through KVM's registers, so the guest runs none of the
// 32-bit → long-mode switch (which the 32-bit entry makes the kernel do, with its own page tables),
// and a vmlinux has no 32-bit boot_params entry at all (only startup_64 and the PVH note).
// Everything sits below 1 MiB except the kernel and initrd, in RAM Linux keeps reserved at boot.
import type { BootState } from './boot-state.js';
import { isElf64X86, parseElf64 } from './elf64.js';
import { LoaderError } from './loader-error.js';
import { ENTRY_64_OFFSET, HDRS_MAGIC, isBzImage, LOADER_TYPE_UNDEFINED, LOADFLAGS, parseSetupHeader, SETUP_HEADER, BOOT_FLAG } from './linux-setup-header.js';
import { writeLongModeTables } from './long-mode-tables.js';

export const LINUX_GDT_ADDR = 0x1000;
export const BOOT_PARAMS_ADDR = 0x7000;
export const BOOT_STACK_TOP = 0x8ff0;
export const LINUX_PAGE_TABLES_ADDR = 0x9000;
export const CMDLINE_ADDR = 0x20000;
/** boot_params fields outside the setup header (arch/x86/include/uapi/asm/bootparam.h offsets). */
export const BOOT_PARAMS = Object.freeze({
  size: 4096,
  acpiRsdpAddr: 0x070, // u64 (protocol 2.14)
  extRamdiskImage: 0x0c0, // u32: ramdisk_image bits 63:32
  extRamdiskSize: 0x0c4,
  extCmdLinePtr: 0x0c8,
  e820Entries: 0x1e8, // u8
  e820Table: 0x2d0, // 128 × {u64 addr, u64 size, u32 type}
});
export const E820_MAX_ZEROPAGE = 128;
/** COMMAND_LINE_SIZE on x86 (arch/x86/include/asm/setup.h) less the NUL: for a vmlinux, which has no header to say. */
const VMLINUX_CMDLINE_MAX = 2047;
/** The protocol version a vmlinux's synthesised header claims: 2.15 (the test kernel's own). */
const VMLINUX_PROTOCOL = 0x020f;
const PAGE = 4096;

export type LinuxKernelFormat = 'bzImage' | 'vmlinux';

export interface LinuxE820Entry {
  readonly base: number;
  readonly size: number;
  readonly type: number;
}

export interface LinuxOptions {
  /** Guest RAM in bytes: `ram` covers guest-physical [0, ramSize). */
  readonly ramSize: number;
  readonly cmdline?: string;
  readonly initrd?: Uint8Array;
  /** The platform's e820 map (firmware tables: src/firmware/e820.ts). */
  readonly e820: readonly LinuxE820Entry[];
  /** The RSDP's address, for boot_params.acpi_rsdp_addr (0: let the kernel scan the BIOS area). */
  readonly rsdp?: number;
}

export interface LinuxLoad {
  readonly format: LinuxKernelFormat;
  readonly boot: BootState;
  readonly kernel: { readonly start: number; readonly end: number };
  readonly initrd: { readonly start: number; readonly size: number } | null;
}

/** 'bzImage', 'vmlinux' (ELF64 x86-64) or null (not a Linux kernel this loader knows). */
export function linuxKernelFormat(image: Uint8Array): LinuxKernelFormat | null {
  if (isBzImage(image)) return 'bzImage';
  if (isElf64X86(image)) return 'vmlinux';
  return null;
}

interface Placement {
  readonly what: string;
  readonly addr: number;
  readonly data: Uint8Array;
  readonly memSize: number;
}

export function loadLinux(ram: Uint8Array, image: Uint8Array, opts: LinuxOptions): LinuxLoad {
  const { ramSize } = opts;
  if (!Number.isSafeInteger(ramSize) || ramSize <= 0 || ramSize > ram.length) {
    throw new LoaderError('bad-option', `ramSize ${ramSize} must be a positive byte count no larger than the RAM buffer (${ram.length} bytes)`);
  }
  const format = linuxKernelFormat(image);
  if (format === null) throw new LoaderError('unsupported', 'not a Linux kernel: neither a bzImage (boot flag 0xAA55, "HdrS") nor an x86-64 ELF vmlinux');
  const cmdline = new TextEncoder().encode(opts.cmdline ?? '');
  const zero = new Uint8Array(BOOT_PARAMS.size);
  const zp = new DataView(zero.buffer);

  let entry: number;
  let placements: Placement[];
  let initrdAddrMax: number;
  let cmdlineMax: number;
  if (format === 'bzImage') {
    const h = parseSetupHeader(image);
    // The header as the kernel built it, then the loader's fields (boot.rst "Details of header fields").
    zero.set(image.subarray(SETUP_HEADER.setupSects, SETUP_HEADER.setupSects + h.headerLength), SETUP_HEADER.setupSects);
    const kernel = image.subarray(h.setupBytes);
    let load = h.prefAddress;
    if (h.relocatable && h.kernelAlignment > 0) load = Math.ceil(load / h.kernelAlignment) * h.kernelAlignment;
    placements = [{ what: 'the protected-mode kernel', addr: load, data: kernel, memSize: Math.max(kernel.length, h.initSize) }];
    entry = load + ENTRY_64_OFFSET;
    initrdAddrMax = h.initrdAddrMax;
    cmdlineMax = h.cmdlineSize;
  } else {
    const elf = parseElf64(image);
    placements = elf.segments
      .filter((s) => s.memSize > 0)
      .map((s, i) => ({ what: `ELF segment ${i}`, addr: s.paddr, data: image.subarray(s.offset, s.offset + s.fileSize), memSize: s.memSize }));
    entry = Number(elf.entry);
    // A vmlinux's e_entry is startup_64's physical address (ENTRY(phys_startup_64) in vmlinux.lds).
    if (!placements.some((p) => entry >= p.addr && entry < p.addr + p.memSize)) {
      throw new LoaderError(
        'unsupported',
        `vmlinux entry 0x${elf.entry.toString(16)} is not the physical address of a loaded segment: not a kernel linked for the 64-bit boot protocol`,
      );
    }
    zp.setUint16(SETUP_HEADER.bootFlag, BOOT_FLAG, true);
    zp.setUint32(SETUP_HEADER.header, HDRS_MAGIC, true);
    zp.setUint16(SETUP_HEADER.version, VMLINUX_PROTOCOL, true);
    zp.setUint32(SETUP_HEADER.kernelAlignment, 0x200000, true);
    initrdAddrMax = 0x7fffffff;
    cmdlineMax = VMLINUX_CMDLINE_MAX;
    zp.setUint32(SETUP_HEADER.initrdAddrMax, initrdAddrMax, true);
    zp.setUint32(SETUP_HEADER.cmdlineSize, cmdlineMax, true);
  }
  if (cmdline.length > cmdlineMax) {
    throw new LoaderError('bad-option', `the command line is ${cmdline.length} bytes; this kernel takes at most ${cmdlineMax}`);
  }

  const usable = opts.e820.filter((e) => e.type === 1);
  const inRam = (start: number, end: number) => end <= ramSize && usable.some((e) => start >= e.base && end <= e.base + e.size);
  let kernelStart = Infinity;
  let kernelEnd = 0;
  for (const p of placements) {
    const end = p.addr + p.memSize;
    if (!inRam(p.addr, end)) {
      throw new LoaderError(
        'outside-ram',
        `${p.what} at [0x${hex(p.addr)}, 0x${hex(end)}) is not inside usable RAM (${ramSize >>> 20} MiB): give the VM more memory`,
      );
    }
    kernelStart = Math.min(kernelStart, p.addr);
    kernelEnd = Math.max(kernelEnd, end);
  }

  let initrd: LinuxLoad['initrd'] = null;
  if (opts.initrd !== undefined && opts.initrd.length > 0) {
    const size = opts.initrd.length;
    // The highest page-aligned spot in a RAM range above the kernel, below initrd_addr_max.
    let best = -1;
    for (const e of usable) {
      const top = Math.min(e.base + e.size, ramSize, initrdAddrMax + 1);
      const at = Math.floor((top - size) / PAGE) * PAGE;
      if (at >= Math.max(e.base, kernelEnd) && at > best) best = at;
    }
    if (best < 0)
      throw new LoaderError(
        'outside-ram',
        `the initrd (${size} bytes) does not fit in RAM above the kernel's end 0x${hex(kernelEnd)}: give the VM more memory`,
      );
    initrd = { start: best, size };
  }

  // Loader-owned header fields.
  zp.setUint8(SETUP_HEADER.typeOfLoader, LOADER_TYPE_UNDEFINED);
  zp.setUint8(SETUP_HEADER.loadflags, (zp.getUint8(SETUP_HEADER.loadflags) | LOADFLAGS.LOADED_HIGH) & ~LOADFLAGS.CAN_USE_HEAP);
  zp.setUint16(SETUP_HEADER.vidMode, 0xffff, true); // "normal"
  zp.setUint32(SETUP_HEADER.cmdLinePtr, CMDLINE_ADDR, true);
  zp.setUint32(BOOT_PARAMS.extCmdLinePtr, 0, true);
  zp.setUint32(SETUP_HEADER.ramdiskImage, initrd?.start ?? 0, true);
  zp.setUint32(SETUP_HEADER.ramdiskSize, initrd?.size ?? 0, true);
  zp.setUint32(SETUP_HEADER.hardwareSubarch, 0, true); // a normal PC
  zp.setBigUint64(BOOT_PARAMS.acpiRsdpAddr, BigInt(opts.rsdp ?? 0), true);
  if (opts.e820.length > E820_MAX_ZEROPAGE)
    throw new LoaderError('bad-option', `the e820 map has ${opts.e820.length} entries; boot_params holds ${E820_MAX_ZEROPAGE}`);
  opts.e820.forEach((e, i) => {
    const p = BOOT_PARAMS.e820Table + 20 * i;
    zp.setBigUint64(p, BigInt(e.base), true);
    zp.setBigUint64(p + 8, BigInt(e.size), true);
    zp.setUint32(p + 16, e.type, true);
  });
  zp.setUint8(BOOT_PARAMS.e820Entries, opts.e820.length);

  for (const p of placements) {
    ram.set(p.data, p.addr);
    ram.fill(0, p.addr + p.data.length, p.addr + p.memSize);
  }
  if (initrd !== null) ram.set(opts.initrd!, initrd.start);
  ram.set(zero, BOOT_PARAMS_ADDR);
  ram.set(cmdline, CMDLINE_ADDR);
  ram[CMDLINE_ADDR + cmdline.length] = 0;
  const tables = writeLongModeTables(ram, LINUX_GDT_ADDR, LINUX_PAGE_TABLES_ADDR);
  return {
    format,
    boot: { mode: 'long64', rip: entry, regs: { esi: BOOT_PARAMS_ADDR, esp: BOOT_STACK_TOP }, longMode: tables },
    kernel: { start: kernelStart, end: kernelEnd },
    initrd,
  };
}

function hex(n: number): string {
  return n.toString(16);
}
