// kvm-unit-tests `vmexit` on hvmdev's VMM and on QEMU 7.2 with its userspace irqchip
// (-machine kernel-irqchip=off), run alternately on the same host in the same minutes: cycles per
// operation as each guest measures them (RDTSC). Every operation of vmexit.flat is tried
// (VMEXIT_OPS, with the vCPUs its unittests.cfg entry asks for); an operation a VMM gives no figure
// for in the first round (the guest skips it, or the run ends without it) is not run on that VMM
// again, so the later rounds run only what it supports (a later run without a figure, e.g. one cut
// by its time bound on a loaded host, only counts as missing). The whole run is bounded: each guest run
// by VMM_VMEXIT_RUN_S, the bench by VMM_VMEXIT_BUDGET_S (no run starts after it; the lines say
// how many rounds each operation got). The host's load average at the start and the end goes with
// every line, and a Markdown table of all lines is printed last (docs/benchmarks.md takes it as it
// is): on a shared machine the load moves every figure by up to 2×.
//
// The verdict per operation (vmm-verdict.ts): a round runs hvmdev and QEMU back to back (which goes
// first alternates), so each round is a pair seen under the same load; "met" (hvmdev not slower)
// needs hvmdev ahead in significantly many pairs (one-sided sign test, p ≤ 0.05: 5 of 5, 7 of 8, …)
// and the ratio of the mins and of the medians both ≤ 1; "missed" the same the other way; else
// "not shown" (noise, or too few rounds: a verdict needs at least 5). Ratios of mins and medians,
// the spread of the pair ratios and the rounds each side won are printed beside it.
//
// QEMU with kernel-irqchip=off prints nothing with 2 or more vCPUs on this kind of host (issue 11:
// killed after minutes), so its 2-vCPU operations run only with VMM_VMEXIT_QEMU_SMP=1.
//
// VMM_VMEXIT_ROUNDS (default 7; --quick 1), VMM_VMEXIT_OPS (comma-separated, default VMEXIT_OPS),
// VMM_VMEXIT_RUN_S (default 120: QEMU's SeaBIOS start alone took over a minute at load 19),
// VMM_VMEXIT_BUDGET_S (default 1800), HVMDEV_GUESTS (the shared guests directory). Skipped with
// one line when a piece is missing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRecord } from './harness.js';
import { comparePaired, comparisonFields, lowerMedian } from './vmm-verdict.js';

/**
 * Every operation vmexit.flat (kvm-unit-tests 1da1819e) has, in its own order. The pci_* ones need
 * QEMU's pci-testdev, which neither VMM here has: vmexit prints nothing for them.
 */
export const VMEXIT_OPS = [
  'cpuid',
  'vmcall',
  'mov_from_cr8',
  'mov_to_cr8',
  'inl_from_pmtimer',
  'inl_from_qemu',
  'inl_from_kernel',
  'outl_to_kernel',
  'mov_dr',
  'self_ipi_sti_nop',
  'self_ipi_sti_hlt',
  'self_ipi_tpr',
  'self_ipi_tpr_sti_nop',
  'self_ipi_tpr_sti_hlt',
  'x2apic_self_ipi_sti_nop',
  'x2apic_self_ipi_sti_hlt',
  'x2apic_self_ipi_tpr',
  'x2apic_self_ipi_tpr_sti_nop',
  'x2apic_self_ipi_tpr_sti_hlt',
  'ipi',
  'ipi_halt',
  'ple_round_robin',
  'wr_kernel_gs_base',
  'wr_tsc_adjust_msr',
  'rd_tsc_adjust_msr',
  'wr_ibrs_msr',
  'wr_ibpb_msr',
  'wr_tsx_ctrl_msr',
  'tscdeadline',
  'tscdeadline_immed',
  'toggle_cr0_wp',
  'toggle_cr4_pge',
];
/** vCPUs unittests.cfg gives an operation (the others run with 1). */
const OP_VCPUS: Readonly<Record<string, number>> = { ipi: 2, ipi_halt: 2, toggle_cr0_wp: 2, toggle_cr4_pge: 2 };
const QEMU = 'qemu-system-x86_64';

const here = dirname(fileURLToPath(import.meta.url));

/** The shared guests directory (HVMDEV_GUESTS, or `shared/guests` found upwards), or null. */
export function guestsDir(): string | null {
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
function output(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 24, killSignal: 'SIGKILL' }, (_err, stdout, stderr) => done(`${stdout}${stderr}`));
  });
}

/**
 * "op N" from vmexit's output, or null if the guest never printed it. Not anchored at the line's
 * start: the self-IPI operations print the flag their handler sets (`0`/`1`) whenever the IPI was
 * not taken inside `sti; nop` (this host's missing interrupt window, docs/vmm.md), on the same line
 * before "op N"; a letter or `_` before the name is another operation (`x2apic_self_ipi_…`).
 */
export function cycles(out: string, op: string): number | null {
  const m = new RegExp(`(?<![A-Za-z_])${op} (\\d+)\\s*$`, 'm').exec(out);
  return m === null ? null : Number(m[1]);
}

type Runner = (flat: string, op: string, vcpus: number, seconds: number) => Promise<string>;

/**
 * The CPU features hvmdev's guest gets (VMM_VMEXIT_HVMDEV_CPU, default +x2apic,+tsc-deadline).
 * QEMU with kernel-irqchip=off presents no x2APIC, so its guest reaches the APIC through the xAPIC
 * page while hvmdev's, by default, uses the x2APIC MSRs: for the self-IPI operations
 * `-x2apic,+tsc-deadline` makes both guests run the same code.
 */
export const hvmdevCpu = (): string => process.env['VMM_VMEXIT_HVMDEV_CPU'] ?? '+x2apic,+tsc-deadline';

/** `hvmdev run` of vmexit.flat for `op` (the program and its arguments). */
export function hvmdevCommand(flat: string, op: string, vcpus: number, seconds: number, cpu = hvmdevCpu()): [string, string[]] {
  const bin = join(here, '..', 'src', 'cli', 'bin.js');
  const args = [bin, 'run', '--kernel', flat, '--append', op, '--vcpus', String(vcpus), '--test-devices', `--cpu=${cpu}`];
  return [process.execPath, [...args, '--timeout', String(seconds)]];
}

/** QEMU 7.2 with its userspace irqchip running vmexit.flat for `op` (the program and its arguments). */
export function qemuCommand(flat: string, op: string, vcpus: number): [string, string[]] {
  return [
    QEMU,
    [
      '-accel',
      'kvm',
      '-machine',
      'pc,kernel-irqchip=off',
      '-cpu',
      'qemu64,+x2apic,+tsc-deadline',
      '-smp',
      String(vcpus),
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
    ],
  ];
}

const hvmdev: Runner = (flat, op, vcpus, seconds) => {
  const [cmd, args] = hvmdevCommand(flat, op, vcpus, seconds);
  return output(cmd, args, (seconds + 15) * 1000);
};

const qemu: Runner = (flat, op, vcpus, seconds) => {
  const [cmd, args] = qemuCommand(flat, op, vcpus);
  return output(cmd, args, seconds * 1000);
};

const figuresOf = (xs: readonly (number | null)[]) => xs.filter((x): x is number => x !== null);
const min = (xs: readonly (number | null)[]) => (figuresOf(xs).length === 0 ? null : Math.min(...figuresOf(xs)));
const median = (xs: readonly (number | null)[]) => lowerMedian(figuresOf(xs));
/** A figure, or why there is none (the guest never printed the line). */
const figure = (x: number | null) => x ?? 'no result';
const load1 = () => loadavg()[0]!.toFixed(1);

export async function benchVmmVmexit(): Promise<BenchRecord[]> {
  const guests = guestsDir();
  if (guests === null) return [{ case: 'vmexit', skipped: 'guest binaries not found (set HVMDEV_GUESTS)' }];
  if (!existsSync('/dev/kvm')) return [{ case: 'vmexit', skipped: '/dev/kvm is missing' }];
  const flat = join(guests, 'kvm-unit-tests', 'vmexit.flat');
  const rounds = Number(process.env['VMM_VMEXIT_ROUNDS'] ?? 7);
  const runSeconds = Number(process.env['VMM_VMEXIT_RUN_S'] ?? 120);
  const budgetMs = Number(process.env['VMM_VMEXIT_BUDGET_S'] ?? 1800) * 1000;
  const qemuSmp = process.env['VMM_VMEXIT_QEMU_SMP'] === '1';
  const ops = (process.env['VMM_VMEXIT_OPS'] ?? VMEXIT_OPS.join(',')).split(',').filter((o) => o !== '');
  const haveQemu = (await output(QEMU, ['--version'], 10_000)).includes('QEMU emulator');
  const started = Date.now();
  const loadAtStart = load1();
  /** Per operation, round r's figure at index r (null: no figure that round), so rounds pair up. */
  const figures = { hvmdev: new Map<string, (number | null)[]>(), qemu: new Map<string, (number | null)[]>() };
  /** Operations a VMM gave no figure for in the first round: not run on it again. */
  const unsupported = {
    hvmdev: new Set<string>(),
    qemu: new Set<string>(haveQemu ? ops.filter((o) => !qemuSmp && (OP_VCPUS[o] ?? 1) > 1) : ops),
  };
  const roundsRun = new Map<string, number>(ops.map((o) => [o, 0]));
  let cut = false;
  // Round-robin, alternating which VMM goes first, so both see the same stretch of host load.
  for (let r = 0; r < rounds && !cut; r++) {
    for (const op of ops) {
      if (Date.now() - started >= budgetMs) {
        cut = true;
        break;
      }
      const vcpus = OP_VCPUS[op] ?? 1;
      const pair = r % 2 === 0 ? (['hvmdev', 'qemu'] as const) : (['qemu', 'hvmdev'] as const);
      let ran = false;
      for (const vmm of pair) {
        if (unsupported[vmm].has(op)) continue;
        ran = true;
        const c = cycles(await (vmm === 'hvmdev' ? hvmdev : qemu)(flat, op, vcpus, runSeconds), op);
        if (c === null && r === 0) unsupported[vmm].add(op);
        (figures[vmm].get(op) ?? figures[vmm].set(op, []).get(op)!)[r] = c;
      }
      if (ran) roundsRun.set(op, roundsRun.get(op)! + 1);
    }
  }
  const loadAtEnd = load1();
  const records: BenchRecord[] = ops.map((op) => {
    // Array.from fills the rounds an operation did not run in with null.
    const hs = Array.from(figures.hvmdev.get(op) ?? [], (x) => x ?? null);
    const qs = Array.from(figures.qemu.get(op) ?? [], (x) => x ?? null);
    const cmp = comparePaired(hs, qs);
    return {
      case: `vmexit ${op}`,
      vcpus: OP_VCPUS[op] ?? 1,
      rounds: roundsRun.get(op)!,
      hvmdevRuns: figuresOf(hs).length,
      qemuRuns: figuresOf(qs).length,
      hvmdevMin: figure(min(hs)),
      hvmdevMedian: figure(median(hs)),
      qemuMin: !haveQemu ? 'no qemu' : !qemuSmp && (OP_VCPUS[op] ?? 1) > 1 ? 'not run (2 vCPUs)' : figure(min(qs)),
      qemuMedian: !haveQemu ? 'no qemu' : !qemuSmp && (OP_VCPUS[op] ?? 1) > 1 ? 'not run (2 vCPUs)' : figure(median(qs)),
      ...comparisonFields(cmp),
      loadAtStart,
      loadAtEnd,
    };
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  const table = [
    `vmexit: ${seconds} s, load average ${loadAtStart} at the start and ${loadAtEnd} at the end${cut ? `; budget of ${budgetMs / 1000} s reached, later rounds cut` : ''}`,
    '| operation (vCPUs) | figures hvmdev / QEMU | hvmdev min, median | QEMU kernel-irqchip=off min, median | ratio of mins, of medians | pair ratios min, median, max | rounds hvmdev ≤ / > QEMU (p) | not slower |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...records.map(
      (x) =>
        `| ${String(x['case']).slice(7)} (${x['vcpus']}) | ${x['hvmdevRuns']} / ${x['qemuRuns']} of ${x['rounds']} | ${x['hvmdevMin']}, ${x['hvmdevMedian']} | ${x['qemuMin']}, ${x['qemuMedian']} | ${x['ratioOfMins']}, ${x['ratioOfMedians']} | ${x['pairRatioMin']}, ${x['pairRatioMedian']}, ${x['pairRatioMax']} | ${x['roundsMet']} (${x['pMet']}) / ${x['roundsMissed']} (${x['pMissed']}) | ${x['pairs'] === 0 ? 'n/a' : x['verdict']} |`,
    ),
  ];
  process.stderr.write(`${table.join('\n')}\n`);
  if (cut) records.push({ case: 'vmexit budget', cut: `VMM_VMEXIT_BUDGET_S ${budgetMs / 1000} s reached after ${seconds} s` });
  return records;
}
