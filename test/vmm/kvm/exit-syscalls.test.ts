// What the VMM asks of the kernel per exit, counted rather than timed (a count does not move with
// the host's load): a guest loop of N `OUT 0x80` exits, then N MMIO writes, served in JS costs one
// system call per exit, KVM_RUN, as QEMU's vCPU thread makes for a port exit (docs/benchmarks.md,
// "Count, don't time"): no vCPU ioctl for an injection or the TPR, no timer re-armed, no signal.
// Counted at the libc binding (src/vmm/kvm/ffi.ts), through which every system call of the VMM goes.
import { describe, expect, it } from 'vitest';
import { KVM } from '../../../src/vmm/kvm/abi.js';
import { type Libc, loadLibc } from '../../../src/vmm/kvm/ffi.js';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { stopOnPortF4 } from './test-exit-port.js';

announceKvmSkip('KVM system calls per exit test');

const N = 3000;
const PORT = 0x80;
const MMIO = 0xd0000000;

/** Flat 32-bit guest: ECX = n; loop { out 0x80, al | mov [0xd0000000], eax }; out 0xf4, al. */
function guestLoop(kind: 'out' | 'mmio', n: number): number[] {
  const body = kind === 'out' ? [0xe6, PORT] : [0xa3, 0x00, 0x00, 0x00, 0xd0];
  const back = -(body.length + 1 + 2) & 0xff; // dec ecx (1) + jnz rel8 (2)
  return [0xb9, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24, ...body, 0x49, 0x75, back, 0xb0, 0x00, 0xe6, 0xf4];
}

/** Wraps every libc function the VMM uses with a counter (by name; ioctls by request). */
function countCalls(libc: Libc): { counts: Map<string, number>; restore: () => void } {
  const counts = new Map<string, number>();
  const target = libc as unknown as Record<string, unknown>;
  const saved = new Map<string, unknown>();
  for (const [name, fn] of Object.entries(target)) {
    if (typeof fn !== 'function' || name === 'errno') continue;
    saved.set(name, fn);
    const f = fn as (...a: unknown[]) => unknown;
    target[name] = (...a: unknown[]) => {
      const key = name.startsWith('ioctl') ? (a[1] === KVM.RUN ? 'KVM_RUN' : `ioctl 0x${(a[1] as number).toString(16)}`) : name;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return f(...a);
    };
  }
  return { counts, restore: () => saved.forEach((fn, name) => (target[name] = fn)) };
}

describe.skipIf(KVM_SKIP_REASON !== null)('system calls of the VMM per exit (KVM)', () => {
  for (const kind of ['out', 'mmio'] as const) {
    it(`${N} ${kind === 'out' ? 'OUT' : 'MMIO write'} exits: one KVM_RUN each, and only a few other calls in the whole run`, async () => {
      const libc = loadLibc();
      const { counts, restore } = countCalls(libc);
      let vm: Vm | null = null;
      try {
        // xen-hvm starts with no platform timer running: no deadline to re-arm the kick timer for.
        vm = Vm.create({ profile: 'xen-hvm', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 60 });
        stopOnPortF4(vm);
        const sink = { read: () => 0, write: () => undefined };
        if (kind === 'out') vm.platform.ports.register(PORT, 1, sink, { owner: 'test' });
        else vm.platform.mmio.register(MMIO, 4096, sink, { owner: 'test' });
        vm.ram.set(guestLoop(kind, N), 0x1000);
        vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
        counts.clear();
        const reason = await vm.run();
        expect(reason).toEqual({ kind: 'debug-exit', code: 0 });
        const s = vm.stats();
        const calls = Object.fromEntries(counts);
        const runs = counts.get('KVM_RUN') ?? 0;
        // Every KVM_RUN returned with an exit served or a kick; each exit took exactly one.
        expect(runs, JSON.stringify(calls)).toBe(s.totalExits);
        expect(s.totalExits - s.kicks).toBeGreaterThanOrEqual(N + 1);
        // Everything else (the kick timer re-armed once per 20 ms slice for its 100 ms backstop,
        // a kick's drain): a handful in the whole run, not one per exit.
        const others = [...counts].filter(([k]) => k !== 'KVM_RUN').reduce((n, [, c]) => n + c, 0);
        console.log(`[exit-syscalls] ${kind}: ${s.totalExits} exits (${s.kicks} kicks), ${runs} KVM_RUN, other calls ${JSON.stringify(calls)}`);
        expect(others, JSON.stringify(calls)).toBeLessThan(N / 50);
      } finally {
        restore();
        vm?.close();
      }
    }, 60_000);
  }
});
