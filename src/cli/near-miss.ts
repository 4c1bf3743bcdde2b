// "Did you mean": the closest known word to a mistyped one, for option names, commands and values.

/** Edit distance counting an adjacent transposition as one edit (`hmv` → `hvm` is 1). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known word nearest to `typed`, if it is a plausible typo: at most one edit for short words,
 * one per three letters for longer ones; a word differing only in case is the nearest. Ties go to
 * the first candidate.
 */
export function nearMiss(typed: string, candidates: readonly string[]): string | undefined {
  const t = typed.toLowerCase();
  const allowed = Math.max(1, Math.floor(t.replace(/^-+/, '').length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === typed) continue;
    const distance = editDistance(t, c.toLowerCase());
    if (distance <= allowed && distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean --profile?)`, or '' when nothing is close. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const near = nearMiss(typed, candidates);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}
