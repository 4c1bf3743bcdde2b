// The CMOS NVRAM bytes a PC BIOS leaves for the operating system: the standard PC/AT CMOS memory
// layout (as QEMU's pc board writes it, hw/i386/pc.c pc_cmos_init, and SeaBIOS reads it back):
//   0x14        equipment byte: FPU present (bit 1), PS/2 mouse (bit 2)
//   0x15/0x16   base memory in KiB (at most 640)
//   0x17/0x18   extended memory above 1 MiB in KiB, capped at 65535 (also at 0x30/0x31)
//   0x34/0x35   memory between 16 MiB and 4 GiB in 64 KiB units, capped at 65535
//   0x5B–0x5D   memory above 4 GiB in 64 KiB units (24 bits)
//   0x32, 0x37  the century in BCD (0x32 is the one the RTC keeps current; 0x37 is the IBM PS/2 copy)
// On Xen, the RTC emulates only indices 0x00–0x0D (xen/arch/x86/hvm/rtc.c) and leaves NVRAM to the
// device model; hvmdev's VMM board is that device model, so it attaches this NVRAM to the RTC.
import { HvmdevError } from '../../errors/hvmdev-error.js';

export const CMOS_CENTURY_INDEX = 0x32;
export const CMOS_PS2_CENTURY_INDEX = 0x37;
const KIB = 1024;
const MIB = 1024 * KIB;

export interface PcMemoryLayout {
  /** RAM below 4 GiB in bytes (including the first MiB). */
  readonly belowFourGiB: number;
  /** RAM above 4 GiB in bytes. */
  readonly aboveFourGiB: number;
}

export class CmosNvramError extends HvmdevError {}

/** NVRAM index → byte for a PC with `mem` of RAM and the RTC's date in `year`. */
export function pcBiosNvram(mem: PcMemoryLayout, year: number): Readonly<Record<number, number>> {
  const { belowFourGiB: below, aboveFourGiB: above } = mem;
  if (!Number.isSafeInteger(below) || below < 0 || below > 4096 * MIB) {
    throw new CmosNvramError(`RAM below 4 GiB must be 0 … 4 GiB in bytes, got ${below}`);
  }
  if (!Number.isSafeInteger(above) || above < 0) {
    throw new CmosNvramError(`RAM above 4 GiB must be a whole number of bytes, got ${above}`);
  }
  if (!Number.isInteger(year) || year < 1900 || year > 2099) {
    throw new CmosNvramError(`year ${year} is outside what the RTC holds (1900–2099)`);
  }
  const base = Math.min(Math.floor(below / KIB), 640);
  const ext = below > MIB ? Math.min(Math.floor((below - MIB) / KIB), 0xffff) : 0;
  const over16m = below > 16 * MIB ? Math.min(Math.floor((below - 16 * MIB) / (64 * KIB)), 0xffff) : 0;
  const over4g = Math.min(Math.floor(above / (64 * KIB)), 0xffffff);
  const century = bcd(Math.floor(year / 100));
  return Object.freeze({
    0x14: 0x06,
    0x15: base & 0xff,
    0x16: base >>> 8,
    0x17: ext & 0xff,
    0x18: ext >>> 8,
    0x30: ext & 0xff,
    0x31: ext >>> 8,
    [CMOS_CENTURY_INDEX]: century,
    0x34: over16m & 0xff,
    0x35: over16m >>> 8,
    [CMOS_PS2_CENTURY_INDEX]: century,
    0x5b: over4g & 0xff,
    0x5c: (over4g >>> 8) & 0xff,
    0x5d: over4g >>> 16,
  });
}

function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | (n % 10);
}
