// `hvmdev --help` and `hvmdev flags ...` load no platform code: reflect-metadata (which every
// platform-building command loads first, for tsyringe) is still absent after them, present after
// `describe`. Start-up times against bare Node: bench/cli-startup.ts.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

it('--help and flags load no platform modules; describe does', () => {
  const script = `
    import { main } from './src/cli/main.ts';
    const io = { out() {}, err() {} };
    const seen = [];
    for (const argv of [['--help'], ['flags', 'list'], ['flags', 'check', '0x1ff'], ['flags', 'bogus'], ['describe']]) {
      await main(argv, io);
      seen.push(argv.join(' ') + ': ' + typeof Reflect.getMetadata);
    }
    console.log(seen.join('\\n'));`;
  const run = spawnSync(process.execPath, ['--import', './test/support/run-ts.mjs', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.stdout).toBe('--help: undefined\nflags list: undefined\nflags check 0x1ff: undefined\nflags bogus: undefined\ndescribe: function\n');
}, 30_000);
