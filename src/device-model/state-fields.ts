// The field types of a device state description (state-description.ts): what one field of a
// snapshot may hold, as data. A field's JSON form is what a snapshot carries; its range may depend
// on a context the device supplies when it checks a snapshot (the clock's now, its params).
import type { PlainData } from './plain-data.js';

/** A u64 field's JSON form: `[low, high]`, two u32 halves. */
export type U64Json = readonly [number, number];

/** A bound that is fixed, or computed from the checking device's context. */
export type Bound = number | ((ctx: never) => number);

export type FieldType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly width: string; readonly min: Bound; readonly max: Bound }
  | { readonly kind: 'f64'; readonly min: Bound; readonly max: Bound }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'text'; readonly maxLength: number }
  | { readonly kind: 'u64' }
  | { readonly kind: 'u64s'; readonly length: Bound }
  | { readonly kind: 'ints'; readonly width: string; readonly length: Bound; readonly min: number; readonly max: number }
  | { readonly kind: 'struct'; readonly of: AnyStateDescription }
  | { readonly kind: 'structs'; readonly length: Bound; readonly of: AnyStateDescription }
  | { readonly kind: 'nullable'; readonly of: FieldType }
  | { readonly kind: 'delegated'; readonly to: string };

/** The description a struct field nests (state-description.ts's class, seen structurally here). */
export interface AnyStateDescription {
  readonly name: string;
  readonly fields: readonly NamedField[];
  checkInto(value: unknown, path: string, ctx: unknown): void;
  /** Whether a field of it (nested ones included) is a u64, whose encoding changed in format version 2. */
  readonly hasU64: boolean;
  /** A part of a format-version-1 snapshot in the current form (u64 texts as halves); never changes `value`. */
  upgradeVersion1(value: unknown): unknown;
}

/** One field of a description: its type and how it reaches the object the state lives in. */
export class Field<T extends PlainData> {
  declare readonly json: T; // phantom: the JSON type (for inference only)

  constructor(
    readonly type: FieldType,
    /** Reads the field's JSON value off the live object; null: the property of the same name. */
    readonly read: ((o: never) => T) | null = null,
    /** Whether restore's generic apply copies this field back (false: the device applies it itself). */
    readonly copied: boolean = true,
    /** The description version that added the field; snapshots without it take `fallback`. */
    readonly since: number = 1,
    readonly fallback: T | undefined = undefined,
    /**
     * How a column encoding (state-columns.ts) reads the field off the live object without
     * allocating: a struct's live object, or a u64's two halves. Null: through `read`.
     */
    readonly source: FieldSource | null = null,
  ) {}

  /** The field is computed from the live object by `read`, and applied by the device's own code. */
  computed<O>(read: (o: O) => T): Field<T> {
    return new Field<T>(this.type, read as (o: never) => T, false, this.since, this.fallback);
  }

  /**
   * A struct field whose live object is `get(o)` (snapshots describe it with the nested
   * description), applied by the device's own code.
   */
  computedFrom<O>(get: (o: O) => object): Field<T> {
    if (this.type.kind !== 'struct') throw new TypeError('computedFrom() is for struct fields');
    const of = this.type.of as AnyStateDescription & { snapshot(o: object): PlainData };
    const read = (o: O) => of.snapshot(get(o)) as T;
    return new Field<T>(this.type, read as (o: never) => T, false, this.since, this.fallback, { kind: 'object', get: get as (o: never) => object });
  }

  /** A u64 field computed from two u32 halves of the live object, applied by the device's own code. */
  computedHalves<O>(low: (o: O) => number, high: (o: O) => number): Field<T> {
    if (this.type.kind !== 'u64') throw new TypeError('computedHalves() is for u64 fields');
    const read = (o: O) => [low(o), high(o)] as unknown as T;
    const source: FieldSource = { kind: 'halves', low: low as (o: never) => number, high: high as (o: never) => number };
    return new Field<T>(this.type, read as (o: never) => T, false, this.since, this.fallback, source);
  }

  /** The field is a property of the same name for snapshots, applied by the device's own code. */
  manual(): Field<T> {
    return new Field<T>(this.type, this.read, false, this.since, this.fallback, this.source);
  }

  /** Added in description version `version`; an older snapshot without it reads as `fallback`. */
  added(version: number, fallback: T): Field<T> {
    return new Field<T>(this.type, this.read, this.copied, version, fallback, this.source);
  }
}

/** Where a computed field's value lives on the live object (see Field.source). */
export type FieldSource =
  | { readonly kind: 'object'; readonly get: (o: never) => object }
  | { readonly kind: 'halves'; readonly low: (o: never) => number; readonly high: (o: never) => number };

export interface NamedField {
  readonly name: string;
  readonly field: Field<PlainData>;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export const bool = (): Field<boolean> => new Field({ kind: 'bool' });
/** An integer in [min, max] (bounds may come from the context). */
export const int = <C = never>(min: number | ((ctx: C) => number), max: number | ((ctx: C) => number)): Field<number> =>
  new Field({ kind: 'int', width: 'int', min: min as Bound, max: max as Bound });
/** An unsigned integer of `bits` bits (≤ 53). */
export const uint = (bits: number): Field<number> => new Field({ kind: 'int', width: `u${bits}`, min: 0, max: bits >= 53 ? MAX_SAFE : 2 ** bits - 1 });
export const u8 = (): Field<number> => uint(8);
export const u16 = (): Field<number> => uint(16);
export const u32 = (): Field<number> => uint(32);
export const i32 = (): Field<number> => new Field({ kind: 'int', width: 'i32', min: -(2 ** 31), max: 2 ** 31 - 1 });
/** A finite number in [min, max] (e.g. a deadline in ns, -1 for "not armed"). */
export const f64 = <C = never>(min: number | ((ctx: C) => number), max: number | ((ctx: C) => number)): Field<number> =>
  new Field({ kind: 'f64', min: min as Bound, max: max as Bound });
export const enumOf = <E extends string>(values: readonly E[]): Field<E> => new Field<E>({ kind: 'enum', values });
/** A string of at most `maxLength` characters. */
export const text = (maxLength: number): Field<string> => new Field({ kind: 'text', maxLength });
/**
 * A 64-bit unsigned value as its two u32 halves, `[low, high]` (JSON has no 64-bit integers; format
 * version 1 wrote a 0x-hex string, which Platform.restore still reads: upgradeVersion1).
 */
export const u64 = (): Field<U64Json> => new Field({ kind: 'u64' });
/**
 * `length` 64-bit values as one flat array of 2 × `length` u32 halves, low then high per value (as the
 * IO-APIC's register window indexes its redirection table; version 1: an array of hex strings).
 */
export const u64s = <C = never>(length: number | ((ctx: C) => number)): Field<number[]> => new Field({ kind: 'u64s', length: length as Bound });
/** An array of exactly `length` integers of `bits` bits each. */
export const uints = <C = never>(length: number | ((ctx: C) => number), bits: number): Field<number[]> =>
  new Field({ kind: 'ints', width: `u${bits}`, length: length as Bound, min: 0, max: bits >= 53 ? MAX_SAFE : 2 ** bits - 1 });
/** An array of exactly `length` integers in [min, max]. */
export const ints = <C = never>(length: number | ((ctx: C) => number), min: number, max: number): Field<number[]> =>
  new Field({ kind: 'ints', width: 'int', length: length as Bound, min, max });
export const struct = <T extends PlainData>(of: AnyStateDescription & { readonly json: T }): Field<T> => new Field<T>({ kind: 'struct', of });
export const structs = <T extends PlainData, C = never>(length: number | ((ctx: C) => number), of: AnyStateDescription & { readonly json: T }): Field<T[]> =>
  new Field<T[]>({ kind: 'structs', length: length as Bound, of });
export const nullable = <T extends PlainData>(f: Field<T>): Field<T | null> => new Field<T | null>({ kind: 'nullable', of: f.type });

/** A part whose shape the device's own code checks (`to` names that code for `describe`); the generic check only requires it present. */
export const delegated = (to: string): Field<PlainData> => new Field({ kind: 'delegated', to });

/** A field type in words, for `describe` (e.g. "u16", "int in [-1, 65536]", "3 × i8254 counter"; '*' for a bound from the context). */
export function typeText(t: FieldType, ctx?: unknown): string {
  // A bound computed from the device's context shows as '*' without one.
  const b = (x: Bound) => (typeof x === 'number' ? String(x) : ctx === undefined ? '*' : String((x as (c: unknown) => number)(ctx)));
  switch (t.kind) {
    case 'bool':
      return 'bool';
    case 'int':
      return t.width !== 'int' ? t.width : `int in [${b(t.min)}, ${b(t.max)}]`;
    case 'f64':
      return `number in [${b(t.min)}, ${b(t.max)}]`;
    case 'enum':
      return `one of ${t.values.join(', ')}`;
    case 'text':
      return `text (< ${t.maxLength + 1} chars)`;
    case 'u64':
      return 'u64 ([low, high] u32)';
    case 'u64s':
      return `${b(t.length)} × u64 (flat low, high u32 pairs)`;
    case 'ints':
      return `${b(t.length)} × ${t.width === 'int' ? `int in [${t.min}, ${t.max}]` : t.width}`;
    case 'struct':
      return t.of.name;
    case 'structs':
      return `${b(t.length)} × ${t.of.name}`;
    case 'nullable':
      return `${typeText(t.of, ctx)} or null`;
    case 'delegated':
      return `checked by ${t.to}`;
  }
}
