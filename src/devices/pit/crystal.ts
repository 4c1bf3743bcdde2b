// Exact conversion between virtual nanoseconds and the edges of a crystal-driven clock (the 8254's
// 1.193182 MHz CLK, the MC146818's 32.768 kHz time base). Edge n (n ≥ 1) happens at the
// nanosecond floor(n · 1e9 / hz); `edgesAt(t)` counts the edges at or before t. Both are exact
// integers for every t below 2^53 ns: the products are split so no intermediate exceeds 2^53.

const NS_PER_S = 1_000_000_000;

/** floor(a / b) for non-negative safe integers a, b (b > 0), corrected for float rounding. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

export class Crystal {
  constructor(readonly hz: number) {}

  /** Time (ns) of edge n. */
  edgeTime(n: number): number {
    if (n <= 0) return 0;
    const a = Math.floor(n / this.hz);
    const b = n - a * this.hz;
    return a * NS_PER_S + floorDiv(b * NS_PER_S, this.hz);
  }

  /** Number of edges in (0, t]: the largest n with edgeTime(n) ≤ t (0 for t < edgeTime(1)). */
  edgesAt(t: number): number {
    // edgeTime(n) ≤ t  ⟺  n·1e9/hz < t+1  ⟺  n < (t+1)·hz/1e9
    const u = t + 1;
    const q = Math.floor(u / NS_PER_S);
    const r = u - q * NS_PER_S;
    const x = r * this.hz; // < 2^53
    // largest n with n·1e9 < q·hz·1e9 + x  →  q·hz + ceil(x / 1e9) - 1
    const c = floorDiv(x + NS_PER_S - 1, NS_PER_S);
    return q * this.hz + c - 1;
  }
}

/** The 8254 input clock on the PC: 1.193182 MHz (Xen's PIT_FREQ). */
export const PIT_HZ = 1_193_182;
export const PIT_CRYSTAL = new Crystal(PIT_HZ);
