// Parameters and injection tokens of the legacy VGA window.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** Physical address of the legacy VGA memory window, 0xA0000 (Xen hvm/stdvga.c VGA_MEM_BASE). */
export const VGA_MEM_BASE = 0xa0000;
/** Length of the legacy VGA memory window in bytes: 0x20000 (128 KiB, 0xA0000–0xBFFFF). */
export const VGA_MEM_SIZE = 0x20000;

/** Where the VGA window sits on the memory bus. {@link checkVgaParams} refuses a range that is empty or not below 4 GiB. */
export interface VgaWindowParams {
  /** First physical address of the window (Xen: {@link VGA_MEM_BASE}). */
  readonly base: number;
  /** Length in bytes (Xen: {@link VGA_MEM_SIZE}). */
  readonly size: number;
}

/** Xen's stdvga window (hvm/stdvga.c: VGA_MEM_BASE 0xa0000, VGA_MEM_SIZE 0x20000). */
export const XEN_VGA_WINDOW_PARAMS: VgaWindowParams = Object.freeze({ base: VGA_MEM_BASE, size: VGA_MEM_SIZE });

/** Where claimed writes go (Xen: the ioreq server, as buffered ioreqs). `address` is physical. */
export interface VgaWriteSink {
  /**
   * One claimed guest write of `size` bytes at physical `address`; `value` holds the bytes (little-endian, the low
   * `size` bytes). Called synchronously on the guest's access path: it should not throw and should return quickly.
   */
  write(address: number, size: 1 | 2 | 4, value: number): void;
  /** One claimed 8-byte guest write at physical `address`; `value` is the unsigned 64-bit value written. */
  write64(address: number, value: bigint): void;
}

/** A sink that drops everything (no device model attached). */
export const DISCARD_VGA_WRITES: VgaWriteSink = Object.freeze({ write: () => undefined, write64: () => undefined });

/** A host programming error in VGA window parameters (an empty range or one reaching past 4 GiB). */
export class VgaParamsError extends HvmdevError {}

/**
 * Checks a window's parameters.
 * @throws {@link VgaParamsError} if `base`/`size` are not integers, the range is empty, or it ends above 4 GiB.
 */
export function checkVgaParams(p: VgaWindowParams): void {
  if (!Number.isInteger(p.base) || !Number.isInteger(p.size) || p.base < 0 || p.size < 1 || p.base + p.size > 2 ** 32) {
    throw new VgaParamsError(`VGA window base=${p.base} size=${p.size} must be a non-empty range below 4 GiB (Xen: 0xa0000, 0x20000)`);
  }
}
