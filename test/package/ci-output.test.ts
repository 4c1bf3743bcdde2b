// `npm test` under CI=true (as .ci/run runs it) prints no colour codes, so CI logs stay readable.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

it('npm test with CI=true writes no ANSI escape sequences', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'NO_COLOR' || k === 'FORCE_COLOR') delete env[k];
  const run = spawnSync('npm', ['test', '--', 'test/time/clock.test.ts'], { cwd: root, env, encoding: 'utf8' });
  const output = run.stdout + run.stderr;
  expect(output).toMatch(/^Tests: \d+ passed, 0 failed, 0 skipped$/m);
  expect(output.includes('\x1b[')).toBe(false);
}, 120_000); // a nested vitest run: ~5 s on a quiet machine, over 30 s at load 20
