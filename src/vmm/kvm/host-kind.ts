// Which kind of KVM this is: hardware VMX or SVM, or PVM (a software KVM whose guest ring 0 runs
// through the host's instruction emulator). Detected at run time from the loaded kernel modules;
// only src/vmm/kvm/pvm-host.ts acts on the answer.
import { existsSync } from 'node:fs';

export type HostKind = 'vmx' | 'svm' | 'pvm' | 'unknown';

export function detectHostKind(sysModule = '/sys/module'): HostKind {
  if (existsSync(`${sysModule}/kvm_pvm`)) return 'pvm';
  if (existsSync(`${sysModule}/kvm_intel`)) return 'vmx';
  if (existsSync(`${sysModule}/kvm_amd`)) return 'svm';
  return 'unknown';
}
