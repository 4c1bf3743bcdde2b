// An initramfs writer (newc cpio) for Linux guests.
export {
  type InitramfsEntry,
  InitramfsError,
  NEWC_HEADER_BYTES,
  NEWC_MAGIC,
  NEWC_TRAILER,
  type NewcOptions,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  writeNewc,
} from './newc-writer.js';
