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

/** Any description, as nested fields hold them. */
type AnyDescription = StateDescription<Record<string, Field<PlainData>>, unknown>;

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
    this.typesAccept = compileTypesAccept(this.fields);
    this.nestedRules = this.fields.flatMap(({ name, field }) => {
      const t = field.type.kind === 'nullable' ? field.type.of : field.type;
      if (t.kind !== 'struct' && t.kind !== 'structs') return [];
      const of = t.of as AnyDescription;
      return of.hasRules ? [{ name, of, many: t.kind === 'structs' }] : [];
    });
    this.hasRules = rules !== null || this.nestedRules.length > 0;
    this.hasU64 = this.fields.some(({ field }) => typeHasU64(field.type));
  }

  /** Whether a field of this description or of one nested in it is a u64 (its encoding changed in format version 2). */
  readonly hasU64: boolean;

  /**
   * A part of a format-version-1 snapshot in this version's form: each u64 text (0x-hex or decimal)
   * becomes its `[low, high]` halves, each u64s array of texts one flat array of halves. A value that
   * is not such a text stays as it was, for `check` to refuse with its path. Never changes `value`;
   * returns it as is when nothing in the description is a u64.
   */
  upgradeVersion1(value: unknown): unknown {
    if (!this.hasU64 || !isRecord(value)) return value;
    const v = value as Record<string, unknown>;
    const out: Record<string, unknown> = { ...v };
    for (const { name, field } of this.fields) {
      if (typeHasU64(field.type) && Object.hasOwn(v, name)) out[name] = upgradeValue(field.type, v[name]);
    }
    return out;
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

  /**
   * @internal The check without the error wrapping (nested descriptions run this): the compiled
   * type test first; only when it fails, the field-by-field walk that names the refusal. Then the
   * rules, nested ones included.
   */
  checkInto(value: unknown, _path: string, ctx: unknown): void {
    if (!this.typesAccept(value, ctx)) this.refuseTypes(value, ctx);
    this.checkRules(value as StateOf<F>, ctx);
  }

  /** @internal Whether every field has its type and range (nested structs included, rules not). */
  readonly typesAccept: (value: unknown, ctx: unknown) => boolean;

  /** Whether this description or one nested in it has rules. */
  readonly hasRules: boolean;

  /** @internal Runs the rules of this description and of the ones nested in it (types already accepted). */
  checkRules(s: StateOf<F>, ctx: unknown): void {
    if (!this.hasRules) return;
    const nested = this.nestedRules;
    for (let i = 0; i < nested.length; i++) {
      const { name, of, many } = nested[i]!;
      const x = (s as Record<string, unknown>)[name];
      if (x === undefined || x === null) continue;
      try {
        if (!many) of.checkRules(x as never, ctx);
        else for (let j = 0; j < (x as unknown[]).length; j++) checkRulesAt(of, (x as never[])[j]!, ctx, j);
      } catch (e) {
        if (e instanceof Refusal) e.segments.unshift(name);
        throw e;
      }
    }
    if (this.rules !== null) this.rules(s, ctx as C);
  }

  /**
   * Runs the rules (nested ones included) on a state whose fields already have their types and
   * ranges; a refusal is a SnapshotError naming `path` + the field path (as `check` names it).
   */
  checkRulesNamed(s: StateOf<F>, path: string, ctx: C | (C extends undefined ? unknown : never)): void {
    if (!this.hasRules) return;
    try {
      this.checkRules(s, ctx);
    } catch (e) {
      if (e instanceof Refusal) throw new SnapshotError(`${[path, ...e.segments].join('.').replace(/\.\[/g, '[')}: ${e.message}`);
      throw e;
    }
  }

  /** The struct fields whose descriptions have rules of their own. */
  private readonly nestedRules: readonly { name: string; of: AnyDescription; many: boolean }[];

  /** The field-by-field walk that names what is wrong (the compiled test said something is). */
  private refuseTypes(value: unknown, ctx: unknown): void {
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
  }

  /** The value of field `name` in a checked state, its fallback when an older snapshot lacks it. */
  valueOf<K extends keyof F & string>(s: StateOf<F>, name: K): F[K]['json'] {
    const x = s[name];
    if (x !== undefined) return x;
    return this.fields.find((f) => f.name === name)!.field.fallback as F[K]['json'];
  }
}

function typeHasU64(t: FieldType): boolean {
  switch (t.kind) {
    case 'u64':
    case 'u64s':
      return true;
    case 'struct':
    case 'structs':
      return (t.of as AnyDescription).hasU64;
    case 'nullable':
      return typeHasU64(t.of);
    default:
      return false;
  }
}

const UPGRADE_HALVES = new Uint32Array(2);

/** One field's version-1 value in version 2's form (see StateDescription.upgradeVersion1). */
function upgradeValue(t: FieldType, x: unknown): unknown {
  switch (t.kind) {
    case 'u64':
      return readU64Halves(x, UPGRADE_HALVES) ? [UPGRADE_HALVES[0]!, UPGRADE_HALVES[1]!] : x;
    case 'u64s': {
      if (!Array.isArray(x)) return x;
      const out = new Array<number>(2 * x.length);
      for (let i = 0; i < x.length; i++) {
        if (!readU64Halves(x[i], UPGRADE_HALVES)) return x;
        out[2 * i] = UPGRADE_HALVES[0]!;
        out[2 * i + 1] = UPGRADE_HALVES[1]!;
      }
      return out;
    }
    case 'struct':
      return (t.of as AnyDescription).upgradeVersion1(x);
    case 'structs':
      return Array.isArray(x) ? Array.from(x, (e) => (t.of as AnyDescription).upgradeVersion1(e)) : x;
    case 'nullable':
      return x === null ? null : upgradeValue(t.of, x);
    default:
      return x;
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
      if (!Array.isArray(x) || x.length !== 2) throw new Refusal(null, `expected a 64-bit value as [low, high] u32 halves, got ${describeValue(x)}`);
      for (let i = 0; i < 2; i++) {
        if (!isU32(x[i]))
          throw new Refusal(`[${i}]`, `expected the ${i === 0 ? 'low' : 'high'} half, an integer in [0, 4294967295] (u32), got ${describeValue(x[i])}`);
      }
      return;
    case 'u64s': {
      const length = 2 * bound(t.length, ctx);
      if (!Array.isArray(x) || x.length !== length) {
        throw new Refusal(null, `expected an array of ${length} u32 halves (${length / 2} 64-bit values, low then high), got ${describeValue(x)}`);
      }
      for (let i = 0; i < length; i++) {
        if (!isU32(x[i])) throw new Refusal(`[${i}]`, `expected an integer in [0, 4294967295] (u32), got ${describeValue(x[i])}`);
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

/** Why `x` is not a value of type `t` (the words `check` uses), or null when it is one. */
export function valueRefusal(t: FieldType, x: unknown, ctx: unknown): string | null {
  try {
    checkValue(t, x, ctx);
    return null;
  } catch (e) {
    if (e instanceof Refusal) return e.segments.length > 0 ? `${e.segments.join('')}: ${e.message}` : e.message;
    throw e;
  }
}

const U64_TEXT = /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;

/** Whether `x` is an integer in [0, 2^32 − 1] (`>>> 0` keeps exactly those numbers). */
function isU32(x: unknown): boolean {
  return typeof x === 'number' && x >>> 0 === x;
}

/** The `[low, high]` halves of a 64-bit value (a bigint taken modulo 2^64). */
export function u64Json(v: bigint): [number, number] {
  if (v >= 0n && v <= 0xffff_ffffn) return [Number(v), 0];
  if (v === U64_ALL_ONES) return [0xffff_ffff, 0xffff_ffff]; // a reset HPET comparator: no bigint arithmetic
  return [Number(BigInt.asUintN(32, v)), Number(BigInt.asUintN(32, v >> 32n))];
}

const U64_ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** The value of `[low, high]` halves as a bigint. */
export function u64Value(halves: readonly [number, number]): bigint {
  const low = halves[0];
  const high = halves[1];
  if (high === 0) return BigInt(low);
  if (high === 0xffff_ffff && low === 0xffff_ffff) return U64_ALL_ONES;
  return (BigInt(high) << 32n) | BigInt(low);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Reads a version-1 u64 text (0x + 1–16 hex digits, or decimal ≤ 2^64 − 1) into two 32-bit halves
 * (`halves[0]` = low, `halves[1]` = high), without a bigint for the hex form; false when `x` is
 * not such a text (halves then undefined).
 */
export function readU64Halves(x: unknown, halves: Uint32Array): boolean {
  if (typeof x !== 'string') return false;
  const n = x.length;
  if (n >= 3 && n <= 18 && x.charCodeAt(0) === 48 && x.charCodeAt(1) === 120) {
    const split = n - 8; // digits from here on are the low half
    let hi = 0;
    let lo = 0;
    for (let i = 2; i < n; i++) {
      const d = hexDigit(x.charCodeAt(i));
      if (d < 0) return false;
      if (i < split) hi = hi * 16 + d;
      else lo = lo * 16 + d;
    }
    halves[0] = lo;
    halves[1] = hi;
    return true;
  }
  if (!U64_TEXT.test(x) || x.startsWith('0x')) return false;
  const v = BigInt(x);
  if (v > 0xffff_ffff_ffff_ffffn) return false;
  halves[0] = Number(v & 0xffff_ffffn);
  halves[1] = Number(v >> 32n);
  return true;
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

const HELPERS = { copyInts, copyIntsInto, snapshotEach, applyEach, u64Json, u64Value };

function checkRulesAt(d: AnyDescription, x: never, ctx: unknown, j: number): void {
  try {
    d.checkRules(x, ctx);
  } catch (e) {
    if (e instanceof Refusal) e.segments.unshift(`[${j}]`);
    throw e;
  }
}

function isRecord(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intsAccept(x: unknown, length: number, min: number, max: number): boolean {
  if (!Array.isArray(x) || x.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const e: unknown = x[i];
    if (typeof e !== 'number' || !(e >= min && e <= max) || !Number.isInteger(e)) return false;
  }
  return true;
}

function u64Accept(x: unknown): boolean {
  return Array.isArray(x) && x.length === 2 && isU32(x[0]) && isU32(x[1]);
}

function u32sAccept(x: unknown, length: number): boolean {
  if (!Array.isArray(x) || x.length !== length) return false;
  for (let i = 0; i < length; i++) if (!isU32(x[i])) return false;
  return true;
}

function structsAccept(d: { typesAccept(v: unknown, ctx: unknown): boolean }, x: unknown, length: number, ctx: unknown): boolean {
  if (!Array.isArray(x) || x.length !== length) return false;
  for (let i = 0; i < length; i++) if (!d.typesAccept(x[i], ctx)) return false;
  return true;
}

const ACCEPT = { isRecord, intsAccept, u32sAccept, structsAccept, u64Accept };

/** The type test of one field's value `x` as an expression (true: accepted); `B` holds the bound functions. */
function acceptExpr(t: FieldType, ref: string, bounds: Bound[]): string {
  const b = (v: Bound) => {
    if (typeof v === 'number') return String(v);
    bounds.push(v);
    return `B[${bounds.length - 1}](ctx)`;
  };
  switch (t.kind) {
    case 'bool':
      return 'typeof x === "boolean"';
    case 'int':
      return `(typeof x === "number" && x >= ${b(t.min)} && x <= ${b(t.max)} && Number.isInteger(x))`;
    case 'f64':
      return `(typeof x === "number" && x >= ${b(t.min)} && x <= ${b(t.max)} && Number.isFinite(x))`;
    case 'enum':
      return `(typeof x === "string" && ${ref}.values.includes(x))`;
    case 'text':
      return `(typeof x === "string" && x.length <= ${t.maxLength})`;
    case 'u64':
      return 'A.u64Accept(x)';
    case 'u64s':
      return `A.u32sAccept(x, 2 * ${b(t.length)})`;
    case 'ints':
      return `A.intsAccept(x, ${b(t.length)}, ${t.min}, ${t.max})`;
    case 'struct':
      return `${ref}.of.typesAccept(x, ctx)`;
    case 'structs':
      return `A.structsAccept(${ref}.of, x, ${b(t.length)}, ctx)`;
    case 'nullable':
      return `(x === null || ${acceptExpr(t.of, `${ref}.of`, bounds)})`;
    case 'delegated':
      return 'true';
  }
}

function compileTypesAccept(fields: readonly NamedField[]): (value: unknown, ctx: unknown) => boolean {
  const bounds: Bound[] = [];
  const lines = fields.map(({ name, field }, i) => {
    const get = `x = ${prop('v', name)};`;
    const test = acceptExpr(field.type, `F[${i}].field.type`, bounds);
    // A field added later may be absent (not merely undefined) in an older snapshot.
    const absent = field.since > 1 ? ` && !(x === undefined && !Object.hasOwn(v, ${JSON.stringify(name)}))` : '';
    return `${get} if (!(${test})${absent}) return false;`;
  });
  return new Function('F', 'A', 'B', `return function typesAccept(v, ctx) { if (!A.isRecord(v)) return false; let x; ${lines.join(' ')} return true; };`)(
    fields,
    ACCEPT,
    bounds,
  ) as (value: unknown, ctx: unknown) => boolean;
}

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
        return `${key}: H.u64Json(${src})`;
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
        return [`${dst} = H.u64Value(${val});`];
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
