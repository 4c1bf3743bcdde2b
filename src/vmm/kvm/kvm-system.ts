// /dev/kvm itself: the API version, capabilities, the CPUID the host supports, and VM creation.
import { CAP, KVM, KVM_API_VERSION, SIZEOF } from './abi.js';
import { KvmCallError, KvmUnavailableError } from './errors.js';
import { loadLibc, O_CLOEXEC, O_RDWR, type Libc } from './ffi.js';
import { KvmVm } from './kvm-vm.js';

import type { CpuidEntry } from './cpuid-entry.js';

export type { CpuidEntry };

const MAX_CPUID_ENTRIES = 256;

export class KvmSystem {
  private constructor(
    readonly libc: Libc,
    readonly fd: number,
    readonly vcpuMmapSize: number,
  ) {}

  /** Opens /dev/kvm and checks the API; throws KvmUnavailableError naming what is missing. */
  static open(path = '/dev/kvm'): KvmSystem {
    const libc = loadLibc();
    const fd = libc.open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      const e = libc.errno();
      if (e === 2) throw new KvmUnavailableError('no-device', `${path} does not exist: this host has no KVM (enable virtualization, load kvm_intel/kvm_amd)`);
      if (e === 13 || e === 1)
        throw new KvmUnavailableError('no-permission', `${path} is not accessible to this user: add the user to group 'kvm' or run as root`);
      throw new KvmUnavailableError('no-device', `cannot open ${path}: errno ${e}`);
    }
    const version = libc.ioctlInt(fd, KVM.GET_API_VERSION, 0);
    if (version !== KVM_API_VERSION) {
      libc.close(fd);
      throw new KvmUnavailableError('unsupported', `KVM API version ${version} is not ${KVM_API_VERSION}`);
    }
    const sys = new KvmSystem(libc, fd, libc.ioctlInt(fd, KVM.GET_VCPU_MMAP_SIZE, 0));
    for (const [name, cap] of [
      ['USER_MEMORY', CAP.USER_MEMORY],
      ['EXT_CPUID', CAP.EXT_CPUID],
      ['IMMEDIATE_EXIT', CAP.IMMEDIATE_EXIT],
    ] as const) {
      if (sys.checkExtension(cap) <= 0) {
        libc.close(fd);
        throw new KvmUnavailableError('unsupported', `this KVM lacks KVM_CAP_${name}, which hvmdev run needs (Linux 4.11 or newer)`);
      }
    }
    return sys;
  }

  checkExtension(cap: number): number {
    return this.libc.ioctlInt(this.fd, KVM.CHECK_EXTENSION, cap);
  }

  supportedCpuid(): CpuidEntry[] {
    const buf = new Uint8Array(SIZEOF.cpuid2 + MAX_CPUID_ENTRIES * SIZEOF.cpuidEntry2);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, MAX_CPUID_ENTRIES, true);
    if (this.libc.ioctlPtr(this.fd, KVM.GET_SUPPORTED_CPUID, buf) < 0) throw new KvmCallError('KVM_GET_SUPPORTED_CPUID', this.libc.errno());
    const n = dv.getUint32(0, true);
    const out: CpuidEntry[] = [];
    for (let i = 0; i < n; i++) {
      const o = SIZEOF.cpuid2 + i * SIZEOF.cpuidEntry2;
      out.push({
        fn: dv.getUint32(o, true),
        index: dv.getUint32(o + 4, true),
        flags: dv.getUint32(o + 8, true),
        eax: dv.getUint32(o + 12, true),
        ebx: dv.getUint32(o + 16, true),
        ecx: dv.getUint32(o + 20, true),
        edx: dv.getUint32(o + 24, true),
      });
    }
    return out;
  }

  createVm(): KvmVm {
    const fd = this.libc.ioctlInt(this.fd, KVM.CREATE_VM, 0);
    if (fd < 0) throw new KvmCallError('KVM_CREATE_VM', this.libc.errno(), 'is another hypervisor using the CPU, or the memory limit reached?');
    return new KvmVm(this, fd);
  }

  close(): void {
    this.libc.close(this.fd);
  }
}
