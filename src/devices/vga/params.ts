// Parameters and injection tokens of the legacy VGA window.
import { HvmdevError } from '../../errors/hvmdev-error.js';

export const VGA_MEM_BASE = 0xa0000;
export const VGA_MEM_SIZE = 0x20000;

export interface VgaWindowParams {
  readonly base: number;
  readonly size: number;
}

/** Xen's stdvga window (hvm/stdvga.c: VGA_MEM_BASE 0xa0000, VGA_MEM_SIZE 0x20000). */
export const XEN_VGA_WINDOW_PARAMS: VgaWindowParams = Object.freeze({ base: VGA_MEM_BASE, size: VGA_MEM_SIZE });

/** Where claimed writes go (Xen: the ioreq server, as buffered ioreqs). `address` is physical. */
export interface VgaWriteSink {
  write(address: number, size: 1 | 2 | 4, value: number): void;
  write64(address: number, value: bigint): void;
}

/** A sink that drops everything (no device model attached). */
export const DISCARD_VGA_WRITES: VgaWriteSink = Object.freeze({ write: () => undefined, write64: () => undefined });

export class VgaParamsError extends HvmdevError {}

export function checkVgaParams(p: VgaWindowParams): void {
  if (!Number.isInteger(p.base) || !Number.isInteger(p.size) || p.base < 0 || p.size < 1 || p.base + p.size > 2 ** 32) {
    throw new VgaParamsError(`VGA window base=${p.base} size=${p.size} must be a non-empty range below 4 GiB (Xen: 0xa0000, 0x20000)`);
  }
}
