// Large arrays of one value for the buses' per-index handler tables. They must be packed (V8's
// PACKED_ELEMENTS, built by pushing), so the fast path's load has no hole check; `new Array(n)`
// is holey for life. Pushing 65,536 elements costs ~1 ms warm and far more before the loop is
// optimized, and every bus needs one: each length and value is built once per process and copied
// (`slice` of a packed array is packed and a block copy).
const templates = new Map<unknown, Map<number, unknown[]>>();

/** A new packed array of `length` copies of `value`. */
export function packedArray<T>(length: number, value: T): T[] {
  let byLength = templates.get(value);
  if (byLength === undefined) templates.set(value, (byLength = new Map()));
  let template = byLength.get(length);
  if (template === undefined) {
    template = [];
    for (let i = 0; i < length; i++) template.push(value);
    byLength.set(length, template);
  }
  return template.slice() as T[];
}
