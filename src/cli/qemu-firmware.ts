// Firmware for `hvmdev-system-x86_64 -bios FILE` / `-drive if=pflash,format=raw,file=FILE`, placed
// as QEMU 7.2's pc and q35 place it (hw/i386/x86.c x86_bios_rom_init, hw/i386/pc_sysfw.c): the image
// read-only at the top of the 4 GiB space, ending at 0xFFFFFFFF, and its last 128 KiB (or all of a
// smaller image) on the PCI side below 1 MiB, where the PAM segments whose RE is clear read it
// (the "isa-bios" alias). hvmdev runs no firmware: the bytes are only there to be read. A pflash is
// a CFI flash in QEMU; its command set is not modelled, so a write to it is dropped and reported
// once on stderr.
import { readFileSync } from 'node:fs';
import { BusOverlapError, BusRangeError } from '../bus/errors.js';
import { Pam } from '../devices/pci/pam.js';
import type { Platform } from '../platform/platform.js';
import { QemuArgError, type QemuFirmware } from './qemu-args.js';

/** QEMU's ISA_BIOS_MAXSZ: at most this much of the image appears below 1 MiB. */
export const ISA_BIOS_MAX_BYTES = 128 * 1024;
/** QEMU: a -bios image is a whole number of 64 KiB blocks; a pflash one of 4 KiB sectors, at most 8 MiB. */
const BIOS_GRANULE = 64 * 1024;
const PFLASH_SECTOR = 4096;
const PFLASH_MAX_BYTES = 8 * 1024 * 1024;
const BIOS_MAX_BYTES = 16 * 1024 * 1024;

/** Maps `fw` into `platform`; @throws QemuArgError naming the option when it cannot be honoured. */
export function loadFirmware(platform: Platform, fw: QemuFirmware, notice: (line: string) => void): void {
  const option = fw.kind === 'bios' ? `-bios ${fw.path}` : `-drive if=pflash,format=raw,file=${fw.path}`;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(fw.path));
  } catch (e) {
    throw new QemuArgError(`${option}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const size = bytes.length;
  if (fw.kind === 'bios' && (size === 0 || size % BIOS_GRANULE !== 0 || size > BIOS_MAX_BYTES)) {
    throw new QemuArgError(`${option}: ${size} bytes; a BIOS image is 64 KiB to 16 MiB in whole 64 KiB blocks (as QEMU requires)`);
  }
  if (fw.kind === 'pflash' && (size === 0 || size % PFLASH_SECTOR !== 0 || size > PFLASH_MAX_BYTES)) {
    throw new QemuArgError(`${option}: ${size} bytes; a pflash image is 4 KiB to 8 MiB in whole 4 KiB sectors (as QEMU requires)`);
  }
  let warned = false;
  const base = 2 ** 32 - size;
  try {
    platform.mmio.register(
      base,
      size,
      {
        read: (o, s) => {
          let v = 0;
          for (let i = s - 1; i >= 0; i--) v = (v << 8) | bytes[o + i]!;
          return v >>> 0;
        },
        write: () => {
          if (fw.kind !== 'pflash' || warned) return;
          warned = true;
          notice(`the pflash command set (CFI) is not modelled: writes to the flash are dropped (docs/qtest.md#firmware)`);
        },
      },
      { owner: 'firmware', name: fw.kind === 'bios' ? 'BIOS ROM' : 'pflash', sizes: 1 | 2 | 4 },
    );
  } catch (e) {
    if (!(e instanceof BusOverlapError || e instanceof BusRangeError)) throw e;
    throw new QemuArgError(`${option}: ${size} bytes at 0x${base.toString(16)} would cover another range (${e.message})`);
  }
  Pam.on(platform.mmio)?.setPciRom(bytes.subarray(size - Math.min(size, ISA_BIOS_MAX_BYTES)));
}
