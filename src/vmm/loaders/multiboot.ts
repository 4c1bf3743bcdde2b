// Multiboot (v1, spec 0.6.96) loader: places an ELF32 or a.out-kludge kernel, its modules and the
// Multiboot information in guest RAM and returns the machine state of §3.2 (protected mode, paging
// off, EAX = 0x2BADB002, EBX = the information structure's physical address).
//
// Placement: segments at their physical addresses (ELF p_paddr; the a.out kludge's load_addr);
// modules after the kernel's last byte, each on a 4 KiB boundary (always, so header flags bit 0 is
// satisfied); the information structure, module list, memory map and strings at 0x9000.
import type { BootState } from './boot-state.js';
import { isElf, parseElf32 } from './elf32.js';
import { LoaderError } from './loader-error.js';
import { inUsableRam, pcMemoryMap } from './memory-map.js';
import { findMultibootHeader, type AoutKludge } from './multiboot-header.js';
import { infoSize, MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_INFO_ADDR, writeMultibootInfo, type LoadedModule } from './multiboot-info.js';

export interface MultibootModule {
  readonly data: Uint8Array;
  /** The module's string (conventionally its name and arguments); default empty. */
  readonly cmdline?: string;
}

export interface MultibootOptions {
  /**
   * The kernel's command line as the information structure carries it. GRUB and QEMU put the
   * kernel's file name first ("kernel.elf args"); programs that parse argv (kvm-unit-tests) expect it.
   */
  readonly cmdline?: string;
  readonly modules?: readonly MultibootModule[];
  /** Guest RAM in bytes: `ram` covers guest-physical [0, ramSize). */
  readonly ramSize: number;
}

const PAGE = 4096;

/** One piece of the image to copy: `fileSize` bytes from `offset`, then zeros up to `memSize`. */
interface Placement {
  readonly what: string;
  readonly addr: number;
  readonly offset: number;
  readonly fileSize: number;
  readonly memSize: number;
}

export function loadMultiboot(ram: Uint8Array, image: Uint8Array, opts: MultibootOptions): BootState {
  const { ramSize } = opts;
  if (!Number.isSafeInteger(ramSize) || ramSize <= 0 || ramSize > ram.length) {
    throw new LoaderError('bad-option', `ramSize ${ramSize} must be a positive byte count no larger than the RAM buffer (${ram.length} bytes)`);
  }
  const header = findMultibootHeader(image);
  let entry: number;
  let placements: Placement[];
  if (header.aout !== null) {
    ({ entry, placements } = aoutPlacement(image, header.offset, header.aout));
  } else if (isElf(image)) {
    const elf = parseElf32(image);
    placements = elf.segments.map((s, i) => ({ what: `ELF segment ${i}`, addr: s.paddr, offset: s.offset, fileSize: s.fileSize, memSize: s.memSize }));
    entry = elf.entry;
    // A kernel linked at virtual addresses other than its load addresses enters at the physical
    // address of its entry (paging is off).
    const home = elf.segments.find((s) => entry >= s.vaddr && entry < s.vaddr + s.memSize);
    if (home !== undefined) entry = (entry - home.vaddr + home.paddr) >>> 0;
  } else {
    throw new LoaderError('unsupported', 'the image is not ELF and its Multiboot header has no a.out-kludge addresses (flags bit 16)');
  }

  const map = pcMemoryMap(ramSize);
  const cmdline = opts.cmdline ?? '';
  const mods = opts.modules ?? [];
  const infoStart = MULTIBOOT_INFO_ADDR;
  const infoEnd =
    infoStart +
    infoSize(
      mods.map((m) => ({ cmdline: m.cmdline ?? '' })),
      map,
      cmdline,
    );
  let kernelEnd = 0;
  for (const p of placements) {
    if (p.memSize === 0) continue;
    const end = p.addr + p.memSize;
    if (!inUsableRam(map, p.addr, end)) {
      throw new LoaderError('outside-ram', `${p.what} at [0x${hex(p.addr)}, 0x${hex(end)}) is not inside usable RAM (${describeMap(ramSize)})`);
    }
    if (p.addr < infoEnd && infoStart < end) {
      throw new LoaderError(
        'overlaps-info',
        `${p.what} at [0x${hex(p.addr)}, 0x${hex(end)}) overlaps the Multiboot information at [0x${hex(infoStart)}, 0x${hex(infoEnd)})`,
      );
    }
    kernelEnd = Math.max(kernelEnd, end);
  }
  if (!inUsableRam(map, entry, entry + 1)) {
    throw new LoaderError('outside-ram', `entry point 0x${hex(entry)} is not in usable RAM`);
  }

  const loaded: LoadedModule[] = [];
  let next = alignUp(Math.max(kernelEnd, infoEnd), PAGE);
  mods.forEach((m, i) => {
    const start = next;
    const end = start + m.data.length;
    if (!inUsableRam(map, start, Math.max(end, start + 1))) {
      throw new LoaderError('outside-ram', `module ${i} (${m.data.length} bytes) does not fit in RAM at 0x${hex(start)}: give the VM more memory`);
    }
    loaded.push({ start, end, cmdline: m.cmdline ?? '' });
    next = alignUp(end, PAGE);
  });

  for (const p of placements) {
    ram.set(image.subarray(p.offset, p.offset + p.fileSize), p.addr);
    ram.fill(0, p.addr + p.fileSize, p.addr + p.memSize);
  }
  mods.forEach((m, i) => ram.set(m.data, loaded[i]!.start));
  const info = writeMultibootInfo(ram, cmdline, loaded, map);
  return { mode: 'protected32', rip: entry, regs: { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: info.address } };
}

/** The a.out kludge (§3.1.3): the file from header_addr's offset back to load_addr, then bss. */
function aoutPlacement(image: Uint8Array, headerOffset: number, a: AoutKludge): { entry: number; placements: Placement[] } {
  if (a.loadAddr > a.headerAddr) {
    throw new LoaderError('unsupported', `a.out kludge: load_addr 0x${hex(a.loadAddr)} is above header_addr 0x${hex(a.headerAddr)}`);
  }
  const offset = headerOffset - (a.headerAddr - a.loadAddr);
  if (offset < 0) {
    throw new LoaderError(
      'unsupported',
      `a.out kludge: header_addr - load_addr = 0x${hex(a.headerAddr - a.loadAddr)} reaches before the file's start (header at byte ${headerOffset})`,
    );
  }
  let fileSize: number;
  if (a.loadEndAddr === 0) {
    fileSize = image.length - offset;
  } else {
    if (a.loadEndAddr < a.loadAddr) throw new LoaderError('unsupported', `a.out kludge: load_end_addr 0x${hex(a.loadEndAddr)} is below load_addr`);
    fileSize = a.loadEndAddr - a.loadAddr;
    if (offset + fileSize > image.length) {
      throw new LoaderError('truncated', `a.out kludge: the text and data need ${fileSize} bytes from byte ${offset}, the image has ${image.length}`);
    }
  }
  let memSize = fileSize;
  if (a.bssEndAddr !== 0) {
    if (a.bssEndAddr < a.loadAddr + fileSize) {
      throw new LoaderError(
        'unsupported',
        `a.out kludge: bss_end_addr 0x${hex(a.bssEndAddr)} is below the end of the loaded data 0x${hex(a.loadAddr + fileSize)}`,
      );
    }
    memSize = a.bssEndAddr - a.loadAddr;
  }
  return { entry: a.entryAddr, placements: [{ what: 'a.out kludge image', addr: a.loadAddr, offset, fileSize, memSize }] };
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

function hex(n: number): string {
  return n.toString(16);
}

function describeMap(ramSize: number): string {
  return `[0, 0x9fc00) and [0x100000, 0x${hex(ramSize)})`;
}
