// A range of guest RAM that a chipset register can take away from ordinary (non-SMM) accesses and
// give back: the Q35 MCH's TSEG and QEMU's SMRAM at SMBASE. While closed, the range is served by a
// handler that reads all-ones and drops writes (an access the chipset does not forward to DRAM
// ends as a master abort), and the RAM region around it is split so its bytes stay where they are;
// opening maps the same bytes again, so what was in RAM before is still there (SMM's copy).
import type { PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { Region } from '../../bus/region.js';

const MASTER_ABORT: IoHandler = Object.freeze({
  read: (_o: number, size: PortAccessSize) => (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1),
  write: () => undefined,
  read64: () => 0xffffffffffffffffn,
  write64: () => undefined,
});

/**
 * A range of guest RAM that a chipset register takes away from ordinary accesses and gives back (the Q35 MCH's TSEG,
 * QEMU's SMRAM at SMBASE). While closed the range reads all-ones and drops writes (a master abort), and the RAM
 * around it is split so its bytes stay where they were; opening maps the same bytes again.
 */
export class RamHole {
  private hole: Region | null = null;
  /** The RAM bytes under the hole while it is closed. */
  private bytes: Uint8Array | null = null;
  private ramName = 'ram';
  private ramOwner = 'ram';
  private at: { base: number; length: number } | null = null;

  constructor(
    private readonly mmio: MmioBus,
    private readonly owner: string,
    private readonly name: string,
  ) {}

  /** Where the hole is ([base, base+length)), or null while RAM there is ordinary. */
  get range(): { readonly base: number; readonly length: number } | null {
    return this.at;
  }

  /**
   * Hides [base, base+length) (length 0 or null: nothing). Only RAM that one region maps whole
   * can be hidden; anywhere else (no RAM, a device) nothing changes and false is returned.
   */
  set(base: number, length: number): boolean {
    if (this.at !== null && this.at.base === base && this.at.length === length) return true;
    this.open();
    if (length <= 0) return true;
    const ram = this.mmio.regionAt(base);
    if (ram === null || ram.ram === null || base + length > ram.end) return false;
    const bytes = ram.ram;
    const off = base - ram.base;
    this.ramName = ram.name;
    this.ramOwner = ram.owner;
    ram.remove();
    if (off > 0) this.mmio.addRam(ram.base, bytes.subarray(0, off), { owner: this.ramOwner, name: this.ramName });
    if (off + length < bytes.length) this.mmio.addRam(base + length, bytes.subarray(off + length), { owner: this.ramOwner, name: this.ramName });
    this.bytes = bytes.subarray(off, off + length);
    this.hole = this.mmio.register(base, length, MASTER_ABORT, { owner: this.owner, name: this.name });
    this.at = { base, length };
    return true;
  }

  /** Gives the range back to RAM (the same bytes). */
  open(): void {
    if (this.hole === null || this.at === null || this.bytes === null) return;
    this.hole.remove();
    // Joined again with the pieces beside it that are views of the same buffer: one region, as before.
    let base = this.at.base;
    let bytes = this.bytes;
    const left = base > 0 ? this.mmio.regionAt(base - 1) : null;
    if (left?.ram != null && adjoins(left.ram, bytes)) {
      left.remove();
      base = left.base;
      bytes = joined(left.ram, bytes);
    }
    const right = this.mmio.regionAt(this.at.base + this.at.length);
    if (right?.ram != null && adjoins(bytes, right.ram)) {
      right.remove();
      bytes = joined(bytes, right.ram);
    }
    this.mmio.addRam(base, bytes, { owner: this.ramOwner, name: this.ramName });
    this.hole = null;
    this.bytes = null;
    this.at = null;
  }
}

/** True when `b` follows `a` directly in the same buffer. */
function adjoins(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset;
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength + b.byteLength);
}
