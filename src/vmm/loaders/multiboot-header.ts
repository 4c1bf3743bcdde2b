// The Multiboot (0.6.96) header, §3.1: within the first 8192 bytes, 32-bit aligned, magic
// 0x1BADB002, flags, checksum with magic + flags + checksum = 0 (mod 2^32); with flags bit 16 the
// a.out-kludge address fields follow.
import { LoaderError } from './loader-error.js';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_SEARCH_LIMIT = 8192;
export const MB_HEADER_FLAG = {
  /** Modules must be page (4 KiB) aligned. */
  PAGE_ALIGN: 1 << 0,
  /** mem_lower/mem_upper (and the memory map) must be given. */
  MEMORY_INFO: 1 << 1,
  /** A video mode table must be given. */
  VIDEO_MODE: 1 << 2,
  /** Use the address fields (the "a.out kludge") instead of the ELF headers. */
  AOUT_KLUDGE: 1 << 16,
} as const;
/** Bits 0–15 are requirements: a loader that does not know one must refuse the image. */
const REQUIRED_MASK = 0xffff;
const SUPPORTED_REQUIRED = MB_HEADER_FLAG.PAGE_ALIGN | MB_HEADER_FLAG.MEMORY_INFO;

export interface AoutKludge {
  readonly headerAddr: number;
  readonly loadAddr: number;
  readonly loadEndAddr: number;
  readonly bssEndAddr: number;
  readonly entryAddr: number;
}

export interface MultibootHeader {
  /** File offset of the magic. */
  readonly offset: number;
  readonly flags: number;
  readonly aout: AoutKludge | null;
}

/** Finds and checks the header; LoaderError('no-header' | 'truncated' | 'unsupported') otherwise. */
export function findMultibootHeader(image: Uint8Array): MultibootHeader {
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const limit = Math.min(image.length, MULTIBOOT_SEARCH_LIMIT) - 12;
  for (let off = 0; off <= limit; off += 4) {
    if (dv.getUint32(off, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = dv.getUint32(off + 4, true);
    const checksum = dv.getUint32(off + 8, true);
    if ((MULTIBOOT_HEADER_MAGIC + flags + checksum) >>> 0 !== 0) continue; // not a header, keep looking
    const unknown = flags & REQUIRED_MASK & ~SUPPORTED_REQUIRED;
    if (unknown !== 0) {
      const what = (unknown & MB_HEADER_FLAG.VIDEO_MODE) !== 0 ? ' (bit 2: a video mode table; this VMM has no display)' : '';
      throw new LoaderError('unsupported', `Multiboot header requires flags 0x${unknown.toString(16)} this loader cannot satisfy${what}`);
    }
    let aout: AoutKludge | null = null;
    if ((flags & MB_HEADER_FLAG.AOUT_KLUDGE) !== 0) {
      if (off + 32 > image.length) throw new LoaderError('truncated', `Multiboot header at byte ${off} is cut off before its address fields`);
      aout = {
        headerAddr: dv.getUint32(off + 12, true),
        loadAddr: dv.getUint32(off + 16, true),
        loadEndAddr: dv.getUint32(off + 20, true),
        bssEndAddr: dv.getUint32(off + 24, true),
        entryAddr: dv.getUint32(off + 28, true),
      };
    }
    return { offset: off, flags, aout };
  }
  throw new LoaderError(
    'no-header',
    `no Multiboot header (magic 0x1BADB002 with a valid checksum, 4-byte aligned) in the first ${MULTIBOOT_SEARCH_LIMIT} bytes`,
  );
}
