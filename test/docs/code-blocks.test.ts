// Every TypeScript block in README.md and docs/** is what its marker (the fence's info string) says,
// and the test checks it; none is left unchecked:
//   ```ts                 for users: type-checks (strict) and runs as printed in a fresh project
//                         outside the repository, against the packed package
//                         (test/package/packed-package.ts), and must finish with nothing on stderr.
//   ```ts throws=Name     for users, showing a failure: runs the same way and must end by throwing
//                         an error of class Name; a `// throws Name: text` comment in the block
//                         gives the start of its message, checked too.
//   ```ts check           code that needs what the reader supplies (declared at its top with
//                         `declare const`) or a KVM host: type-checked as printed, not run, in a
//                         strict project against the packed package; a block that imports the
//                         repository's internals (`./src/…`, as a contributor reads it from the
//                         repository root) is type-checked against their declarations (dist/src).
//   ```ts json-shape      the shape of a command's `--json` output: each `// $ hvmdev …` line at
//                         its top is run against the packed package, and what it prints must
//                         type-check against the block as an object literal (no field missing,
//                         none extra, every value of the type shown).
//   ```ts from=PATH       lines quoted from a file of the repository: each is a line of PATH.
// A block with any other marker fails.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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
const FROM = /^from=(\S+)$/;
const runnable = blocks.filter((b) => b.marker === '' || THROWS.test(b.marker));
const checked = blocks.filter((b) => b.marker === 'check');
const shapes = blocks.filter((b) => b.marker === 'json-shape');
const quoted = blocks.filter((b) => FROM.test(b.marker));

/** A block's commands: its `// $ hvmdev ARGS` lines. */
const commandsOf = (block: Block): string[][] => [...block.code.matchAll(/^\/\/ \$ hvmdev (.+)$/gm)].map((m) => m[1]!.trim().split(/\s+/));

/** A file name for a block's generated code. */
const fileOf = (block: Block, ext: string): string => `${block.name.replace(/[^a-z0-9]+/gi, '-')}${ext}`;

/** What a block did when run: its stderr, and the error it ended with (null: none). */
interface Outcome {
  readonly stderr: string;
  readonly threw: { readonly name: string; readonly message: string } | null;
}

let project = '';
/** Type errors by generated file (no entry: none). */
const typeErrors = new Map<string, string[]>();

/** Type-checks `files` (absolute paths) with `options`; records each file's errors in typeErrors. */
function typeCheck(files: readonly string[], options: ts.CompilerOptions): void {
  if (files.length === 0) return;
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const wanted = new Set(files);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName ?? '(global)';
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const where = d.file !== undefined && d.start !== undefined ? `${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    const key = wanted.has(file) ? file : '(outside the blocks)';
    typeErrors.set(key, [...(typeErrors.get(key) ?? []), `${file === key ? '' : `${file} `}${where}${text}`]);
  }
}

/** Runs each block's `hvmdev` commands in one process against the packed package; their stdout by block. */
function jsonOutputs(installed: string): Map<Block, string[]> {
  const argvs = shapes.flatMap((b) => commandsOf(b));
  writeFileSync(join(project, 'argvs.json'), JSON.stringify(argvs));
  writeFileSync(
    join(project, 'run-commands.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';
const { main } = await import(${JSON.stringify(pathToFileURL(join(installed, 'dist/src/cli/main.js')).href)});
const results = [];
for (const argv of JSON.parse(readFileSync('argvs.json', 'utf8'))) {
  let out = '';
  const status = await main(argv, { out: (s) => void (out += s), err: (s) => void (out += s) });
  results.push({ out, status });
}
writeFileSync('outputs.json', JSON.stringify(results));\n`,
  );
  execFileSync(process.execPath, ['run-commands.mjs'], { cwd: project, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' } });
  const results = JSON.parse(readFileSync(join(project, 'outputs.json'), 'utf8')) as { out: string; status: number }[];
  const byBlock = new Map<Block, string[]>();
  let i = 0;
  for (const b of shapes)
    byBlock.set(
      b,
      commandsOf(b).map(() => results[i++]!.out),
    );
  return byBlock;
}

let outputs = new Map<Block, string[]>();

beforeAll(() => {
  const { installed } = packedPackage();
  project = mkdtempSync(join(tmpdir(), 'hvmdev-docs-'));
  link(installed, join(project, 'node_modules/hvmdev'));
  link(join(REPO_ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));
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

  // `json-shape`: the block as a type, each command's output as a value of it.
  outputs = jsonOutputs(installed);
  for (const b of shapes) {
    const samples = outputs.get(b)!.map((out, i) => `export const sample${i}: Shape = ${out.trim()};`);
    writeFileSync(join(project, fileOf(b, '.ts')), `type Shape = ${b.code.replace(/^\/\/ \$ hvmdev .*\n/gm, '')};\n${samples.join('\n')}\n`);
  }
  // `check`: as printed, against the package; a block of the repository's internals against their
  // declarations, which the build writes beside the package's (dist/src, the tree packedPackage built).
  for (const b of checked) {
    const internals = /from '\.\/src\//.test(b.code);
    const code = internals
      ? b.code.replace(/from '\.\/src\//g, `from '${REPO_ROOT}/dist/src/`).replace(/from 'hvmdev'/g, `from '${REPO_ROOT}/dist/src/index.js'`)
      : b.code;
    writeFileSync(join(project, fileOf(b, '.ts')), code);
  }
  for (const b of runnable) writeFileSync(join(project, fileOf(b, '.ts')), b.code);
  typeCheck(
    [...runnable, ...shapes, ...checked].map((b) => join(project, fileOf(b, '.ts'))),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      types: ['node'],
      typeRoots: [join(project, 'node_modules/@types')],
    },
  );
}, 600_000); // a stale dist/ is rebuilt first (~60 s of CPU), then packed; the type checks ~10 s

afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

function run(block: Block): Outcome {
  const base = join(project, fileOf(block, ''));
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
  it('every block carries a marker the test knows (none, throws=Name, check, json-shape, from=PATH)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(30);
    const known = [...runnable, ...checked, ...shapes, ...quoted];
    expect(blocks.filter((b) => !known.includes(b)).map((b) => `${b.name}: ${b.marker}`)).toEqual([]);
    expect(runnable.filter((b) => !/from 'hvmdev';/.test(b.code)).map((b) => b.name)).toEqual([]);
    expect(runnable.filter((b) => /from '\.{1,2}\//.test(b.code)).map((b) => b.name)).toEqual([]);
    expect(shapes.filter((b) => commandsOf(b).length === 0).map((b) => b.name)).toEqual([]);
    expect(typeErrors.get('(outside the blocks)') ?? []).toEqual([]);
  });

  it.each(runnable.map((b) => [b.name, b] as const))(
    '%s type-checks and runs against the packed package as printed',
    (_, block) => {
      expect(typeErrors.get(join(project, fileOf(block, '.ts'))) ?? []).toEqual([]);
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

  it.each(checked.map((b) => [b.name, b] as const))('%s type-checks as printed', (_, block) => {
    expect(typeErrors.get(join(project, fileOf(block, '.ts'))) ?? []).toEqual([]);
  });

  it.each(shapes.map((b) => [b.name, b] as const))("%s is the shape of its commands' JSON output", (_, block) => {
    for (const out of outputs.get(block)!) expect(() => JSON.parse(out)).not.toThrow();
    expect(typeErrors.get(join(project, fileOf(block, '.ts'))) ?? []).toEqual([]);
  });

  it.each(quoted.map((b) => [b.name, b] as const))('%s quotes its file', (_, block) => {
    const path = FROM.exec(block.marker)![1]!;
    const lines = new Set(
      readFileSync(join(REPO_ROOT, path), 'utf8')
        .split('\n')
        .map((l) => l.trim()),
    );
    const lost = block.code
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !lines.has(l));
    expect(lost).toEqual([]);
  });
});
