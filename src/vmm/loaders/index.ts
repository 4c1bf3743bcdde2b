// Loaders: put a guest image into RAM and say how to enter it.
export type { BootState } from './boot-state.js';
export { LoaderError, type LoaderProblem } from './loader-error.js';
export { loadMultiboot, type MultibootModule, type MultibootOptions } from './multiboot.js';
export { loadRaw } from './raw.js';
export { MULTIBOOT_BOOTLOADER_MAGIC, MULTIBOOT_INFO_ADDR, BOOT_LOADER_NAME } from './multiboot-info.js';
export { MULTIBOOT_HEADER_MAGIC, MB_HEADER_FLAG } from './multiboot-header.js';
export { pcMemoryMap, E820_RAM, E820_RESERVED, type MemoryRegion } from './memory-map.js';
export {
  loadLinux,
  linuxKernelFormat,
  BOOT_PARAMS,
  BOOT_PARAMS_ADDR,
  CMDLINE_ADDR,
  type LinuxOptions,
  type LinuxLoad,
  type LinuxKernelFormat,
} from './linux.js';
export { parseSetupHeader, isBzImage, SETUP_HEADER } from './linux-setup-header.js';
export { parseElf64, isElf64X86 } from './elf64.js';
