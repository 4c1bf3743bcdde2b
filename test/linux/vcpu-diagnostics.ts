// One line per progress tick of a several-vCPU boot: what each vCPU is doing as the VMM sees it
// (running, halted, waiting for SIPI), the IF it halted with, whether KVM held an injected
// interrupt at the last exit, the highest vector requested (IRR)
// and in service (ISR), the processor priority, and when its LAPIC timer is due. A vCPU that stays
// halted with a timer overdue or an IRR vector above its PPR is a lost wake-up (a 2-vCPU boot had
// CPU 0 halted for 300 s of guest time with its timer not delivered: an RCU stall report).
import { RUN, VCPU_EVENTS } from '../../src/vmm/kvm/abi.js';
import type { Vm } from '../../src/vmm/vm.js';

const STATE = ['run', 'hlt', 'sipi'];
const ISR0 = 0x10;
const IRR0 = 0x20;

/** The highest vector set in the 8-register bitmap at `base` (ISR or IRR), in hex, or '-'. */
function highest(regs: Uint32Array, base: number): string {
  for (let w = 7; w >= 0; w--) {
    const x = regs[base + w]!;
    if (x !== 0) return (w * 32 + 31 - Math.clz32(x)).toString(16);
  }
  return '-';
}

export function vcpuDiagnostics(vm: Vm): string {
  const now = vm.platform.clock.now;
  return vm.vcpus
    .map((v, i) => {
      const l = v.lapic;
      const due = l.timer.deadline;
      const timer = due < 0 ? 'none' : `${((due - now) / 1e6).toFixed(1)} ms`;
      // The interrupt KVM held at the last exit (kvm_run's copy of the events; no ioctl here).
      const held = v.kvm.syncsEvents ? v.kvm.runBytes[RUN.syncEvents + VCPU_EVENTS.interruptInjected] : '?';
      return `cpu${i} ${STATE[v.state]} if=${v.kvm.runBytes[RUN.ifFlag]} held=${held} irr=${highest(l.regs, IRR0)} isr=${highest(l.regs, ISR0)} ppr=${l.ppr.toString(16)} timer ${timer}`;
    })
    .join(' | ');
}
