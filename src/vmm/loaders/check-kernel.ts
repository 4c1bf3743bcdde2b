// Checks that an image is a kernel some loader here can boot (its headers only, no RAM needed), so
// `hvmdev run` names a bad image before it builds a VM.
import { isElf, parseElf32 } from './elf32.js';
import { parseElf64 } from './elf64.js';
import { linuxKernelFormat } from './linux.js';
import { parseSetupHeader } from './linux-setup-header.js';
import { findMultibootHeader } from './multiboot-header.js';

/** 'linux' or 'multiboot'; LoaderError (the loader's own) when neither can take the image. */
export function checkKernelImage(image: Uint8Array): 'linux' | 'multiboot' {
  const linux = linuxKernelFormat(image);
  if (linux === 'bzImage') {
    parseSetupHeader(image);
    return 'linux';
  }
  if (linux === 'vmlinux') {
    parseElf64(image);
    return 'linux';
  }
  const mb = findMultibootHeader(image);
  if (mb.aout === null && isElf(image)) parseElf32(image);
  return 'multiboot';
}
