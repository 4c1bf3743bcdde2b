// kvm-unit-tests `vmexit` on hvmdev's VMM and on QEMU 7.2 with its userspace irqchip
// (-machine kernel-irqchip=off), run alternately on the same host in the same minutes: cycles per
// operation as each guest measures them (RDTSC), min and median of VMM_VMEXIT_ROUNDS rounds, and
// the ratios hvmdev / QEMU (below 1: hvmdev is faster). The host's load average goes with every
// line, since on a shared machine it moves every figure by up to 2×.
//
// VMM_VMEXIT_ROUNDS (default 3), VMM_VMEXIT_OPS (comma-separated, default VMEXIT_OPS),
// HVMDEV_GUESTS (the shared guests directory). Skipped with one line when a piece is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from './harness.js';

/** The operations compared (tscdeadline is hvmdev's only: QEMU's userspace APIC has no TSC-deadline timer). */
export const VMEXIT_OPS = ['cpuid', 'mov_from_cr8', 'mov_to_cr8', 'inl_from_pmtimer', 'inl_from_qemu', 'outl_to_kernel', 'tscdeadline_immed'];
const QEMU = 'qemu-system-x86_64';
const TIMEOUT_MS = 180_000;

const here = dirname(fileURLToPath(import.meta.url));

function guestsDir(): string | null {
  const env = process.env['HVMDEV_GUESTS'];
  if (env !== undefined && existsSync(join(env, 'kvm-unit-tests'))) return env;
  let dir = resolve(here, '..');
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, '..', 'shared', 'guests');
    if (existsSync(join(candidate, 'kvm-unit-tests'))) return resolve(candidate);
    dir = resolve(dir, '..');
  }
  return existsSync('/work/shared/guests/kvm-unit-tests') ? '/work/shared/guests' : null;
}

/** Runs a command, resolves with its stdout + stderr whatever the exit status (vmexit exits non-zero by design). */
function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 1 << 24, killSignal: 'SIGKILL' }, (_err, stdout, stderr) => done(`${stdout}${stderr}`));
  });
}

/** "op N" from vmexit's output, or null if the guest never printed it. */
function cycles(out: string, op: string): number | null {
  const m = new RegExp(`^${op} (\\d+)\\s*$`, 'm').exec(out);
  return m === null ? null : Number(m[1]);
}

function hvmdev(flat: string, op: string): Promise<string> {
  const bin = join(here, '..', 'src', 'cli', 'bin.js');
  return output(process.execPath, [bin, 'run', '--kernel', flat, '--append', op, '--test-devices', '--cpu', '+x2apic,+tsc-deadline', '--timeout', '120']);
}

function qemu(flat: string, op: string): Promise<string> {
  return output(QEMU, [
    '-accel',
    'kvm',
    '-machine',
    'pc,kernel-irqchip=off',
    '-cpu',
    'qemu64,+x2apic,+tsc-deadline',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=4',
    '-device',
    'pc-testdev',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-m',
    '128',
    '-kernel',
    flat,
    '-append',
    op,
  ]);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => {
  const s = sorted(xs);
  return s.length === 0 ? null : s[(s.length - 1) >> 1]!;
};
const min = (xs: number[]) => (xs.length === 0 ? null : Math.min(...xs));
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? 'n/a' : Math.round((a / b) * 1000) / 1000);
/** A figure, or why there is none (the guest never printed the line). */
const figure = (x: number | null) => x ?? 'no result';

export async function benchVmmVmexit(): Promise<BenchRecord[]> {
  const guests = guestsDir();
  if (guests === null) return [{ case: 'vmexit', skipped: 'guest binaries not found (set HVMDEV_GUESTS)' }];
  if (!existsSync('/dev/kvm')) return [{ case: 'vmexit', skipped: '/dev/kvm is missing' }];
  const flat = join(guests, 'kvm-unit-tests', 'vmexit.flat');
  const rounds = Number(process.env['VMM_VMEXIT_ROUNDS'] ?? 3);
  const ops = (process.env['VMM_VMEXIT_OPS'] ?? VMEXIT_OPS.join(',')).split(',').filter((o) => o !== '');
  const haveQemu = (await output(QEMU, ['--version'])).includes('QEMU emulator');
  const h = new Map<string, number[]>(ops.map((o) => [o, []]));
  const q = new Map<string, number[]>(ops.map((o) => [o, []]));
  const loads: number[] = [];
  // Round-robin, alternating which goes first, so both see the same stretch of host load.
  for (let r = 0; r < rounds; r++) {
    for (const op of ops) {
      loads.push(loadavg()[0]!);
      const pair = r % 2 === 0 ? [hvmdev, qemu] : [qemu, hvmdev];
      for (const run of pair) {
        if (run === qemu && !haveQemu) continue;
        const c = cycles(await run(flat, op), op);
        if (c !== null) (run === hvmdev ? h : q).get(op)!.push(c);
      }
    }
  }
  const load = `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
  return ops.map((op) => {
    const hs = h.get(op)!;
    const qs = q.get(op)!;
    return {
      case: `vmexit ${op}`,
      rounds,
      hvmdevMin: figure(min(hs)),
      hvmdevMedian: figure(median(hs)),
      qemuMin: haveQemu ? figure(min(qs)) : 'no qemu',
      qemuMedian: haveQemu ? figure(median(qs)) : 'no qemu',
      ratioMin: ratio(min(hs), min(qs)),
      ratioMedian: ratio(median(hs), median(qs)),
      loadAverage: load,
    };
  });
}
