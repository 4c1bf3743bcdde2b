// The config space of one PCI function as a sorted set of emulated registers, after Xen's vPCI
// (xen/drivers/vpci/vpci.c): each register is 1, 2 or 4 bytes, naturally aligned, with read and
// write handlers and ro / rw1c / rsvdp / rsvdz masks. A guest access may span several registers
// and gaps; every register it touches sees only the bytes the guest wrote.
import { PciRegisterError } from './errors.js';
import { SnapshotError } from '../../device-model/snapshot.js';

/** Width of a config register in bytes: 1, 2 or 4 (a register is aligned to its size). */
export type RegisterSize = 1 | 2 | 4;

/**
 * What a read of config space returns where no register is defined:
 * - `ones`: all-ones, writes dropped. Xen's vPCI view for a domU (and what we give a guest when
 *   there is no hardware behind the emulation).
 * - `zero`: 0, writes dropped (a conventional device with unimplemented registers, PCI 3.0 §6.1:
 *   "reserved registers … must return 0 when read").
 * - `qemu`: QEMU's PCIDevice: header gaps (below 0x40) read 0 and ignore writes; device-specific
 *   bytes (0x40 up) that no register claims are plain guest-writable storage (QEMU's default wmask).
 */
export type GapPolicy = 'ones' | 'zero' | 'qemu';

/**
 * A config register a device (or a definition's `registers`) declares: where it is, its reset value, which bits
 * are read-only, write-1-to-clear or reserved, and optional read/write/validate hooks. A write of fewer bytes than
 * the register reaches the hook as the whole register, with the bytes not written left as they were.
 *
 * @example
 * ```ts
 * // A 32-bit scratch register at 0x80, and a read-only counter computed on each read
 * const regs: ConfigRegisterSpec[] = [
 *   { offset: 0x80, size: 4, name: 'scratch' },
 *   { offset: 0x84, size: 4, name: 'ticks', ro: 0xffffffff, read: () => ticks },
 * ];
 * ```
 */
export interface ConfigRegisterSpec {
  /** Byte offset in config space (a multiple of `size`; below 256, or 4096 for PCI Express). */
  readonly offset: number;
  /** Width in bytes. */
  readonly size: RegisterSize;
  /** Name in errors, traces and `describe` output. */
  readonly name: string;
  /** Power-on value of the register's storage. Default 0. */
  readonly reset?: number;
  /** Read-only bits: a write leaves them as they are. */
  readonly ro?: number;
  /** Write-1-to-clear bits. */
  readonly rw1c?: number;
  /** Reserved bits whose value a write preserves. */
  readonly rsvdp?: number;
  /** Reserved bits that read 0 and are written as 0. */
  readonly rsvdz?: number;
  /** Computes the register's value instead of reading the storage. No side effects (reads may be repeated). */
  readonly read?: (reg: ConfigRegister) => number;
  /**
   * Receives the full register value to write, masks already applied (ro/rsvdp bits carry their
   * current value, rsvdz bits 0, rw1c bits 1 where the guest asked to clear). Default: `reg.store(value)`.
   */
  readonly write?: (reg: ConfigRegister, value: number) => void;
  /**
   * Accepts or refuses a snapshot value for this register (the default checks the ro, rsvdp and
   * rsvdz bits against the reset value). Registers whose read-only bits the device itself changes say so here.
   */
  readonly validate?: (value: number) => boolean;
}

const SIZE_MASK = [0, 0xff, 0xffff, 0xffffff, 0xffffffff] as const;

/**
 * One config register as {@link ConfigSpace} holds it: the normalised masks of its {@link ConfigRegisterSpec}
 * (every field unsigned, within the register's width), its storage `value`, and the hooks. `current()` is what the
 * guest reads, `store(v)` the default write.
 */
export class ConfigRegister {
  readonly offset: number;
  readonly size: RegisterSize;
  readonly end: number;
  readonly name: string;
  readonly reset: number;
  readonly ro: number;
  readonly rw1c: number;
  readonly rsvdp: number;
  readonly rsvdz: number;
  /** ro | rsvdp: bits a guest write keeps. */
  readonly preserved: number;
  /** The register's own storage (used by the default read and write). */
  value: number;
  /** The spec's `read` hook (computes the value instead of reading storage), or null. */
  readonly readFn: ((reg: ConfigRegister) => number) | null;
  /** The spec's `write` hook (gets the masked full value), or null for the default `store`. */
  readonly writeFn: ((reg: ConfigRegister, value: number) => void) | null;
  /** The spec's `validate` hook for snapshot values, or null for the default mask check. */
  readonly validateFn: ((value: number) => boolean) | null;

  constructor(spec: ConfigRegisterSpec) {
    const m = SIZE_MASK[spec.size];
    this.offset = spec.offset;
    this.size = spec.size;
    this.end = spec.offset + spec.size;
    this.name = spec.name;
    // `& m` yields a signed int32 for 4-byte values with bit 31 set: keep every field unsigned.
    this.reset = ((spec.reset ?? 0) & m) >>> 0;
    this.ro = ((spec.ro ?? 0) & m) >>> 0;
    this.rw1c = ((spec.rw1c ?? 0) & m) >>> 0;
    this.rsvdp = ((spec.rsvdp ?? 0) & m) >>> 0;
    this.rsvdz = ((spec.rsvdz ?? 0) & m) >>> 0;
    this.preserved = (this.ro | this.rsvdp) >>> 0;
    this.value = this.reset;
    this.readFn = spec.read ?? null;
    this.writeFn = spec.write ?? null;
    this.validateFn = spec.validate ?? null;
  }

  /** The default write: rw1c bits written as 1 clear, the other bits take the value. */
  store(value: number): void {
    const c = this.rw1c;
    this.value = (((value & ~c) | (this.value & c & ~value)) & SIZE_MASK[this.size]) >>> 0;
  }

  /** The register's value as the guest reads it (rsvdz bits 0). */
  current(): number {
    const v = this.readFn === null ? this.value : this.readFn(this);
    return (v & ~this.rsvdz & SIZE_MASK[this.size]) >>> 0;
  }

  /** True when `v` is a storage value this register can reach. */
  accepts(v: number): boolean {
    if (!Number.isInteger(v) || v < 0 || v > SIZE_MASK[this.size]) return false;
    if (this.validateFn !== null) return this.validateFn(v);
    return (v & this.preserved) === (this.reset & this.preserved) && (v & this.rsvdz) === 0;
  }
}

/**
 * A function's configuration space (256 bytes, or 4096 for PCI Express): a byte map to non-overlapping
 * {@link ConfigRegister}s, with gaps answered by the {@link GapPolicy}. Guest reads and writes of 1, 2 or 4 bytes
 * at any offset are split across the registers they touch; each register sees only the bytes written.
 */
export class ConfigSpace {
  /** 256 for a conventional function, 4096 for PCI Express (extended config space). */
  readonly size: number;
  readonly gapPolicy: GapPolicy;
  private readonly registers: ConfigRegister[] = [];
  /** Register index for each byte offset, -1 for a gap. */
  private readonly map: Int16Array;
  /** Guest-writable bytes of the `qemu` gap policy (offsets 0x40 up), else empty. */
  private readonly scratch: Uint8Array;

  constructor(size: 256 | 4096, gapPolicy: GapPolicy) {
    this.size = size;
    this.gapPolicy = gapPolicy;
    this.map = new Int16Array(size).fill(-1);
    this.scratch = new Uint8Array(gapPolicy === 'qemu' ? size : 0);
  }

  /** Adds a register. Throws PciRegisterError when it is misaligned, outside the space or overlaps another. */
  add(spec: ConfigRegisterSpec): ConfigRegister {
    const { offset, size, name } = spec;
    if (size !== 1 && size !== 2 && size !== 4) {
      throw new PciRegisterError(`config register ${name}: size ${String(size)} must be 1, 2 or 4 bytes`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.size || offset % size !== 0) {
      throw new PciRegisterError(`config register ${name}: offset ${offset} must be a multiple of its size ${size} inside the ${this.size}-byte config space`);
    }
    for (let b = offset; b < offset + size; b++) {
      const other = this.map[b]!;
      if (other >= 0) {
        throw new PciRegisterError(
          `config register ${name} at 0x${offset.toString(16)} overlaps ${this.registers[other]!.name} at 0x${this.registers[other]!.offset.toString(16)}; each config byte has one register`,
        );
      }
    }
    const reg = new ConfigRegister(spec);
    const idx = this.registers.length;
    this.registers.push(reg);
    this.map.fill(idx, offset, offset + size);
    return reg;
  }

  /** The register covering `offset`, or null. */
  registerAt(offset: number): ConfigRegister | null {
    const idx = offset >= 0 && offset < this.size ? this.map[offset]! : -1;
    return idx >= 0 ? this.registers[idx]! : null;
  }

  /** Every register, sorted by offset. */
  list(): readonly ConfigRegister[] {
    return this.registers.slice().sort((a, b) => a.offset - b.offset);
  }

  /**
   * A guest read of `size` (1, 2, 4) bytes at `offset`. The caller has checked natural alignment;
   * the bytes may still come from several registers and gaps.
   */
  read(offset: number, size: number): number {
    if (offset < 0 || offset + size > this.size) return SIZE_MASK[size as RegisterSize] ?? 0xffffffff;
    const idx = this.map[offset]!;
    if (idx >= 0) {
      const reg = this.registers[idx]!;
      if (offset + size <= reg.end) {
        return ((reg.current() >>> ((offset - reg.offset) << 3)) & SIZE_MASK[size as RegisterSize]) >>> 0;
      }
    }
    // Slow path: assemble the bytes register by register (each read once) and gap by gap.
    let result = 0;
    let pos = offset;
    const end = offset + size;
    while (pos < end) {
      const i = this.map[pos]!;
      if (i < 0) {
        result |= this.gapByte(pos) << ((pos - offset) << 3);
        pos++;
        continue;
      }
      const reg = this.registers[i]!;
      const stop = reg.end < end ? reg.end : end;
      const chunk = (reg.current() >>> ((pos - reg.offset) << 3)) & SIZE_MASK[(stop - pos) as RegisterSize];
      result |= chunk << ((pos - offset) << 3);
      pos = stop;
    }
    return result >>> 0;
  }

  /** A guest write; each register touched gets only its written bytes (vPCI's merge rule). */
  write(offset: number, size: number, value: number): void {
    if (offset < 0 || offset + size > this.size) return;
    const end = offset + size;
    let pos = offset;
    while (pos < end) {
      const i = this.map[pos]!;
      if (i < 0) {
        this.gapWrite(pos, (value >>> ((pos - offset) << 3)) & 0xff);
        pos++;
        continue;
      }
      const reg = this.registers[i]!;
      const stop = reg.end < end ? reg.end : end;
      // The written bytes, placed at their position inside the register.
      const first = pos - reg.offset;
      const count = stop - pos;
      const bytes = (value >>> ((pos - offset) << 3)) & SIZE_MASK[count as RegisterSize];
      const lane = (SIZE_MASK[count as RegisterSize] << (first << 3)) >>> 0;
      this.writeRegister(reg, lane, (bytes << (first << 3)) >>> 0);
      pos = stop;
    }
  }

  private writeRegister(reg: ConfigRegister, lane: number, data: number): void {
    const full = SIZE_MASK[reg.size];
    let cur = 0;
    if (lane !== full || reg.preserved !== 0) {
      // Bytes the guest did not write keep their value; their rw1c bits must not clear.
      cur = (reg.current() & ~reg.rw1c) >>> 0;
      data = ((cur & ~lane) | (data & lane)) >>> 0;
    }
    data = ((data & ~(reg.preserved | reg.rsvdz)) | (cur & reg.preserved)) >>> 0;
    if (reg.writeFn === null) reg.store(data & full);
    else reg.writeFn(reg, (data & full) >>> 0);
  }

  private gapByte(pos: number): number {
    switch (this.gapPolicy) {
      case 'ones':
        return 0xff;
      case 'zero':
        return 0;
      case 'qemu':
        return pos >= 0x40 ? this.scratch[pos]! : 0;
    }
  }

  private gapWrite(pos: number, byte: number): void {
    if (this.gapPolicy === 'qemu' && pos >= 0x40) this.scratch[pos] = byte;
  }

  /** Back to power-on values. */
  reset(): void {
    for (const r of this.registers) r.value = r.reset;
    this.scratch.fill(0);
  }

  /** Every register's storage value in the order added, and the `qemu` gap policy's writable scratch bytes. */
  snapshot(): { registers: number[]; scratch: number[] } {
    return { registers: this.registers.map((r) => r.value), scratch: Array.from(this.scratch) };
  }

  /** Validates every value first; throws SnapshotError (nothing changed) on any bad one. */
  restore(registers: readonly number[], scratch: readonly number[], path: string): void {
    this.check(registers, scratch, path);
    this.assign(registers, scratch);
  }

  /** Throws SnapshotError unless every value is one the registers can hold. Changes nothing. */
  check(registers: readonly number[], scratch: readonly number[], path: string): void {
    if (registers.length !== this.registers.length) {
      throw new SnapshotError(`${path}.registers: expected ${this.registers.length} values, got ${registers.length}`);
    }
    registers.forEach((v, i) => {
      const reg = this.registers[i]!;
      if (!reg.accepts(v)) throw new SnapshotError(`${path}.registers[${i}] (${reg.name}): ${String(v)} is not a value it can hold`);
    });
    const bad = (b: number, i: number) => !Number.isInteger(b) || b < 0 || b > 0xff || (i < 0x40 && b !== 0);
    if (scratch.length !== this.scratch.length || scratch.some(bad)) {
      throw new SnapshotError(`${path}.scratch: expected ${this.scratch.length} bytes`);
    }
  }

  /** Sets checked values (see `check`). */
  assign(registers: readonly number[], scratch: readonly number[]): void {
    registers.forEach((v, i) => {
      this.registers[i]!.value = v;
    });
    this.scratch.set(scratch);
  }
}
