// The part of an ELF64 executable a boot loader needs: the file header and the PT_LOAD program
// headers (System V gABI "ELF Header" / "Program Header"; x86-64 psABI for EM_X86_64).
import { ELF_MAGIC, PT_LOAD } from './elf32.js';
import { LoaderError } from './loader-error.js';

const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ET_EXEC = 2;
export const EM_X86_64 = 62;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;

export interface Elf64Segment {
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: number;
  readonly fileSize: number;
  readonly memSize: number;
}

export interface Elf64Image {
  /** e_entry as the file gives it (a vmlinux gives the physical address of startup_64). */
  readonly entry: bigint;
  readonly segments: readonly Elf64Segment[];
}

/** An ELF file of class 64 for x86-64 (only the identification is looked at). */
export function isElf64X86(image: Uint8Array): boolean {
  if (image.length < 20) return false;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return dv.getUint32(0, true) === ELF_MAGIC && image[4] === ELFCLASS64 && dv.getUint16(18, true) === EM_X86_64;
}

/** Parses a little-endian x86-64 ELF executable; LoaderError names what is wrong. */
export function parseElf64(image: Uint8Array): Elf64Image {
  if (image.length < EHDR_SIZE) throw new LoaderError('truncated', `ELF image is ${image.length} bytes, shorter than the 64-byte ELF64 header`);
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (dv.getUint32(0, true) !== ELF_MAGIC) throw new LoaderError('unsupported', 'not an ELF image (no \\x7FELF magic)');
  if (image[4] !== ELFCLASS64) throw new LoaderError('unsupported', `ELF class ${image[4]} is not ELFCLASS64`);
  if (image[5] !== ELFDATA2LSB) throw new LoaderError('unsupported', `ELF data encoding ${image[5]} is not little-endian`);
  const type = dv.getUint16(16, true);
  if (type !== ET_EXEC) throw new LoaderError('unsupported', `ELF type ${type} is not ET_EXEC (2): a kernel image is an executable`);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_X86_64) throw new LoaderError('unsupported', `ELF machine ${machine} is not EM_X86_64 (62)`);
  const entry = dv.getBigUint64(24, true);
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phnum === 0) throw new LoaderError('unsupported', 'ELF image has no program headers');
  if (phentsize < PHDR_SIZE) throw new LoaderError('unsupported', `ELF program header size ${phentsize} is smaller than 56`);
  if (!Number.isSafeInteger(phoff) || phoff + phnum * phentsize > image.length) {
    throw new LoaderError('truncated', `ELF program headers (${phnum} × ${phentsize} bytes at ${phoff}) run past the end of the ${image.length}-byte image`);
  }
  const segments: Elf64Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const offset = Number(dv.getBigUint64(p + 8, true));
    const vaddr = dv.getBigUint64(p + 16, true);
    const paddr = Number(dv.getBigUint64(p + 24, true));
    const fileSize = Number(dv.getBigUint64(p + 32, true));
    const memSize = Number(dv.getBigUint64(p + 40, true));
    if (memSize < fileSize) throw new LoaderError('unsupported', `ELF segment ${i}: p_memsz ${memSize} is smaller than p_filesz ${fileSize}`);
    if (!Number.isSafeInteger(offset + fileSize) || offset + fileSize > image.length) {
      throw new LoaderError('truncated', `ELF segment ${i} (${fileSize} bytes at file offset ${offset}) runs past the end of the ${image.length}-byte image`);
    }
    if (!Number.isSafeInteger(paddr + memSize))
      throw new LoaderError('unsupported', `ELF segment ${i}: physical address 0x${paddr.toString(16)} is out of range`);
    segments.push({ offset, vaddr, paddr, fileSize, memSize });
  }
  if (segments.length === 0) throw new LoaderError('unsupported', 'ELF image has no PT_LOAD segment');
  return { entry, segments };
}
