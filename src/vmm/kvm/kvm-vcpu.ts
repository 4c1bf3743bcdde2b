// One KVM vCPU: its fd, the shared struct kvm_run page, and the vCPU ioctls. Buffers are allocated
// once per vCPU so the exit path allocates nothing.
import { CAP, KVM, REGS_ORDER, RUN, SIZEOF, SYNC_X86, VCPU_EVENTS, VCPUEVENT_VALID } from './abi.js';
import { KvmCallError } from './errors.js';
import { EAGAIN, EINTR, MAP_SHARED, PROT_READ, PROT_WRITE, type Libc } from './ffi.js';
import type { CpuidEntry } from './cpuid-entry.js';
import type { KvmVcpuHost } from './kvm-vm-host.js';
import { nativeKvm, type NativeKvm } from './native-run.js';

export type RegName = (typeof REGS_ORDER)[number];

/** Result of KVM_RUN: 0 (an exit to serve) or EINTR (a kick); other errors throw. */
export const RUN_OK = 0;
export const RUN_INTERRUPTED = 1;
const KVM_RUN = KVM.RUN;
/** kvm_run.s.regs.rip: struct kvm_regs is 16 GPRs, then RIP. */
const SYNC_RIP = RUN.syncRegs + 16 * 8;

export class KvmVcpu {
  readonly libc: Libc;
  /** The mmapped struct kvm_run. */
  readonly run: DataView;
  readonly runBytes: Uint8Array;
  /** struct kvm_regs / kvm_sregs scratch (GET fills them, SET sends them). */
  readonly regs = new DataView(new ArrayBuffer(SIZEOF.regs));
  readonly sregs = new DataView(new ArrayBuffer(SIZEOF.sregs));
  private readonly regsBytes = new Uint8Array(this.regs.buffer);
  private readonly sregsBytes = new Uint8Array(this.sregs.buffer);
  private readonly msrBuf = new Uint8Array(SIZEOF.msrs + SIZEOF.msrEntry);
  private readonly msrView = new DataView(this.msrBuf.buffer);
  private readonly intBuf = new Uint8Array(4);
  private readonly intView = new DataView(this.intBuf.buffer);
  readonly events = new DataView(new ArrayBuffer(SIZEOF.vcpuEvents));
  private readonly eventsBytes = new Uint8Array(this.events.buffer);
  private readonly translateBuf = new Uint8Array(SIZEOF.translation);
  private readonly translateView = new DataView(this.translateBuf.buffer);
  /** libc's ioctl as koffi bound it: KVM_RUN when there is no generated one. */
  private readonly ioctlRun: Libc['ioctlInt'];
  /**
   * KVM_RUN as generated code (native-run.ts: no argument to marshal, the host clock read as it
   * returns), shared by every vCPU of this thread; null: libc's ioctl.
   */
  private readonly native: NativeKvm | null;
  /**
   * CLOCK_MONOTONIC as the generated KVM_RUN read it right after its last return ([tv_sec low,
   * tv_sec high, tv_nsec, 0]), or null without generated code (the caller reads the host clock).
   */
  readonly returnTime: Int32Array | null;
  /** KVM_CAP_SYNC_REGS with events: KVM leaves struct kvm_vcpu_events in kvm_run at every return. */
  readonly syncsEvents: boolean;
  /** KVM_CAP_SYNC_REGS with registers: KVM can leave struct kvm_regs in kvm_run at a return (asked per entry). */
  readonly syncsRegs: boolean;
  /** KVM_SYNC_X86_REGS is in kvm_valid_regs for the next KVM_RUN (regsAtNextReturn; an exit served ends it). */
  private regsAsked = false;
  /** kvm_run's kvm_regs is what the last KVM_RUN returned with, and no KVM_SET_REGS came since. */
  private regsSynced = false;
  /**
   * kvm_run's copy of the events is KVM's current state: KVM_RUN returned since the last ioctl
   * that changes them (SET_REGS, SET_SREGS, SET_VCPU_EVENTS). Whoever runs KVM_RUN for this vCPU
   * on another thread sets it when it hands the vCPU back.
   */
  eventsSynced = false;
  /**
   * KVM_NMI was issued since KVM_RUN last returned from the guest (an exit, not a kick before the
   * entry), so kvm_run's copy of the events may not show that NMI yet. Whoever runs KVM_RUN for
   * this vCPU on another thread keeps it while it owns the vCPU.
   */
  nmiSinceExit = false;

  constructor(
    readonly vm: KvmVcpuHost,
    readonly fd: number,
    readonly id: number,
  ) {
    this.libc = vm.libc;
    this.ioctlRun = vm.libc.ioctlInt;
    this.native = nativeKvm(vm.libc);
    this.returnTime = this.native?.runTime ?? null;
    const size = vm.system.vcpuMmapSize;
    const ptr = this.libc.mmap(null, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ptr === null) throw new KvmCallError(`mmap of vCPU ${id}'s kvm_run`, this.libc.errno());
    const ab = this.libc.koffi.view(ptr, size);
    this.run = new DataView(ab);
    this.runBytes = new Uint8Array(ab);
    // Interrupts then go in through kvm_run (no KVM_INTERRUPT ioctl, which costs as much as an exit
    // on hosts where every vCPU ioctl reloads the vCPU; see interrupt()).
    const sync = vm.checkExtension(CAP.SYNC_REGS);
    this.syncsEvents = (sync & SYNC_X86.EVENTS) !== 0;
    this.syncsRegs = (sync & SYNC_X86.REGS) !== 0;
    if (this.syncsEvents) this.run.setBigUint64(RUN.kvmValidRegs, BigInt(SYNC_X86.EVENTS), true);
  }

  /** KVM_RUN on the calling thread: RUN_OK after an exit, RUN_INTERRUPTED after a kick (EINTR). */
  enter(): number {
    const native = this.native;
    let r: number;
    if (native !== null) {
      native.vcpuFd[0] = this.fd;
      r = native.run();
    } else {
      r = this.ioctlRun(this.fd, KVM_RUN, 0);
    }
    this.returned(r === 0);
    if (r === 0) {
      this.nmiSinceExit = false;
      return RUN_OK;
    }
    // The generated code returns −errno; libc's ioctl returns −1 and leaves errno.
    const e = native !== null ? -r : this.libc.errno();
    if (e === EINTR || e === EAGAIN) return RUN_INTERRUPTED;
    throw new KvmCallError(`KVM_RUN (vCPU ${this.id})`, e);
  }

  /**
   * KVM_RUN returned (on this thread, or on a worker's, told by its owner): kvm_run's copies are
   * KVM's current state. An exit ends a regsAtNextReturn() request (only kicks need it).
   */
  returned(exited: boolean): void {
    this.eventsSynced = this.syncsEvents;
    this.regsSynced = this.regsAsked;
    if (exited && this.regsAsked) {
      this.regsAsked = false;
      this.runBytes[RUN.kvmValidRegs] = this.runBytes[RUN.kvmValidRegs]! & ~SYNC_X86.REGS;
    }
  }

  /**
   * Asks KVM to leave the registers in kvm_run at every return until an exit is served (a kick
   * reads RIP there with no KVM_GET_REGS, which costs as much as an exit on some hosts). False
   * when this KVM cannot (no KVM_SYNC_X86_REGS).
   */
  regsAtNextReturn(): boolean {
    if (!this.syncsRegs) return false;
    this.regsAsked = true;
    this.runBytes[RUN.kvmValidRegs] = this.runBytes[RUN.kvmValidRegs]! | SYNC_X86.REGS;
    return true;
  }

  /** RIP as KVM_RUN last returned, from kvm_run (regsAtNextReturn() asked for it), else null. */
  get syncedRip(): bigint | null {
    return this.regsSynced ? this.run.getBigUint64(SYNC_RIP, true) : null;
  }

  private call(name: string, req: number, buf: ArrayBufferView | null): void {
    if (this.libc.ioctlPtr(this.fd, req, buf) < 0) throw new KvmCallError(`${name} (vCPU ${this.id})`, this.libc.errno());
  }

  getRegs(): DataView {
    this.call('KVM_GET_REGS', KVM.GET_REGS, this.regsBytes);
    return this.regs;
  }
  setRegs(): void {
    this.eventsSynced = false;
    this.regsSynced = false;
    this.call('KVM_SET_REGS', KVM.SET_REGS, this.regsBytes);
  }
  reg(name: RegName): bigint {
    return this.regs.getBigUint64(REGS_ORDER.indexOf(name) * 8, true);
  }
  setReg(name: RegName, v: bigint | number): void {
    this.regs.setBigUint64(REGS_ORDER.indexOf(name) * 8, BigInt.asUintN(64, BigInt(v)), true);
  }

  getSregs(): DataView {
    this.call('KVM_GET_SREGS', KVM.GET_SREGS, this.sregsBytes);
    return this.sregs;
  }
  setSregs(): void {
    this.eventsSynced = false;
    this.call('KVM_SET_SREGS', KVM.SET_SREGS, this.sregsBytes);
  }
  sreg64(offset: number): bigint {
    return this.sregs.getBigUint64(offset, true);
  }

  setCpuid(entries: readonly CpuidEntry[]): void {
    const buf = new Uint8Array(SIZEOF.cpuid2 + entries.length * SIZEOF.cpuidEntry2);
    const dv = new DataView(buf.buffer);
    dv.setUint32(0, entries.length, true);
    entries.forEach((e, i) => {
      const o = SIZEOF.cpuid2 + i * SIZEOF.cpuidEntry2;
      dv.setUint32(o, e.fn, true);
      dv.setUint32(o + 4, e.index, true);
      dv.setUint32(o + 8, e.flags, true);
      dv.setUint32(o + 12, e.eax, true);
      dv.setUint32(o + 16, e.ebx, true);
      dv.setUint32(o + 20, e.ecx, true);
      dv.setUint32(o + 24, e.edx, true);
    });
    this.call('KVM_SET_CPUID2', KVM.SET_CPUID2, buf);
  }

  /** KVM_GET_MSRS of one MSR; null if KVM does not know it. */
  getMsr(index: number): bigint | null {
    this.msrView.setUint32(0, 1, true);
    this.msrView.setUint32(SIZEOF.msrs, index, true);
    const n = this.libc.ioctlPtr(this.fd, KVM.GET_MSRS, this.msrBuf);
    if (n < 0) throw new KvmCallError('KVM_GET_MSRS', this.libc.errno());
    return n === 1 ? this.msrView.getBigUint64(SIZEOF.msrs + 8, true) : null;
  }

  /** KVM_SET_MSRS of one MSR (host-initiated, so the MSR filter does not apply); false if refused. */
  setMsr(index: number, value: bigint): boolean {
    this.msrView.setUint32(0, 1, true);
    this.msrView.setUint32(SIZEOF.msrs, index, true);
    this.msrView.setBigUint64(SIZEOF.msrs + 8, value, true);
    const n = this.libc.ioctlPtr(this.fd, KVM.SET_MSRS, this.msrBuf);
    if (n < 0) throw new KvmCallError('KVM_SET_MSRS', this.libc.errno());
    return n === 1;
  }

  /** KVM_INTERRUPT: queue external interrupt `vector` for the next entry (userspace irqchip only). */
  /**
   * Injects external interrupt `vector` at the next entry; the caller saw
   * ready_for_interrupt_injection. With synced events it is written into kvm_run's copy and marked
   * dirty, so KVM_RUN applies it (KVM_SET_VCPU_EVENTS semantics: delivered on entry, which is what
   * KVM_INTERRUPT does when the guest can take it); the NMI-pending flag is left out so a KVM_NMI
   * sent since the exit stands. Otherwise KVM_INTERRUPT.
   */
  interrupt(vector: number): void {
    if (this.eventsSynced) {
      const b = this.runBytes;
      const e = RUN.syncEvents;
      b[e + VCPU_EVENTS.interruptInjected] = 1;
      b[e + VCPU_EVENTS.interruptNr] = vector;
      b[e + VCPU_EVENTS.interruptSoft] = 0;
      b[e + VCPU_EVENTS.flags] = b[e + VCPU_EVENTS.flags]! & ~VCPUEVENT_VALID.NMI_PENDING;
      b[RUN.kvmDirtyRegs] = b[RUN.kvmDirtyRegs]! | SYNC_X86.EVENTS;
      return;
    }
    this.intView.setUint32(0, vector, true);
    this.call('KVM_INTERRUPT', KVM.INTERRUPT, this.intBuf);
  }

  nmi(): void {
    if (this.libc.ioctlInt(this.fd, KVM.NMI, 0) < 0) throw new KvmCallError('KVM_NMI', this.libc.errno());
    this.nmiSinceExit = true;
  }

  /**
   * An interrupt given with interrupt() waits in kvm_run's events for a KVM_RUN to take it (KVM
   * clears the dirty bit when it applies them). A second interrupt() before that entry would
   * overwrite it: the first vector, already acknowledged in the LAPIC, would never be delivered.
   */
  get interruptQueued(): boolean {
    const b = this.runBytes;
    return (b[RUN.kvmDirtyRegs]! & SYNC_X86.EVENTS) !== 0 && b[RUN.syncEvents + VCPU_EVENTS.interruptInjected] !== 0;
  }

  /** KVM holds an NMI not yet delivered, or being delivered (as far as kvm_run's copy and nmiSinceExit tell). */
  get holdsNmi(): boolean {
    if (this.nmiSinceExit) return true;
    if (!this.eventsSynced) return false;
    const b = this.runBytes;
    return b[RUN.syncEvents + VCPU_EVENTS.nmiPending] !== 0 || b[RUN.syncEvents + VCPU_EVENTS.nmiInjected] !== 0;
  }

  getEvents(): DataView {
    this.call('KVM_GET_VCPU_EVENTS', KVM.GET_VCPU_EVENTS, this.eventsBytes);
    return this.events;
  }
  setEvents(): void {
    // These events replace whatever kvm_run's copy was to carry in.
    this.runBytes[RUN.kvmDirtyRegs] = this.runBytes[RUN.kvmDirtyRegs]! & ~SYNC_X86.EVENTS;
    this.eventsSynced = false;
    this.call('KVM_SET_VCPU_EVENTS', KVM.SET_VCPU_EVENTS, this.eventsBytes);
  }

  /** Queues exception `vector` (with `errorCode` unless null) for delivery at the next entry. */
  injectException(vector: number, errorCode: number | null): void {
    const ev = this.getEvents();
    ev.setUint8(VCPU_EVENTS.exceptionInjected, 1);
    ev.setUint8(VCPU_EVENTS.exceptionNr, vector);
    ev.setUint8(VCPU_EVENTS.exceptionHasErrorCode, errorCode === null ? 0 : 1);
    ev.setUint32(VCPU_EVENTS.exceptionErrorCode, errorCode ?? 0, true);
    ev.setUint32(VCPU_EVENTS.flags, 0, true);
    this.setEvents();
  }

  /** Queues software interrupt `vector` (INT n) for delivery at the next entry. */
  injectSoftwareInterrupt(vector: number): void {
    const ev = this.getEvents();
    ev.setUint8(VCPU_EVENTS.interruptInjected, 1);
    ev.setUint8(VCPU_EVENTS.interruptNr, vector);
    ev.setUint8(VCPU_EVENTS.interruptSoft, 1);
    ev.setUint32(VCPU_EVENTS.flags, 0, true);
    this.setEvents();
  }

  /** KVM_TRANSLATE: guest-linear → guest-physical with the vCPU's current paging, or −1 if not mapped. */
  translate(linear: number | bigint): number {
    const dv = this.translateView;
    // Canonical addresses above 2^53 (a long-mode kernel's) only survive as a bigint.
    dv.setBigUint64(0, BigInt.asUintN(64, BigInt(linear)), true);
    if (this.libc.ioctlPtr(this.fd, KVM.TRANSLATE, this.translateBuf) < 0) return -1;
    if (dv.getUint8(16) === 0) return -1;
    return Number(dv.getBigUint64(8, true));
  }

  /** KVM_SET_SIGNAL_MASK: the signal mask in force while this vCPU is in KVM_RUN (kernel sigset: 8 bytes). */
  setSignalMask(kernelSigset: Uint8Array): void {
    const buf = new Uint8Array(4 + 8);
    new DataView(buf.buffer).setUint32(0, 8, true);
    buf.set(kernelSigset.subarray(0, 8), 4);
    this.call('KVM_SET_SIGNAL_MASK', KVM.SET_SIGNAL_MASK, buf);
  }

  /** KVM_GET_FPU / KVM_SET_FPU (struct kvm_fpu, 416 bytes; MXCSR at 408). */
  getFpu(buf: Uint8Array): void {
    this.call('KVM_GET_FPU', KVM.GET_FPU, buf);
  }
  setFpu(buf: Uint8Array): void {
    this.call('KVM_SET_FPU', KVM.SET_FPU, buf);
  }

  getTscKhz(): number {
    const r = this.libc.ioctlInt(this.fd, KVM.GET_TSC_KHZ, 0);
    if (r < 0) throw new KvmCallError('KVM_GET_TSC_KHZ', this.libc.errno());
    return r;
  }
}
