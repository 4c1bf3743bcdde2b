// Crystal (src/time/crystal.ts): edge times and edge counts are the exact integer formulas
// ceil(n · 1e9 / hz) and floor(t · hz / 1e9), checked against bigint for the PIT and RTC crystals
// and odd rates below 9 MHz (the exactness bound of the split products), over small values, random values, exact multiples and their neighbours, and the
// end of exact virtual time.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../bench/xorshift32.js';
import { Crystal, PIT_HZ } from '../../src/time/crystal.js';
import { MAX_CLOCK_NS } from '../../src/time/clock.js';

const E9 = 1_000_000_000n;

describe('Crystal', () => {
  it('edgeTime and edgesAt equal the exact formulas (bigint) and are inverse to each other', () => {
    const rng = new Rng(1193182);
    const rand53 = (): number => (rng.next() & 0x1f_ffff) * 2 ** 32 + rng.next();
    let checked = 0;
    for (const hz of [PIT_HZ, 32_768, 1, 3, 3_579_545, 8_999_993]) {
      const c = new Crystal(hz);
      const H = BigInt(hz);
      const maxEdge = Number((BigInt(MAX_CLOCK_NS) * H) / E9);
      const times = [0, 1, 999_999_999, 1e9, 1e9 + 1, MAX_CLOCK_NS, MAX_CLOCK_NS - 1, MAX_CLOCK_NS - 1e9];
      const edges = [1, 2, hz - 1, hz, hz + 1, maxEdge, maxEdge - 1];
      for (let i = 0; i < 200; i++) {
        times.push(rand53() % (MAX_CLOCK_NS + 1), rng.next(), rng.next() * 1000);
        const n = (rand53() % maxEdge) + 1;
        edges.push(n, Math.min(maxEdge, hz * (rng.next() % 1000) + (rng.next() % 3) - 1));
      }
      for (const t of times) {
        if (t < 0 || t > MAX_CLOCK_NS) continue;
        const want = Number((BigInt(t) * H) / E9);
        expect(c.edgesAt(t), `hz ${hz} t ${t}`).toBe(want);
        checked++;
      }
      for (const n of edges) {
        if (n < 1 || n > maxEdge) continue;
        const at = (BigInt(n) * E9 + H - 1n) / H;
        expect(c.edgeTime(n), `hz ${hz} n ${n}`).toBe(Number(at));
        // edge n is visible at its time and not one ns before
        expect(c.edgesAt(Number(at)), `hz ${hz} n ${n}`).toBeGreaterThanOrEqual(n);
        expect(c.edgesAt(Number(at) - 1), `hz ${hz} n ${n}`).toBeLessThan(n);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6_000);
  });
});
