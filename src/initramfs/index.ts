// An initramfs writer (newc cpio) for Linux guests.
export * from './newc-writer.js';
