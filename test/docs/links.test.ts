// Every relative link in README.md and docs/**/*.md names a file of the repository, and every
// #anchor a heading of the page it points at (GitHub's anchors), so a renamed section or file
// fails here instead of leaving readers at a dead link; and every page is reachable from README.md.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinks, headingSlug, linkTargets, reachablePages } from './markdown-links.js';

const root = join(import.meta.dirname, '../..');
const pages = [
  'README.md',
  ...(readdirSync(join(root, 'docs'), { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && !f.startsWith('api')).map((f) => join('docs', f)),
];

describe('links in README.md and docs/', () => {
  it('every relative link names an existing file and, with #, a heading of it', () => {
    expect(pages.length).toBeGreaterThan(20);
    expect(pages.reduce((n, p) => n + linkTargets(readFileSync(join(root, p), 'utf8')).length, 0)).toBeGreaterThan(100);
    expect(pages.flatMap((p) => brokenLinks(root, p))).toEqual([]);
  });

  it('every page of docs/ is reachable from README.md by links', () => {
    const reached = reachablePages(root, 'README.md');
    expect(pages.filter((p) => !reached.has(p.replace(/\\/g, '/')))).toEqual([]);
  });
});

describe('the link checker', () => {
  it('makes GitHub anchors: punctuation and code marks dropped, spaces as hyphens, repeats numbered', () => {
    expect(headingSlug('Issue 14: the emulator, bus and interrupt rows')).toBe('issue-14-the-emulator-bus-and-interrupt-rows');
    expect(headingSlug('Linux 6.1 boot (`npm run test:linux`, issue 12)')).toBe('linux-61-boot-npm-run-testlinux-issue-12');
    expect(headingSlug('kvm-unit-tests (PASS / FAIL per test and profile)')).toBe('kvm-unit-tests-pass--fail-per-test-and-profile');
    expect([...anchorsOf('# A\n\n## Notes\n\n```sh\n# not a heading\n```\n\n## Notes\n### The `x` rows\n')]).toEqual(['a', 'notes', 'notes-1', 'the-x-rows']);
  });

  it('reports a missing file and a missing anchor, ignores links inside code and URLs, follows links from README', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvmdev-links-'));
    try {
      mkdirSync(join(dir, 'docs'));
      writeFileSync(join(dir, 'docs', 'b.md'), '# B\n\n## Real section\n');
      writeFileSync(
        join(dir, 'docs', 'a.md'),
        [
          '# A',
          'See [b](b.md), [its section](b.md#real-section), [gone](c.md), [wrong](b.md#no-such),',
          '[here](#a), [not here](#b), [web](https://example.com/x#y), `[code](nowhere.md)`,',
          'and a link whose text',
          'spans lines [over',
          'two](b.md#missing-too).',
          '```md',
          '[fenced](nowhere.md)',
          '```',
        ].join('\n'),
      );
      expect(brokenLinks(dir, 'docs/a.md')).toEqual([
        'docs/a.md: c.md: no file docs/c.md',
        'docs/a.md: b.md#no-such: docs/b.md has no heading #no-such',
        'docs/a.md: #b: docs/a.md has no heading #b',
        'docs/a.md: b.md#missing-too: docs/b.md has no heading #missing-too',
      ]);
      mkdirSync(join(dir, 'docs', 'sub'));
      writeFileSync(join(dir, 'docs', 'sub', 'c.md'), '# C\n');
      writeFileSync(join(dir, 'docs', 'lost.md'), '# Linked from nowhere\n');
      writeFileSync(join(dir, 'README.md'), '[a](docs/a.md) and [the folder](docs/sub/)\n');
      expect([...reachablePages(dir, 'README.md')].sort()).toEqual(['README.md', 'docs/a.md', 'docs/b.md', 'docs/sub/c.md']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
