// One declarative description of a device's state (the idea of QEMU's VMState, in TypeScript): each
// field's name, type, width, range and the version that added it. From it come the snapshot (plain
// data), the check of a snapshot (every field, then the description's cross-field rules; a refusal
// names device id, field path, value and what is allowed), the generic part of restore (copying the
// checked fields back), and `describe`'s list of state fields. Adding a field is one line.
//
// Snapshot and apply are compiled once per description into straight-line functions (one object
// literal, one assignment per field), so that a snapshot allocates only itself; the check is a loop
// that allocates nothing unless it refuses. Check before apply: a device that checks every part of
// its state first never needs a copy of its old state to roll back to.
import type { PlainData } from './device.js';
import { SnapshotError } from './snapshot.js';
import { type AnyStateDescription, type Bound, type Field, type FieldType, type NamedField, typeText } from './state-fields.js';

/** The JSON form of a description's fields. */
export type StateOf<F extends Record<string, Field<PlainData>>> = { [K in keyof F]: F[K]['json'] };

/**
 * Cross-field rules: run after every field has its type and range; they refuse through
 * `refuseField` (a field path relative to this struct) or `refuseState` (the struct as a whole).
 */
export type StateRules<S, C> = (s: S, ctx: C) => void;

/** A refusal on its way out of nested checks; each level prefixes its segment (no path strings built on success). */
class Refusal {
  readonly segments: string[];
  constructor(
    segment: string | null,
    readonly message: string,
  ) {
    this.segments = segment === null ? [] : [segment];
  }
}

/** Refuses `field` (a path relative to the struct being checked) with `message`. */
export function refuseField(field: string, message: string): never {
  throw new Refusal(field, message);
}

/** Refuses the struct being checked as a whole. */
export function refuseState(message: string): never {
  throw new Refusal(null, message);
}

export class StateDescription<F extends Record<string, Field<PlainData>>, C = undefined> implements AnyStateDescription {
  declare readonly json: StateOf<F>;
  readonly fields: readonly NamedField[];
  /** Builds the snapshot of a live object. */
  readonly snapshot: (o: object) => StateOf<F>;
  /** Copies the checked state's copied fields onto a live object (nested structs and arrays in place). */
  readonly apply: (o: object, s: StateOf<F>) => void;

  constructor(
    /** The state's name in errors and `describe` (e.g. "i8254 counter"). */
    readonly name: string,
    /** Bumped when a field is added (the field says `.added(version, fallback)`). */
    readonly version: number,
    spec: F,
    private readonly rules: StateRules<StateOf<F>, C> | null = null,
  ) {
    this.fields = Object.entries(spec).map(([name, field]) => ({ name, field }));
    this.snapshot = compileSnapshot(this.fields) as (o: object) => StateOf<F>;
    this.apply = compileApply(this.fields) as (o: object, s: StateOf<F>) => void;
  }

  /**
   * Checks `value` against every field and rule; returns it typed. Refuses with a SnapshotError
   * naming `path` (the device id, say) + the field path, the value and what is allowed.
   */
  check(value: unknown, path: string, ctx: C | (C extends undefined ? unknown : never)): StateOf<F> {
    try {
      this.checkInto(value, path, ctx);
    } catch (e) {
      if (e instanceof Refusal) throw new SnapshotError(`${[path, ...e.segments].join('.').replace(/\.\[/g, '[')}: ${e.message}`);
      throw e;
    }
    return value as StateOf<F>;
  }

  /** @internal The check without the error wrapping (nested descriptions run this). */
  checkInto(value: unknown, _path: string, ctx: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Refusal(null, `expected an object, got ${describeValue(value)}`);
    }
    const v = value as Record<string, unknown>;
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const { name, field } = fields[i]!;
      const x = v[name];
      if (x === undefined) {
        if (field.since > 1 && !Object.hasOwn(v, name)) continue; // an older snapshot: the fallback applies
        throw new Refusal(name, Object.hasOwn(v, name) ? 'expected a value, got undefined' : 'missing');
      }
      try {
        checkValue(field.type, x, ctx);
      } catch (e) {
        if (e instanceof Refusal) e.segments.unshift(name);
        throw e;
      }
    }
    if (this.rules !== null) this.rules(value as StateOf<F>, ctx as C);
  }

  /** The value of field `name` in a checked state, its fallback when an older snapshot lacks it. */
  valueOf<K extends keyof F & string>(s: StateOf<F>, name: K): F[K]['json'] {
    const x = s[name];
    if (x !== undefined) return x;
    return this.fields.find((f) => f.name === name)!.field.fallback as F[K]['json'];
  }
}

function bound(b: Bound, ctx: unknown): number {
  return typeof b === 'number' ? b : (b as (c: unknown) => number)(ctx);
}

function checkValue(t: FieldType, x: unknown, ctx: unknown): void {
  switch (t.kind) {
    case 'bool':
      if (typeof x !== 'boolean') throw new Refusal(null, `expected a boolean, got ${describeValue(x)}`);
      return;
    case 'int': {
      const min = bound(t.min, ctx);
      const max = bound(t.max, ctx);
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
        throw new Refusal(null, `expected an integer in [${min}, ${max}]${t.width === 'int' ? '' : ` (${t.width})`}, got ${describeValue(x)}`);
      }
      return;
    }
    case 'f64': {
      const min = bound(t.min, ctx);
      const max = bound(t.max, ctx);
      if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max) {
        throw new Refusal(null, `expected a number in [${min}, ${max}], got ${describeValue(x)}`);
      }
      return;
    }
    case 'enum':
      if (typeof x !== 'string' || !t.values.includes(x)) throw new Refusal(null, `expected one of ${t.values.join(', ')}, got ${describeValue(x)}`);
      return;
    case 'text':
      if (typeof x !== 'string' || x.length > t.maxLength) {
        throw new Refusal(null, `expected a string of at most ${t.maxLength} characters, got ${describeValue(x)}`);
      }
      return;
    case 'u64':
      if (!isU64Text(x)) throw new Refusal(null, `expected a 64-bit value as a 0x-hex or decimal string, got ${describeValue(x)}`);
      return;
    case 'u64s': {
      const length = bound(t.length, ctx);
      if (!Array.isArray(x) || x.length !== length) throw new Refusal(null, `expected an array of ${length} 64-bit values, got ${describeValue(x)}`);
      for (let i = 0; i < length; i++) {
        if (!isU64Text(x[i])) throw new Refusal(`[${i}]`, `expected a 64-bit value as a 0x-hex or decimal string, got ${describeValue(x[i])}`);
      }
      return;
    }
    case 'ints': {
      const length = bound(t.length, ctx);
      if (!Array.isArray(x) || x.length !== length) throw new Refusal(null, `expected an array of ${length} integers, got ${describeValue(x)}`);
      // By index: a sparse array's holes are elements too (undefined), never skipped.
      for (let i = 0; i < length; i++) {
        const e: unknown = x[i];
        if (typeof e !== 'number' || !Number.isInteger(e) || e < t.min || e > t.max) {
          throw new Refusal(`[${i}]`, `expected an integer in [${t.min}, ${t.max}]${t.width === 'int' ? '' : ` (${t.width})`}, got ${describeValue(e)}`);
        }
      }
      return;
    }
    case 'struct':
      t.of.checkInto(x, '', ctx);
      return;
    case 'structs': {
      const length = bound(t.length, ctx);
      if (!Array.isArray(x) || x.length !== length) {
        throw new Refusal(null, `expected an array of ${length} objects (${t.of.name}), got ${describeValue(x)}`);
      }
      for (let i = 0; i < length; i++) {
        try {
          t.of.checkInto(x[i], '', ctx);
        } catch (e) {
          if (e instanceof Refusal) e.segments.unshift(`[${i}]`);
          throw e;
        }
      }
      return;
    }
    case 'nullable':
      if (x !== null) checkValue(t.of, x, ctx);
      return;
    case 'delegated':
      return;
  }
}

const U64_TEXT = /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;

/** A 64-bit unsigned value written as 0x-hex (≤ 16 digits) or decimal (≤ 2^64 − 1). */
export function isU64Text(x: unknown): x is string {
  if (typeof x !== 'string' || !U64_TEXT.test(x)) return false;
  return x.length < 20 || x.startsWith('0x') || BigInt(x) <= 0xffff_ffff_ffff_ffffn;
}

/**
 * The two 32-bit halves of a checked u64 text (isU64Text), without a bigint for the hex form:
 * `halves[0]` = low, `halves[1]` = high.
 */
export function u64Halves(text: string, halves: Uint32Array): void {
  if (text.startsWith('0x')) {
    const digits = text.slice(2);
    const split = digits.length - 8;
    halves[0] = Number.parseInt(split > 0 ? digits.slice(split) : digits, 16);
    halves[1] = split > 0 ? Number.parseInt(digits.slice(0, split), 16) : 0;
    return;
  }
  const v = BigInt(text);
  halves[0] = Number(v & 0xffff_ffffn);
  halves[1] = Number(v >> 32n);
}

/** 0x + 16 hex digits of a value given as two 32-bit halves. */
export function u64HexText(high: number, low: number): string {
  return `0x${(high >>> 0).toString(16).padStart(8, '0')}${(low >>> 0).toString(16).padStart(8, '0')}`;
}

/** 0x + the shortest hex of a value given as two 32-bit halves (as bigint's toString(16) writes it). */
export function u64ShortHex(high: number, low: number): string {
  if (high === 0) return `0x${(low >>> 0).toString(16)}`;
  return `0x${(high >>> 0).toString(16)}${(low >>> 0).toString(16).padStart(8, '0')}`;
}

/** A value in words for an error (never the whole of a large value). */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'bigint') return `${v}n`;
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v);
}

// ---- Compilation --------------------------------------------------------------------------------

/** Copies an integer array or typed array into a fresh plain array (a snapshot never shares storage). */
function copyInts(src: ArrayLike<number>): number[] {
  const out = new Array<number>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}

/** Copies checked integers into a live array or typed array of the same length, in place. */
function copyIntsInto(dst: { [i: number]: number; length: number }, src: readonly number[]): void {
  for (let i = 0; i < src.length; i++) dst[i] = src[i]!;
}

function snapshotEach(d: StateDescription<Record<string, Field<PlainData>>, unknown>, list: readonly object[]): PlainData[] {
  const out = new Array<PlainData>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = d.snapshot(list[i]!);
  return out;
}

function applyEach(d: StateDescription<Record<string, Field<PlainData>>, unknown>, list: readonly object[], s: readonly PlainData[]): void {
  for (let i = 0; i < list.length; i++) d.apply(list[i]!, s[i] as never);
}

function hex64(v: bigint): string {
  return `0x${v.toString(16)}`;
}

const HELPERS = { copyInts, copyIntsInto, snapshotEach, applyEach, hex64 };

/** `o.name` spelled safely for generated code. */
const prop = (obj: string, name: string) => `${obj}[${JSON.stringify(name)}]`;

function compileSnapshot(fields: readonly NamedField[]): (o: object) => PlainData {
  const parts = fields.map(({ name, field }, i) => {
    const key = JSON.stringify(name);
    if (field.read !== null) return `${key}: F[${i}].field.read(o)`;
    const t = field.type;
    const src = prop('o', name);
    switch (t.kind) {
      case 'ints':
      case 'u64s':
        return `${key}: H.copyInts(${src})`;
      case 'struct':
        return `${key}: F[${i}].field.type.of.snapshot(${src})`;
      case 'structs':
        return `${key}: H.snapshotEach(F[${i}].field.type.of, ${src})`;
      case 'u64':
        return `${key}: H.hex64(${src})`;
      default:
        return `${key}: ${src}`;
    }
  });
  return new Function('F', 'H', `return function snapshot(o) { return { ${parts.join(', ')} }; };`)(fields, HELPERS) as (o: object) => PlainData;
}

function compileApply(fields: readonly NamedField[]): (o: object, s: PlainData) => void {
  const lines = fields.flatMap(({ name, field }, i) => {
    if (!field.copied) return [];
    const dst = prop('o', name);
    const val = field.since > 1 ? `(${prop('s', name)} === undefined ? F[${i}].field.fallback : ${prop('s', name)})` : prop('s', name);
    switch (field.type.kind) {
      case 'ints':
      case 'u64s':
        return [`H.copyIntsInto(${dst}, ${val});`];
      case 'struct':
        return [`F[${i}].field.type.of.apply(${dst}, ${val});`];
      case 'structs':
        return [`H.applyEach(F[${i}].field.type.of, ${dst}, ${val});`];
      case 'u64':
        return [`${dst} = BigInt(${val});`];
      default:
        return [`${dst} = ${val};`];
    }
  });
  return new Function('F', 'H', `return function apply(o, s) { ${lines.join(' ')} };`)(fields, HELPERS) as (o: object, s: PlainData) => void;
}

/** The state fields of a description as flat rows (nested structs expanded), for `describe`. */
export function stateFieldRows(d: AnyStateDescription, prefix = ''): { path: string; type: string; since: number }[] {
  const rows: { path: string; type: string; since: number }[] = [];
  for (const { name, field } of d.fields) {
    const t = field.type;
    const path = prefix + name;
    if (t.kind === 'struct') rows.push(...stateFieldRows(t.of, `${path}.`));
    else if (t.kind === 'structs') rows.push(...stateFieldRows(t.of, `${path}[${typeof t.length === 'number' ? t.length : '*'}].`));
    else rows.push({ path, type: typeText(t), since: field.since });
  }
  return rows;
}
