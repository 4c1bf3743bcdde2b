// Every `$ hvmdev ...` transcript in README.md and docs/** runs as printed and prints what the page
// shows (stdout and stderr in order); a `$ echo $?` line after it is checked against the exit status.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const root = resolve(import.meta.dirname, '../..');

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

describe('shell transcripts in the docs', () => {
  it('finds the transcripts of the pages that have them', () => {
    const byPage = new Set(all.map((t) => t.page));
    expect([...byPage].sort()).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/emulation-flags.md', 'docs/guide.md']));
    expect(all.length).toBeGreaterThanOrEqual(10);
  });

  it.each(all.map((t) => [`${relative('.', t.page)}: hvmdev ${t.argv.join(' ')}`, t] as const))('%s', async (_, t) => {
    let text = '';
    const io = { out: (s: string) => void (text += s), err: (s: string) => void (text += s) };
    const status = await main(t.argv, io);
    expect(text.replace(/\n+$/, '')).toBe(t.output);
    if (t.status !== undefined) expect(status).toBe(t.status);
  });
});
