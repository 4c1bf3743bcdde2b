// Tiny measurement helpers for the benchmarks: median ns per operation over several rounds, so
// ratios between two loops measured in the same process are stable.

export interface Measurement {
  readonly nsPerOp: number;
  readonly rounds: number;
  readonly opsPerRound: number;
}

/** Runs `body(ops)` (which must perform `ops` operations) several times; returns the median ns/op. */
export function measure(body: (ops: number) => number, ops: number, rounds = 7): Measurement {
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
