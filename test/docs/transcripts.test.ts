// Every `$ hvmdev ...` transcript in README.md and docs/** runs as printed and prints what the page
// shows (stdout and stderr in order); a `$ echo $?` line after it is checked against the exit status.
// They run against the packed package (test/package/packed-package.ts), in one process outside the
// repository: its `main` (the function the `hvmdev` bin runs) with each transcript's arguments.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedPackage, REPO_ROOT as root } from '../package/packed-package.js';

interface Transcript {
  readonly page: string;
  readonly argv: string[];
  readonly output: string;
  readonly status: number | undefined;
}

function pages(): string[] {
  const docs = (readdirSync(join(root, 'docs'), { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && !f.startsWith('api'));
  return ['README.md', ...docs.map((f) => join('docs', f))];
}

/** The transcripts of one page: fenced blocks whose lines start with `$ hvmdev `. */
function transcriptsOf(page: string, text: string): Transcript[] {
  const found: Transcript[] = [];
  const blocks = text.split(/^```[^\n]*\n/m).filter((_, i) => i % 2 === 1);
  for (const block of blocks) {
    const lines = block.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('$ hvmdev ')) continue;
      const argv = lines[i]!.slice('$ hvmdev '.length).trim().split(/\s+/);
      const out: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j]!.startsWith('$ ')) out.push(lines[j++]!);
      let status: number | undefined;
      if (lines[j] === '$ echo $?') status = Number(lines[j + 1]);
      while (out.length > 0 && out.at(-1) === '') out.pop();
      found.push({ page, argv, output: out.join('\n'), status });
      i = j - 1;
    }
  }
  return found;
}

const all = pages().flatMap((p) => transcriptsOf(p, readFileSync(join(root, p), 'utf8')));

/** What each transcript's command printed (stdout and stderr interleaved) and returned, by index. */
let results: { text: string; status: number }[] = [];
let work = '';

beforeAll(() => {
  const { installed } = packedPackage();
  work = mkdtempSync(join(tmpdir(), 'hvmdev-transcripts-'));
  writeFileSync(join(work, 'argvs.json'), JSON.stringify(all.map((t) => t.argv)));
  writeFileSync(
    join(work, 'run.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';
const { main } = await import(${JSON.stringify(pathToFileURL(join(installed, 'dist/src/cli/main.js')).href)});
const results = [];
for (const argv of JSON.parse(readFileSync('argvs.json', 'utf8'))) {
  let text = '';
  const io = { out: (s) => void (text += s), err: (s) => void (text += s) };
  const status = await main(argv, io);
  results.push({ text, status });
}
writeFileSync('results.json', JSON.stringify(results));\n`,
  );
  execFileSync(process.execPath, ['run.mjs'], { cwd: work, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' } });
  results = JSON.parse(readFileSync(join(work, 'results.json'), 'utf8')) as typeof results;
}, 600_000); // a stale dist/ is rebuilt and packed first (shared with test/package and test/docs)

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('shell transcripts in the docs', () => {
  it('finds the transcripts of the pages that have them', () => {
    const byPage = new Set(all.map((t) => t.page));
    expect([...byPage].sort()).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/emulation-flags.md', 'docs/guide.md']));
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all.map((t, i) => [`${relative('.', t.page)}: hvmdev ${t.argv.join(' ')}`, t, i] as const))('%s', (_, t, i) => {
    const r = results[i]!;
    expect(r.text.replace(/\n+$/, '')).toBe(t.output);
    if (t.status !== undefined) expect(r.status).toBe(t.status);
  });
});
