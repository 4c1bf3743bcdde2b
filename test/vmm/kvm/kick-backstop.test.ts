// A guest that computes without exits, on a platform with no timer running (xen-hvm at reset has
// none), is not kicked out of KVM_RUN 50 times a second: one vCPU visits the event loop at its
// exits, and a kick comes only at a platform deadline, at the backstop (vm.ts KICK_BACKSTOP_NS,
// 100 ms) or at --timeout's end, which still ends the run.
import { afterEach, describe, expect, it } from 'vitest';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';

announceKvmSkip('KVM kick backstop test');

describe.skipIf(KVM_SKIP_REASON !== null)('KVM_RUN kicks of a vCPU that makes no exit', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('come from the backstop only (at most ~10 a second), and --timeout still ends the run', async () => {
    vm = Vm.create({ profile: 'xen-hvm', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 1 });
    expect(vm.platform.clock.nextDeadline()).toBe(null);
    vm.ram.set([0xeb, 0xfe], 0x1000); // jmp $
    vm.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
    const reason = await vm.run();
    expect(reason).toEqual({ kind: 'timeout', seconds: 1 });
    const s = vm.stats();
    // 1 s at one kick per 100 ms is 10 (the last at the timeout); a 20 ms slice kick gave ~50.
    expect(s.kicks).toBeGreaterThanOrEqual(1);
    expect(s.kicks).toBeLessThanOrEqual(12);
    expect(s.totalExits).toBe(s.kicks);
  });
});
