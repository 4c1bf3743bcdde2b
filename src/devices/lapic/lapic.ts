// One local APIC (one per vCPU), modelled on Xen's hvm/vlapic.c and the Intel SDM Vol. 3A ch. 11.
// A state machine: the register page, IRR/ISR/TMR, the timer, the APIC_BASE mode, and the CPU-side
// interface. It never touches another APIC: IPIs and EOI broadcasts go out through its LapicOutbox
// (the ApicRouter), and messages come in through receive().
import type { ApicMessageSink } from '../../irq/apic-bus.js';
import type { VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import { XEN_DEFAULT_TIMER_MODE, type TimerMode as MissedTickMode } from '../../device-model/timer-mode/timer-mode.js';
import { IpiMessage } from './lapic-ipi.js';
import { lapicReadMsr, lapicReadMsrHalves, lapicWriteMsr, lapicWriteMsrHalves, x2apicLdrFromId } from './lapic-msr.js';
import { LapicTimer } from './lapic-timer.js';
import { lapicWriteRegister, storeLvt } from './lapic-register-write.js';
import { timerExpired, timerTickTaken } from './lapic-timer-control.js';
import { applyLapicState, lapicSnapshot, readLapicState } from './lapic-state.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { clearVector, deliverableVector, highestVector, processorPriority, setVector, testVector } from './lapic-vector-maps.js';
import type { MsrReadResult, MsrWriteResult } from './msr.js';
import type { LapicParams } from './params.js';
import type { ExtIntSource } from '../../irq/ext-int-source.js';
import type { InterruptTaker } from '../../irq/periodic-timer-source.js';
import {
  APIC_BASE_ADDR_MASK,
  APIC_BASE_BSP,
  APIC_BASE_ENABLE,
  APIC_BASE_EXTD,
  DELIVERY_MODE_MASK,
  DFR_FLAT,
  ESR_RECEIVE_ILLEGAL_VECTOR,
  ESR_SEND_ILLEGAL_VECTOR,
  LAST_MMIO_REG,
  LVT_MASKED,
  LVT_REGS,
  REG_SLOTS,
  Reg,
  SVR_APIC_ENABLED,
  TIMER_MODE_MASK,
  TRIGGER_LEVEL,
  TimerMode,
  VECTOR_MASK,
  XAPIC_DEFAULT_BASE,
  tdcrDivisor,
  LAPIC_VERSION,
} from './registers.js';

/**
 * State Xen keeps per domain rather than per vLAPIC, shared by all LAPICs of a platform (the
 * ApicRouter owns it and snapshots it).
 */
export interface LapicDomain {
  /**
   * Xen's bug_x2apic_ldr_vcpu_id (Xen ≥ 4.19): the guest came from a Xen that derived the x2APIC
   * LDR from the vCPU index, so every vCPU keeps doing that. Set from LapicParams.x2apicLdrFromVcpuId
   * or, as Xen's lapic_load_fixup does, by restoring such an LDR.
   */
  x2apicLdrFromVcpuId: boolean;
}

/** Where a LAPIC's outgoing messages go. */
export interface LapicOutbox extends ApicMessageSink {
  /** A level-triggered vector was EOIed: the IO-APICs clear Remote-IRR (SDM §11.8.5). */
  lapicEoi(vector: number): void;
  /** IA32_APIC_BASE changed: the xAPIC window may have moved, appeared or gone. */
  lapicWindowChanged?(lapic: Lapic): void;
  /** The APIC ID, LDR, DFR or x2APIC mode changed: which destinations name this LAPIC may differ. */
  lapicRoutingChanged?(lapic: Lapic): void;
}

export class Lapic implements Device, InterruptTaker {
  readonly id: string;
  readonly kind = 'lapic';
  /** Register page image, index = offset >> 4 (ISR/TMR/IRR live in it too, as in Xen's LAPIC_REGS). */
  readonly regs = new Uint32Array(REG_SLOTS);
  /** IA32_APIC_BASE. */
  apicBase = 0n;
  /** IA32_APIC_BASE bits 51:12 as a number, kept by setApicBase. */
  private windowBaseNumber = 0;
  /** EN set (not hardware-disabled). */
  hwEnabled = true;
  /** EN and EXTD set. */
  x2apicMode = false;
  /** Errors detected since the last ESR write (Xen ≥ 4.21 pending_esr). */
  pendingEsr = 0;
  readonly timer: LapicTimer;
  /** Input levels of LINT0/LINT1. */
  readonly lint = [false, false];
  /** An ExtINT message (IO-APIC pin programmed ExtINT) waits for INTA. */
  extIntPending = false;
  nmiPending = false;
  smiPending = false;
  initPending = false;
  /** Vector of an accepted start-up IPI, −1 if none. */
  sipiVector = -1;
  /** INIT received and no SIPI yet (SDM §8.4: application processors start here). */
  waitForSipi: boolean;
  /** hasPendingInterrupt() said yes and acknowledge() has not run (for the spurious vector, SDM §11.9). */
  intrSignalled = false;
  /**
   * The periodic timer's missed-tick bookkeeping (Xen vpt.c, HVM_PARAM_TIMER_MODE). Tracking is
   * on when params.timerMissedTicks: the LAPIC itself sees the guest take the timer vector.
   */
  readonly missedTicks: MissedTicks;
  /**
   * Told of every vector this CPU takes on INTA (`fromPic`: it came from the 8259 through ExtINT).
   * The platform uses it to run the missed-tick policy of platform timers (Xen's pt_intr_post).
   */
  acknowledgeObserver: ((vector: number, fromPic: boolean) => void) | null = null;
  /** InterruptTaker: told when acceptsPicInterrupt() may have changed (LVT LINT0, APIC enable, INIT, reset, restore). */
  picAcceptanceObserver: (() => void) | null = null;
  /**
   * Told when something arrived that the CPU may have to act on (a vector in IRR, NMI, SMI, INIT,
   * SIPI, ExtINT, a LINT edge). A VMM uses it to kick a vCPU out of KVM_RUN or out of HLT; it
   * must only note the fact (it runs inside device code).
   */
  wakeObserver: (() => void) | null = null;
  /** Told after the guest changed IA32_APIC_BASE (CPUID.1:EDX.APIC follows the enable bit). */
  apicBaseObserver: ((value: bigint) => void) | null = null;
  private readonly ipi: IpiMessage;

  constructor(
    readonly vcpu: number,
    private readonly clock: VirtualClock,
    readonly params: LapicParams,
    private readonly outbox: LapicOutbox,
    private readonly extInt: ExtIntSource,
    timerMode: MissedTickMode = XEN_DEFAULT_TIMER_MODE,
    readonly domain: LapicDomain = { x2apicLdrFromVcpuId: params.x2apicLdrFromVcpuId },
  ) {
    this.id = `lapic${vcpu}`;
    this.ipi = new IpiMessage(vcpu);
    this.waitForSipi = vcpu !== 0;
    this.timer = new LapicTimer(clock, `${this.id}.timer`, params.busCycleNs, params.tscHz, (periods) => timerExpired(this, periods));
    this.missedTicks = new MissedTicks(timerMode);
    this.missedTicks.tracking = params.timerMissedTicks;
    this.reset();
  }

  // ---- identity and mode -------------------------------------------------------------------

  /** xAPIC: ID bits 31:24; x2APIC: the 32-bit ID. */
  get apicId(): number {
    return this.x2apicMode ? this.regs[Reg.Id]! : this.regs[Reg.Id]! >>> 24;
  }
  /** Not hardware- nor software-disabled (Xen's vlapic_enabled). */
  get enabled(): boolean {
    return this.hwEnabled && (this.regs[Reg.Svr]! & SVR_APIC_ENABLED) !== 0;
  }
  /** The xAPIC MMIO window is served only in xAPIC mode (Xen's vlapic_range). */
  get mmioActive(): boolean {
    return this.hwEnabled && !this.x2apicMode;
  }
  /** Guest-physical base of this CPU's xAPIC window (IA32_APIC_BASE bits 51:12). */
  get windowBase(): number {
    return this.windowBaseNumber;
  }
  /** @internal After an IA32_APIC_BASE write: the router re-places the windows. */
  windowChanged(): void {
    this.outbox.lapicWindowChanged?.(this);
  }
  get timerMode(): number {
    return (this.regs[Reg.LvtTimer]! & TIMER_MODE_MASK) >>> 17;
  }

  /** Task priority (bits 7:0 of TPR). CR8 is TPR[7:4] (SDM §10.8.6.1): a VMM keeps both in step. */
  get tpr(): number {
    return this.regs[Reg.Tpr]!;
  }
  set tpr(value: number) {
    this.writeRegister(Reg.Tpr, value & 0xff);
  }

  /** The guest's TSC at virtual time 0 (a VMM gives the real one; the default 0 is a TSC that starts with the clock). */
  setTscOrigin(tsc: bigint): void {
    this.timer.tscOrigin = tsc;
  }

  /** Processor priority (SDM §11.8.3.1): TPR, or the class of the highest in-service vector if higher. */
  get ppr(): number {
    return processorPriority(this.regs);
  }

  // ---- xAPIC MMIO (offset inside the 4 KiB window) -----------------------------------------

  /** Xen: an access that fits in one 32-bit register up to TDCR is served, anything else reads 0. */
  mmioRead(offset: number, size: number): number {
    const align = offset & 0xf;
    const index = offset >>> 4;
    if (align + size > 4 || index > LAST_MMIO_REG) return 0;
    if (size !== 4 && !this.params.subDwordAccess) return 0;
    const reg = this.readRegister(index);
    if (size === 4) return reg >>> 0;
    return (reg >>> (align * 8)) & (size === 1 ? 0xff : 0xffff);
  }

  mmioWrite(offset: number, size: number, value: number): void {
    // The EOI write is the hottest access of all (Xen's VMX has a fast path for it too); the value
    // written does not matter in xAPIC mode.
    if (offset === 0xb0 && size === 4) {
      this.eoi();
      return;
    }
    const align = offset & 0xf;
    const index = offset >>> 4;
    if (align + size > 4 || index > LAST_MMIO_REG) return;
    let v = value >>> 0;
    if (size !== 4) {
      if (!this.params.subDwordAccess) return;
      // Merge into the current contents (Xen reads the register, then writes the whole of it).
      const shift = align * 8;
      const mask = (size === 1 ? 0xff : 0xffff) << shift;
      v = ((this.readRegister(index) & ~mask) | ((v << shift) & mask)) >>> 0;
    }
    this.writeRegister(index, v);
  }

  // ---- MSRs (Xen's tables and the IA32_APIC_BASE state machine live in lapic-msr.ts) ----------

  readMsr(msr: number): MsrReadResult {
    return lapicReadMsr(this, msr);
  }

  writeMsr(msr: number, value: bigint): MsrWriteResult {
    return lapicWriteMsr(this, msr, value);
  }

  /** RDMSR in plain numbers (guest paths): halves into out[0..1]; MSR_STATUS_OK / _GP / _UNHANDLED. */
  readMsrHalves(msr: number, out: Uint32Array): number {
    return lapicReadMsrHalves(this, msr, out);
  }

  /** WRMSR in plain numbers (guest paths): MSR_STATUS_OK / _GP / _UNHANDLED. */
  writeMsrHalves(msr: number, lo: number, hi: number): number {
    return lapicWriteMsrHalves(this, msr, lo, hi);
  }

  /** @internal Sets IA32_APIC_BASE and the derived mode flags, no checks (reset, restore). */
  setApicBase(value: bigint): void {
    this.apicBase = value;
    this.windowBaseNumber = Number(value & APIC_BASE_ADDR_MASK); // read on every xAPIC access: no bigint there
    this.hwEnabled = (value & APIC_BASE_ENABLE) !== 0n;
    this.x2apicMode = this.hwEnabled && (value & APIC_BASE_EXTD) !== 0n;
    this.routingChanged();
    this.picAcceptanceChanged();
  }

  /** @internal Tells the router that ID, LDR, DFR or the mode changed (its destination index is stale). */
  routingChanged(): void {
    this.outbox.lapicRoutingChanged?.(this);
  }

  /** @internal LVT LINT0 or the hardware enable changed: acceptsPicInterrupt() may answer differently. */
  picAcceptanceChanged(): void {
    this.picAcceptanceObserver?.();
  }

  /**
   * The x2APIC LDR this LAPIC gets on entering x2APIC mode (SDM §11.12.10.2: cluster = ID[19:4],
   * bit 1 << ID[3:0]). Xen derives it from the vCPU index instead for guests migrated from
   * Xen 4.4–4.18 (the domain's bug_x2apic_ldr_vcpu_id flag, LapicDomain.x2apicLdrFromVcpuId).
   */
  x2apicLdr(): number {
    return x2apicLdrFromId(this.domain.x2apicLdrFromVcpuId ? this.vcpu : this.vcpu * this.params.apicIdStride);
  }

  /** @internal x2APIC ID = stride × vCPU, LDR as x2apicLdr() (entering x2APIC mode). */
  setX2apicIdentity(): void {
    this.regs[Reg.Id] = this.vcpu * this.params.apicIdStride;
    this.regs[Reg.Ldr] = this.x2apicLdr();
    this.routingChanged();
  }

  // ---- registers ---------------------------------------------------------------------------

  /** The value a read of register `index` returns (Xen's vlapic_read_aligned). */
  readRegister(index: number): number {
    switch (index) {
      case Reg.Ppr:
        return this.ppr;
      case Reg.TimerCurrent: {
        const mode = this.timerMode;
        if (mode !== TimerMode.OneShot && mode !== TimerMode.Periodic) return 0;
        return this.timer.currentCount(this.regs[Reg.TimerInitial]!, mode === TimerMode.Periodic);
      }
      case Reg.TimerInitial: {
        const mode = this.timerMode;
        return mode === TimerMode.OneShot || mode === TimerMode.Periodic ? this.regs[index]! : 0;
      }
      default:
        return index < REG_SLOTS ? this.regs[index]! : 0;
    }
  }

  /** A guest write of register `index` (Xen's vlapic_reg_write); read-only and reserved registers ignore it. */
  writeRegister(index: number, val: number): void {
    lapicWriteRegister(this, index, val);
  }

  /** @internal An LVT write within its mask (masked while the APIC is software-disabled). */
  storeLvt(index: number, val: number): void {
    storeLvt(this, index, val);
  }

  // ---- interrupt acceptance -----------------------------------------------------------------

  /** Index of the highest set bit of the 256-bit map at `base` (ISR, TMR or IRR), or −1. */
  highest(base: number): number {
    return highestVector(this.regs, base);
  }

  /** Sets `vector` pending (Xen's vlapic_set_irq): vectors 0–15 are illegal and only set ESR. */
  setIrq(vector: number, level: boolean): void {
    vector &= 0xff;
    if (vector < 16) {
      this.error(ESR_RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    if (level) setVector(this.regs, Reg.Tmr0, vector);
    else clearVector(this.regs, Reg.Tmr0, vector);
    setVector(this.regs, Reg.Irr0, vector);
    this.wakeObserver?.();
  }

  /**
   * Records an APIC error (Xen's vlapic_error, per-bit: each newly pending bit raises LVT Error).
   * An LVT Error vector below 16 would itself be an error: it folds in "receive illegal vector"
   * and delivers nothing, so error handling never recurses (XSA-462).
   */
  error(bit: number): void {
    const latch = this.params.esrLatch;
    const pending = latch ? this.pendingEsr : this.regs[Reg.Esr]!;
    if ((pending & bit) === bit) return;
    let add = bit;
    let inject = -1;
    const lvterr = this.regs[Reg.LvtError]!;
    if ((lvterr & LVT_MASKED) === 0) {
      if ((lvterr & VECTOR_MASK) >= 16) inject = lvterr & VECTOR_MASK;
      else add |= ESR_RECEIVE_ILLEGAL_VECTOR;
    }
    if (latch) this.pendingEsr = pending | add;
    else this.regs[Reg.Esr] = pending | add;
    if (inject >= 0) this.setIrq(inject, false);
  }

  /**
   * A message the router delivers to this LAPIC (Xen's vlapic_accept_irq / INIT-SIPI handling).
   * `level` is the trigger mode for fixed/lowest-priority interrupts (IPIs are always edge).
   */
  receive(deliveryMode: number, vector: number, level: boolean, assert: boolean): void {
    this.receiveMessage(deliveryMode, vector, level, assert);
    if ((deliveryMode & 7) > 1) this.wakeObserver?.(); // fixed/lowest priority notify from setIrq
  }

  private receiveMessage(deliveryMode: number, vector: number, level: boolean, assert: boolean): void {
    switch (deliveryMode & 7) {
      case 0: // fixed
      case 1: // lowest priority
        if (this.enabled) this.setIrq(vector, level);
        return;
      case 2:
        if (this.params.acceptSmi) this.smiPending = true;
        return;
      case 4:
        this.nmiPending = true;
        return;
      case 5:
        if (level && !assert) return; // INIT level de-assert: nothing to do (P4 and later, SDM §11.6.1)
        this.initReset();
        this.initPending = true;
        this.waitForSipi = true;
        this.sipiVector = -1;
        return;
      case 6:
        // SDM §8.4.4: a start-up IPI is only accepted in the wait-for-SIPI state.
        if (this.waitForSipi) {
          this.waitForSipi = false;
          this.sipiVector = vector & 0xff;
        }
        return;
      case 7:
        this.extIntPending = true;
        return;
      default:
        return; // 3 (remote read) and reserved: ignored
    }
  }

  /** Level change on LINT0 (pin 0, the PIC's INT on the BSP) or LINT1 (pin 1). */
  setLint(pin: 0 | 1, level: boolean): void {
    const was = this.lint[pin];
    this.lint[pin] = level;
    if (!level || was) return;
    this.wakeObserver?.();
    const lvt = this.regs[Reg.LvtLint0 + pin]!;
    if ((lvt & LVT_MASKED) !== 0) return;
    const mode = (lvt & DELIVERY_MODE_MASK) >>> 8;
    // ExtINT is level-sensitive and seen through acceptsPicInterrupt(); the others latch on the edge.
    if (mode === 0) {
      if (this.enabled) this.setIrq(lvt & VECTOR_MASK, (lvt & TRIGGER_LEVEL) !== 0);
    } else if (mode === 2 || mode === 4 || mode === 5) this.receive(mode, 0, false, true);
  }

  /** After a reset (InterruptFabric.settle): LINT`pin` is at `level`, taken as state (no edge). */
  adoptLint(pin: 0 | 1, level: boolean): void {
    this.lint[pin] = level;
  }

  /**
   * The 8259's INT reaches this CPU (Xen's __vlapic_accept_pic_intr): LINT0 unmasked in ExtINT
   * mode, or (params.picWhenHwDisabled, the SDM's rule) the APIC hardware-disabled.
   */
  acceptsPicInterrupt(): boolean {
    if (!this.hwEnabled) return this.params.picWhenHwDisabled;
    return (this.regs[Reg.LvtLint0]! & (DELIVERY_MODE_MASK | LVT_MASKED)) === 0x700;
  }

  // ---- CPU-side interface ------------------------------------------------------------------

  /** A maskable interrupt is ready for INTA: ExtINT, or the highest IRR vector above the PPR class. */
  hasPendingInterrupt(): boolean {
    const yes = this.pendingVector() >= 0 || this.extIntReady();
    if (yes) this.intrSignalled = true;
    return yes;
  }

  /**
   * INTA: ExtINT first (the PIC's vector, as Xen checks the PIC before the LAPIC), else the highest
   * deliverable vector, which moves from IRR to ISR. If an interrupt was signalled but is no longer
   * deliverable (TPR raised meanwhile), the spurious vector from SVR (SDM §11.9). Otherwise null.
   */
  acknowledge(): number | null {
    const signalled = this.intrSignalled;
    this.intrSignalled = false;
    if (this.extIntReady()) {
      this.extIntPending = false;
      const pv = this.extInt.acknowledgeExtInt() & 0xff;
      this.acknowledgeObserver?.(pv, true);
      return pv;
    }
    const v = this.pendingVector();
    if (v >= 0) {
      clearVector(this.regs, Reg.Irr0, v);
      setVector(this.regs, Reg.Isr0, v);
      if (this.missedTicks.issued && v === (this.regs[Reg.LvtTimer]! & VECTOR_MASK)) timerTickTaken(this, v);
      this.acknowledgeObserver?.(v, false);
      return v;
    }
    return signalled ? this.regs[Reg.Svr]! & 0xff : null;
  }

  /** Takes a pending NMI (true once per accepted NMI; NMIs coalesce while one is pending). */
  takeNmi(): boolean {
    const v = this.nmiPending;
    this.nmiPending = false;
    return v;
  }
  takeSmi(): boolean {
    const v = this.smiPending;
    this.smiPending = false;
    return v;
  }
  /** Takes a pending INIT: the CPU resets and waits for a SIPI. */
  takeInit(): boolean {
    const v = this.initPending;
    this.initPending = false;
    return v;
  }
  /** Takes a pending start-up vector (the AP starts at vector × 0x1000), or −1. */
  takeSipi(): number {
    const v = this.sipiVector;
    this.sipiVector = -1;
    return v;
  }

  private extIntReady(): boolean {
    return this.extIntPending || (this.lint[0] === true && this.acceptsPicInterrupt());
  }

  private pendingVector(): number {
    return this.enabled ? deliverableVector(this.regs) : -1;
  }

  /** EOI (SDM §11.8.5): retire the highest in-service vector; level-triggered ones are broadcast. */
  eoi(): void {
    const v = highestVector(this.regs, Reg.Isr0);
    if (v < 0) return;
    clearVector(this.regs, Reg.Isr0, v);
    if (testVector(this.regs, Reg.Tmr0, v)) this.outbox.lapicEoi(v);
  }

  // ---- IPIs ----------------------------------------------------------------------------------

  /** @internal Sends the ICR's interrupt (Xen's vlapic_ipi): illegal fixed/lowest vectors only set ESR. */
  sendIpi(low: number, high: number): void {
    const mode = (low & DELIVERY_MODE_MASK) >>> 8;
    if ((mode === 0 || mode === 1) && (low & VECTOR_MASK) < 16) {
      this.error(ESR_SEND_ILLEGAL_VECTOR);
      return;
    }
    this.outbox.deliverApicMessage(this.ipi.fromIcr(low, high, this.x2apicMode));
  }

  // ---- reset, INIT, snapshot -------------------------------------------------------------------

  /** INIT (Xen's vlapic_do_init): everything but ID, APIC_BASE and, in x2APIC mode, LDR. */
  private initReset(): void {
    const r = this.regs;
    const id = r[Reg.Id]!;
    const ldr = r[Reg.Ldr]!;
    const esr = r[Reg.Esr]!;
    r.fill(0);
    r[Reg.Id] = id;
    r[Reg.Esr] = esr;
    if (this.x2apicMode) r[Reg.Ldr] = ldr;
    r[Reg.Version] = LAPIC_VERSION;
    r[Reg.Dfr] = DFR_FLAT;
    for (const lvt of LVT_REGS) r[lvt] = LVT_MASKED;
    r[Reg.Svr] = 0xff;
    this.timer.divisor = tdcrDivisor(0);
    this.timer.stop();
    this.missedTicks.clear();
    this.timer.tscDeadline = 0n;
    this.extIntPending = false;
    this.intrSignalled = false;
    this.routingChanged();
    this.picAcceptanceChanged();
  }

  /** @internal Power-on register state (Xen's vlapic_reset): APIC_BASE, ID, then INIT. */
  resetRegisters(): void {
    this.setApicBase(BigInt(XAPIC_DEFAULT_BASE) | APIC_BASE_ENABLE | (this.vcpu === 0 ? APIC_BASE_BSP : 0n));
    this.regs[Reg.Id] = ((this.vcpu * this.params.apicIdStride) << 24) >>> 0;
    this.initReset();
    if (this.vcpu === 0) this.regs[Reg.LvtLint0] = this.params.bspLint0Reset;
    this.picAcceptanceChanged();
  }

  reset(): void {
    this.regs[Reg.Esr] = 0;
    this.pendingEsr = 0;
    this.resetRegisters();
    this.nmiPending = false;
    this.smiPending = false;
    this.initPending = false;
    this.sipiVector = -1;
    this.waitForSipi = this.vcpu !== 0;
    this.windowChanged();
  }

  snapshot(): PlainData {
    return lapicSnapshot(this);
  }

  restore(state: unknown): void {
    const s = readLapicState(state, this.id, this.vcpu, this.params);
    // A periodic plan shorter than the clock's clamp is not a state the timer can reach.
    if (s.timerPeriod > 0 && s.timerPeriod < this.clock.minPeriodNs) {
      throw new SnapshotError(`${this.id}.timer.period: ${s.timerPeriod} ns is below the ${this.clock.minPeriodNs} ns periodic clamp`);
    }
    applyLapicState(this, s);
    this.routingChanged();
    this.picAcceptanceChanged();
    this.windowChanged();
  }
}
