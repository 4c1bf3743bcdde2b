// What the VMM asks of the kernel per exit, counted rather than timed (a count does not move with
// the host's load): a guest loop of N `OUT 0x80` exits, then N MMIO writes, served in JS costs one
// system call per exit, KVM_RUN, as QEMU's vCPU thread makes for a port exit (docs/benchmarks.md,
// "Count, don't time"): no vCPU ioctl for an injection or the TPR, no timer re-armed, no signal.
// Counted at the libc binding (src/vmm/kvm/ffi.ts), through which every system call of the VMM goes.
import { describe, expect, it } from 'vitest';
import { KVM } from '../../../src/vmm/kvm/abi.js';
import { type Libc, loadLibc } from '../../../src/vmm/kvm/ffi.js';
import { nativeKvm } from '../../../src/vmm/kvm/native-run.js';
import { DeadlineKicker } from '../../../src/vmm/kick.js';
import { Vm } from '../../../src/vmm/vm.js';
import { START_AP_AT_0X2000, createFlatVm, startBspFlat } from './flat-guest.js';
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

/**
 * Wraps the generated KVM_RUN (src/vmm/kvm/native-run.ts), which the VMM calls instead of libc's
 * ioctl where it could generate it: `spy` sees each call's result (0 or −errno). Returns the restore.
 */
function spyOnNativeRun(libc: Libc, spy: (result: number) => void): () => void {
  const native = nativeKvm(libc) as { run: () => number } | null;
  if (native === null) return () => undefined;
  const run = native.run;
  native.run = () => {
    const r = run();
    spy(r);
    return r;
  };
  return () => (native.run = run);
}

/** Wraps every libc function the VMM uses with a counter (by name; ioctls by request), and the generated KVM_RUN. */
function countCalls(libc: Libc): { counts: Map<string, number>; restore: () => void } {
  const counts = new Map<string, number>();
  const restoreRun = spyOnNativeRun(libc, () => counts.set('KVM_RUN', (counts.get('KVM_RUN') ?? 0) + 1));
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
  return {
    counts,
    restore: () => {
      saved.forEach((fn, name) => (target[name] = fn));
      restoreRun();
    },
  };
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

/** Flat 32-bit guest: 1,000 NOPs and a jump back, forever (no exit; RIP differs from kick to kick). */
/**
 * Spies on the deadline kick timer's arms: every target it is armed for, and how many arms were for
 * the target it already had (a `timer_settime` that changes nothing). `restore()` puts arm back.
 */
function spyOnKickerArms(): { targets: number[]; sameTarget: () => number; restore: () => void } {
  const targets: number[] = [];
  let same = 0;
  const arm = DeadlineKicker.prototype.arm;
  DeadlineKicker.prototype.arm = function (this: DeadlineKicker, delayNs: number, at: number) {
    if (targets.length > 0 && targets[targets.length - 1] === at) same++;
    targets.push(at);
    arm.call(this, delayNs, at);
  };
  return { targets, sameTarget: () => same, restore: () => (DeadlineKicker.prototype.arm = arm) };
}

function nopLoop(): number[] {
  const n = 1000;
  const rel = -(n + 5);
  return [...new Array<number>(n).fill(0x90), 0xe9, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff];
}

/** vCPU 1, real mode at AP_CODE: `out 0x80, al` forever (a worker that posts an exit every few µs). */
const AP_OUT_LOOP = [0xe6, PORT, 0xeb, 0xfc];

describe.skipIf(KVM_SKIP_REASON !== null)('system calls of the VMM per kick (KVM)', () => {
  it('a guest kicked by the platform timer only (no exit) costs no KVM_GET_REGS per kick, only per look at a repeated RIP', async () => {
    const libc = loadLibc();
    const { counts, restore } = countCalls(libc);
    let vm: Vm | null = null;
    try {
      // qemu-pc's PIT runs from reset (mode 3, both edges of its 18.2 Hz wave are timer events).
      vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 1 });
      vm.ram.set(nopLoop(), 0x1000);
      vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
      counts.clear();
      const arms = spyOnKickerArms();
      try {
        expect(await vm.run()).toEqual({ kind: 'timeout', seconds: 1 });
      } finally {
        arms.restore();
      }
      // One arm per deadline (the PIT's edges, --timeout's end): not one per entry for the
      // timeout's end once it passed, until the slice ended (a storm of kicks 1 µs apart).
      expect(arms.sameTarget(), `${arms.targets.length} arms`).toBeLessThanOrEqual(2);
      const s = vm.stats();
      const getRegs = counts.get(`ioctl 0x${KVM.GET_REGS.toString(16)}`) ?? 0;
      const getSregs = counts.get(`ioctl 0x${KVM.GET_SREGS.toString(16)}`) ?? 0;
      console.log(`[exit-syscalls] kicks only: ${s.kicks} kicks, ${getRegs} KVM_GET_REGS, calls ${JSON.stringify(Object.fromEntries(counts))}`);
      expect(s.totalExits).toBe(s.kicks);
      expect(s.kicks).toBeGreaterThanOrEqual(5);
      // On PVM the host module looks at RIP after every kick (a VMCALL the host leaves stuck): in
      // kvm_run (KVM_SYNC_X86_REGS), not through KVM_GET_REGS. Only when RIP is the same as at the
      // kick before is the instruction fetched, with the registers and sregs (a look: one
      // KVM_GET_REGS with one KVM_GET_SREGS). Elsewhere nothing looks.
      expect(getRegs, JSON.stringify(Object.fromEntries(counts))).toBe(getSregs);
      expect(getRegs, JSON.stringify(Object.fromEntries(counts))).toBeLessThan(s.kicks);
    } finally {
      restore();
      vm?.close();
    }
  }, 30_000);

  it('a deadline timer that went off while the vCPU was out of KVM_RUN, then re-armed, costs no entry that returns at once', async () => {
    // Every other OUT arms a platform timer 100 µs ahead (the kick timer is armed for it at the
    // entry); the next OUT's handler takes 300 µs, so the kick timer goes off meanwhile, then arms
    // one 2 ms ahead instead: the kick timer is re-armed for that with the first expiry's signal
    // still pending. Entered with it pending, KVM_RUN would return EINTR at once, long before the
    // deadline it is armed for (one vCPU: no other thread kicks it).
    let vm: Vm | null = null;
    let kicker: DeadlineKicker | null = null;
    const arm = DeadlineKicker.prototype.arm;
    DeadlineKicker.prototype.arm = function (this: DeadlineKicker, delayNs: number, at: number) {
      kicker = this;
      arm.call(this, delayNs, at);
    };
    const libc = loadLibc();
    const target = libc as unknown as Record<string, (...a: unknown[]) => number>;
    const ioctl = target['ioctlInt']!;
    let early = 0;
    let hostNs = () => 0;
    // EINTR more than 0.5 ms before the deadline the kick timer is armed for: a stale kick.
    const sawRun = (r: number) => {
      if (r < 0 && kicker !== null && kicker.armedFor - hostNs() > 500_000) early++;
    };
    target['ioctlInt'] = (...a: unknown[]) => {
      const r = ioctl(...a);
      if (a[1] === KVM.RUN) sawRun(r);
      return r;
    };
    const restoreRun = spyOnNativeRun(libc, sawRun);
    try {
      // xen-hvm: no platform timer runs at reset, so the test's timer is the only deadline.
      vm = Vm.create({ profile: 'xen-hvm', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 1 });
      const hostClock = (vm as unknown as { hostClock: { hostNs(): number } }).hostClock;
      hostNs = () => hostClock.hostNs();
      const clock = vm.platform.clock;
      const timer = clock.createTimer('test', () => undefined);
      let outs = 0;
      const port = {
        read: () => 0,
        write: () => {
          if (++outs % 2 === 1) {
            timer.armAt(clock.now + 100_000);
            return;
          }
          const end = performance.now() + 0.3;
          while (performance.now() < end);
          timer.armAt(clock.now + 2_000_000);
        },
      };
      vm.platform.ports.register(PORT, 1, port, { owner: 'test' });
      vm.ram.set([0xe6, PORT, 0xeb, 0xfc], 0x1000); // out 0x80, al; jmp $-4
      vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
      expect(await vm.run()).toEqual({ kind: 'timeout', seconds: 1 });
      const s = vm.stats();
      console.log(`[exit-syscalls] stale timer kicks: ${outs} OUT exits, ${s.kicks} kicks, ${early} of them long before the armed deadline`);
      expect(outs).toBeGreaterThan(20);
      expect(early).toBeLessThanOrEqual(2);
    } finally {
      target['ioctlInt'] = ioctl;
      restoreRun();
      DeadlineKicker.prototype.arm = arm;
      vm?.close();
    }
  }, 30_000);

  it('a worker kicking vCPU 0 out of KVM_RUN to post its exits does not re-arm the deadline timer', async () => {
    let vm: Vm | null = null;
    const arms = spyOnKickerArms();
    try {
      vm = createFlatVm({ vcpus: 2, timeoutSeconds: 1, bsp: [...START_AP_AT_0X2000, ...nopLoop()], ap: AP_OUT_LOOP });
      startBspFlat(vm);
      expect(await vm.run()).toEqual({ kind: 'timeout', seconds: 1 });
      const v0 = vm.vcpus[0]!.stats;
      const v1 = vm.vcpus[1]!.stats;
      console.log(
        `[exit-syscalls] worker posts: vCPU 0 ${v0.kicks} kicks, vCPU 1 ${v1.byPort[PORT]} OUT exits; timer armed ${arms.targets.length} times, ${arms.sameTarget()} for the target already armed`,
      );
      // Every post made while vCPU 0 was in KVM_RUN kicked it (tgkill); the timer still runs.
      expect(v1.byPort[PORT]).toBeGreaterThan(10);
      expect(v0.kicks).toBeGreaterThanOrEqual(3);
      // A timer_settime only for a new target (a new deadline or slice, or after the timer's expiry).
      expect(arms.sameTarget()).toBeLessThanOrEqual(2);
    } finally {
      arms.restore();
      vm?.close();
    }
  }, 30_000);
});
