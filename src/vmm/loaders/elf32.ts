// The part of an ELF32 executable a boot loader needs: the file header and the PT_LOAD program
// headers (System V ABI, "ELF Header" and "Program Header"; i386 supplement for EM_386).
import { LoaderError } from './loader-error.js';

export const ELF_MAGIC = 0x464c457f; // "\x7FELF" read little-endian
const ELFCLASS32 = 1;
const ELFDATA2LSB = 1;
const EV_CURRENT = 1;
const ET_EXEC = 2;
export const EM_386 = 3;
export const PT_LOAD = 1;
const EHDR_SIZE = 52;
const PHDR_SIZE = 32;

export interface Elf32Segment {
  readonly offset: number;
  readonly vaddr: number;
  readonly paddr: number;
  readonly fileSize: number;
  readonly memSize: number;
}

export interface Elf32Image {
  readonly entry: number;
  readonly segments: readonly Elf32Segment[];
}

export function isElf(image: Uint8Array): boolean {
  return image.length >= 4 && new DataView(image.buffer, image.byteOffset, image.byteLength).getUint32(0, true) === ELF_MAGIC;
}

/** Parses an ELF32 little-endian i386 executable; LoaderError names what is wrong. */
export function parseElf32(image: Uint8Array): Elf32Image {
  if (image.length < EHDR_SIZE) throw new LoaderError('truncated', `ELF image is ${image.length} bytes, shorter than the 52-byte ELF32 header`);
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint32(0, true) !== ELF_MAGIC) throw new LoaderError('unsupported', 'not an ELF image (no \\x7FELF magic)');
  if (image[4] !== ELFCLASS32) {
    throw new LoaderError(
      'unsupported',
      `ELF class ${image[4]} is not ELFCLASS32: Multiboot v1 loads 32-bit ELF (objcopy -O elf32-i386 converts an x86-64 image)`,
    );
  }
  if (image[5] !== ELFDATA2LSB) throw new LoaderError('unsupported', `ELF data encoding ${image[5]} is not little-endian`);
  if (image[6] !== EV_CURRENT) throw new LoaderError('unsupported', `ELF version ${image[6]} is not 1`);
  const type = dv.getUint16(16, true);
  if (type !== ET_EXEC) throw new LoaderError('unsupported', `ELF type ${type} is not an executable (ET_EXEC = 2)`);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_386) throw new LoaderError('unsupported', `ELF machine ${machine} is not EM_386 (3)`);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phnum === 0) throw new LoaderError('unsupported', 'ELF image has no program headers');
  if (phentsize < PHDR_SIZE) throw new LoaderError('unsupported', `ELF program header size ${phentsize} is below 32`);
  if (phoff + phnum * phentsize > image.length) {
    throw new LoaderError('truncated', `ELF program headers end at byte ${phoff + phnum * phentsize}, past the image's ${image.length} bytes`);
  }
  const segments: Elf32Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const seg: Elf32Segment = {
      offset: dv.getUint32(p + 4, true),
      vaddr: dv.getUint32(p + 8, true),
      paddr: dv.getUint32(p + 12, true),
      fileSize: dv.getUint32(p + 16, true),
      memSize: dv.getUint32(p + 20, true),
    };
    if (seg.fileSize > seg.memSize) {
      throw new LoaderError('unsupported', `ELF segment ${i}: file size 0x${seg.fileSize.toString(16)} exceeds memory size 0x${seg.memSize.toString(16)}`);
    }
    if (seg.offset + seg.fileSize > image.length) {
      throw new LoaderError('truncated', `ELF segment ${i} needs bytes up to ${seg.offset + seg.fileSize}, the image has ${image.length}`);
    }
    if (seg.paddr + seg.memSize > 2 ** 32) {
      throw new LoaderError('outside-ram', `ELF segment ${i} at 0x${seg.paddr.toString(16)} (+0x${seg.memSize.toString(16)}) crosses 4 GiB`);
    }
    segments.push(seg);
  }
  if (segments.length === 0) throw new LoaderError('unsupported', 'ELF image has no PT_LOAD segment');
  return { entry, segments };
}
