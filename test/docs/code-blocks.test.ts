// Every TypeScript block in README.md and docs/** is what its marker (the fence's info string) says,
// and the test checks it:
//   ```ts                 for users: runs as printed in a fresh project outside the repository,
//                         against the packed package (test/package/packed-package.ts), and must
//                         finish with nothing on stderr.
//   ```ts throws=Name     for users, showing a failure: runs the same way and must end by throwing
//                         an error of class Name; a `// throws Name: text` comment in the block
//                         gives the start of its message, checked too.
//   ```ts fragment        an API shape, a schema, or code that names values the reader supplies
//                         (or the repository's internals): not run, listed as skipped.
// A block with any other marker fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { link, packedPackage, REPO_ROOT } from '../package/packed-package.js';

interface Block {
  readonly name: string;
  readonly marker: string;
  readonly code: string;
}

function pages(): string[] {
  const docs = (readdirSync(join(REPO_ROOT, 'docs'), { recursive: true }) as string[]).filter((f) => f.endsWith('.md') && !f.startsWith('api'));
  return ['README.md', ...docs.map((f) => join('docs', f))];
}

const blocks: Block[] = pages().flatMap((page) =>
  [...readFileSync(join(REPO_ROOT, page), 'utf8').matchAll(/^```(?:ts|typescript|js|javascript)(?:[ \t]+([^\n]*))?\n([\s\S]*?)^```/gm)].map((m, i) => ({
    name: `${page} block ${i + 1}`,
    marker: (m[1] ?? '').trim(),
    code: m[2]!,
  })),
);
const THROWS = /^throws=([A-Za-z_$][\w$]*)$/;
const runnable = blocks.filter((b) => b.marker === '' || THROWS.test(b.marker));

/** What a block did when run: its stderr, and the error it ended with (null: none). */
interface Outcome {
  readonly stderr: string;
  readonly threw: { readonly name: string; readonly message: string } | null;
}

let project = '';

beforeAll(() => {
  const { installed } = packedPackage();
  project = mkdtempSync(join(tmpdir(), 'hvmdev-docs-'));
  link(installed, join(project, 'node_modules/hvmdev'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-blocks', private: true, type: 'module' }));
  // Runs one block (argv[2]) and writes how it ended to argv[3]: an error thrown while it loads is
  // the block's, whatever its class.
  writeFileSync(
    join(project, 'run-block.mjs'),
    `import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
let threw = null;
try { await import(pathToFileURL(process.argv[2]).href); } catch (e) { threw = { name: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e) }; }
writeFileSync(process.argv[3], JSON.stringify(threw));\n`,
  );
}, 600_000); // a stale dist/ is rebuilt first (~60 s of CPU), then packed; cached for the tree after that

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

function run(block: Block): Outcome {
  const base = join(project, block.name.replace(/[^a-z0-9]+/gi, '-'));
  const js = ts.transpileModule(block.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(`${base}.mjs`, js);
  let stderr = '';
  try {
    execFileSync(process.execPath, ['run-block.mjs', `${base}.mjs`, `${base}.json`], {
      cwd: project,
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
  } catch (e) {
    stderr = String((e as { stderr?: string }).stderr ?? e);
  }
  return { stderr, threw: JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Outcome['threw'] };
}

describe('TypeScript blocks in the docs', () => {
  it('every block carries a marker the test knows (none, throws=Name, fragment)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(15);
    expect(blocks.filter((b) => b.marker !== 'fragment' && !runnable.includes(b)).map((b) => `${b.name}: ${b.marker}`)).toEqual([]);
    expect(runnable.filter((b) => !/from 'hvmdev';/.test(b.code)).map((b) => b.name)).toEqual([]);
    expect(runnable.filter((b) => /from '\.{1,2}\//.test(b.code)).map((b) => b.name)).toEqual([]);
  });

  it.skip.each(blocks.filter((b) => b.marker === 'fragment').map((b) => [b.name] as const))('%s (fragment)', () => undefined);

  it.each(runnable.map((b) => [b.name, b] as const))(
    '%s runs against the packed package as printed',
    (_, block) => {
      const { stderr, threw } = run(block);
      const expected = THROWS.exec(block.marker)?.[1];
      if (expected === undefined) {
        expect(threw).toBeNull();
        expect(stderr).toBe('');
        return;
      }
      expect(threw?.name).toBe(expected);
      const shown = new RegExp(`// throws ${expected}: (.*?)(?:\\.\\.\\.|…)?$`, 'm').exec(block.code)?.[1];
      if (shown !== undefined) expect(threw?.message.startsWith(shown)).toBe(true);
    },
    60_000,
  );
});
