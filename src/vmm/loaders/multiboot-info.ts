// The Multiboot information structure (0.6.96 §3.3) the loader leaves in guest memory for EBX:
//   0 flags · 4 mem_lower · 8 mem_upper · 12 boot_device · 16 cmdline · 20 mods_count · 24 mods_addr
//   28–43 syms · 44 mmap_length · 48 mmap_addr · 52 drives_length · 56 drives_addr · 60 config_table
//   64 boot_loader_name · 68 apm_table · 72–87 VBE fields (88 bytes)
// followed here by the module list (16 bytes each: mod_start, mod_end, string, reserved), the
// memory map (24 bytes each: size = 20, base_addr, length, type) and the strings.
import { E820_RAM, EBDA_START, HIGH_MEMORY_START, type MemoryRegion } from './memory-map.js';
import { LoaderError } from './loader-error.js';

export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
/** Where the information area starts (QEMU's multiboot loader uses the same page). */
export const MULTIBOOT_INFO_ADDR = 0x9000;
/** The area may grow up to the EBDA. */
export const MULTIBOOT_INFO_LIMIT = EBDA_START;
export const MBI_SIZE = 88;
export const MBI_FLAG = {
  MEMORY: 1 << 0,
  BOOT_DEVICE: 1 << 1,
  CMDLINE: 1 << 2,
  MODS: 1 << 3,
  MMAP: 1 << 6,
  BOOT_LOADER_NAME: 1 << 9,
} as const;
export const BOOT_LOADER_NAME = 'hvmdev';

export interface LoadedModule {
  readonly start: number;
  readonly end: number; // exclusive (mod_end is the first byte after the module)
  readonly cmdline: string;
}

export interface InfoLayout {
  readonly address: number;
  readonly size: number;
}

/** Bytes the information area needs for these modules, map and strings. */
export function infoSize(modules: readonly { cmdline: string }[], map: readonly MemoryRegion[], cmdline: string): number {
  const enc = new TextEncoder();
  let strings = enc.encode(cmdline).length + 1 + BOOT_LOADER_NAME.length + 1;
  for (const m of modules) strings += enc.encode(m.cmdline).length + 1;
  return MBI_SIZE + 16 * modules.length + 24 * map.length + strings;
}

/** Writes the structure at MULTIBOOT_INFO_ADDR; returns its address and size. */
export function writeMultibootInfo(ram: Uint8Array, cmdline: string, modules: readonly LoadedModule[], map: readonly MemoryRegion[]): InfoLayout {
  const size = infoSize(modules, map, cmdline);
  const base = MULTIBOOT_INFO_ADDR;
  if (base + size > MULTIBOOT_INFO_LIMIT) {
    throw new LoaderError(
      'bad-option',
      `the Multiboot information (${size} bytes: command lines and modules) does not fit below 0x${MULTIBOOT_INFO_LIMIT.toString(16)}; shorten the command lines`,
    );
  }
  ram.fill(0, base, base + size);
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  const enc = new TextEncoder();
  let strp = base + MBI_SIZE + 16 * modules.length + 24 * map.length;
  const putString = (s: string): number => {
    const at = strp;
    const bytes = enc.encode(s);
    ram.set(bytes, at);
    ram[at + bytes.length] = 0;
    strp += bytes.length + 1;
    return at;
  };

  const lowKiB = Math.floor(Math.min(usableEnd(map, 0), 640 * 1024) / 1024);
  const upperKiB = Math.floor(Math.max(0, usableEnd(map, HIGH_MEMORY_START) - HIGH_MEMORY_START) / 1024);
  let flags = MBI_FLAG.MEMORY | MBI_FLAG.CMDLINE | MBI_FLAG.MMAP | MBI_FLAG.BOOT_LOADER_NAME;
  dv.setUint32(base + 4, lowKiB, true);
  dv.setUint32(base + 8, upperKiB, true);
  dv.setUint32(base + 16, putString(cmdline), true);

  const modsAddr = base + MBI_SIZE;
  if (modules.length > 0) flags |= MBI_FLAG.MODS;
  dv.setUint32(base + 20, modules.length, true);
  dv.setUint32(base + 24, modsAddr, true);
  modules.forEach((m, i) => {
    const p = modsAddr + 16 * i;
    dv.setUint32(p, m.start, true);
    dv.setUint32(p + 4, m.end, true);
    dv.setUint32(p + 8, putString(m.cmdline), true);
  });

  const mmapAddr = modsAddr + 16 * modules.length;
  map.forEach((r, i) => {
    const p = mmapAddr + 24 * i;
    dv.setUint32(p, 20, true); // size of the entry after this field
    dv.setBigUint64(p + 4, BigInt(r.base), true);
    dv.setBigUint64(p + 12, BigInt(r.length), true);
    dv.setUint32(p + 20, r.type, true);
  });
  dv.setUint32(base + 44, 24 * map.length, true);
  dv.setUint32(base + 48, mmapAddr, true);
  dv.setUint32(base + 64, putString(BOOT_LOADER_NAME), true);
  dv.setUint32(base, flags, true);
  return { address: base, size };
}

/** End of the usable region that starts at `start` (start itself when none does). */
function usableEnd(map: readonly MemoryRegion[], start: number): number {
  const r = map.find((m) => m.type === E820_RAM && m.base === start);
  return r === undefined ? start : r.base + r.length;
}
