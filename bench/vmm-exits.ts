// The VMM's exit path: N `out` and N MMIO writes from a guest loop, served by hvmdev in JS, against
// the same loop served by a minimal VMM in C on the same host (compiled with gcc at bench time).
// One unmeasured run of each first (the JS exit path's JIT, the C binary's first load); then rounds
// (VMM_BENCH_ROUNDS, default 7; --quick 1), each a JS run and a C run back to back, which goes first
// alternating. Each line gives the min and median over the rounds of wall and CPU per exit for
// both, the CPU the JS side adds to an exit, the host's load average (a shared machine moves the
// wall figures by 2×), and the verdict on the target JS ≤ 1.15 × C wall (vmm-verdict.ts): "met"
// needs the pair ratio within 1.15 in significantly many rounds (one-sided sign test, p ≤ 0.05: 5
// of 5, 7 of 8, …) and the ratio of the mins and of the medians both within it; "missed" the same
// the other way; else "not shown". VMM_BENCH_EXITS sets N (default 20,000).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vm } from '../src/vmm/vm.js';
import { round, type BenchRecord } from './harness.js';
import { comparePaired, comparisonFields } from './vmm-verdict.js';

const N = Number(process.env.VMM_BENCH_EXITS ?? 20_000);
const ROUNDS = Number(process.env.VMM_BENCH_ROUNDS ?? 7);
/** The target: JS wall per exit at most this × C's. */
const WALL_LIMIT = 1.15;
const BENCH_PORT = 0x80;
const BENCH_MMIO = 0xd0000000;
const EXIT_PORT = 0xf4;

/** Flat 32-bit guest at 0x1000: ECX = n; loop { out 0x80, al | mov [0xd0000000], eax }; out 0xf4. */
function guestLoop(kind: 'out' | 'mmio', n: number): number[] {
  const count = [0xb9, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]; // mov ecx, n
  const body = kind === 'out' ? [0xe6, BENCH_PORT] : [0xa3, 0x00, 0x00, 0x00, 0xd0];
  const back = -(body.length + 1 + 2) & 0xff; // dec ecx (1) + jnz rel8 (2)
  return [...count, ...body, 0x49, 0x75, back, 0xe6, EXIT_PORT, 0xf4];
}

async function runJs(kind: 'out' | 'mmio'): Promise<{ wallNs: number; cpuNs: number }> {
  const vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 600 });
  try {
    const p = vm.platform;
    const sink = { read: () => 0, write: () => undefined };
    p.ports.register(BENCH_PORT, 1, sink, { owner: 'bench' });
    p.mmio.register(BENCH_MMIO, 4096, sink, { owner: 'bench' });
    p.ports.register(EXIT_PORT, 1, { read: () => 0, write: () => vm.stop({ kind: 'debug-exit', code: 0 }) }, { owner: 'bench-exit' });
    vm.ram.set(guestLoop(kind, N), 0x1000);
    vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await vm.run();
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu = process.cpuUsage(cpu0);
    return { wallNs, cpuNs: (cpu.user + cpu.system) * 1000 };
  } finally {
    vm.close();
  }
}

const C_VMM = String.raw`
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]), mmio = argv[2][0] == 'm';
  int kvm = open("/dev/kvm", O_RDWR), vm = ioctl(kvm, KVM_CREATE_VM, 0);
  unsigned char *mem = mmap(0, 1 << 22, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct kvm_userspace_memory_region r = { 0, 0, 0, 1 << 22, (unsigned long)mem };
  ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
  unsigned char code[32]; int i = 0;
  code[i++] = 0xb9; memcpy(code + i, &n, 4); i += 4;
  if (mmio) { code[i++] = 0xa3; code[i++] = 0; code[i++] = 0; code[i++] = 0; code[i++] = 0xd0; }
  else { code[i++] = 0xe6; code[i++] = 0x80; }
  code[i++] = 0x49; code[i++] = 0x75; code[i] = (unsigned char)-(i + 1 - 5); i++;
  code[i++] = 0xe6; code[i++] = 0xf4; code[i++] = 0xf4;
  memcpy(mem + 0x1000, code, i);
  int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  struct kvm_run *run = mmap(0, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
  struct kvm_sregs s; ioctl(cpu, KVM_GET_SREGS, &s);
  struct kvm_segment cs = { 0, 0xffffffff, 0x10, 0xb, 1, 0, 1, 1, 0, 1 }, ds = { 0, 0xffffffff, 0x18, 0x3, 1, 0, 1, 1, 0, 1 };
  s.cs = cs; s.ds = s.es = s.fs = s.gs = s.ss = ds; s.cr0 |= 1;
  ioctl(cpu, KVM_SET_SREGS, &s);
  struct kvm_regs g; memset(&g, 0, sizeof g); g.rip = 0x1000; g.rflags = 2; ioctl(cpu, KVM_SET_REGS, &g);
  struct timespec a, b, ca, cb; clock_gettime(CLOCK_MONOTONIC, &a); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
  volatile unsigned sink = 0;
  for (;;) {
    if (ioctl(cpu, KVM_RUN, 0) < 0) continue;
    if (run->exit_reason == KVM_EXIT_IO) {
      if (run->io.port == 0xf4) break;
      sink += ((unsigned char *)run)[run->io.data_offset];
    } else if (run->exit_reason == KVM_EXIT_MMIO) {
      sink += run->mmio.data[0];
    } else { fprintf(stderr, "exit %d\n", run->exit_reason); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
  printf("%.0f %.0f\n", (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec), (cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec));
  return 0;
}
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1]!;
}

/** The comparison's fields as wallRatioOfMins, wallVerdict, … */
function prefixed(prefix: string, fields: Record<string, number | string>): Record<string, number | string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [prefix + k[0]!.toUpperCase() + k.slice(1), v]));
}

function runC(dir: string, kind: 'out' | 'mmio'): { wallNs: number; cpuNs: number } {
  const [wall, cpu] = execFileSync(join(dir, 'vmm'), [String(N), kind], { encoding: 'utf8' })
    .trim()
    .split(' ')
    .map(Number);
  return { wallNs: wall!, cpuNs: cpu! };
}

export async function benchVmmExits(): Promise<BenchRecord[]> {
  let dir: string | null = null;
  try {
    const records: BenchRecord[] = [];
    let cAvailable = true;
    dir = mkdtempSync(join(tmpdir(), 'hvmdev-vmm-bench-'));
    try {
      writeFileSync(join(dir, 'vmm.c'), C_VMM);
      execFileSync('gcc', ['-O2', '-o', join(dir, 'vmm'), join(dir, 'vmm.c')]);
    } catch {
      cAvailable = false;
    }
    const loads: number[] = [];
    for (const kind of ['out', 'mmio'] as const) {
      const js: { wallNs: number; cpuNs: number }[] = [];
      const c: { wallNs: number; cpuNs: number }[] = [];
      await runJs(kind);
      if (cAvailable) runC(dir, kind);
      for (let r = 0; r < ROUNDS; r++) {
        loads.push(loadavg()[0]!);
        // Alternate which goes first, so both see the same stretch of host load.
        if (r % 2 === 1 && cAvailable) c.push(runC(dir, kind));
        js.push(await runJs(kind));
        if (r % 2 === 0 && cAvailable) c.push(runC(dir, kind));
      }
      const jsWall = js.map((x) => x.wallNs / N);
      const jsCpu = js.map((x) => x.cpuNs / N);
      const cWall = c.map((x) => x.wallNs / N);
      const cCpu = c.map((x) => x.cpuNs / N);
      const noC = 'no gcc';
      const wall = comparePaired(jsWall, cWall, WALL_LIMIT);
      records.push({
        case: `${N} ${kind === 'out' ? 'OUT' : 'MMIO write'} exits`,
        rounds: ROUNDS,
        jsWallNsPerExitMin: round(Math.min(...jsWall), 0),
        jsWallNsPerExitMedian: round(median(jsWall), 0),
        jsCpuNsPerExitMin: round(Math.min(...jsCpu), 0),
        jsCpuNsPerExitMedian: round(median(jsCpu), 0),
        cWallNsPerExitMin: cAvailable ? round(Math.min(...cWall), 0) : noC,
        cWallNsPerExitMedian: cAvailable ? round(median(cWall), 0) : noC,
        cCpuNsPerExitMin: cAvailable ? round(Math.min(...cCpu), 0) : noC,
        cCpuNsPerExitMedian: cAvailable ? round(median(cCpu), 0) : noC,
        // CPU the JS side adds to each exit (process CPU of the JS run minus the C run's, best of each).
        jsExtraCpuNsPerExit: cAvailable ? round(Math.min(...jsCpu) - Math.min(...cCpu), 0) : noC,
        cpuRatioMin: cAvailable ? round(Math.min(...jsCpu) / Math.min(...cCpu), 3) : noC,
        // Wall JS / C: ratio of the mins and of the medians, per-round pairs, the verdict on ≤ 1.15×.
        ...(cAvailable ? prefixed('wall', comparisonFields(wall)) : { wallVerdict: noC }),
        loadAverage: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
      });
    }
    return records;
  } catch (e) {
    return [{ case: 'vmm exits', skipped: (e as Error).message }];
  } finally {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}
