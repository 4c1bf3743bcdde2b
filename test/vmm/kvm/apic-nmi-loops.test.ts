// The in-memory shortening of apic's NMI loops changes exactly the four loop immediates and
// refuses a binary it does not describe.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shortenApicNmiLoops } from './apic-nmi-loops.js';
import { KUT, kutAvailable } from './kut-files.js';

describe('shortenApicNmiLoops', () => {
  it.skipIf(!kutAvailable('apic'))('rewrites the two loop bounds and the two loop counts, nothing else', () => {
    const stock = new Uint8Array(readFileSync(`${KUT}/apic.flat`));
    const short = shortenApicNmiLoops(stock, 100);
    expect(short.length).toBe(stock.length);
    const find = (pattern: number[]) => {
      const at: number[] = [];
      for (let i = 0; i + pattern.length <= stock.length; i++) if (pattern.every((b, j) => stock[i + j] === b)) at.push(i);
      return at;
    };
    const bounds = find([0x3d, 0x2f, 0x75, 0x00, 0x00]); // cmp eax, 29999
    const counts = find([0xbb, 0xa0, 0x86, 0x01, 0x00]); // mov ebx, 100000
    expect([bounds.length, counts.length]).toEqual([2, 2]);
    const dv = new DataView(short.buffer, short.byteOffset);
    expect(bounds.map((i) => dv.getInt32(i + 1, true))).toEqual([99, 99]);
    expect(counts.map((i) => dv.getInt32(i + 1, true))).toEqual([100, 100]);
    const immediates = [...bounds, ...counts];
    for (let i = 0; i < stock.length; i++) {
      if (stock[i] !== short[i]) expect(immediates.some((s) => i > s && i < s + 5)).toBe(true);
    }
    // The stock image is left as it was.
    expect(stock).toEqual(new Uint8Array(readFileSync(`${KUT}/apic.flat`)));
  });

  it('refuses an image without the loops', () => {
    expect(() => shortenApicNmiLoops(new Uint8Array(64), 10)).toThrow(/not the binary/);
    expect(() => shortenApicNmiLoops(new Uint8Array(64), 0)).toThrow(RangeError);
  });
});
