// The guest-physical memory map the loaders describe to the guest: a PC's (the map a PC BIOS
// reports through INT 15h E820 and QEMU's pc board reports for the same RAM size).
//   [0, 0x9FC00)            usable (639 KiB of conventional memory)
//   [0x9FC00, 0xA0000)      reserved (extended BIOS data area)
//   [0xA0000, 0xF0000)      not described (VGA window, option ROMs)
//   [0xF0000, 0x100000)     reserved (system BIOS)
//   [0x100000, ramSize)     usable
export const E820_RAM = 1;
export const E820_RESERVED = 2;

export const EBDA_START = 0x9fc00;
export const LOW_MEMORY_END = 0xa0000;
export const BIOS_START = 0xf0000;
export const HIGH_MEMORY_START = 0x100000;

export interface MemoryRegion {
  readonly base: number;
  readonly length: number;
  readonly type: typeof E820_RAM | typeof E820_RESERVED;
}

export function pcMemoryMap(ramSize: number): MemoryRegion[] {
  const map: MemoryRegion[] = [];
  const low = Math.min(ramSize, EBDA_START);
  if (low > 0) map.push({ base: 0, length: low, type: E820_RAM });
  if (ramSize > EBDA_START) map.push({ base: EBDA_START, length: LOW_MEMORY_END - EBDA_START, type: E820_RESERVED });
  map.push({ base: BIOS_START, length: HIGH_MEMORY_START - BIOS_START, type: E820_RESERVED });
  if (ramSize > HIGH_MEMORY_START) map.push({ base: HIGH_MEMORY_START, length: ramSize - HIGH_MEMORY_START, type: E820_RAM });
  return map;
}

/** Whether [start, end) lies inside one usable region of the map. */
export function inUsableRam(map: readonly MemoryRegion[], start: number, end: number): boolean {
  return map.some((r) => r.type === E820_RAM && start >= r.base && end <= r.base + r.length);
}
