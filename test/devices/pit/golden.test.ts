// Golden transcripts recorded from QEMU 7.2 (`pc`, ../shared/oracle/qtest-run) where QEMU agrees
// with the 8254 and MC146818 datasheets, replayed against the qemu-pc PIT and RTC byte for byte.
// Where QEMU departs from the datasheets (PIT OUT polarity in modes 1/2/4/5, gate handling, NULL
// COUNT, load latency; RTC PF latching without PIE) tests elsewhere record the datasheet value.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayPitRtc } from './qtest-replay.js';

const dir = (d: string) => new URL(`../../fixtures/qtest/${d}/`, import.meta.url).pathname;

describe('QEMU golden transcripts (PIT and RTC, qemu-pc)', () => {
  for (const folder of ['pit', 'rtc']) {
    for (const file of readdirSync(dir(folder))
      .filter((f) => f.endsWith('.qtest'))
      .sort()) {
      const name = file.replace(/\.qtest$/, '');
      it(`${folder}/${name}`, () => {
        const expected = readFileSync(dir(folder) + `${name}.out`, 'utf8');
        expect(replayPitRtc(dir(folder) + file)).toBe(expected);
      });
    }
  }
});
