// Parameters of the local APICs and their router, with the frozen sets for the Xen and QEMU
// profiles. Everything a profile may change is here; the device code reads no profile name.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/**
 * Configuration of the local APICs (one per vCPU) and their router: every point where Xen's model
 * (xen/arch/x86/hvm/vlapic.c), QEMU 7.2's userspace APIC (hw/intc/apic.c) and the SDM differ, as a named field.
 * Use {@link XEN_LAPIC_PARAMS} or {@link QEMU_PC_LAPIC_PARAMS}; {@link checkLapicParams} refuses a bad set.
 */
export interface LapicParams {
  /** APIC timer input clock period in ns. Xen: 10 (100 MHz bus, APIC_BUS_CYCLE_NS); QEMU TCG: 1. */
  readonly busCycleNs: number;
  /** APIC ID = stride × vCPU index. Xen: 2; QEMU: 1. */
  readonly apicIdStride: number;
  /** CPUID exposes x2APIC, so IA32_APIC_BASE.EXTD may be set (otherwise #GP). */
  readonly x2apic: boolean;
  /** LVT timer mode 2 and IA32_TSC_DEADLINE. Xen: yes; QEMU's userspace APIC: no (mode 2 acts as reserved). */
  readonly tscDeadline: boolean;
  /** TSC frequency used to convert IA32_TSC_DEADLINE to virtual time (Hz). Default 1 GHz. */
  readonly tscHz: number;
  /**
   * 1- and 2-byte xAPIC accesses that fit in one register are served (Xen). QEMU 7.2 serves only
   * 4-byte accesses (narrower reads give 0, writes are dropped).
   */
  readonly subDwordAccess: boolean;
  /**
   * LVT LINT0 of the BSP after reset. Xen: masked (0x10000) like every LVT, hvmloader programs
   * ExtINT later; QEMU: 0x700 (ExtINT, unmasked: "virtual wire", so the PIC works at once).
   */
  readonly bspLint0Reset: number;
  /** ESR writes publish the pending-error latch (Xen ≥ 4.21, SDM §11.5.3); false: ESR is cleared by a write. */
  readonly esrLatch: boolean;
  /**
   * The 8259's INT reaches the CPU while the APIC is hardware-disabled (SDM §11.4.3: LINT0 then acts
   * as INTR). Xen: no (vlapic_accept_pic_intr refuses a hardware-disabled vLAPIC); QEMU: yes.
   */
  readonly picWhenHwDisabled: boolean;
  /** SMI messages set the vCPU's SMI-pending state. Xen ignores guest SMIs ("Ignoring guest SMI"). */
  readonly acceptSmi: boolean;
  /**
   * The periodic timer follows the platform's missed-tick policy (HVM_PARAM_TIMER_MODE; Xen's
   * vlapic timer is a vpt.c periodic_time, and pt_intr_post runs when the guest takes its vector).
   * false (QEMU, hardware): a tick that finds its vector still pending in IRR is simply lost.
   */
  readonly timerMissedTicks: boolean;
  /**
   * Xen's compatibility flag for guests migrated from Xen < 4.18 (LAPIC save record flag
   * `LDR_X2APIC_COMPAT`, hvm/vlapic.c): in x2APIC mode the LDR is derived from the vCPU index
   * (cluster = vcpu >> 4, bit = 1 << (vcpu & 15)) instead of from the x2APIC ID (2 × vcpu).
   * False for new guests. Only the LDR changes; the ID is always 2 × vcpu.
   */
  readonly x2apicLdrFromVcpuId: boolean;
  /**
   * IA32_APIC_BASE may move the xAPIC window of an enabled APIC (SDM §11.4.4), and the window is
   * then served at the new base for that CPU. Xen: no, the write is #GP ("tried to move the APIC
   * MMIO window", xen/arch/x86/hvm/vlapic.c guest_wrmsr_apic_base); KVM: yes (kvm_lapic_set_base
   * in arch/x86/kvm/lapic.c), as QEMU's apic_set_base accepts any base.
   */
  readonly relocatableWindow: boolean;
  /**
   * What the xAPIC window reads for a CPU whose APIC does not serve it (hardware-disabled, x2APIC
   * mode, or moved away): false = the memory bus's unclaimed value; true = all-ones, as QEMU on
   * KVM answers there (its MSI region behind the APIC page, hw/i386/kvm/apic.c kvm_apic_mem_read).
   */
  readonly offWindowReadsOnes: boolean;
}

/**
 * Xen HVM (xen/arch/x86/hvm/vlapic.c): 100 MHz timer clock, APIC ID = 2 × vCPU, x2APIC and TSC-deadline, 1/2/4-byte
 * MMIO, LINT0 masked at reset, ESR latch (Xen ≥ 4.21), guest SMIs ignored, the window cannot move.
 */
export const XEN_LAPIC_PARAMS: LapicParams = Object.freeze({
  busCycleNs: 10,
  apicIdStride: 2,
  x2apic: true,
  tscDeadline: true,
  tscHz: 1_000_000_000,
  subDwordAccess: true,
  bspLint0Reset: 0x10000,
  esrLatch: true,
  picWhenHwDisabled: false,
  acceptSmi: false,
  timerMissedTicks: true,
  x2apicLdrFromVcpuId: false,
  relocatableWindow: false,
  offWindowReadsOnes: false,
});

/**
 * QEMU 7.2 `pc` userspace APIC (hw/intc/apic.c): 1 ns timer clock, APIC ID = vCPU, no TSC-deadline, 4-byte MMIO
 * only, LINT0 in ExtINT at reset (virtual wire), the PIC reaches a hardware-disabled APIC, the window can move.
 */
export const QEMU_PC_LAPIC_PARAMS: LapicParams = Object.freeze({
  busCycleNs: 1,
  apicIdStride: 1,
  x2apic: true,
  tscDeadline: false,
  tscHz: 1_000_000_000,
  subDwordAccess: false,
  bspLint0Reset: 0x700,
  esrLatch: false,
  picWhenHwDisabled: true,
  acceptSmi: true,
  timerMissedTicks: false,
  x2apicLdrFromVcpuId: false,
  relocatableWindow: true,
  offWindowReadsOnes: false,
});

/** Most vCPUs: xAPIC IDs are 8-bit and 0xFF is the broadcast ID; Xen's HVM_MAX_VCPUS is 128. */
export const MAX_LAPIC_VCPUS = 128;

/** A LAPIC parameter or the vCPU count is not one the model can run. */
export class LapicConfigError extends HvmdevError {}

/**
 * Checks parameters against a vCPU count.
 * @throws {@link LapicConfigError} naming the problem and the fix: `busCycleNs` outside [1, 1e6], `apicIdStride`
 * not 1 or 2, `tscHz` outside [1 MHz, 100 GHz], `bspLint0Reset` with bits LVT LINT0 cannot hold, or `vcpus` that
 * do not fit 8-bit APIC IDs (at most {@link MAX_LAPIC_VCPUS}).
 */
export function checkLapicParams(p: LapicParams, vcpus: number): void {
  const fail = (what: string, fix: string) => {
    throw new LapicConfigError(`LAPIC ${what}; ${fix}`);
  };
  if (!Number.isInteger(p.busCycleNs) || p.busCycleNs < 1 || p.busCycleNs > 1_000_000) {
    fail(`busCycleNs ${p.busCycleNs} is not an integer in [1, 1e6]`, 'use 10 (Xen, 100 MHz) or 1 (QEMU)');
  }
  if (!Number.isInteger(p.apicIdStride) || p.apicIdStride < 1 || p.apicIdStride > 2) {
    fail(`apicIdStride ${p.apicIdStride} is not 1 or 2`, 'use 2 (Xen) or 1 (QEMU)');
  }
  if (!Number.isInteger(p.tscHz) || p.tscHz < 1_000_000 || p.tscHz > 100_000_000_000) {
    fail(`tscHz ${p.tscHz} is not an integer in [1 MHz, 100 GHz]`, 'the default is 1_000_000_000');
  }
  if (!Number.isInteger(p.bspLint0Reset) || (p.bspLint0Reset & ~0x1f7ff) !== 0) {
    fail(`bspLint0Reset 0x${p.bspLint0Reset.toString(16)} has bits LVT LINT0 cannot hold`, 'use 0x10000 (masked) or 0x700 (ExtINT)');
  }
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus * p.apicIdStride > 0xfe + p.apicIdStride || vcpus > MAX_LAPIC_VCPUS) {
    fail(
      `vCPU count ${vcpus} does not fit 8-bit APIC IDs with stride ${p.apicIdStride}`,
      `use 1–${Math.min(MAX_LAPIC_VCPUS, Math.floor(0xfe / p.apicIdStride) + 1)} vCPUs`,
    );
  }
}
