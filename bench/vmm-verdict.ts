// A verdict on "A is within `limit` × B" (hvmdev against QEMU, JS against C) that the noise of a
// shared host cannot flip. Each round runs A and B back to back, so a pair sees the same stretch of
// host load; the verdict counts the rounds A met the limit in (a sign test: under pure noise each
// round is a coin toss) and asks the ratio of the mins and the ratio of the medians to agree.
// One slow round moves neither a count nor a median, and a single lucky round does not decide.

/** One-sided sign-test level: a verdict needs its side to win at least this unlikely a share by chance. */
export const SIGN_TEST_LEVEL = 0.05;

export type Verdict = 'met' | 'missed' | 'not shown';

export interface PairedComparison {
  /** Rounds with a figure from both sides. */
  readonly pairs: number;
  readonly ratioOfMins: number | null;
  readonly ratioOfMedians: number | null;
  /** Smallest, median and largest A/B of one round. */
  readonly pairRatioMin: number | null;
  readonly pairRatioMedian: number | null;
  readonly pairRatioMax: number | null;
  /** Rounds where A ≤ limit × B, and where it was above. */
  readonly roundsMet: number;
  readonly roundsMissed: number;
  /** Chance of at least that many rounds met (missed) if each round were a coin toss. */
  readonly pMet: number;
  readonly pMissed: number;
  /**
   * 'met': A met the limit in significantly many rounds (p ≤ SIGN_TEST_LEVEL) and both ratios are
   * within it; 'missed': the same the other way; 'not shown': neither (too few rounds, or noise).
   */
  readonly verdict: Verdict;
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2). */
export function signTestP(k: number, n: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  let sum = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= n; i++) {
    if (i >= k) sum += c;
    c = (c * (n - i)) / (i + 1);
  }
  return sum / 2 ** n;
}

const sortedCopy = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
/** The lower median (the middle figure, or the lower of the two middle ones). */
export const lowerMedian = (xs: readonly number[]): number | null => (xs.length === 0 ? null : sortedCopy(xs)[(xs.length - 1) >> 1]!);
const minOf = (xs: readonly number[]): number | null => (xs.length === 0 ? null : Math.min(...xs));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

/**
 * Compares `a[i]` with `b[i]` (round i's figures, smaller is better; null: no figure that round).
 * Ratios of mins and medians use every figure of each side; the round counts use the pairs.
 */
export function comparePaired(a: readonly (number | null)[], b: readonly (number | null)[], limit = 1): PairedComparison {
  const pa: number[] = [];
  const pb: number[] = [];
  const pairRatios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || x === undefined || y === null || y === undefined || y === 0) continue;
    pa.push(x);
    pb.push(y);
    pairRatios.push(x / y);
  }
  const allA = a.filter((x): x is number => x !== null && x !== undefined);
  const allB = b.filter((x): x is number => x !== null && x !== undefined);
  const ratioOfMins = ratio(minOf(allA), minOf(allB));
  const ratioOfMedians = ratio(lowerMedian(allA), lowerMedian(allB));
  const n = pairRatios.length;
  const roundsMet = pairRatios.filter((r) => r <= limit).length;
  const roundsMissed = n - roundsMet;
  const pMet = signTestP(roundsMet, n);
  const pMissed = signTestP(roundsMissed, n);
  const within = (r: number | null) => r !== null && r <= limit;
  const above = (r: number | null) => r !== null && r > limit;
  let verdict: Verdict = 'not shown';
  if (pMet <= SIGN_TEST_LEVEL && within(ratioOfMins) && within(ratioOfMedians)) verdict = 'met';
  else if (pMissed <= SIGN_TEST_LEVEL && above(ratioOfMins) && above(ratioOfMedians)) verdict = 'missed';
  return {
    pairs: n,
    ratioOfMins,
    ratioOfMedians,
    pairRatioMin: minOf(pairRatios),
    pairRatioMedian: lowerMedian(pairRatios),
    pairRatioMax: n === 0 ? null : Math.max(...pairRatios),
    roundsMet,
    roundsMissed,
    pMet,
    pMissed,
    verdict,
  };
}

/** Rounds needed before any verdict is possible at SIGN_TEST_LEVEL (all of them on one side). */
export function roundsForVerdict(): number {
  let n = 1;
  while (signTestP(n, n) > SIGN_TEST_LEVEL) n++;
  return n;
}

const r3 = (x: number | null) => (x === null ? 'n/a' : Math.round(x * 1000) / 1000);

/** The comparison as flat record fields (bench JSON lines). */
export function comparisonFields(c: PairedComparison): Record<string, number | string> {
  return {
    pairs: c.pairs,
    ratioOfMins: r3(c.ratioOfMins),
    ratioOfMedians: r3(c.ratioOfMedians),
    pairRatioMin: r3(c.pairRatioMin),
    pairRatioMedian: r3(c.pairRatioMedian),
    pairRatioMax: r3(c.pairRatioMax),
    roundsMet: c.roundsMet,
    roundsMissed: c.roundsMissed,
    pMet: r3(c.pMet),
    pMissed: r3(c.pMissed),
    verdict: c.verdict,
  };
}
