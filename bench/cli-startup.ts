// Start-up of the `hvmdev` command against bare Node, measured in the same run (`npm run bench cli-startup`):
// each command is spawned ROUNDS times, interleaved with `node -e 0`, and compared with it as a ratio
// and as a difference, on three figures:
//  - minMs: the fastest of the rounds (wall clock), the figure least disturbed by other load;
//  - medianMs: the median round (wall clock);
//  - cpuMs: the mean CPU time (user + system, all threads) of the rounds, from the kernel's count of
//    this process's waited-for children (Linux /proc; 10 ms ticks, so a mean over many rounds):
//    on a shared, loaded machine it moves far less than wall time does.
// Each record also has the load average of the machine when the case finished.
// Targets (issue 16): `--help` and `flags ...` within 40 ms of bare Node, `describe` within 100 ms.
// The command measured is the one users run: package.json "bin" (the bundle tools/bundle-cli.mjs writes).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
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

/** CPU time (ms) of this process's children that have been waited for, or null off Linux. */
function childrenCpuMs(): number | null {
  if (!existsSync('/proc/self/stat')) return null;
  // Fields after the command name: state is field 3, so cutime and cstime (16, 17) are at 13, 14.
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // USER_HZ is 100 on Linux
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const round1 = (x: number): number => Math.round(x * 10) / 10;

export function benchCliStartup(): Record<string, unknown>[] {
  const wall = CASES.map(() => [] as number[]);
  const cpu = CASES.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    CASES.forEach((c, i) => {
      const cpu0 = childrenCpuMs();
      const t0 = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [...c.args], { stdio: 'ignore' });
      if (run.status !== 0) throw new Error(`${c.name} exited ${run.status}`);
      wall[i]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const cpu1 = childrenCpuMs();
      if (cpu0 !== null && cpu1 !== null) cpu[i]!.push(cpu1 - cpu0);
    });
  }
  const bareMin = Math.min(...wall[0]!);
  const bareMedian = median(wall[0]!);
  const bareCpu = cpu[0]!.length > 0 ? mean(cpu[0]!) : null;
  return CASES.map((c, i) => {
    const min = Math.min(...wall[i]!);
    const med = median(wall[i]!);
    const cpuMs = bareCpu === null ? null : mean(cpu[i]!);
    return {
      case: c.name,
      rounds: ROUNDS,
      minMs: round1(min),
      minOverNodeMs: round1(min - bareMin),
      minRatioToNode: +(min / bareMin).toFixed(2),
      medianMs: round1(med),
      medianOverNodeMs: round1(med - bareMedian),
      medianRatioToNode: +(med / bareMedian).toFixed(2),
      ...(cpuMs === null || bareCpu === null
        ? {}
        : { cpuMs: round1(cpuMs), cpuOverNodeMs: round1(cpuMs - bareCpu), cpuRatioToNode: +(cpuMs / bareCpu).toFixed(2) }),
      load1: +loadavg()[0]!.toFixed(1),
    };
  });
}
