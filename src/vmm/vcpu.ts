// One vCPU of the VMM: serves its KVM exits on the platform's buses and LAPIC, and prepares each
// entry (INIT/SIPI, NMI, interrupt injection or an interrupt window, CR8 ↔ TPR). Whoever owns the
// vCPU at the moment calls these: the thread that ran KVM_RUN for one vCPU, or the device-model
// thread while a vCPU worker is parked (docs/vmm.md, "Who touches what").
import { accessContext, type AccessContext } from '../bus/access.js';
import type { MmioBus } from '../bus/mmio-bus.js';
import { MmioTlb } from '../bus/mmio-tlb.js';
import type { PortBus } from '../bus/port-bus.js';
import type { Lapic } from '../devices/lapic/lapic.js';
import { MSR_STATUS_OK } from '../devices/lapic/msr.js';
import { EXIT, INTERNAL_ERROR, IO_DIRECTION, RUN, SREGS, SYSTEM_EVENT, VCPU_EVENTS, VCPUEVENT_VALID } from './kvm/abi.js';
import type { KvmVcpu } from './kvm/kvm-vcpu.js';
import { ExitStats } from './exit-stats.js';
import type { StopReason } from './stop-reason.js';

export const enum VcpuState {
  Running = 0,
  /** HLT: not entered until an interrupt it can take, an NMI or INIT arrives. */
  Halted = 1,
  /** Wait-for-SIPI (an AP after reset or INIT, SDM §8.4). */
  WaitSipi = 2,
}

/** What the next entry must do when nothing changed since prepareEntry() last ran (Vcpu.entryClean). */
const enum EntryWork {
  /** Look at everything (something may have changed). */
  Needed = 0,
  /** Nothing: no interrupt pending. */
  None = 1,
  /** Nothing while the guest cannot take interrupts: the window asked for is still asked for. */
  WindowRequested = 2,
}

const MSR_IA32_APIC_BASE = 0x1b;
const MSR_IA32_TSC_DEADLINE = 0x6e0;
const TWO_32 = 0x1_0000_0000;

/** What a vCPU needs from its VM. */
export interface VcpuHost {
  readonly ports: PortBus;
  readonly mmio: MmioBus;
  stop(reason: StopReason): void;
  /** Completes an instruction this host's KVM could not: true if it did, else false or why not. */
  completeFailedEmulation(vcpu: Vcpu): boolean | string;
  /** The platform and every vCPU go back to power-on (a guest reset request; Vm.requestReset). */
  requestReset(vcpu: number): void;
  /** Re-reads the guest's TSC through `vcpu` and sets every LAPIC's TSC origin from it (when the last anchor is stale). */
  anchorTsc(vcpu: Vcpu): void;
  /** MAXPHYADDR of the guest's CPU (CPUID 0x80000008 EAX[7:0]; 36 without the leaf), 32 to 52. */
  readonly physAddrBits: number;
}

export class Vcpu {
  state: VcpuState;
  readonly stats = new ExitStats();
  /**
   * An exception or software interrupt was queued with KVM_SET_VCPU_EVENTS (completing an
   * instruction): the next entry delivers it, so no external interrupt is injected with it.
   */
  eventQueued = false;
  /**
   * NMIs taken from the LAPIC and not yet handed to KVM (at most 2). The LAPIC's NMI latch is a
   * flag; the VMM takes it as each NMI arrives (noteNmi from the wake-up), so two NMIs that reach
   * this CPU before its next entry are two NMIs, as KVM's in-kernel LAPIC counts them.
   */
  nmisArrived = 0;
  /**
   * What the last prepareEntry() left behind when nothing it looks at can have changed since: only
   * port I/O and MMIO off this CPU's xAPIC page were served and the LAPIC reported nothing
   * arriving (wake()). Anything else sets Needed. The next entry then needs no work, which is
   * most exits of a device-heavy guest.
   */
  private entryClean = EntryWork.Needed;
  /** Guest-physical base of this CPU's xAPIC page (kept in step with IA32_APIC_BASE). */
  private apicWindow: number;
  private readonly run: DataView;
  private readonly runBytes: Uint8Array;
  private readonly ctx: AccessContext;
  /** RDMSR's value as two 32-bit halves (the LAPIC's plain-number MSR API: no bigint per exit). */
  private readonly msrHalves = new Uint32Array(2);
  private readonly stringCtx: AccessContext;
  /** The platform's buses, held here so an exit reaches them with one property load. */
  private readonly ports: PortBus;
  private readonly mmio: MmioBus;
  /**
   * This vCPU's cache of MMIO lookups (src/bus/mmio-tlb.ts): an exit to a page it used before goes
   * straight to the device's handler, no region lookup. Only this vCPU's exits (served by the
   * device-model thread) use it.
   */
  private readonly mmioTlb: MmioTlb;
  /** struct kvm_sregs of a freshly created vCPU (the reset state INIT/SIPI start from). */
  private readonly resetSregs: Uint8Array;

  constructor(
    readonly index: number,
    readonly kvm: KvmVcpu,
    readonly lapic: Lapic,
    private readonly host: VcpuHost,
  ) {
    this.run = kvm.run;
    this.runBytes = kvm.runBytes;
    this.ctx = accessContext(index);
    this.stringCtx = accessContext(index, true);
    this.ports = host.ports;
    this.mmio = host.mmio;
    this.mmioTlb = new MmioTlb(host.mmio);
    this.resetSregs = new Uint8Array(kvm.getSregs().buffer.slice(0));
    this.state = lapic.waitForSipi ? VcpuState.WaitSipi : VcpuState.Running;
    this.apicWindow = lapic.windowBase;
    // Keep KVM's own IA32_APIC_BASE in step with the LAPIC's (KVM derives CPUID.1:EDX.APIC from it).
    lapic.apicBaseObserver = (value) => {
      this.apicWindow = lapic.windowBase;
      kvm.setMsr(MSR_IA32_APIC_BASE, value);
    };
    kvm.setMsr(MSR_IA32_APIC_BASE, lapic.apicBase);
  }

  /**
   * Before KVM_RUN: takes INIT, SIPI and NMI from the LAPIC, injects the highest deliverable
   * interrupt if the guest can take one now (else asks KVM for an interrupt window), and writes
   * TPR into CR8. Returns false if the vCPU is not to be entered (halted, waiting for SIPI).
   */
  prepareEntry(): boolean {
    const clean = this.entryClean;
    // A window already requested stays right until the guest can take the interrupt.
    if (clean === EntryWork.None || (clean === EntryWork.WindowRequested && this.runBytes[RUN.readyForInterruptInjection] === 0)) return true;
    const l = this.lapic;
    if (l.initPending) {
      l.takeInit();
      this.apicWindow = l.windowBase;
      this.state = VcpuState.WaitSipi;
    }
    if (this.state === VcpuState.WaitSipi) {
      const vector = l.takeSipi();
      if (vector < 0) return false;
      this.startAt(vector);
      this.state = VcpuState.Running;
    }
    this.noteNmi();
    if (this.nmisArrived > 0) {
      // KVM keeps one NMI being delivered and one latched until IRET (SDM §6.7.1): hand it each.
      for (; this.nmisArrived > 0; this.nmisArrived--) {
        this.kvm.nmi();
        this.stats.nmis++;
      }
      this.state = VcpuState.Running;
    }
    const run = this.run;
    if (this.state === VcpuState.Halted) {
      // HLT ends with an interrupt the CPU accepts (IF set at the HLT), an NMI (above) or INIT.
      if (this.runBytes[RUN.ifFlag] === 0 || !l.hasPendingInterrupt()) return false;
      this.state = VcpuState.Running;
    }
    run.setUint32(RUN.cr8, l.tpr >>> 4, true);
    run.setUint32(RUN.cr8 + 4, 0, true);
    let window = 0;
    let injected = false;
    if (l.hasPendingInterrupt()) {
      // An NMI goes before a maskable interrupt (SDM Vol. 3A §6.9): an interrupt written as
      // "injected" would be delivered ahead of the NMIs KVM holds, so it waits for a window.
      // Nor while the interrupt injected by an earlier prepareEntry() still waits for its entry (the
      // device-model thread prepares vCPU 0 again when a worker posts meanwhile): it would be
      // replaced, and its vector stay in service with nothing delivered (2-vCPU Linux: CPU 0's
      // timer vector, overwritten by an IPI from CPU 1, blocked every timer interrupt after it).
      if (this.eventQueued || this.kvm.holdsNmi || this.kvm.interruptQueued) {
        window = 1;
      } else if (this.runBytes[RUN.readyForInterruptInjection] !== 0) {
        const vector = l.acknowledge();
        if (vector !== null) {
          this.kvm.interrupt(vector);
          this.stats.injected[vector]!++;
          injected = true;
        }
        // One interrupt per entry: if another waits, come back as soon as the guest can take it.
        window = l.hasPendingInterrupt() ? 1 : 0;
      } else {
        window = 1;
      }
    }
    this.eventQueued = false;
    this.runBytes[RUN.requestInterruptWindow] = window;
    this.entryClean = injected || this.kvm.nmiSinceExit ? EntryWork.Needed : window !== 0 ? EntryWork.WindowRequested : EntryWork.None;
    return true;
  }

  /** Takes an NMI the LAPIC latched (called on every LAPIC wake-up and before each entry). */
  noteNmi(): void {
    const l = this.lapic;
    if (l.nmiPending && l.takeNmi() && this.nmisArrived < 2) this.nmisArrived++;
  }

  /** The LAPIC has news for this CPU (an interrupt, NMI, INIT, SIPI, a LINT edge): look at it before the next entry. */
  wake(): void {
    this.entryClean = EntryWork.Needed;
  }

  /** Something only prepareEntry() can do for this vCPU (inject or window an interrupt, INIT, SIPI). */
  get needsEntryWork(): boolean {
    const l = this.lapic;
    return l.hasPendingInterrupt() || l.initPending || l.sipiVector >= 0 || l.nmiPending;
  }

  /** Would prepareEntry() enter the guest now? (A halted or waiting vCPU has something to do.) */
  get runnable(): boolean {
    const l = this.lapic;
    if (l.initPending || l.nmiPending || this.nmisArrived > 0) return true;
    if (this.state === VcpuState.WaitSipi) return l.sipiVector >= 0;
    if (this.state === VcpuState.Halted) return this.runBytes[RUN.ifFlag] !== 0 && l.hasPendingInterrupt();
    return true;
  }

  /**
   * The vCPU as after RESET (SDM Vol. 3A §9.1.1): KVM's state of a fresh vCPU (real mode, CS base
   * 0xFFFF0000, IP 0xFFF0, RFLAGS 2), no event pending or injected, NMIs unblocked; the BSP runs,
   * an AP waits for SIPI (the LAPIC, reset with the platform, says which). An exit KVM_RUN returned
   * is completed first (KVM_RUN with immediate_exit), so finishing it cannot touch the new state.
   */
  resetToPowerOn(): void {
    const k = this.kvm;
    this.runBytes[RUN.immediateExit] = 1;
    try {
      k.enter();
    } finally {
      this.runBytes[RUN.immediateExit] = 0;
    }
    new Uint8Array(k.sregs.buffer).set(this.resetSregs);
    k.setSregs();
    k.getRegs();
    for (let i = 0; i < 18; i++) k.regs.setBigUint64(i * 8, 0n, true);
    k.setReg('rflags', 2);
    k.setReg('rip', 0xfff0);
    k.setRegs();
    const ev = k.getEvents();
    new Uint8Array(ev.buffer).fill(0);
    ev.setUint32(VCPU_EVENTS.flags, VCPUEVENT_VALID.NMI_PENDING | VCPUEVENT_VALID.SHADOW, true);
    k.setEvents();
    k.nmiSinceExit = false;
    k.setMsr(MSR_IA32_APIC_BASE, this.lapic.apicBase);
    this.nmisArrived = 0;
    this.eventQueued = false;
    this.runBytes[RUN.requestInterruptWindow] = 0;
    this.entryClean = EntryWork.Needed;
    this.apicWindow = this.lapic.windowBase;
    this.state = this.lapic.waitForSipi ? VcpuState.WaitSipi : VcpuState.Running;
  }

  /** SIPI (SDM §8.4.4): real mode at CS = vector << 8, IP = 0, from the reset state. */
  private startAt(vector: number): void {
    const k = this.kvm;
    new Uint8Array(k.sregs.buffer).set(this.resetSregs);
    const s = k.sregs;
    s.setBigUint64(SREGS.cs, BigInt(vector << 12), true);
    s.setUint16(SREGS.cs + 12, vector << 8, true);
    k.setSregs();
    k.getRegs();
    for (let i = 0; i < 18; i++) k.regs.setBigUint64(i * 8, 0n, true);
    k.setReg('rflags', 2);
    k.setReg('rip', 0);
    k.setRegs();
  }

  /** Serves the exit KVM_RUN just returned (the platform clock is already brought up to date). */
  serveExit(): void {
    const run = this.run;
    const reason = run.getUint32(RUN.exitReason, true);
    this.stats.byReason[reason & 63]!++;
    // Port I/O and MMIO reach the LAPIC only through wake() (or its page, checked in serveMmio).
    if (reason !== EXIT.IO && reason !== EXIT.MMIO) this.entryClean = EntryWork.Needed;
    // CR8 (TPR[7:4]) as the guest left it: a MOV to CR8 changed the LAPIC's TPR.
    const cr8 = run.getUint32(RUN.cr8, true) & 0xf;
    if (cr8 !== this.lapic.tpr >>> 4) this.lapic.tpr = cr8 << 4;
    switch (reason) {
      case EXIT.IO:
        this.serveIo();
        return;
      case EXIT.MMIO:
        this.serveMmio();
        return;
      case EXIT.X86_RDMSR:
        this.serveRdmsr();
        return;
      case EXIT.X86_WRMSR:
        this.serveWrmsr();
        return;
      case EXIT.HLT:
        this.state = VcpuState.Halted;
        return;
      case EXIT.IRQ_WINDOW_OPEN:
      case EXIT.INTR:
      case EXIT.SET_TPR:
        return; // the next prepareEntry() does the work
      case EXIT.SHUTDOWN:
        this.host.stop({ kind: 'triple-fault', vcpu: this.index });
        return;
      case EXIT.SYSTEM_EVENT: {
        const type = run.getUint32(RUN.systemEventType, true);
        if (type === SYSTEM_EVENT.RESET) this.host.requestReset(this.index);
        else this.host.stop({ kind: 'power-off' });
        return;
      }
      case EXIT.INTERNAL_ERROR: {
        const sub = run.getUint32(RUN.internalSuberror, true);
        const done = sub === INTERNAL_ERROR.EMULATION ? this.host.completeFailedEmulation(this) : false;
        if (done === true) {
          this.stats.completed++;
          return;
        }
        const why = typeof done === 'string' ? `: ${done}` : '';
        this.host.stop({ kind: 'guest-error', vcpu: this.index, detail: `KVM internal error (suberror ${sub}) at ${this.describeRip()}${why}` });
        return;
      }
      default:
        this.host.stop({ kind: 'host-error', detail: `vCPU ${this.index}: unexpected KVM exit reason ${reason} at ${this.describeRip()}` });
    }
  }

  private serveIo(): void {
    const run = this.run;
    const bytes = this.runBytes;
    const out = bytes[RUN.ioDirection] === IO_DIRECTION.OUT;
    const size = bytes[RUN.ioSize]! as 1 | 2 | 4;
    const port = run.getUint16(RUN.ioPort, true);
    const count = run.getUint32(RUN.ioCount, true);
    let off = run.getUint32(RUN.ioDataOffset, true);
    // String I/O (count > 1): KVM hands over `count` elements in the data area at once.
    const ctx = count > 1 ? this.stringCtx : this.ctx;
    const ports = this.ports;
    this.stats.byPort[port]! += 1;
    for (let i = 0; i < count; i++, off += size) {
      if (out) {
        const v = size === 1 ? bytes[off]! : size === 2 ? run.getUint16(off, true) : run.getUint32(off, true);
        ports.write(port, size, v, ctx);
      } else {
        const v = ports.read(port, size, ctx);
        if (size === 1) bytes[off] = v;
        else if (size === 2) run.setUint16(off, v, true);
        else run.setUint32(off, v, true);
      }
    }
  }

  private serveMmio(): void {
    const run = this.run;
    const addr = run.getUint32(RUN.mmioPhysAddr, true) + run.getUint32(RUN.mmioPhysAddr + 4, true) * TWO_32;
    const len = run.getUint32(RUN.mmioLen, true);
    const write = this.runBytes[RUN.mmioIsWrite] !== 0;
    const mmio = this.mmio;
    this.stats.mmio(addr);
    const apicOffset = addr - this.apicWindow;
    if (apicOffset >= 0 && apicOffset < 4096) this.entryClean = EntryWork.Needed;
    if (len === 4 || len === 2 || len === 1) {
      if (write) {
        const v = len === 4 ? run.getUint32(RUN.mmioData, true) : len === 2 ? run.getUint16(RUN.mmioData, true) : this.runBytes[RUN.mmioData]!;
        this.mmioTlb.write(addr, len, v, this.ctx);
      } else {
        const v = this.mmioTlb.read(addr, len, this.ctx);
        run.setUint32(RUN.mmioData, v, true);
      }
    } else if (len === 8) {
      if (write) mmio.write64(addr, run.getBigUint64(RUN.mmioData, true), this.ctx);
      else run.setBigUint64(RUN.mmioData, mmio.read64(addr, this.ctx), true);
    } else {
      // Odd sizes (3, 5, 6, 7) go byte by byte.
      for (let i = 0; i < len && i < 8; i++) {
        if (write) mmio.write(addr + i, 1, this.runBytes[RUN.mmioData + i]!, this.ctx);
        else this.runBytes[RUN.mmioData + i] = mmio.read(addr + i, 1, this.ctx);
      }
    }
  }

  private serveRdmsr(): void {
    const run = this.run;
    const halves = this.msrHalves;
    if (this.lapic.readMsrHalves(run.getUint32(RUN.msrIndex, true), halves) === MSR_STATUS_OK) {
      run.setUint32(RUN.msrData, halves[0]!, true);
      run.setUint32(RUN.msrData + 4, halves[1]!, true);
      this.runBytes[RUN.msrError] = 0;
    } else {
      this.runBytes[RUN.msrError] = 1; // #GP (the LAPIC refuses it, or it is not the LAPIC's)
    }
  }

  private serveWrmsr(): void {
    const run = this.run;
    const index = run.getUint32(RUN.msrIndex, true);
    const lo = run.getUint32(RUN.msrData, true);
    const hi = run.getUint32(RUN.msrData + 4, true);
    // IA32_APIC_BASE bits from MAXPHYADDR up are reserved (SDM Vol. 3A §11.4.4): #GP. The width
    // is this CPU's (CPUID 0x80000008), which the LAPIC model does not know.
    if (index === MSR_IA32_APIC_BASE && hi >>> (this.host.physAddrBits - 32) !== 0) {
      this.runBytes[RUN.msrError] = 1;
      return;
    }
    // A TSC deadline is computed from the guest's RDTSC: keep the LAPIC's TSC anchored to the real
    // one, so a small error in KVM_GET_TSC_KHZ never makes an expired deadline look future.
    let status: number;
    if (index === MSR_IA32_TSC_DEADLINE) {
      this.host.anchorTsc(this);
      status = this.lapic.writeTscDeadlineMsr(lo, hi); // a tickless guest's every timer interrupt: no MSR decode
    } else {
      status = this.lapic.writeMsrHalves(index, lo, hi);
    }
    this.runBytes[RUN.msrError] = status === MSR_STATUS_OK ? 0 : 1;
  }

  /** "RIP 0x… (CS:…)" for messages about the guest. */
  describeRip(): string {
    try {
      const rip = this.kvm.getRegs() && this.kvm.reg('rip');
      return `RIP 0x${rip.toString(16)}`;
    } catch {
      return 'an unknown RIP';
    }
  }
}
