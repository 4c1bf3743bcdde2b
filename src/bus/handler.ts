// What a device gives a bus: handlers for the accesses it implements, and a declaration of which.
import type { AccessContext, PortAccessSize } from './access.js';

/**
 * A device's access handlers. `offset` is relative to the start of the registered range, so a
 * device keeps working when its range moves (PCI BARs). Values are uint32 for sizes 1, 2, 4.
 * 8-byte accesses reach `read64`/`write64` only if the handler declares size 8 and provides them.
 */
export interface IoHandler {
  /**
   * A guest read of `size` bytes at `offset` in the range: returns the value (the bus masks it to
   * `size` bytes). Called only for the sizes and alignment the region declared; must not throw.
   */
  read(offset: number, size: PortAccessSize, ctx: AccessContext): number;
  /** A guest write of `value` (uint32, already masked to `size` bytes) at `offset`; must not throw. */
  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void;
  /** An 8-byte read at `offset` (memory ranges that declare size 8); must not throw. */
  read64?(offset: number, ctx: AccessContext): bigint;
  /** An 8-byte write of `value` (0 ≤ value < 2^64) at `offset`; must not throw. */
  write64?(offset: number, value: bigint, ctx: AccessContext): void;
  /**
   * Optional bigint-free form of read64 for guest paths: the low and high uint32 halves into
   * out[0] and out[1]. Used by MmioBus.read64Halves when present; must agree with read64.
   */
  read64Halves?(offset: number, out: Uint32Array, ctx: AccessContext): void;
  /** Optional bigint-free form of write64 (uint32 halves); must agree with write64. */
  write64Halves?(offset: number, lo: number, hi: number, ctx: AccessContext): void;
}

/**
 * What the bus does with an access the handler does not implement (size not declared, misaligned
 * when alignment is required, or straddling the end of the range):
 * - `reject`: Xen's rule. The access is not served: reads return the bus's unclaimed value (Xen:
 *   all-ones of the access size; QEMU memory: 0) and writes are dropped; the device never sees it.
 * - `split`: QEMU's rule. The access is split into naturally aligned pieces the handlers implement
 *   (each piece dispatched on its own, so a straddling piece reaches only its own owner); a piece
 *   smaller than the smallest implemented size is widened to it (reads extract the bytes, writes
 *   are shifted into place as QEMU does).
 */
export type WidthPolicy = 'reject' | 'split';

/**
 * How a range is registered: its owner and name, and what its handler implements (sizes,
 * alignment). The bus serves the other accesses by its width policy, so a handler never sees an
 * access it did not declare.
 * @example
 * ```ts
 * ports.register(0x40, 4, pit, { owner: 'pit', sizes: 1 });                          // byte-only ports
 * mmio.register(0xfed00000, 0x400, hpet, { owner: 'hpet', sizes: 4 | 8, aligned: true });
 * ```
 */
export interface RegionOptions {
  /** Device instance that owns the range (shown in errors, traces and `describe`). */
  readonly owner: string;
  /** Name of the range inside the device (e.g. "ELCR"). Defaults to the owner. */
  readonly name?: string;
  /** Bit set of implemented sizes (1|2|4|8 as bits). Default 1|2|4 (ports), 1|2|4|8 with read64 (memory). */
  readonly sizes?: number;
  /** Accesses must be naturally aligned (address % size === 0). Default false. */
  readonly aligned?: boolean;
  /** Overrides the bus's width policy for this range. */
  readonly widthPolicy?: WidthPolicy;
}
