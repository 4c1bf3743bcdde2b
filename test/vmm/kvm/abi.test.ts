// The constants and struct offsets in src/vmm/kvm/abi.ts against the host's <linux/kvm.h>: a C
// program prints them (when gcc and the headers are present; otherwise one visible skip line).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CAP,
  EXIT,
  INTERNAL_ERROR,
  KVM,
  MSR_EXIT_REASON,
  MSR_FILTER,
  RUN,
  SEGMENT,
  SIZEOF,
  SREGS,
  SYNC_X86,
  SYSTEM_EVENT,
  VCPU_EVENTS,
  VCPUEVENT_VALID,
} from '../../../src/vmm/kvm/abi.js';

function compilerReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!existsSync('/usr/include/linux/kvm.h')) return 'no /usr/include/linux/kvm.h';
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no gcc';
  }
  return null;
}
const skip = compilerReason();
if (skip !== null) console.log(`[skip] KVM ABI check against the kernel headers: ${skip}`);

/** name in C → value in abi.ts */
const EXPECTED: Record<string, number> = {
  ...Object.fromEntries(Object.entries(KVM).map(([k, v]) => [`KVM_${k}`, v])),
  ...Object.fromEntries(Object.entries(CAP).map(([k, v]) => [`KVM_CAP_${k}`, v])),
  ...Object.fromEntries(Object.entries(EXIT).map(([k, v]) => [`KVM_EXIT_${k}`, v])),
  ...Object.fromEntries(Object.entries(MSR_EXIT_REASON).map(([k, v]) => [`KVM_MSR_EXIT_REASON_${k}`, v])),
  ...Object.fromEntries(Object.entries(MSR_FILTER).map(([k, v]) => [`KVM_MSR_FILTER_${k}`, v])),
  ...Object.fromEntries(Object.entries(INTERNAL_ERROR).map(([k, v]) => [`KVM_INTERNAL_ERROR_${k}`, v])),
  ...Object.fromEntries(Object.entries(SYSTEM_EVENT).map(([k, v]) => [`KVM_SYSTEM_EVENT_${k}`, v])),
  'sizeof(struct kvm_userspace_memory_region)': SIZEOF.userspaceMemoryRegion,
  'sizeof(struct kvm_regs)': SIZEOF.regs,
  'sizeof(struct kvm_sregs)': SIZEOF.sregs,
  'sizeof(struct kvm_segment)': SIZEOF.segment,
  'sizeof(struct kvm_cpuid2)': SIZEOF.cpuid2,
  'sizeof(struct kvm_cpuid_entry2)': SIZEOF.cpuidEntry2,
  'sizeof(struct kvm_msrs)': SIZEOF.msrs,
  'sizeof(struct kvm_msr_entry)': SIZEOF.msrEntry,
  'sizeof(struct kvm_msr_filter)': SIZEOF.msrFilter,
  'sizeof(struct kvm_msr_filter_range)': SIZEOF.msrFilterRange,
  'sizeof(struct kvm_enable_cap)': SIZEOF.enableCap,
  'sizeof(struct kvm_vcpu_events)': SIZEOF.vcpuEvents,
  'sizeof(struct kvm_translation)': SIZEOF.translation,
  'sizeof(struct kvm_fpu)': SIZEOF.fpu,
  'sizeof(struct kvm_run)': SIZEOF.kvmRunMin,
  'offsetof(struct kvm_run, request_interrupt_window)': RUN.requestInterruptWindow,
  'offsetof(struct kvm_run, immediate_exit)': RUN.immediateExit,
  'offsetof(struct kvm_run, exit_reason)': RUN.exitReason,
  'offsetof(struct kvm_run, ready_for_interrupt_injection)': RUN.readyForInterruptInjection,
  'offsetof(struct kvm_run, if_flag)': RUN.ifFlag,
  'offsetof(struct kvm_run, flags)': RUN.flags,
  'offsetof(struct kvm_run, cr8)': RUN.cr8,
  'offsetof(struct kvm_run, apic_base)': RUN.apicBase,
  'offsetof(struct kvm_run, kvm_valid_regs)': RUN.kvmValidRegs,
  'offsetof(struct kvm_run, kvm_dirty_regs)': RUN.kvmDirtyRegs,
  'offsetof(struct kvm_run, s.regs)': RUN.syncRegs,
  'offsetof(struct kvm_run, s.regs.events)': RUN.syncEvents,
  KVM_SYNC_X86_REGS: SYNC_X86.REGS,
  KVM_SYNC_X86_SREGS: SYNC_X86.SREGS,
  KVM_SYNC_X86_EVENTS: SYNC_X86.EVENTS,
  'offsetof(struct kvm_vcpu_events, interrupt.nr)': VCPU_EVENTS.interruptNr,
  'offsetof(struct kvm_vcpu_events, interrupt.soft)': VCPU_EVENTS.interruptSoft,
  KVM_VCPUEVENT_VALID_NMI_PENDING: VCPUEVENT_VALID.NMI_PENDING,
  'offsetof(struct kvm_run, io.direction)': RUN.ioDirection,
  'offsetof(struct kvm_run, io.size)': RUN.ioSize,
  'offsetof(struct kvm_run, io.port)': RUN.ioPort,
  'offsetof(struct kvm_run, io.count)': RUN.ioCount,
  'offsetof(struct kvm_run, io.data_offset)': RUN.ioDataOffset,
  'offsetof(struct kvm_run, mmio.phys_addr)': RUN.mmioPhysAddr,
  'offsetof(struct kvm_run, mmio.data)': RUN.mmioData,
  'offsetof(struct kvm_run, mmio.len)': RUN.mmioLen,
  'offsetof(struct kvm_run, mmio.is_write)': RUN.mmioIsWrite,
  'offsetof(struct kvm_run, internal.suberror)': RUN.internalSuberror,
  'offsetof(struct kvm_run, internal.ndata)': RUN.internalNdata,
  'offsetof(struct kvm_run, internal.data)': RUN.internalData,
  'offsetof(struct kvm_run, msr.error)': RUN.msrError,
  'offsetof(struct kvm_run, msr.reason)': RUN.msrReason,
  'offsetof(struct kvm_run, msr.index)': RUN.msrIndex,
  'offsetof(struct kvm_run, msr.data)': RUN.msrData,
  'offsetof(struct kvm_run, system_event.type)': RUN.systemEventType,
  'offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason)': RUN.failEntryReason,
  'offsetof(struct kvm_run, ex.exception)': RUN.exceptionVector,
  ...Object.fromEntries(
    Object.entries(SREGS).map(([k, v]) => [
      `offsetof(struct kvm_sregs, ${k === 'apicBase' ? 'apic_base' : k === 'interruptBitmap' ? 'interrupt_bitmap' : k})`,
      v,
    ]),
  ),
  ...Object.fromEntries(Object.entries(SEGMENT).map(([k, v]) => [`offsetof(struct kvm_segment, ${k})`, v])),
  'offsetof(struct kvm_vcpu_events, exception.injected)': VCPU_EVENTS.exceptionInjected,
  'offsetof(struct kvm_vcpu_events, exception.nr)': VCPU_EVENTS.exceptionNr,
  'offsetof(struct kvm_vcpu_events, exception.has_error_code)': VCPU_EVENTS.exceptionHasErrorCode,
  'offsetof(struct kvm_vcpu_events, exception.pending)': VCPU_EVENTS.exceptionPending,
  'offsetof(struct kvm_vcpu_events, exception.error_code)': VCPU_EVENTS.exceptionErrorCode,
  'offsetof(struct kvm_vcpu_events, interrupt.injected)': VCPU_EVENTS.interruptInjected,
  'offsetof(struct kvm_vcpu_events, interrupt.shadow)': VCPU_EVENTS.interruptShadow,
  'offsetof(struct kvm_vcpu_events, nmi.injected)': VCPU_EVENTS.nmiInjected,
  'offsetof(struct kvm_vcpu_events, nmi.masked)': VCPU_EVENTS.nmiMasked,
  'offsetof(struct kvm_vcpu_events, flags)': VCPU_EVENTS.flags,
};

describe.skipIf(skip !== null)('KVM ABI (src/vmm/kvm/abi.ts) against <linux/kvm.h>', () => {
  it('every ioctl number, constant, struct size and offset matches the kernel headers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvmdev-kvm-abi-'));
    try {
      const names = Object.keys(EXPECTED);
      const body = names.map((n) => `  printf("%lu\\n", (unsigned long)(${n}));`).join('\n');
      writeFileSync(join(dir, 'abi.c'), `#include <stdio.h>\n#include <stddef.h>\n#include <linux/kvm.h>\nint main(void) {\n${body}\n  return 0;\n}\n`);
      execFileSync('gcc', ['-o', join(dir, 'abi'), join(dir, 'abi.c')]);
      const values = execFileSync(join(dir, 'abi'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      const actual = Object.fromEntries(names.map((n, i) => [n, values[i]]));
      expect(actual).toEqual(EXPECTED);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
