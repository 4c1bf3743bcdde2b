// The e820 memory map (ACPI 6.x §15, the BIOS INT 15h E820 types): the platform's RAM, minus and
// beside what firmware reserves (its tables, ECAM windows), ascending and not overlapping.
import { FirmwareError } from './errors.js';
import type { FirmwarePlatform } from './firmware-platform.js';

/** e820 range types: usable RAM, reserved, ACPI reclaimable, ACPI NVS. */
export const E820_TYPE = { RAM: 1, RESERVED: 2, ACPI: 3, NVS: 4 } as const;

/** One e820 range: guest-physical `base`, `size` in bytes, an E820_TYPE. */
export interface E820Entry {
  /** Guest-physical start. */
  readonly base: number;
  /** Length in bytes. */
  readonly size: number;
  /** One of E820_TYPE. */
  readonly type: number;
}

/** `reserved`: ranges firmware keeps (type 2 unless given), e.g. the table image. */
export function buildE820(p: FirmwarePlatform, reserved: readonly E820Entry[] = []): E820Entry[] {
  const holes: E820Entry[] = [
    ...reserved,
    ...(p.pci?.ecam ?? []).map((e) => ({ base: e.base, size: (e.busEnd - e.busStart + 1) * 0x100000, type: E820_TYPE.RESERVED })),
  ];
  for (const h of holes) {
    if (!Number.isSafeInteger(h.base) || !Number.isSafeInteger(h.size) || h.base < 0 || h.size <= 0) {
      throw new FirmwareError(`e820 range base ${h.base} size ${h.size}: both must be whole numbers, the size positive`);
    }
  }
  const out: E820Entry[] = [];
  for (const r of p.ram) {
    // RAM minus every reserved range that overlaps it.
    let pieces: [number, number][] = [[r.base, r.base + r.size]];
    for (const h of holes) {
      pieces = pieces.flatMap(([s, e]): [number, number][] => {
        const hs = h.base;
        const he = h.base + h.size;
        if (he <= s || hs >= e) return [[s, e]];
        return [...(hs > s ? [[s, hs] as [number, number]] : []), ...(he < e ? [[he, e] as [number, number]] : [])];
      });
    }
    for (const [s, e] of pieces) out.push({ base: s, size: e - s, type: E820_TYPE.RAM });
  }
  out.push(...holes);
  out.sort((a, b) => a.base - b.base);
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1]!;
    if (out[i]!.base < prev.base + prev.size && out[i]!.type !== E820_TYPE.RAM && prev.type !== E820_TYPE.RAM) {
      throw new FirmwareError(`reserved e820 ranges at 0x${prev.base.toString(16)} and 0x${out[i]!.base.toString(16)} overlap`);
    }
  }
  return out;
}
