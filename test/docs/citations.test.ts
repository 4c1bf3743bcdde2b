// The docs and the sources cite what a reader has: public sources (an XSA or CVE number, a Xen or QEMU
// source path, a specification) or the repository's own files, never the development machine's
// shared notes (../shared/docs/xen-facts.md, bad-inputs.md, the oracle's tools), which do not ship.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const UNSHIPPED = /shared\/(docs|oracle)|xen-facts|bad-inputs\.md/;

it('README.md, docs/** and src/** cite no file outside the repository', () => {
  const files = [
    'README.md',
    ...(readdirSync(join(root, 'docs'), { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && !f.startsWith('api')).map((f) => join('docs', f)),
    ...(readdirSync(join(root, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join('src', f)),
  ];
  expect(files.length).toBeGreaterThan(250);
  const found = files.flatMap((f) =>
    readFileSync(join(root, f), 'utf8')
      .split('\n')
      .flatMap((line, i) => (UNSHIPPED.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
  );
  expect(found).toEqual([]);
});
