// Runs the hvmdev CLI from its sources in a child process (see run-ts.mjs), for tests that need a
// real process: exit statuses, signals, memory (RSS).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function spawnCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', './test/support/run-ts.mjs', 'src/cli/bin.ts', ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hvmdev ARGS` to completion with `input` on stdin. */
export function runCli(args: readonly string[], input = ''): Promise<CliRun> {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  child.stdin!.end(input);
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Peak resident memory of a live process in bytes (Linux: VmHWM in /proc/PID/status). */
export function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmHWM for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** Current resident memory of a live process in bytes (VmRSS). */
export function residentNow(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}
