// The platform fuzz campaigns themselves: a case is a pure function of (seed, index), a campaign
// stops within its budget and answers in the runner's shape.
import { describe, expect, it } from 'vitest';
import { guestFuzzCase, runGuestFuzz, firstDifference } from '../../bench/guest-fuzz.js';
import { runSnapshotFuzz, snapshotFuzzCase } from '../../bench/snapshot-fuzz.js';
import { caseSeed, FuzzRng } from '../../bench/guest-traffic.js';

describe('fuzz campaigns', () => {
  it('a guest-traffic case replays identically from its seed and index (trace included)', () => {
    for (const index of [0, 1, 2, 3, 4]) {
      const t1: string[] = [];
      const t2: string[] = [];
      const a = guestFuzzCase(42, index, (l) => t1.push(l));
      const b = guestFuzzCase(42, index, (l) => t2.push(l));
      expect(b).toEqual(a);
      expect(t2).toEqual(t1);
      expect(a.accesses).toBeGreaterThan(0);
    }
  });

  it('a mutated-snapshot case replays identically from its seed and index', () => {
    for (const index of [0, 1, 2, 3, 4]) {
      const t1: string[] = [];
      const t2: string[] = [];
      expect(snapshotFuzzCase(7, index, (l) => t2.push(l))).toEqual(snapshotFuzzCase(7, index, (l) => t1.push(l)));
      expect(t2).toEqual(t1);
    }
  });

  it('both campaigns stop within their budget and answer { cases, seconds, findings }', () => {
    for (const run of [runGuestFuzz, runSnapshotFuzz]) {
      const t0 = Date.now();
      const r = run(300, 1);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect(r.cases).toBeGreaterThan(0);
      expect(r.seconds).toBeGreaterThan(0);
      expect(Array.isArray(r.findings)).toBe(true);
    }
  });

  it('different cases get different seeds, and the generator is reproducible', () => {
    expect(new Set([0, 1, 2, 3, 4, 5, 6, 7].map((i) => caseSeed(1, i))).size).toBe(8);
    const a = new FuzzRng(99);
    const b = new FuzzRng(99);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });

  it('firstDifference names the path and both values', () => {
    expect(firstDifference({ d: { pit: [1, 2] } }, { d: { pit: [1, 3] } })).toBe('.d.pit.1: 2 vs 3');
    expect(firstDifference({ a: 1 }, { a: 1 })).toBe('');
  });
});
