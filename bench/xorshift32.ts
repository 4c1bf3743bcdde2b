// xorshift32: the one small deterministic generator every fuzz campaign draws from, so a campaign
// is reproducible from its seed (not for anything but test traffic).
export class Rng {
  protected s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [0, n) by remainder (the instruction campaigns' draw). */
  below(n: number): number {
    return this.next() % n;
  }
}
