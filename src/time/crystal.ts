// Exact conversion between virtual nanoseconds and the edges of a crystal-driven clock (the 8254's
// 1.193182 MHz CLK, the MC146818's 32.768 kHz time base). Edge n (n ≥ 1) happens at n · 1e9 / hz
// ns, so it is visible from the first whole nanosecond at or after that instant:
// edgeTime(n) = ceil(n · 1e9 / hz) and edgesAt(t) = floor(t · hz / 1e9) (the edges at or before t).
// QEMU reads its counters the same way (its timer deadlines round down, one ns earlier). Both
// are exact integers for every t below 2^53 ns: the products are split so none exceeds 2^53.

const NS_PER_S = 1_000_000_000;

/** floor(a / b) for non-negative safe integers a, b (b > 0), corrected for float rounding. */
function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

/**
 * A crystal of `hz` edges per second, converted exactly to and from virtual nanoseconds (see the
 * file header): edge n is visible from `ceil(n · 1e9 / hz)` ns. `hz` is a positive integer.
 */
export class Crystal {
  constructor(
    /** Edges per second (a positive integer). */
    readonly hz: number,
  ) {}

  /** Time (ns) at which edge n is first visible; 0 for n ≤ 0. */
  edgeTime(n: number): number {
    if (n <= 0) return 0;
    const a = Math.floor(n / this.hz);
    const b = n - a * this.hz;
    return a * NS_PER_S + floorDiv(b * NS_PER_S + this.hz - 1, this.hz);
  }

  /** Number of edges in (0, t]. */
  edgesAt(t: number): number {
    const q = Math.floor(t / NS_PER_S);
    const r = t - q * NS_PER_S;
    return q * this.hz + floorDiv(r * this.hz, NS_PER_S);
  }
}

/** The 8254 input clock on the PC: 1.193182 MHz (Xen's PIT_FREQ). */
export const PIT_HZ = 1_193_182;
/** The {@link Crystal} of the 8254's CLK input ({@link PIT_HZ}). */
export const PIT_CRYSTAL = new Crystal(PIT_HZ);
