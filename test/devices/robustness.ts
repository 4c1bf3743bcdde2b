// Shared checks of the device robustness tests (docs bad-inputs classes D and K): a corrupt
// snapshot is refused whole, and guest reads are defined 32-bit values.
import { expect } from 'vitest';
import { SnapshotError } from '../../src/device-model/snapshot.js';

/**
 * Restores `device`'s own snapshot, changed by each of `mutations` in turn (on a fresh copy), and
 * expects every one to be refused with SnapshotError and to leave the device's snapshot unchanged.
 */
export function expectEachMutationRefused(device: { snapshot(): unknown; restore(snap: unknown): void }, mutations: ReadonlyArray<(s: any) => void>): void {
  const good = JSON.parse(JSON.stringify(device.snapshot()));
  const before = JSON.stringify(device.snapshot());
  for (const m of mutations) {
    const bad = structuredClone(good);
    m(bad);
    expect(() => device.restore(bad)).toThrow(SnapshotError);
    expect(JSON.stringify(device.snapshot())).toBe(before);
  }
}

/** Every value read by the guest is an integer a 1-, 2- or 4-byte read can return. */
export function expectDwordReads(reads: readonly number[]): void {
  for (const v of reads) expect(Number.isInteger(v) && v >= 0 && v <= 0xffffffff).toBe(true);
}
