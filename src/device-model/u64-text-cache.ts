// The hex texts of a table of 64-bit values kept as u32 halves (the IO-APIC's redirection entries):
// a snapshot reuses the text of an entry that has not changed since the last one, and a restore of
// a text this cache made reads its halves back without parsing. Exact either way: a text is reused
// only for the same halves, and halves only for the identical text.
import { readU64Halves, u64HexText } from './state-description.js';

export class U64TextCache {
  private readonly texts: string[];
  private readonly highs: Uint32Array;
  private readonly lows: Uint32Array;

  constructor(size: number) {
    this.texts = new Array<string>(size).fill('0x0000000000000000');
    this.highs = new Uint32Array(size);
    this.lows = new Uint32Array(size);
  }

  /** Entry i's text (0x + 16 hex digits). */
  text(i: number, high: number, low: number): string {
    if (this.highs[i] !== high || this.lows[i] !== low) {
      this.highs[i] = high;
      this.lows[i] = low;
      this.texts[i] = u64HexText(high, low);
    }
    return this.texts[i]!;
  }

  /** Reads entry i's text `x` into `halves` (low, high); false when `x` is not a u64 text. */
  read(i: number, x: unknown, halves: Uint32Array): boolean {
    if (x === this.texts[i]) {
      halves[0] = this.lows[i]!;
      halves[1] = this.highs[i]!;
      return true;
    }
    return readU64Halves(x, halves);
  }
}
