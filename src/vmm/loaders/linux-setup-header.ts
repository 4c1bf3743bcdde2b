// The Linux/x86 boot protocol's setup header (Documentation/arch/x86/boot.rst, "The Real-Mode
// Kernel Header"): where it sits in a bzImage and in boot_params (the "zero page"), and the fields
// a 64-bit boot loader reads and writes. Offsets are from the start of the image / of boot_params.
import { LoaderError } from './loader-error.js';

export const SETUP_HEADER = Object.freeze({
  setupSects: 0x1f1, // u8: 512-byte sectors of real-mode setup after the boot sector (0 means 4)
  vidMode: 0x1fa, // u16
  bootFlag: 0x1fe, // u16: 0xAA55
  jump: 0x200, // u8 count at 0x201: the header runs to 0x202 + that byte
  header: 0x202, // u32: "HdrS"
  version: 0x206, // u16
  typeOfLoader: 0x210, // u8
  loadflags: 0x211, // u8
  code32Start: 0x214, // u32
  ramdiskImage: 0x218, // u32
  ramdiskSize: 0x21c, // u32
  heapEndPtr: 0x224, // u16
  cmdLinePtr: 0x228, // u32
  initrdAddrMax: 0x22c, // u32
  kernelAlignment: 0x230, // u32
  relocatableKernel: 0x234, // u8
  xloadflags: 0x236, // u16
  cmdlineSize: 0x238, // u32
  hardwareSubarch: 0x23c, // u32
  prefAddress: 0x258, // u64
  initSize: 0x260, // u32
});

export const BOOT_FLAG = 0xaa55;
export const HDRS_MAGIC = 0x53726448; // "HdrS"
/** 2.12: xloadflags (XLF_KERNEL_64 says the 64-bit entry exists), 64-bit ramdisk and command line. */
export const MIN_PROTOCOL_VERSION = 0x020c;
export const LOADFLAGS = Object.freeze({ LOADED_HIGH: 1 << 0, CAN_USE_HEAP: 1 << 7 });
export const XLF = Object.freeze({ KERNEL_64: 1 << 0, CAN_BE_LOADED_ABOVE_4G: 1 << 1 });
/** type_of_loader 0xFF: a boot loader without an assigned ID (boot.rst). */
export const LOADER_TYPE_UNDEFINED = 0xff;
/** The 64-bit entry is this far into the protected-mode kernel (boot.rst, "64-bit Boot Protocol"). */
export const ENTRY_64_OFFSET = 0x200;

export interface SetupHeader {
  readonly version: number;
  /** Bytes of real-mode code before the protected-mode kernel ((setup_sects + 1) × 512). */
  readonly setupBytes: number;
  /** Length of the header from 0x1F1 (what a loader copies into boot_params). */
  readonly headerLength: number;
  readonly loadflags: number;
  readonly xloadflags: number;
  readonly initrdAddrMax: number;
  readonly kernelAlignment: number;
  readonly relocatable: boolean;
  readonly cmdlineSize: number;
  readonly prefAddress: number;
  readonly initSize: number;
}

/** Whether the image has a bzImage's boot sector flag and "HdrS" header. */
export function isBzImage(image: Uint8Array): boolean {
  if (image.length < SETUP_HEADER.header + 4) return false;
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return dv.getUint16(SETUP_HEADER.bootFlag, true) === BOOT_FLAG && dv.getUint32(SETUP_HEADER.header, true) === HDRS_MAGIC;
}

/** Reads and checks a bzImage's setup header for a 64-bit boot; LoaderError says what is missing. */
export function parseSetupHeader(image: Uint8Array): SetupHeader {
  if (!isBzImage(image)) throw new LoaderError('unsupported', 'not a bzImage: no boot flag 0xAA55 at 0x1FE and "HdrS" at 0x202');
  const dv = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const version = dv.getUint16(SETUP_HEADER.version, true);
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  if (version < MIN_PROTOCOL_VERSION) {
    throw new LoaderError(
      'unsupported',
      `bzImage boot protocol ${version >> 8}.${version & 0xff} is older than 2.12 (0x${hex(version)}): it offers no 64-bit entry`,
    );
  }
  const headerEnd = SETUP_HEADER.header + image[SETUP_HEADER.jump + 1]!;
  if (headerEnd < SETUP_HEADER.initSize + 4 || headerEnd > image.length) {
    throw new LoaderError(
      'truncated',
      `bzImage setup header ends at 0x${headerEnd.toString(16)}: too short for protocol 2.12 fields or past the ${image.length}-byte file`,
    );
  }
  const sects = image[SETUP_HEADER.setupSects]! === 0 ? 4 : image[SETUP_HEADER.setupSects]!;
  const setupBytes = (sects + 1) * 512;
  if (setupBytes >= image.length)
    throw new LoaderError('truncated', `bzImage has ${setupBytes} bytes of setup but is only ${image.length} bytes long: no protected-mode kernel`);
  const loadflags = image[SETUP_HEADER.loadflags]!;
  const xloadflags = dv.getUint16(SETUP_HEADER.xloadflags, true);
  if ((xloadflags & XLF.KERNEL_64) === 0)
    throw new LoaderError('unsupported', 'bzImage xloadflags lack XLF_KERNEL_64: it has no 64-bit entry point (a 32-bit kernel)');
  if ((loadflags & LOADFLAGS.LOADED_HIGH) === 0)
    throw new LoaderError('unsupported', 'bzImage loadflags lack LOADED_HIGH: a zImage loaded at 0x10000 is not supported');
  return {
    version,
    setupBytes,
    headerLength: headerEnd - SETUP_HEADER.setupSects,
    loadflags,
    xloadflags,
    initrdAddrMax: dv.getUint32(SETUP_HEADER.initrdAddrMax, true),
    kernelAlignment: dv.getUint32(SETUP_HEADER.kernelAlignment, true),
    relocatable: image[SETUP_HEADER.relocatableKernel] !== 0,
    cmdlineSize: dv.getUint32(SETUP_HEADER.cmdlineSize, true),
    prefAddress: Number(dv.getBigUint64(SETUP_HEADER.prefAddress, true)),
    initSize: dv.getUint32(SETUP_HEADER.initSize, true),
  };
}
