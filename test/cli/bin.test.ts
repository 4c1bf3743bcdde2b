// The `hvmdev` executable as a user runs it: a real process, its exit status and stderr; and the
// build leaving every package.json "bin" executable.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../support/child.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

describe('hvmdev as a process', () => {
  it('bad host input: one line on stderr, exit 2 (usage) or 1 (environment), no stack trace', async () => {
    const [flags, socket, vcpus] = await Promise.all([
      runCli(['describe', '--flags', 'bogus']),
      runCli(['qtest', '--connect', '/nonexistent.sock']),
      runCli(['describe', '--vcpus', '0']),
    ]);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toMatch(/^hvmdev describe: --flags bogus: unknown emulation flag "bogus"; .*\n$/);
    expect(socket.code).toBe(1);
    expect(socket.stderr).toBe('hvmdev qtest: cannot connect to /nonexistent.sock: no such socket; start the test harness that listens there first\n');
    expect(vcpus.code).toBe(2);
    for (const r of [flags, socket, vcpus]) expect(r.stderr.split('\n')).toHaveLength(2);
  });
});

describe('npm run build leaves every bin executable', () => {
  it('the build script ends by marking the bins executable, and start/bench/fuzz build first', () => {
    expect(pkg.scripts.build).toMatch(/&& tsc -p tsconfig\.json && node tools\/bundle-cli\.mjs && node tools\/mark-bins-executable\.mjs$/);
    for (const s of ['start', 'bench', 'fuzz']) expect(pkg.scripts[s]).toMatch(/^npm run --silent build && /);
    expect(pkg.bin).toEqual({ hvmdev: 'dist/cli/hvmdev.js', 'hvmdev-system-x86_64': 'dist/cli/hvmdev-system-x86_64.js' });
  });

  it('tools/mark-bins-executable.mjs makes each bin executable (0644 → 0755) and fails on a bin the build did not produce', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvmdev-bin-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ bin: { a: 'dist/a.js', b: 'b.js' } }));
    for (const f of ['dist/a.js', 'b.js']) {
      writeFileSync(join(dir, f), '#!/usr/bin/env node\n');
      chmodSync(join(dir, f), 0o644);
    }
    execFileSync(process.execPath, [join(REPO, 'tools/mark-bins-executable.mjs'), dir]);
    expect(statSync(join(dir, 'dist/a.js')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'b.js')).mode & 0o777).toBe(0o755);

    writeFileSync(join(dir, 'package.json'), JSON.stringify({ bin: { c: 'dist/c.js' } }));
    const missing = spawnSync(process.execPath, [join(REPO, 'tools/mark-bins-executable.mjs'), dir], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('mark-bins-executable: dist/c.js (package.json "bin") was not built: ENOENT\n');
  });
});
