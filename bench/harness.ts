// Tiny measurement helpers for the benchmarks: median ns per operation over several rounds, so
// ratios between two loops measured in the same process are stable.

/** True when the run was started with `--quick` (fewer rounds and operations). */
export const QUICK = process.argv.includes('--quick');

export interface Measurement {
  readonly nsPerOp: number;
  readonly rounds: number;
  readonly opsPerRound: number;
}

/** Runs `body(ops)` (which must perform `ops` operations) several times; returns the median ns/op. */
export function measure(body: (ops: number) => number, ops: number, rounds = 7): Measurement {
  if (QUICK) {
    // `--quick`: a quarter of the operations, at most 5 rounds (the whole run stays within a minute).
    ops = Math.max(1, ops >> 2);
    rounds = Math.min(rounds, 5);
  }
  let sink = 0;
  sink += body(Math.max(1, ops >> 3)); // warm-up: let the JIT settle
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    sink += body(ops);
    samples.push(Number(process.hrtime.bigint() - t0) / ops);
  }
  samples.sort((a, b) => a - b);
  if (sink === 0.5) console.log(''); // keep results alive
  return { nsPerOp: samples[rounds >> 1]!, rounds, opsPerRound: ops };
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export type BenchRecord = Record<string, number | string | boolean>;

/** min and median ns/op of one case over interleaved rounds. */
export interface Spread {
  readonly min: number;
  readonly median: number;
}

/**
 * Runs every body once per round, in turn (the order rotates each round), after one warm-up pass
 * of each: a load spike then hits every case of a round alike, so ratios of the minimums hold.
 */
export function interleaved<K extends string>(bodies: Record<K, (ops: number) => number>, ops: number, rounds = 9): Record<K, Spread> {
  const keys = Object.keys(bodies) as K[];
  let sink = 0;
  for (const k of keys) sink += bodies[k](Math.max(1, ops >> 2));
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(j + r) % keys.length]!;
      const t0 = process.hrtime.bigint();
      sink += bodies[k](ops);
      samples.get(k)!.push(Number(process.hrtime.bigint() - t0) / ops);
    }
  }
  if (sink === 0.5) console.log('');
  const out = {} as Record<K, Spread>;
  for (const k of keys) {
    const xs = samples.get(k)!.sort((a, b) => a - b);
    out[k] = { min: round(xs[0]!), median: round(xs[xs.length >> 1]!) };
  }
  return out;
}
