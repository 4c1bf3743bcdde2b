// Interrupt injection on real KVM, through kvm_run (KVM_CAP_SYNC_REGS events) instead of one
// KVM_INTERRUPT ioctl per interrupt: every vCPU ioctl costs about as much as an exit on hosts that
// reload the vCPU for each (PVM: ~7 µs). kvm-unit-tests' vmexit `tscdeadline_immed` writes
// IA32_TSC_DEADLINE = RDTSC (already passed) over and over: each write must fire at once and be
// delivered before the next, so interrupts taken equal deadlines written.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT, KVM } from '../../../src/vmm/kvm/abi.js';
import { createMultibootGuest } from '../../../src/vmm/guest.js';
import { KUT, kutAvailable } from './kut-files.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';

announceKvmSkip('interrupt injection on KVM');
const TSC_DEADLINE = 0x6e0;
const TIMER_VECTOR = 0xb0; // vmexit.c's TSC-deadline timer vector

describe.skipIf(KVM_SKIP_REASON !== null || !kutAvailable('vmexit'))('interrupt injection on KVM', () => {
  it('delivers every already-passed TSC deadline before the next one is written, with no KVM_INTERRUPT when kvm_run carries events', async () => {
    let out = '';
    const { vm } = createMultibootGuest({
      kernel: readFileSync(`${KUT}/vmexit.flat`),
      cmdline: `${KUT}/vmexit.flat tscdeadline_immed`,
      testDevices: true,
      cpu: { x2apic: true, tscDeadline: true },
      timeoutSeconds: 60,
      serialOut: (b) => (out += Buffer.from(b).toString('latin1')),
    });
    try {
      const v = vm.vcpus[0]!;
      let deadlines = 0;
      // The VMM's WRMSR exits reach the LAPIC through its plain-number MSR API; IA32_TSC_DEADLINE
      // through its own entry (writeTscDeadlineMsr), any other MSR through writeMsrHalves.
      const writeMsrHalves = v.lapic.writeMsrHalves.bind(v.lapic);
      v.lapic.writeMsrHalves = (msr, lo, hi) => {
        if (msr === TSC_DEADLINE && (lo !== 0 || hi !== 0)) deadlines++;
        return writeMsrHalves(msr, lo, hi);
      };
      const writeTscDeadlineMsr = v.lapic.writeTscDeadlineMsr.bind(v.lapic);
      v.lapic.writeTscDeadlineMsr = (lo, hi) => {
        if (lo !== 0 || hi !== 0) deadlines++;
        return writeTscDeadlineMsr(lo, hi);
      };
      const libc = v.kvm.libc;
      let interruptIoctls = 0;
      const ioctlPtr = libc.ioctlPtr;
      (libc as { ioctlPtr: typeof ioctlPtr }).ioctlPtr = (fd, req, arg) => {
        if (req === KVM.INTERRUPT) interruptIoctls++;
        return ioctlPtr(fd, req, arg);
      };
      // biome-ignore lint/suspicious/noImplicitAnyLet: assigned in the try below, typed by vm.run()
      let reason;
      try {
        reason = await vm.run();
      } finally {
        (libc as { ioctlPtr: typeof ioctlPtr }).ioctlPtr = ioctlPtr;
      }
      expect(reason, out).toEqual({ kind: 'debug-exit', code: 0 });
      expect(out).toMatch(/^tscdeadline_immed \d+$/m);
      const s = vm.stats();
      expect(deadlines).toBeGreaterThan(100);
      expect(s.injected[TIMER_VECTOR]).toBe(deadlines);
      expect(s.byReason[EXIT.X86_WRMSR]).toBeGreaterThanOrEqual(2 * deadlines); // the deadline and the EOI
      if (v.kvm.syncsEvents) expect(interruptIoctls).toBe(0);
      else expect(interruptIoctls).toBe(deadlines);
    } finally {
      vm.close();
    }
  }, 60_000);
});
