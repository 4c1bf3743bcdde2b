// The states of many objects of one description as columns: one flat array per leaf field, nested
// structs as nested records of columns. A u64 is two u32 halves per object (low, high), a
// fixed-length integer array that many elements per object. 128 LAPICs are then about twenty arrays
// instead of about 900 objects: taking them allocates only the columns, and checking or applying
// them is a loop over flat arrays. The description stays the single source: the columns, their types,
// their ranges and the refusals' wording come from its fields (state-description.ts); the objects'
// cross-field rules run on one reused row object per object, never a fresh one.
import type { PlainData } from './plain-data.js';
import { SnapshotError } from './snapshot.js';
import { describeValue, u64Json, valueRefusal } from './state-description.js';
import type { AnyStateDescription, Bound, Field, FieldType, NamedField } from './state-fields.js';

/** One column: a leaf field of the description (nested structs expanded). */
interface Column {
  /** The field's path from the description's root (["timer", "counting"]). */
  readonly path: readonly string[];
  /** The path in words ("timer.counting"). */
  readonly name: string;
  readonly field: Field<PlainData>;
  /** Elements per object: 1, 2 for a u64, the length of a fixed-length integer array. */
  readonly width: number;
}

/** A description whose snapshots these columns hold (StateDescription, structurally). */
type ColumnsDescription = AnyStateDescription & { readonly name: string };

/** The compiled gatherer's and reader's helpers. */
const HELPERS = { u64Json, blank: (b: { of(n: number): unknown[] }, n: number) => b.of(n) };

export class StateColumns {
  /** Every column, in the description's field order. */
  readonly columns: readonly Column[];
  /** The columns of `list` (live objects the description reads), in the snapshot's shape. */
  readonly snapshot: (list: readonly object[]) => PlainData;
  /** The columns of a checked part, in `columns` order (undefined: an absent column of a field added later). */
  private readonly gather: (part: unknown) => unknown[];
  /** Copies object `i`'s values out of gathered columns into a row object (see `row`). */
  private readonly readInto: (cols: readonly unknown[], i: number, row: object) => void;
  /** readInto that tests every value on the way (false at the first one of a wrong type or range). */
  private readonly readCheckedInto: (cols: readonly unknown[], i: number, row: object, ctx: unknown) => boolean;

  constructor(readonly of: ColumnsDescription) {
    const columns: Column[] = [];
    collect(of.fields, [], columns);
    this.columns = columns;
    this.snapshot = compileSnapshot(of.fields);
    this.gather = compileGather(columns);
    this.readInto = compileReadInto(columns, false) as (cols: readonly unknown[], i: number, row: object) => void;
    this.readCheckedInto = compileReadInto(columns, true) as (cols: readonly unknown[], i: number, row: object, ctx: unknown) => boolean;
  }

  /**
   * A row object of the description's JSON shape (nested structs, u64 pairs, integer arrays) to read
   * objects' states into (`readRowsChecked`, `readRows`), which overwrite every field.
   */
  row(): PlainData {
    return emptyRow(this.of.fields);
  }

  /**
   * Reads the states of objects 0 … n − 1 of `part` into `rows[0]` … `rows[n − 1]` (from `row()`),
   * checking each value's type and range on the way; refuses as `checkTypes` does (`path`, `rowName`).
   */
  readRowsChecked(part: unknown, path: string, rows: readonly PlainData[], ctx: unknown, rowName: (i: number) => string): void {
    const n = rows.length;
    this.checkShape(part, path, n);
    const cols = this.gather(part);
    for (let i = 0; i < n; i++) {
      if (!this.readCheckedInto(cols, i, rows[i] as object, ctx)) {
        this.checkTypes(part, path, n, ctx, rowName); // names the value
        throw new SnapshotError(`${path}: refused`); // (checkTypes always finds it)
      }
    }
  }

  /** Reads the states of objects 0 … n − 1 of a part `readRowsChecked` accepted into `rows`, without checks. */
  readRows(part: unknown, rows: readonly PlainData[]): void {
    const cols = this.gather(part);
    for (let i = 0; i < rows.length; i++) this.readInto(cols, i, rows[i] as object);
  }

  /** Refuses a part whose containers are not objects or whose columns are not arrays of their length. */
  private checkShape(part: unknown, path: string, n: number): void {
    if (!isRecord(part)) throw new SnapshotError(`${path}: expected an object of columns (one per field of ${this.of.name}), got ${describeValue(part)}`);
    const cols = this.columns;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const x = this.columnOf(part, col, path);
      if (x === ABSENT) continue;
      const length = n * col.width;
      if (!Array.isArray(x) || x.length !== length) {
        throw new SnapshotError(
          `${path}.${col.name}: expected an array of ${length} elements (${col.width === 1 ? 'one' : col.width} per ${this.of.name}), got ${describeValue(x)}`,
        );
      }
    }
  }

  /** Column `col` of `part`, ABSENT for a field added later that the part lacks; refuses a container that is not an object. */
  private columnOf(part: Record<string, unknown>, col: Column, path: string): unknown {
    let x: unknown = part;
    for (let d = 0; d < col.path.length; d++) {
      const key = col.path[d]!;
      const container = x as Record<string, unknown>;
      x = container[key];
      if (d < col.path.length - 1 && !isRecord(x)) {
        throw new SnapshotError(`${path}.${col.path.slice(0, d + 1).join('.')}: expected an object of columns, got ${describeValue(x)}`);
      }
      if (d === col.path.length - 1 && x === undefined && col.field.since > 1 && !Object.hasOwn(container, key)) return ABSENT;
    }
    return x;
  }

  /**
   * Checks that `part` holds the columns of `n` objects, every element of its field's type and
   * range. Refuses with a SnapshotError naming the column's path under `path` and the element's
   * index, then the object and field it belongs to (`rowName(i)` + the field path), e.g.
   * "lapics.timer.start[17]: expected an integer in [...], got an object (lapic17.timer.start)".
   * Changes nothing, allocates nothing unless it refuses.
   */
  checkTypes(part: unknown, path: string, n: number, ctx: unknown, rowName: (i: number) => string): void {
    this.checkShape(part, path, n);
    const cols = this.columns;
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const x = this.columnOf(part as Record<string, unknown>, col, path);
      if (x === ABSENT || !Array.isArray(x)) continue; // (checkShape refused anything but an array)
      const bad = firstBadElement(col.field.type, x, ctx);
      if (bad >= 0) {
        const i = Math.floor(bad / col.width);
        const k = bad - i * col.width;
        const why = valueRefusal(elementType(col.field.type), x[bad], ctx) ?? 'refused';
        const where = `${rowName(i)}.${col.name}${col.width === 1 ? '' : `[${k}]`}`;
        throw new SnapshotError(`${path}.${col.name}[${bad}]: ${why} (${where})`);
      }
    }
  }
}

const ABSENT = Symbol('absent');

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The columns of `fields` (struct fields expanded) into `out`; refuses field types that have no column form. */
function collect(fields: readonly NamedField[], prefix: readonly string[], out: Column[]): void {
  for (const { name, field } of fields) {
    const path = [...prefix, name];
    const t = field.type;
    const unsupported = () => new TypeError(`state columns: ${path.join('.')} (${t.kind}) has no column form`);
    switch (t.kind) {
      case 'struct':
        if (field.since > 1) throw unsupported();
        collect(t.of.fields, path, out);
        break;
      case 'bool':
      case 'int':
      case 'f64':
      case 'enum':
      case 'text':
        out.push({ path, name: path.join('.'), field, width: 1 });
        break;
      case 'u64':
        out.push({ path, name: path.join('.'), field, width: 2 });
        break;
      case 'ints':
        if (typeof t.length !== 'number') throw unsupported();
        out.push({ path, name: path.join('.'), field, width: t.length });
        break;
      default:
        throw unsupported();
    }
  }
}

/** The type of one element of a column of type `t`. */
function elementType(t: FieldType): FieldType {
  if (t.kind === 'u64') return { kind: 'int', width: 'u32', min: 0, max: 0xffff_ffff };
  if (t.kind === 'ints') return { kind: 'int', width: t.width, min: t.min, max: t.max };
  return t;
}

/** The index of the first element of `x` that is not of type `t`, −1 when all are (for naming a refusal only). */
function firstBadElement(t: FieldType, x: readonly unknown[], ctx: unknown): number {
  const element = elementType(t);
  for (let j = 0; j < x.length; j++) if (valueRefusal(element, x[j], ctx) !== null) return j;
  return -1;
}

/**
 * A row object of the JSON shape of `fields`, every value a placeholder of its type; an array of
 * unsigned integers of at most 32 bits is a Uint32Array (rows are never snapshots themselves).
 */
function emptyRow(fields: readonly NamedField[]): PlainData {
  const row: Record<string, PlainData> = {};
  for (const { name, field } of fields) {
    const t = field.type;
    if (t.kind === 'struct') row[name] = emptyRow(t.of.fields);
    else if (t.kind === 'u64') row[name] = [0, 0];
    // u32 elements in a typed row: a device copies them to its own typed array in one set().
    else if (t.kind === 'ints' && t.min >= 0 && t.max <= 0xffff_ffff) row[name] = new Uint32Array(t.length as number) as unknown as number[];
    else if (t.kind === 'ints') row[name] = new Array<number>(t.length as number).fill(0);
    else if (t.kind === 'bool') row[name] = false;
    else if (t.kind === 'enum') row[name] = t.values[0]!;
    else if (t.kind === 'text') row[name] = '';
    else row[name] = 0;
  }
  return row;
}

// ---- Compilation (straight-line code per description, as state-description.ts compiles its own) ----

/** `o.name` spelled safely for generated code. */
const prop = (obj: string, name: string) => `${obj}[${JSON.stringify(name)}]`;

/**
 * A column's starting array: a copy of a packed array of the column's length, kept per column. A
 * packed array (no holes) is what structuredClone, postMessage and JSON.stringify serialise fast:
 * `new Array(n)` is a holey one, which structuredClone writes index by index as a sparse object
 * (7× slower for the LAPICs' 8192 register words), and appending grows it in several copies;
 * `slice()` of a packed array is one copy of the right size. Numbers start from a double array, so
 * that storing a u32 above 2^31 − 1 never converts the array midway.
 */
class Blank {
  private array: unknown[] = [];
  constructor(private readonly numbers: boolean) {}
  of(length: number): unknown[] {
    if (this.array.length !== length) {
      const a: unknown[] = this.numbers ? [0.5] : [false];
      for (let i = 1; i < length; i++) a.push(this.numbers ? 0 : false);
      if (this.numbers) a[0] = 0;
      this.array = length === 0 ? [] : a;
    }
    return this.array.slice();
  }
}

function compileSnapshot(fields: readonly NamedField[]): (list: readonly object[]) => PlainData {
  const R: unknown[] = []; // the fields' read and source functions
  const T: Blank[] = []; // each column's blank
  const blanks = (numbers: boolean) => T.push(new Blank(numbers)) - 1;
  const decls: string[] = [];
  let columns = 0;
  let depth = 0;
  const ref = (f: unknown) => {
    R.push(f);
    return `R[${R.length - 1}]`;
  };
  /** The per-object statements for `fields` of the object `o` (`live`: the device's object; else its JSON). */
  const body = (fs: readonly NamedField[], o: string, live: boolean): { code: string; shape: string } => {
    const code: string[] = [];
    const shape: string[] = [];
    for (const { name, field } of fs) {
      const t = field.type;
      const key = JSON.stringify(name);
      const computed = live && field.read !== null;
      const value = computed ? `${ref(field.read)}(${o})` : prop(o, name);
      if (t.kind === 'struct') {
        const inner = `o${++depth}`;
        const source = live ? field.source : null;
        const nestedLive = !computed || source?.kind === 'object';
        const get = source?.kind === 'object' ? `${ref(source.get)}(${o})` : value;
        const nested = body(t.of.fields, inner, nestedLive);
        code.push(`{ const ${inner} = ${get}; ${nested.code} }`);
        shape.push(`${key}: ${nested.shape}`);
        continue;
      }
      const c = `c${columns++}`;
      shape.push(`${key}: ${c}`);
      if (t.kind === 'u64') {
        decls.push(`const ${c} = H.blank(T[${blanks(true)}], 2 * n);`);
        const source = live ? field.source : null;
        if (source?.kind === 'halves') {
          code.push(`${c}[2 * i] = ${ref(source.low)}(${o}); ${c}[2 * i + 1] = ${ref(source.high)}(${o});`);
        } else {
          // A live property holds a bigint; a computed value and a JSON one are already halves.
          const halves = live && !computed ? `H.u64Json(${value})` : value;
          code.push(`{ const h = ${halves}; ${c}[2 * i] = h[0]; ${c}[2 * i + 1] = h[1]; }`);
        }
      } else if (t.kind === 'ints') {
        const w = t.length as number;
        decls.push(`const ${c} = H.blank(T[${blanks(true)}], ${w} * n);`);
        code.push(`{ const a = ${value}; const b = ${w} * i; for (let k = 0; k < ${w}; k++) ${c}[b + k] = a[k]; }`);
      } else {
        decls.push(`const ${c} = H.blank(T[${blanks(t.kind === 'int' || t.kind === 'f64')}], n);`);
        code.push(`${c}[i] = ${value};`);
      }
    }
    return { code: code.join(' '), shape: `{ ${shape.join(', ')} }` };
  };
  const { code, shape } = body(fields, 'o0', true);
  const src = `return function snapshotColumns(list) { const n = list.length; ${decls.join(' ')} for (let i = 0; i < n; i++) { const o0 = list[i]; ${code} } return ${shape}; };`;
  return new Function('R', 'H', 'T', src)(R, HELPERS, T) as (list: readonly object[]) => PlainData;
}

function compileGather(columns: readonly Column[]): (part: unknown) => unknown[] {
  // Every container on a column's path is an object (checkTypes refused anything else first).
  const items = columns.map((c) => `p${c.path.map((k) => `[${JSON.stringify(k)}]`).join('')}`);
  return new Function(`return function gather(p) { return [${items.join(', ')}]; };`)() as (part: unknown) => unknown[];
}

/**
 * The test of one element `x` of a column of type `t` as an expression; `B` holds bound functions
 * (called with `ctx`), `F` the columns.
 */
function elementTest(t: FieldType, k: number, bounds: Bound[]): string {
  const b = (v: Bound) => {
    if (typeof v === 'number') return String(v);
    bounds.push(v);
    return `B[${bounds.length - 1}](ctx)`;
  };
  const integer = (min: Bound, max: Bound) => {
    if (min === 0 && max === 0xffff_ffff) return 'x >>> 0 === x'; // exactly the u32 numbers
    if (typeof min === 'number' && typeof max === 'number' && min >= -(2 ** 31) && max <= 2 ** 31 - 1) {
      return `((x | 0) === x && x >= ${min} && x <= ${max})`; // (x | 0) === x: exactly the i32 numbers
    }
    return `(typeof x === "number" && x >= ${b(min)} && x <= ${b(max)} && Number.isInteger(x))`;
  };
  switch (t.kind) {
    case 'bool':
      return 'typeof x === "boolean"';
    case 'int':
    case 'ints':
      return integer(t.min, t.max);
    case 'u64':
      return 'x >>> 0 === x';
    case 'f64':
      return `(typeof x === "number" && x >= ${b(t.min)} && x <= ${b(t.max)} && Number.isFinite(x))`;
    case 'enum':
      return `(typeof x === "string" && F[${k}].field.type.values.includes(x))`;
    case 'text':
      return `(typeof x === "string" && x.length <= ${t.maxLength})`;
    default:
      throw new TypeError(`state columns: no element test for ${t.kind}`);
  }
}

/** Copies object `i`'s values out of gathered columns into a row; `checked`: testing each value, false at a refused one. */
function compileReadInto(columns: readonly Column[], checked: boolean): (...args: never[]) => unknown {
  const FB: unknown[] = columns.map((c) => c.field.fallback);
  const bounds: Bound[] = [];
  const lines = columns.map((c, k) => {
    const dst = `r${c.path.map((key) => `[${JSON.stringify(key)}]`).join('')}`;
    const t = c.field.type;
    const test = checked ? ` if (!(${elementTest(t, k, bounds)})) return false;` : '';
    let copy: string;
    if (t.kind === 'u64') copy = `{ const h = ${dst}; let x = c[2 * i];${test} h[0] = x; x = c[2 * i + 1];${test} h[1] = x; }`;
    else if (t.kind === 'ints')
      copy = `{ const a = ${dst}; const b = ${c.width} * i; for (let k = 0; k < ${c.width}; k++) { const x = c[b + k];${test} a[k] = x; } }`;
    else copy = `{ const x = c[i];${test} ${dst} = x; }`;
    if (c.field.since <= 1) return `{ const c = C[${k}]; ${copy} }`;
    // An absent column (a field added later): its fallback.
    const fallback =
      t.kind === 'u64'
        ? `{ const h = ${dst}; h[0] = FB[${k}][0]; h[1] = FB[${k}][1]; }`
        : t.kind === 'ints'
          ? `{ const a = ${dst}; for (let k = 0; k < ${c.width}; k++) a[k] = FB[${k}][k]; }`
          : `${dst} = FB[${k}];`;
    return `{ const c = C[${k}]; if (c === undefined) ${fallback} else ${copy} }`;
  });
  const end = checked ? ' return true;' : '';
  return new Function('FB', 'F', 'B', `return function readInto(C, i, r, ctx) { ${lines.join(' ')}${end} };`)(FB, columns, bounds) as (
    ...args: never[]
  ) => unknown;
}
