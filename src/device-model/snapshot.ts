// Checked reading of snapshot data. Every restore goes through these so that a hostile snapshot is
// refused with a typed error naming the field, never used as an index or a divisor unchecked.
import { HvmdevError } from '../errors/hvmdev-error.js';

/** A snapshot refused on restore; the message names the field path and what was expected there. */
export class SnapshotError extends HvmdevError {}

/**
 * A checked reader over one object of a snapshot (untrusted input): each accessor returns the field
 * only if it has the expected type and range, and otherwise throws {@link SnapshotError} naming
 * `path.key`. The constructor throws it when `value` is not a plain object.
 * @example
 * const r = new SnapshotReader(state, 'pit');
 * const mode = r.int('mode', 0, 5);                // throws "pit.mode: expected an integer in [0, 5], got 7"
 * const counters = r.objects('counters', 3);       // three nested readers: pit.counters[0], ...
 */
export class SnapshotReader {
  private readonly obj: Readonly<Record<string, unknown>>;

  constructor(
    value: unknown,
    /** Where this object is in the snapshot ("pit.counters[0]"), the prefix of every error message. */
    readonly path: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SnapshotError(`${path}: expected an object, got ${describe(value)}`);
    }
    this.obj = value as Record<string, unknown>;
  }

  private get(key: string): unknown {
    if (!Object.hasOwn(this.obj, key)) {
      throw new SnapshotError(`${this.path}.${key}: missing`);
    }
    return this.obj[key];
  }

  /** True when the object has its own `key` (for optional fields added in later snapshot versions). */
  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }

  /** A part the device does not have: the key must hold null (`what` names the part, e.g. "MSI-X"). */
  none(key: string, what: string): null {
    const v = this.get(key);
    if (v !== null) throw new SnapshotError(`${this.path}.${key}: expected null (there is no ${what}), got ${describe(v)}`);
    return null;
  }

  /** An integer in [min, max]. */
  int(key: string, min: number, max: number): number {
    const v = this.get(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new SnapshotError(`${this.path}.${key}: expected an integer in [${min}, ${max}], got ${describe(v)}`);
    }
    return v;
  }

  /** An unsigned integer of `bits` bits (≤ 53). */
  uint(key: string, bits: number): number {
    return this.int(key, 0, bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1);
  }

  /** A finite number in [min, max] (e.g. a deadline in ns; -1 for "not armed"). */
  number(key: string, min: number, max: number): number {
    const v = this.get(key);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new SnapshotError(`${this.path}.${key}: expected a number in [${min}, ${max}], got ${describe(v)}`);
    }
    return v;
  }

  /** A boolean (`true`/`false` only, not 0/1). */
  bool(key: string): boolean {
    const v = this.get(key);
    if (typeof v !== 'boolean') throw new SnapshotError(`${this.path}.${key}: expected a boolean, got ${describe(v)}`);
    return v;
  }

  /** A string; when `allowed` is given, one of those strings exactly. */
  string(key: string, allowed?: readonly string[]): string {
    const v = this.get(key);
    if (typeof v !== 'string' || (allowed !== undefined && !allowed.includes(v))) {
      throw new SnapshotError(`${this.path}.${key}: expected ${allowed ? `one of ${allowed.join(', ')}` : 'a string'}, got ${describe(v)}`);
    }
    return v;
  }

  /** A 64-bit unsigned value stored as a decimal or 0x-hex string (exact). */
  u64(key: string): bigint {
    const v = this.get(key);
    if (typeof v !== 'string' || !/^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/.test(v)) {
      throw new SnapshotError(`${this.path}.${key}: expected a 64-bit value as a string, got ${describe(v)}`);
    }
    const b = BigInt(v);
    if (b > 0xffff_ffff_ffff_ffffn) throw new SnapshotError(`${this.path}.${key}: ${v} does not fit in 64 bits`);
    return b;
  }

  /** An array of exactly `length` integers in [min, max]. */
  intArray(key: string, length: number, min: number, max: number): number[] {
    const v = this.get(key);
    if (!Array.isArray(v) || v.length !== length) {
      throw new SnapshotError(`${this.path}.${key}: expected an array of ${length} integers, got ${describe(v)}`);
    }
    // By index, not map(): a sparse array's holes are elements too (undefined), never skipped.
    const out = new Array<number>(length);
    for (let i = 0; i < length; i++) {
      const x: unknown = v[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
        throw new SnapshotError(`${this.path}.${key}[${i}]: expected an integer in [${min}, ${max}], got ${describe(x)}`);
      }
      out[i] = x;
    }
    return out;
  }

  /** A strictly ascending array (any length up to max + 1) of integers in [0, max]. */
  ascendingInts(key: string, max: number): number[] {
    const v = this.get(key);
    if (!Array.isArray(v) || v.length > max + 1) {
      throw new SnapshotError(`${this.path}.${key}: expected an ascending array of integers in [0, ${max}], got ${describe(v)}`);
    }
    const out = this.intArray(key, v.length, 0, max);
    for (let i = 1; i < out.length; i++) {
      if (out[i]! <= out[i - 1]!) throw new SnapshotError(`${this.path}.${key}[${i}]: ${out[i]} does not ascend from ${out[i - 1]}`);
    }
    return out;
  }

  /** An array of exactly `length` (or any length when null) objects, each read by a nested reader. */
  objects(key: string, length: number | null): SnapshotReader[] {
    const v = this.get(key);
    if (!Array.isArray(v) || (length !== null && v.length !== length)) {
      throw new SnapshotError(`${this.path}.${key}: expected an array of ${length ?? 'some'} objects, got ${describe(v)}`);
    }
    // By index, not map(): a hole in a sparse array is refused as "expected an object, got undefined".
    const out = new Array<SnapshotReader>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = new SnapshotReader(v[i], `${this.path}.${key}[${i}]`);
    return out;
  }

  /** A nested object, read by a reader whose path is `path.key`. */
  object(key: string): SnapshotReader {
    return new SnapshotReader(this.get(key), `${this.path}.${key}`);
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}
