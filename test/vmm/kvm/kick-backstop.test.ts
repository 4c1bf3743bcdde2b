// A guest that computes without exits, on a platform with no timer running (xen-hvm at reset has
// none), is not kicked out of KVM_RUN 50 times a second: one vCPU visits the event loop at its
// exits, and a kick comes only at a platform deadline, at the backstop (vm.ts KICK_BACKSTOP_NS,
// 100 ms) or at --timeout's end, which still ends the run. What is counted is the kick timer's
// targets, not KVM_RUN's EINTR returns: in `npm test` the process is shared with other test files
// (isolate: false), and a signal of theirs (SIGCHLD of a child they started) interrupts KVM_RUN too.
import { afterEach, describe, expect, it } from 'vitest';
import { DeadlineKicker } from '../../../src/vmm/kick.js';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';

announceKvmSkip('KVM kick backstop test');

describe.skipIf(KVM_SKIP_REASON !== null)('KVM_RUN kicks of a vCPU that makes no exit', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('are armed for the backstop only (about 10 a second), and --timeout still ends the run', async () => {
    vm = Vm.create({ profile: 'xen-hvm', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 1 });
    expect(vm.platform.clock.nextDeadline()).toBe(null);
    vm.ram.set([0xeb, 0xfe], 0x1000); // jmp $
    vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
    const targets: number[] = [];
    const arm = DeadlineKicker.prototype.arm;
    DeadlineKicker.prototype.arm = function (this: DeadlineKicker, delayNs: number, at: number) {
      if (targets[targets.length - 1] !== at) targets.push(at);
      arm.call(this, delayNs, at);
    };
    let reason: Awaited<ReturnType<Vm['run']>>;
    try {
      reason = await vm.run();
    } finally {
      DeadlineKicker.prototype.arm = arm;
    }
    expect(reason).toEqual({ kind: 'timeout', seconds: 1 });
    // 1 s at one target per 100 ms is 10 (the last --timeout's end); the 20 ms slice gave ~50.
    expect(targets.length).toBeGreaterThanOrEqual(1);
    expect(targets.length).toBeLessThanOrEqual(12);
    // Every target but the last (--timeout's end) is at least the backstop after the one before.
    for (let i = 1; i < targets.length - 1; i++) expect(targets[i]! - targets[i - 1]!).toBeGreaterThanOrEqual(100e6);
    const s = vm.stats();
    expect(s.kicks).toBeGreaterThanOrEqual(1);
    expect(s.totalExits).toBe(s.kicks);
  });
});
