/** Nearest valid flag combinations by Hamming distance. */
import { describeBits, popcount } from './flags.js';
import type { GuestType } from './guests.js';
import { rowValues, type RuleSet } from './rules.js';

/** A bitmap Xen would accept instead of a refused one, nearest first (fewest bits flipped). */
export interface Suggestion {
  /** The accepted bitmap. */
  readonly flags: number;
  /** Number of bits to flip. */
  readonly distance: number;
  /** Bits to set (mask) and their names. */
  readonly add: number;
  readonly addNames: readonly string[];
  /** Bits to clear (mask) and their names (unknown bits as `bitN`). */
  readonly remove: number;
  readonly removeNames: readonly string[];
  /** The allowed configuration this value belongs to. */
  readonly label: string;
}

/** Every value Xen accepts for the guest type in this rule set (its own rows only), ascending. */
export function validValuesFor(guest: GuestType, rules: RuleSet): { flags: number; label: string }[] {
  if (rules.unavailable[guest] !== undefined) return [];
  const seen = new Map<number, string>();
  for (const row of rules.rows) {
    if (!row.guests.includes(guest)) continue;
    for (const v of rowValues(row)) if (!seen.has(v)) seen.set(v, row.label);
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([flags, label]) => ({ flags, label }));
}

export function suggestionFor(from: number, to: number, label: string): Suggestion {
  const add = (to & ~from) >>> 0;
  const remove = (from & ~to) >>> 0;
  return {
    flags: to,
    distance: popcount(add) + popcount(remove),
    add,
    addNames: describeBits(add),
    remove,
    removeNames: describeBits(remove),
    label,
  };
}

/** The guest type's valid values sorted by Hamming distance from `flags` (ties: smaller value first). */
export function nearestValid(flags: number, guest: GuestType, rules: RuleSet): Suggestion[] {
  return validValuesFor(guest, rules)
    .map((v) => suggestionFor(flags >>> 0, v.flags, v.label))
    .sort((a, b) => a.distance - b.distance || a.flags - b.flags);
}

/** `add HPET, PM; remove VPCI` (or `no change`). */
export function describeChange(s: Suggestion): string {
  const parts: string[] = [];
  if (s.addNames.length > 0) parts.push(`add ${s.addNames.join(', ')}`);
  if (s.removeNames.length > 0) parts.push(`remove ${s.removeNames.join(', ')}`);
  return parts.length === 0 ? 'no change' : parts.join('; ');
}
