// What a VM and its vCPUs need of /dev/kvm's handle (KvmSystem), named apart so that kvm-system
// imports kvm-vm and kvm-vm imports kvm-vcpu, never the reverse.
import type { Libc } from './ffi.js';

export interface KvmVmHost {
  readonly libc: Libc;
  /** The size of each vCPU's kvm_run mapping (KVM_GET_VCPU_MMAP_SIZE). */
  readonly vcpuMmapSize: number;
}

/** What a vCPU needs of its VM (KvmVm). */
export interface KvmVcpuHost {
  readonly libc: Libc;
  readonly system: KvmVmHost;
  /** KVM_CHECK_EXTENSION on the VM. */
  checkExtension(cap: number): number;
}
