// --stop-at's watcher: finds the marker however the output is cut into chunks, once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SerialMarker } from '../../../src/vmm/serial-marker.js';

const enc = new TextEncoder();

describe('SerialMarker', () => {
  it('finds a marker split across any chunk boundaries, and reports it once', () => {
    const marker = 'Run /init as init process';
    fc.assert(
      fc.property(
        fc.string({ maxLength: 50 }),
        fc.string({ maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 30 }),
        (before, after, cuts) => {
          fc.pre(!before.includes('Run') && !after.includes('Run'));
          const bytes = enc.encode(`${before}${marker}${after}${marker}`);
          const m = new SerialMarker(marker);
          let hits = 0;
          let at = 0;
          let i = 0;
          while (at < bytes.length) {
            const n = cuts[i++ % cuts.length]!;
            if (m.feed(bytes.subarray(at, at + n))) hits++;
            at += n;
          }
          expect(hits).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not fire on a prefix or on text that only overlaps it', () => {
    const m = new SerialMarker('abcabd');
    expect(m.feed(enc.encode('abcab'))).toBe(false);
    expect(m.feed(enc.encode('cabcab'))).toBe(false);
    expect(m.feed(enc.encode('d'))).toBe(true);
    expect(() => new SerialMarker('')).toThrow(RangeError);
  });
});
