// Which vCPU periodic platform-timer interrupts (PIT, RTC, HPET) belong to. Xen: the vCPU that
// handles the 8259 (d->arch.hvm.i8259_target, kept by vlapic_adjust_i8259_target: the first vCPU
// whose local APIC accepts PIC interrupts, i.e. LVT LINT0 unmasked in ExtINT mode, or the APIC
// hardware-disabled), falling back to vCPU 0 (pt_global_vcpu_target, asm/hvm/vpt.h). That vCPU's
// acknowledgements drive the missed-tick policy (MissedTicks.targetVcpu).

/** The i8259 target for per-vCPU "accepts PIC interrupts" flags; 0 when none does. */
export function i8259TargetVcpu(acceptsPicInterrupts: readonly boolean[]): number {
  const i = acceptsPicInterrupts.indexOf(true);
  return i < 0 ? 0 : i;
}
