// docs/robustness.md stays in step with the tests: all 80 catalogue entries have a row, and every
// test it quotes exists in the file it names.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/robustness.md', import.meta.url), 'utf8');

describe('docs/robustness.md', () => {
  it('has one row for each of the 80 entries, in order', () => {
    const rows = doc
      .split('\n')
      .map((l) => /^\| (\d+) \|/.exec(l)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    expect(rows).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
  });

  it('every quoted test name is in the test file it names', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const m of doc.matchAll(/`([\w/.-]+\.test\.ts)`(?: › ((?:"[^"]*"(?: \w+)?(?:, )?)+))?/g)) {
      const path = new URL(`../${m[1]}`, import.meta.url);
      if (!existsSync(path)) {
        missing.push(`${m[1]} (no such file)`);
        continue;
      }
      const source = readFileSync(path, 'utf8');
      for (const q of m[2]?.matchAll(/"([^"]*)"/g) ?? []) {
        const name = q[1]!.replace(/…$/, '').trimEnd();
        checked++;
        if (!source.includes(name)) missing.push(`${m[1]} › ${name}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });
});
