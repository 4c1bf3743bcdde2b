// What every guest access carries besides its address: who made it and how.

/** Access sizes in bytes. Ports use 1, 2, 4; memory also 8. */
export type AccessSize = 1 | 2 | 4 | 8;
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

/** Context for vCPU `vcpu`; cached so repeated calls return the same frozen object. */
const contexts: AccessContext[][] = [[], []];
export function accessContext(vcpu: number, stringOp = false): AccessContext {
  const list = contexts[stringOp ? 1 : 0]!;
  let ctx = list[vcpu];
  if (ctx === undefined) {
    ctx = Object.freeze({ vcpu, stringOp });
    list[vcpu] = ctx;
  }
  return ctx;
}

/** Bit set of access sizes, one bit per size value (1, 2, 4, 8). */
export const SIZES_8 = 1 | 2 | 4 | 8;
export const SIZES_4 = 1 | 2 | 4;

/** All-ones of `size` bytes for sizes 1, 2, 4 (as uint32). */
export function allOnes(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
