// The per-exit reading of a vCPU thread's kernel trace (bench/vmm-exit-trace.ts, used by the
// vmm-exit-phases bench): every KVM_RUN that returned with an exit is one exit of its kind (reason
// and port or page), timed inside KVM_RUN and from its return to the next KVM_RUN, with the other
// ioctls on the way counted for it; lines of other threads and syscalls interleave freely.
import { describe, expect, it } from 'vitest';
import { exitKinds, quantile } from '../../bench/vmm-exit-trace.js';

/** A `perf script --ns` line. */
const at = (comm: string, tid: number, sec: string, event: string, fields: string) =>
  `${comm.padStart(16)} ${tid} [001] ${sec}: ${event.padStart(24)}: ${fields}`;
const runEnter = (comm: string, tid: number, sec: string) => at(comm, tid, sec, 'raw_syscalls:sys_enter', 'NR 16 (f, ae80, 0, 7ffd001842e0, 10, 7fe735607000)');
const runExit = (comm: string, tid: number, sec: string, r = 0) => at(comm, tid, sec, 'raw_syscalls:sys_exit', `NR 16 = ${r}`);

const TRACE = [
  // Thread 10 ("CPU 0/KVM", as QEMU names its vCPU threads): an OUT to 0x80, then a HLT after which
  // the VMM injects with KVM_INTERRUPT, then an MMIO write, then a kick (EINTR), then the next entry.
  runEnter('CPU 0/KVM', 10, '100.000001000'),
  at('CPU 0/KVM', 10, '100.000009000', 'kvm:kvm_pio', 'pio_write at 0x80 size 1 count 1 val 0x0'),
  at('CPU 0/KVM', 10, '100.000009500', 'kvm:kvm_userspace_exit', 'reason KVM_EXIT_IO (2)'),
  runExit('CPU 0/KVM', 10, '100.000010000'),
  // Another thread's KVM_RUN and an unrelated ioctl in between change nothing for thread 10.
  runEnter('node', 11, '100.000010100'),
  runEnter('CPU 0/KVM', 10, '100.000011000'),
  at('CPU 0/KVM', 10, '100.000029000', 'kvm:kvm_userspace_exit', 'reason KVM_EXIT_HLT (5)'),
  runExit('CPU 0/KVM', 10, '100.000030000'),
  at('CPU 0/KVM', 10, '100.000031000', 'raw_syscalls:sys_enter', 'NR 16 (f, 4004ae86, 7ffd00184300, 0, 0, 0)'),
  at('CPU 0/KVM', 10, '100.000039000', 'raw_syscalls:sys_exit', 'NR 16 = 0'),
  runEnter('CPU 0/KVM', 10, '100.000040000'),
  at('CPU 0/KVM', 10, '100.000049000', 'kvm:kvm_mmio', 'mmio write len 4 gpa 0xfee000b0 val 0x0'),
  at('CPU 0/KVM', 10, '100.000049100', 'kvm:kvm_userspace_exit', 'reason KVM_EXIT_MMIO (6)'),
  runExit('CPU 0/KVM', 10, '100.000050000'),
  runEnter('CPU 0/KVM', 10, '100.000051500'),
  at('CPU 0/KVM', 10, '100.000081000', 'kvm:kvm_userspace_exit', 'reason restart (-4)'),
  runExit('CPU 0/KVM', 10, '100.000081500', -4),
  runEnter('CPU 0/KVM', 10, '100.000082000'),
  // Thread 11 returns with an exit whose next entry is not in the trace: timed inside, no user time.
  at('node', 11, '100.000020000', 'kvm:kvm_pio', 'pio_read at 0x1234 size 4 count 1 val 0xffffffff'),
  at('node', 11, '100.000020100', 'kvm:kvm_userspace_exit', 'reason KVM_EXIT_IO (2)'),
  runExit('node', 11, '100.000020200'),
].join('\n');

describe('exitKinds', () => {
  it('times each exit inside KVM_RUN and up to the next KVM_RUN, by reason and port or page, other ioctls counted', () => {
    const k = exitKinds(TRACE);
    expect([...k.keys()].sort()).toEqual(['EINTR', 'KVM_EXIT_HLT', 'KVM_EXIT_IO@0x1234', 'KVM_EXIT_IO@0x80', 'KVM_EXIT_MMIO@0xfee000b0']);
    expect(k.get('KVM_EXIT_IO@0x80')).toEqual({ count: 1, inRun: [9000], user: [1000], ioctlsAfter: {} });
    expect(k.get('KVM_EXIT_HLT')).toEqual({ count: 1, inRun: [19000], user: [10000], ioctlsAfter: { KVM_INTERRUPT: 1 } });
    expect(k.get('KVM_EXIT_MMIO@0xfee000b0')).toEqual({ count: 1, inRun: [10000], user: [1500], ioctlsAfter: {} });
    expect(k.get('EINTR')).toEqual({ count: 1, inRun: [30000], user: [500], ioctlsAfter: {} });
    expect(k.get('KVM_EXIT_IO@0x1234')).toEqual({ count: 1, inRun: [10100], user: [], ioctlsAfter: {} });
  });

  it('ignores a return whose entry is not in the trace, and lines that are not trace events', () => {
    const k = exitKinds([runExit('node', 12, '5.000000100'), 'garbage', runEnter('node', 12, '5.000000300')].join('\n'));
    expect(k.size).toBe(0);
  });
});

describe('quantile', () => {
  it('is the lower nearest rank, null for no data', () => {
    expect(quantile([5, 1, 4, 2, 3], 0.1)).toBe(1);
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([5, 1, 4, 2, 3], 1)).toBe(5);
    expect(quantile([], 0.5)).toBeNull();
  });
});
