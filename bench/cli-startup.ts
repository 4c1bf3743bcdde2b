// Start-up of the `hvmdev` command against bare Node, measured in the same run (`npm run bench cli-startup`):
// each command is spawned ROUNDS times, interleaved with `node -e 0`, and the medians compared.
// Targets (issue 16): `--help` and `flags ...` within 40 ms of bare Node, `describe` within 100 ms.
// The command measured is the one users run: package.json "bin" (the bundle tools/bundle-cli.mjs writes).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..'); // dist/bench → the package
const bin = join(root, (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: { hvmdev: string } }).bin.hvmdev);
const ROUNDS = Number(process.env.HVMDEV_STARTUP_ROUNDS ?? 15);

const CASES: readonly { name: string; args: readonly string[] }[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'hvmdev --help', args: [bin, '--help'] },
  { name: 'hvmdev flags check 0x1ff', args: [bin, 'flags', 'check', '0x1ff'] },
  { name: 'hvmdev flags list', args: [bin, 'flags', 'list'] },
  { name: 'hvmdev describe', args: [bin, 'describe'] },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export function benchCliStartup(): Record<string, unknown>[] {
  const times = CASES.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    CASES.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [...c.args], { stdio: 'ignore' });
      if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}`);
      times[i]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  }
  const bare = median(times[0]!);
  return CASES.map((c, i) => {
    const ms = median(times[i]!);
    return { case: c.name, rounds: ROUNDS, medianMs: +ms.toFixed(1), overNodeMs: +(ms - bare).toFixed(1), ratioToNode: +(ms / bare).toFixed(2) };
  });
}
