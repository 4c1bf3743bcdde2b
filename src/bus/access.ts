// What every guest access carries besides its address: who made it and how.

/** Access sizes in bytes. Ports use 1, 2, 4; memory also 8. */
export type AccessSize = 1 | 2 | 4 | 8;
/** Sizes of an access with a uint32 value: every port access, and memory accesses but the 8-byte one (read64/write64). */
export type PortAccessSize = 1 | 2 | 4;

/**
 * The context of one access. Per-vCPU devices (the LAPIC) need `vcpu`; Xen's claim rules (stdvga
 * accepts only single direct writes) need `stringOp`. Callers keep preallocated contexts: the bus
 * never allocates one per access.
 */
export interface AccessContext {
  /** Index of the accessing vCPU (0-based); host-side accesses use 0. */
  readonly vcpu: number;
  /** True when the access comes from a string instruction (INS/OUTS/MOVS/STOS, with or without REP). */
  readonly stringOp: boolean;
}

/** A plain access from vCPU 0 (qtest, the host, tests). */
export const HOST_ACCESS: AccessContext = Object.freeze({ vcpu: 0, stringOp: false });

const contexts: AccessContext[][] = [[], []];
/**
 * The frozen {@link AccessContext} of vCPU `vcpu` (a 0-based index), from a string instruction when
 * `stringOp`. Cached: repeated calls return the same object, so a front-end takes it once per vCPU
 * and passes it on every access without allocating.
 */
export function accessContext(vcpu: number, stringOp = false): AccessContext {
  const list = contexts[stringOp ? 1 : 0]!;
  let ctx = list[vcpu];
  if (ctx === undefined) {
    ctx = Object.freeze({ vcpu, stringOp });
    list[vcpu] = ctx;
  }
  return ctx;
}

/**
 * Bit sets of access sizes for {@link RegionOptions}.sizes: the size value is its own bit (1, 2, 4,
 * 8), so `sizes: 1` is byte-only and `sizes: 4 | 8` dwords and qwords. SIZES_8 is every size.
 */
export const SIZES_8 = 1 | 2 | 4 | 8;
/** Every size but 8 (the default for port ranges). */
export const SIZES_4 = 1 | 2 | 4;

/** All-ones of `size` bytes for sizes 1, 2, 4 (as uint32). */
export function allOnes(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
