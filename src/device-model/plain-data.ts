// What a snapshot is made of (its own file so that the state field types and the device contract
// can both use it without importing each other).

/** Plain, JSON-compatible data. */
export type PlainData = null | boolean | number | string | readonly PlainData[] | { readonly [key: string]: PlainData };
