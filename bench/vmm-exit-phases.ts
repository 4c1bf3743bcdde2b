// Count, don't time: kvm-unit-tests `vmexit` on hvmdev and on QEMU 7.2 (kernel-irqchip=off), each
// run whole under `perf record` of its ioctls and KVM's exit tracepoints (vmm-exit-trace.ts), so
// every exit is seen with the time inside KVM_RUN and the VMM's time from the return to the next
// KVM_RUN (other vCPU ioctls on the way counted and included: QEMU's KVM_INTERRUPT, hvmdev's
// KVM_GET_REGS after a kick). vmexit's figure for an operation is the whole loop's wall time,
// which the host moves by several per cent between processes (the same C loop: 8,632–9,182 ns per
// exit inside KVM_RUN from one run to the next, minutes apart); the per-exit user-side time and the
// exits per kind are what each VMM contributes, and they hold under load.
//
// One record per operation and exit kind (reason and port or guest-physical page) seen at least
// 100 times in both VMMs' runs: exits, in-KVM_RUN p10 / p50, user-side p10 / p50 for each, and the
// ratio hvmdev / QEMU of the user-side p10. The runs alternate (hvmdev first in even rounds).
// Needs root, `perf` with the kvm tracepoints, QEMU and the guests; skipped with one line otherwise.
// VMM_PHASES_OPS (default the four port operations and self_ipi_sti_hlt), VMM_PHASES_ROUNDS
// (default 2), VMM_PHASES_HVMDEV_CPU (hvmdev's --cpu, default -x2apic,+tsc-deadline: the APIC QEMU
// presents, so both guests run the same code).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRecord } from './harness.js';
import { type ExitKindFigures, exitKinds, quantile } from './vmm-exit-trace.js';
import { cycles, guestsDir, hvmdevCommand, qemuCommand } from './vmm-vmexit.js';

const DEFAULT_OPS = 'inl_from_qemu,outl_to_kernel,inl_from_kernel,inl_from_pmtimer,self_ipi_sti_hlt';
const MIN_EXITS = 100;
const RUN_S = 120;

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ out: string; ok: boolean }> {
  return new Promise((done) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 30, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
      done({ out: `${stdout}${stderr}`, ok: err === null || typeof err.code === 'number' }),
    );
  });
}

/** The VMM's run of `op` under perf: its exit kinds and the operation's cycles, or why there are none. */
async function traced(dir: string, vmm: [string, string[]], op: string): Promise<{ kinds: Map<string, ExitKindFigures>; cycles: number | null } | string> {
  const data = join(dir, 'perf.data');
  const events = [
    ...['-e', 'raw_syscalls:sys_enter', '--filter', 'id == 16', '-e', 'raw_syscalls:sys_exit', '--filter', 'id == 16'],
    ...['-e', 'kvm:kvm_userspace_exit', '-e', 'kvm:kvm_pio', '-e', 'kvm:kvm_mmio'],
  ];
  const rec = await run('perf', ['record', '-q', '-m', '4096', '-o', data, ...events, '--', vmm[0], ...vmm[1]], (RUN_S + 30) * 1000);
  const c = cycles(rec.out, op);
  if (!existsSync(data)) return `perf record failed: ${rec.out.trim().split('\n').slice(-1)[0] ?? ''}`;
  const script = await run('perf', ['script', '--ns', '-i', data], 120_000);
  rmSync(data, { force: true });
  return { kinds: exitKinds(script.out), cycles: c };
}

const round0 = (x: number | null) => (x === null ? 'none' : Math.round(x));

export async function benchVmmExitPhases(): Promise<BenchRecord[]> {
  const guests = guestsDir();
  if (guests === null) return [{ case: 'exit phases', skipped: 'guest binaries not found (set HVMDEV_GUESTS)' }];
  if (!existsSync('/dev/kvm')) return [{ case: 'exit phases', skipped: '/dev/kvm is missing' }];
  if (process.getuid?.() !== 0) return [{ case: 'exit phases', skipped: 'the kvm tracepoints need root' }];
  if (!(await run('perf', ['list', 'kvm:kvm_userspace_exit'], 30_000)).out.includes('kvm_userspace_exit')) {
    return [{ case: 'exit phases', skipped: 'perf with the kvm tracepoints is not available' }];
  }
  if (!(await run('qemu-system-x86_64', ['--version'], 10_000)).out.includes('QEMU emulator'))
    return [{ case: 'exit phases', skipped: 'no qemu-system-x86_64' }];
  const cpu = process.env['VMM_PHASES_HVMDEV_CPU'] ?? '-x2apic,+tsc-deadline';
  const flat = join(guests, 'kvm-unit-tests', 'vmexit.flat');
  const ops = (process.env['VMM_PHASES_OPS'] ?? DEFAULT_OPS).split(',').filter((o) => o !== '');
  const rounds = Number(process.env['VMM_PHASES_ROUNDS'] ?? 2);
  const dir = mkdtempSync(join(tmpdir(), 'hvmdev-exit-phases-'));
  const records: BenchRecord[] = [];
  try {
    for (const op of ops) {
      const all = { hvmdev: [] as Map<string, ExitKindFigures>[], qemu: [] as Map<string, ExitKindFigures>[] };
      const opCycles = { hvmdev: [] as number[], qemu: [] as number[] };
      const loads: number[] = [];
      const errors: string[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const vmm of r % 2 === 0 ? (['hvmdev', 'qemu'] as const) : (['qemu', 'hvmdev'] as const)) {
          loads.push(loadavg()[0]!);
          const t = await traced(dir, vmm === 'hvmdev' ? hvmdevCommand(flat, op, 1, RUN_S, cpu) : qemuCommand(flat, op, 1), op);
          if (typeof t === 'string') {
            errors.push(`${vmm}: ${t}`);
            continue;
          }
          all[vmm].push(t.kinds);
          if (t.cycles !== null) opCycles[vmm].push(t.cycles);
        }
      }
      if (errors.length > 0) records.push({ case: `exit phases ${op}`, error: errors.join('; ') });
      const merged = (runs: Map<string, ExitKindFigures>[], key: string) => {
        const inRun: number[] = [];
        const user: number[] = [];
        const ioctls: Record<string, number> = {};
        let count = 0;
        for (const m of runs) {
          const k = m.get(key);
          if (k === undefined) continue;
          count += k.count;
          inRun.push(...k.inRun);
          user.push(...k.user);
          for (const [n, c] of Object.entries(k.ioctlsAfter)) ioctls[n] = (ioctls[n] ?? 0) + c;
        }
        return { count, inRun, user, ioctls };
      };
      const keys = new Set([...all.hvmdev.flatMap((m) => [...m.keys()]), ...all.qemu.flatMap((m) => [...m.keys()])]);
      const load = `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`;
      for (const key of [...keys].sort()) {
        const h = merged(all.hvmdev, key);
        const q = merged(all.qemu, key);
        if (h.count < MIN_EXITS || q.count < MIN_EXITS) continue;
        const hUser = quantile(h.user, 0.1);
        const qUser = quantile(q.user, 0.1);
        records.push({
          case: `exit phases ${op}: ${key}`,
          runs: `${all.hvmdev.length} / ${all.qemu.length}`,
          hvmdevExits: h.count,
          qemuExits: q.count,
          hvmdevInRunP10: round0(quantile(h.inRun, 0.1)),
          hvmdevInRunP50: round0(quantile(h.inRun, 0.5)),
          qemuInRunP10: round0(quantile(q.inRun, 0.1)),
          qemuInRunP50: round0(quantile(q.inRun, 0.5)),
          hvmdevUserP10: round0(hUser),
          hvmdevUserP50: round0(quantile(h.user, 0.5)),
          qemuUserP10: round0(qUser),
          qemuUserP50: round0(quantile(q.user, 0.5)),
          userRatioP10: hUser !== null && qUser !== null && qUser > 0 ? Number((hUser / qUser).toFixed(3)) : 'none',
          hvmdevIoctlsBetween: JSON.stringify(h.ioctls),
          qemuIoctlsBetween: JSON.stringify(q.ioctls),
          hvmdevOpCycles: opCycles.hvmdev.join(' '),
          qemuOpCycles: opCycles.qemu.join(' '),
          hvmdevCpu: cpu,
          loadAverage: load,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return records;
}
