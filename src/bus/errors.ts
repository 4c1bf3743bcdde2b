// Host programming errors on the buses. Guest accesses never throw; these are for the code that
// builds a platform (overlapping regions, ranges outside the address space, bad options).

import { HvmdevError } from '../errors/hvmdev-error.js';

/** A registered range as {@link BusOverlapError} names it. */
export interface RangeOwner {
  /** The registering device's id. */
  readonly owner: string;
  /** The range's name within its owner. */
  readonly name: string;
  /** First port or guest-physical address. */
  readonly base: number;
  /** Length in ports or bytes. */
  readonly length: number;
}

function fmtRange(r: RangeOwner, width: number): string {
  const hex = (n: number) => '0x' + n.toString(16).padStart(width, '0');
  return `${r.owner}/${r.name} [${hex(r.base)}..${hex(r.base + r.length - 1)}]`;
}

/** Two registrations claim the same addresses. */
export class BusOverlapError extends HvmdevError {
  constructor(
    /** Which bus refused it. */
    readonly bus: 'port' | 'mmio',
    /** The range being registered or moved. */
    readonly requested: RangeOwner,
    /** The range that already owns some of those addresses. */
    readonly existing: RangeOwner,
  ) {
    const w = bus === 'port' ? 4 : 8;
    super(
      `${bus} range ${fmtRange(requested, w)} overlaps ${fmtRange(existing, w)}; ` + `each address has one owner: move one of them (or remove the other first)`,
    );
  }
}

/** A registration outside the bus's address space, or with a bad length or option. */
export class BusRangeError extends HvmdevError {}

/** An operation on a region that was already removed from its bus. */
export class StaleRegionError extends HvmdevError {}
