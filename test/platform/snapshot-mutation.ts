// The snapshot-mutation properties' shared steps: list a snapshot's leaves, replace one in a copy,
// and restore the copy, which must be refused whole (SnapshotError, target unchanged) or accepted.
import { expect } from 'vitest';
import { SnapshotError } from '../../src/device-model/snapshot.js';

export type LeafPath = (string | number)[];

/** The path of every leaf (a value that is neither array nor object) under `value`, each prefixed by `prefix`, in document order. */
export function leafPaths(value: unknown, prefix: LeafPath): LeafPath[] {
  const paths: LeafPath[] = [];
  const walk = (v: unknown, path: LeafPath) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    else paths.push(path);
  };
  walk(value, prefix);
  return paths;
}

/** A deep copy of the JSON value `snap` with the leaf at `path` replaced by `value`. */
export function withLeaf(snap: unknown, path: LeafPath, value: unknown): Record<string | number, unknown> {
  const mutated = JSON.parse(JSON.stringify(snap)) as Record<string | number, unknown>;
  let obj = mutated;
  for (const k of path.slice(0, -1)) obj = obj[k] as Record<string | number, unknown>;
  obj[path.at(-1)!] = value;
  return mutated;
}

/**
 * Restores `mutated` into `platform`; returns true when it was refused, having checked that the
 * refusal is a SnapshotError and that the platform's snapshot did not change.
 */
export function restoreOrRefuseWhole(platform: { snapshot(): unknown; restore(snap: unknown): void }, mutated: unknown): boolean {
  const before = JSON.stringify(platform.snapshot());
  try {
    platform.restore(mutated);
  } catch (e) {
    expect(e).toBeInstanceOf(SnapshotError);
    expect(JSON.stringify(platform.snapshot())).toBe(before);
    return true;
  }
  return false;
}
