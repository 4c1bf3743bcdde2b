// Every TypeScript block in README.md and docs/** that imports from 'hvmdev' runs as printed
// (against this checkout's src/index.ts) without throwing. A block that shows a failure catches it
// itself, so the page and the test agree on what throws. A block marked `// (a fragment: ...)`
// names values the reader supplies; it is listed as skipped.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

function pages(): string[] {
  const docs = (readdirSync(join(root, 'docs'), { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && !f.startsWith('api'));
  return ['README.md', ...docs.map((f) => join('docs', f))];
}

const blocks = pages().flatMap((page) =>
  [...readFileSync(join(root, page), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```/gm)]
    .map((m, i) => ({ name: `${page} block ${i + 1}`, code: m[1]! }))
    .filter((b) => /from 'hvmdev';/.test(b.code)),
);

/** A block that says it is a fragment (it names values the reader wires up) is listed as skipped. */
const FRAGMENT = '// (a fragment:';

describe('TypeScript blocks in the docs', () => {
  it.skip.each(blocks.filter((b) => b.code.includes(FRAGMENT)).map((b) => [b.name] as const))('%s (a fragment)', () => undefined);

  it.each(blocks.filter((b) => !b.code.includes(FRAGMENT)).map((b) => [b.name, b.code] as const))(
    '%s runs',
    async (name, code) => {
      const file = join(root, 'test/docs', `.block-${name.replace(/[^a-z0-9]+/gi, '-')}.tmp.ts`);
      writeFileSync(file, code.replaceAll("from 'hvmdev';", "from '../../src/index.js';"));
      const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await expect(import(file)).resolves.toBeDefined();
      } finally {
        spy.mockRestore();
        rmSync(file, { force: true });
      }
    },
    60_000,
  ); // the first block loads (and transforms) all of src/ on a loaded machine
});
