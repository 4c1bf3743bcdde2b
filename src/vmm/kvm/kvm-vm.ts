// One KVM VM: guest memory slots, the MSR filter, capabilities, and vCPU creation. No in-kernel
// irqchip and no in-kernel PIT: every interrupt controller and timer is hvmdev's.
import { KVM, MSR_FILTER, SIZEOF } from './abi.js';
import { KvmCallError } from './errors.js';
import { MADV_HUGEPAGE, MAP_ANONYMOUS, MAP_NORESERVE, MAP_PRIVATE, PROT_READ, PROT_WRITE, type Libc, type NativePointer } from './ffi.js';
import { KvmVcpu } from './kvm-vcpu.js';
import type { KvmVmHost } from './kvm-vm-host.js';

/** Anonymous host memory given to the guest: a native mapping and the Uint8Array over it. */
export interface GuestMemory {
  readonly bytes: Uint8Array;
  readonly address: bigint;
  readonly pointer: NativePointer;
}

/** MSRs whose guest accesses exit to user space (one range each, read and write). */
export interface MsrFilterRange {
  readonly base: number;
  readonly count: number;
}

export class KvmVm {
  readonly libc: Libc;
  private readonly mappings: { ptr: NativePointer; len: number }[] = [];

  constructor(
    readonly system: KvmVmHost,
    readonly fd: number,
  ) {
    this.libc = system.libc;
  }

  enableCap(cap: number, ...args: bigint[]): void {
    const buf = new Uint8Array(SIZEOF.enableCap);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, cap, true);
    args.forEach((a, i) => dv.setBigUint64(8 + i * 8, a, true));
    if (this.libc.ioctlPtr(this.fd, KVM.ENABLE_CAP, buf) < 0) throw new KvmCallError(`KVM_ENABLE_CAP(${cap})`, this.libc.errno());
  }

  checkExtension(cap: number): number {
    return this.libc.ioctlInt(this.fd, KVM.CHECK_EXTENSION, cap);
  }

  /**
   * Maps `size` bytes of zeroed anonymous memory (not yet given to the guest). `hugePages`: ask for
   * transparent huge pages (MADV_HUGEPAGE), as QEMU does for guest RAM (its ram_block_add); with
   * the kernel's THP mode "madvise" (the common default) anonymous memory gets them only when asked.
   * KVM, its instruction emulator (every emulated ring-0 instruction on PVM) and the guest then
   * reach guest memory through 2 MiB host pages, as under QEMU. Ignored where THP is unavailable.
   */
  allocate(size: number, hugePages = false): GuestMemory {
    const ptr = this.libc.mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ptr === null) throw new KvmCallError(`mmap of ${size} bytes of guest memory`, this.libc.errno(), 'use a smaller --memory');
    if (hugePages) this.libc.madvise(ptr, size, MADV_HUGEPAGE);
    this.mappings.push({ ptr, len: size });
    return { bytes: new Uint8Array(this.libc.koffi.view(ptr, size)), address: this.libc.koffi.address(ptr), pointer: ptr };
  }

  /** KVM_SET_USER_MEMORY_REGION: guest-physical [gpa, gpa + size) is host memory at `hostAddress`. */
  setMemoryRegion(slot: number, gpa: number, size: number, hostAddress: bigint): void {
    const buf = new Uint8Array(SIZEOF.userspaceMemoryRegion);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, slot, true);
    dv.setUint32(4, 0, true);
    dv.setBigUint64(8, BigInt(gpa), true);
    dv.setBigUint64(16, BigInt(size), true);
    dv.setBigUint64(24, hostAddress, true);
    if (this.libc.ioctlPtr(this.fd, KVM.SET_USER_MEMORY_REGION, buf) < 0) throw new KvmCallError(`KVM_SET_USER_MEMORY_REGION(slot ${slot})`, this.libc.errno());
  }

  /** Real-mode support on Intel VMX (three pages below 4 GiB that the guest does not use). */
  setTssAddress(addr: number): void {
    if (this.libc.ioctlInt(this.fd, KVM.SET_TSS_ADDR, addr) < 0) throw new KvmCallError('KVM_SET_TSS_ADDR', this.libc.errno());
  }

  /**
   * KVM_X86_SET_MSR_FILTER: guest reads and writes of the MSRs in `ranges` are denied to KVM, so
   * (with KVM_CAP_X86_USER_SPACE_MSR's FILTER reason) they exit to user space; all others allowed.
   */
  setMsrFilter(ranges: readonly MsrFilterRange[]): void {
    const buf = new Uint8Array(SIZEOF.msrFilter);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, MSR_FILTER.DEFAULT_ALLOW, true);
    // The bitmaps must not move during the call (KVM copies them): one native page, all bits 0 (deny).
    const page = this.allocate(4096);
    ranges.forEach((r, i) => {
      const o = 8 + i * SIZEOF.msrFilterRange;
      dv.setUint32(o, MSR_FILTER.READ | MSR_FILTER.WRITE, true);
      dv.setUint32(o + 4, r.count, true);
      dv.setUint32(o + 8, r.base, true);
      dv.setBigUint64(o + 16, page.address, true);
    });
    if (this.libc.ioctlPtr(this.fd, KVM.X86_SET_MSR_FILTER, buf) < 0) throw new KvmCallError('KVM_X86_SET_MSR_FILTER', this.libc.errno());
  }

  createVcpu(id: number): KvmVcpu {
    const fd = this.libc.ioctlInt(this.fd, KVM.CREATE_VCPU, id);
    if (fd < 0) throw new KvmCallError(`KVM_CREATE_VCPU(${id})`, this.libc.errno(), 'fewer vCPUs (see KVM_CAP_MAX_VCPUS)');
    return new KvmVcpu(this, fd, id);
  }

  close(): void {
    for (const m of this.mappings) this.libc.munmap(m.ptr, m.len);
    this.mappings.length = 0;
    this.libc.close(this.fd);
  }
}
