// The golden transcripts recorded from QEMU 7.2 (`pc`) where it agrees with the datasheets,
// replayed against the qemu-pc HPET and PM block: byte-for-byte identical output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay } from './qtest-replay.js';

const dir = (d: string) => new URL(`../../fixtures/qtest/${d}/`, import.meta.url).pathname;

describe('QEMU golden transcripts (HPET and PM timer)', () => {
  for (const [folder, name] of [
    ['hpet', 'hpet'],
    ['hpet', 'hpet-level'],
    ['hpet', 'hpet-legacy'],
    ['hpet', 'hpet-behind'],
    ['hpet', 'hpet-behind-32'],
    ['hpet', 'hpet-behind-enable'],
    ['pm', 'pm-timer'],
    ['pm', 'pm-sci'],
  ] as const) {
    it(`${folder}/${name}`, () => {
      const expected = readFileSync(dir(folder) + `${name}.out`, 'utf8');
      expect(replay(dir(folder) + `${name}.qtest`)).toBe(expected);
    });
  }
});
