// One local APIC (one per vCPU), modelled on Xen's hvm/vlapic.c and the Intel SDM Vol. 3A ch. 11.
// A state machine composed of parts that each own their state: the register page (Xen's LAPIC_REGS
// image), the IRR/ISR/TMR vector maps in it (LapicVectors), the timer (LapicTimerRegisters),
// IA32_APIC_BASE (ApicBaseMsr) and the ICR's sender (IcrSender); the MSR decoding is lapic-msr.ts.
// This class dispatches register accesses to them, holds the signals the CPU takes (NMI, SMI,
// INIT, SIPI, ExtINT) and the CPU-side interface. It never touches another APIC: IPIs and EOI
// broadcasts go out through its LapicOutbox (the ApicRouter), and messages come in through receive().
import { ApicDeliveryMode, type ApicMessageSink } from '../../irq/apic-bus.js';
import type { VirtualClock } from '../../time/clock.js';
import type { PlainData } from '../../device-model/device.js';
import type { StateGroupMember } from '../../device-model/state-group.js';
import type { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import { XEN_DEFAULT_TIMER_MODE, type TimerMode as MissedTickMode } from '../../device-model/timer-mode/timer-mode.js';
import type { FixedEdgeTarget } from '../../irq/edge-route.js';
import type { ExtIntSource } from '../../irq/ext-int-source.js';
import type { InterruptTaker } from '../../irq/periodic-timer-source.js';
import { ApicBaseMsr, ApicBaseWrite } from './apic-base.js';
import { IcrSender } from './lapic-ipi.js';
import { timerFastPaths } from '../../irq/timer-fast-paths.js';
import { type LapicMsrTarget, lapicReadMsr, lapicReadMsrHalves, lapicWriteMsr, lapicWriteMsrHalves } from './lapic-msr.js';
import { checkLapicRules, checkLapicState, keepsLegacyX2apicLdr, LAPIC_STATE, type LapicState } from './lapic-state.js';
import type { ArmedKind, LapicTimer } from './lapic-timer.js';
import { LapicTimerRegisters, type TimerInterruptTarget } from './lapic-timer-registers.js';
import { LapicVectors } from './lapic-vectors.js';
import { MSR_STATUS_GP, MSR_STATUS_OK, type MsrReadResult, type MsrWriteResult } from './msr.js';
import type { LapicParams } from './params.js';
import {
  APIC_BASE_BSP,
  APIC_BASE_ENABLE,
  DELIVERY_MODE_MASK,
  DFR_RESERVED_ONES,
  ESR_RECEIVE_ILLEGAL_VECTOR,
  ESR_SEND_ILLEGAL_VECTOR,
  LAPIC_INIT_VALUES,
  LAPIC_WRITE_MASK,
  LAST_MMIO_REG,
  LVT_MASKED,
  LVT_REGS,
  REG_SLOTS,
  Reg,
  SVR_APIC_ENABLED,
  TRIGGER_LEVEL,
  VECTOR_MASK,
  XAPIC_DEFAULT_BASE,
  lvtStoredValue,
  tdcrDivisor,
  x2apicLdrFromId,
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

/**
 * One vCPU's local APIC (Intel SDM Vol. 3A ch. 11; Xen xen/arch/x86/hvm/vlapic.c, QEMU 7.2 hw/intc/apic.c): the
 * xAPIC registers (reached through the {@link ApicRouter}'s window at IA32_APIC_BASE), x2APIC MSRs 0x800–0x83F,
 * IRR/ISR/TMR and priority (TPR, PPR), the LVTs with LINT0/LINT1, the APIC timer ({@link LapicTimer}) and IPIs
 * through the ICR. It is built by the ApicRouter, one per vCPU; the CPU model takes interrupts from it
 * (`acknowledge`, `takeNmi`, `takeInit`, ...). Guest accesses never throw.
 */
export class Lapic implements StateGroupMember, InterruptTaker, LapicMsrTarget, TimerInterruptTarget, FixedEdgeTarget {
  readonly id: string;
  readonly kind = 'lapic';
  /**
   * Register page image, index = offset >> 4 (ISR/TMR/IRR live in it too, as in Xen's LAPIC_REGS).
   * Guests change it through mmioWrite/writeRegister/writeMsr; a test may plant a state in it (and
   * calls `vectorsWritten` after setting IRR or ISR bits).
   */
  readonly regs = new Uint32Array(REG_SLOTS);
  private readonly vectors = new LapicVectors(this.regs);
  private readonly base: ApicBaseMsr;
  private readonly timerRegs: LapicTimerRegisters;
  private readonly icr: IcrSender;
  /** Errors detected since the last ESR write (Xen ≥ 4.21 pending_esr). */
  private pendingEsr = 0;
  /** Input levels of LINT0/LINT1. */
  private readonly lintLevels = [false, false];
  /** An ExtINT message (IO-APIC pin programmed ExtINT) waits for INTA. */
  private extInt = false;
  private nmi = false;
  private smi = false;
  private init = false;
  /** Vector of an accepted start-up IPI, −1 if none. */
  private sipi = -1;
  /** INIT received and no SIPI yet (SDM §8.4: application processors start here). */
  private waitingForSipi: boolean;
  /** hasPendingInterrupt() said yes and acknowledge() has not run (for the spurious vector, SDM §11.9). */
  private intrSignalled = false;
  /**
   * Set by {@link Lapic.takeInterrupt}: after that INTA, IRR was not empty or ExtINT was ready, so
   * another INTA may find an interrupt; false: it would find none until something new arrives.
   */
  anotherPending = false;
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

  constructor(
    readonly vcpu: number,
    private readonly clock: VirtualClock,
    readonly params: LapicParams,
    private readonly outbox: LapicOutbox,
    private readonly extIntSource: ExtIntSource,
    timerMode: MissedTickMode = XEN_DEFAULT_TIMER_MODE,
    readonly domain: LapicDomain = { x2apicLdrFromVcpuId: params.x2apicLdrFromVcpuId },
  ) {
    this.id = `lapic${vcpu}`;
    this.base = new ApicBaseMsr(params);
    this.icr = new IcrSender(vcpu, outbox);
    this.waitingForSipi = vcpu !== 0;
    this.timerRegs = new LapicTimerRegisters(this.regs, clock, `${this.id}.timer`, params, timerMode, this);
    this.reset();
  }

  // ---- identity and mode -------------------------------------------------------------------

  /** IA32_APIC_BASE. */
  get apicBase(): bigint {
    return this.base.value;
  }
  /** EN set (not hardware-disabled). */
  get hwEnabled(): boolean {
    return this.base.hwEnabled;
  }
  /** EN and EXTD set. */
  get x2apicMode(): boolean {
    return this.base.x2apicMode;
  }
  /** xAPIC: ID bits 31:24; x2APIC: the 32-bit ID. */
  get apicId(): number {
    return this.base.x2apicMode ? this.regs[Reg.Id]! : this.regs[Reg.Id]! >>> 24;
  }
  /** Not hardware- nor software-disabled (Xen's vlapic_enabled). */
  get enabled(): boolean {
    return this.base.hwEnabled && (this.regs[Reg.Svr]! & SVR_APIC_ENABLED) !== 0;
  }
  /** The xAPIC MMIO window is served only in xAPIC mode (Xen's vlapic_range). */
  get mmioActive(): boolean {
    return this.base.hwEnabled && !this.base.x2apicMode;
  }
  /** Guest-physical base of this CPU's xAPIC window (IA32_APIC_BASE bits 51:12). */
  get windowBase(): number {
    return this.base.windowBase;
  }
  /** `windowBase` while the window is served (`mmioActive`), else −1: the router's per-access test in one compare. */
  get servedWindowBase(): number {
    return this.base.servedWindowBase;
  }
  /** The LVT timer mode (TimerMode). */
  get timerMode(): number {
    return this.timerRegs.mode;
  }
  /** The timer's analytic count and what it has on the clock. */
  get timer(): LapicTimer {
    return this.timerRegs.count;
  }
  /** The periodic timer's missed-tick bookkeeping (Xen vpt.c, HVM_PARAM_TIMER_MODE). */
  get missedTicks(): MissedTicks {
    return this.timerRegs.missedTicks;
  }
  /** Input levels of LINT0 and LINT1. */
  get lint(): readonly boolean[] {
    return this.lintLevels;
  }
  get extIntPending(): boolean {
    return this.extInt;
  }
  get nmiPending(): boolean {
    return this.nmi;
  }
  get smiPending(): boolean {
    return this.smi;
  }
  get initPending(): boolean {
    return this.init;
  }
  /** Vector of an accepted start-up IPI, −1 if none. */
  get sipiVector(): number {
    return this.sipi;
  }
  /** INIT received and no SIPI yet (SDM §8.4: application processors start here). */
  get waitForSipi(): boolean {
    return this.waitingForSipi;
  }
  /** IA32_TSC_DEADLINE exists (LapicParams.tscDeadline). */
  get hasTscDeadline(): boolean {
    return this.params.tscDeadline;
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
    this.timerRegs.count.tscOrigin = tsc;
  }

  /** Processor priority (SDM §11.8.3.1): TPR, or the class of the highest in-service vector if higher. */
  get ppr(): number {
    return this.vectors.ppr();
  }

  /**
   * The x2APIC LDR this LAPIC gets on entering x2APIC mode (SDM §11.12.10.2: cluster = ID[19:4],
   * bit 1 << ID[3:0]). Xen derives it from the vCPU index instead for guests migrated from
   * Xen 4.4–4.18 (the domain's bug_x2apic_ldr_vcpu_id flag, LapicDomain.x2apicLdrFromVcpuId).
   */
  x2apicLdr(): number {
    return x2apicLdrFromId(this.domain.x2apicLdrFromVcpuId ? this.vcpu : this.vcpu * this.params.apicIdStride);
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

  /**
   * A guest xAPIC MMIO write of `size` bytes (1, 2 or 4) at `offset` into the 4 KiB window (SDM Vol. 3A §11.4.1).
   * An access that fits in one 32-bit register up to TDCR (0x3E0) is served (1- and 2-byte only with
   * `subDwordAccess`), anything else is ignored; read-only bits keep their value and writes may send IPIs, EOI a
   * vector or re-arm the timer at once. Never throws.
   */
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

  // ---- MSRs (decoded in lapic-msr.ts onto the register interface below) ----------------------

  /**
   * A guest RDMSR: IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) and, in x2APIC mode, the x2APIC registers
   * 0x800–0x83F (SDM Vol. 3A §11.12.1). Returns the value, `fault` (#GP(0) to inject) where a CPU would fault, or
   * `unhandled` for MSRs the local APIC does not own. Never throws.
   *
   * @example
   * ```ts
   * const r = lapic.readMsr(0x1b);
   * if (r.kind === 'ok') console.log(r.value.toString(16)); // 'fee00900' on the BSP: base, enable, BSP
   * ```
   */
  readMsr(msr: number): MsrReadResult {
    return lapicReadMsr(this, msr);
  }

  /**
   * A guest WRMSR of the 64-bit `value` (taken modulo 2^64): the MSRs {@link Lapic.readMsr} reads. Returns `ok`,
   * `fault` (#GP(0) to inject: read-only or reserved registers, reserved bits, an illegal IA32_APIC_BASE
   * transition such as x2APIC → xAPIC without disabling first; SDM Vol. 3A §11.12.5) or `unhandled`. Never throws.
   */
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

  /**
   * WRMSR IA32_TSC_DEADLINE (0x6E0) alone, for a caller that has decoded the MSR index already (a
   * VMM's exit, which sees one at every timer interrupt of a tickless guest): the same result as
   * writeMsrHalves(0x6E0, lo, hi) without the MSR decode. MSR_STATUS_OK, or MSR_STATUS_GP when
   * the LAPIC has no TSC-deadline timer.
   */
  writeTscDeadlineMsr(lo: number, hi: number): number {
    if (!this.params.tscDeadline) return MSR_STATUS_GP;
    // Xen: ignored while hardware-disabled or outside TSC-deadline mode.
    if (this.base.hwEnabled) this.timerRegs.writeDeadlineHalves(lo >>> 0, hi >>> 0);
    return MSR_STATUS_OK;
  }

  /** IA32_APIC_BASE write through the SDM §11.12.5 state machine (ApicBaseMsr); false: #GP, nothing changed. */
  writeApicBase(value: bigint): boolean {
    const change = this.base.classify(value);
    if (change === ApicBaseWrite.Refused) return false;
    if (change === ApicBaseWrite.AcceptedAfterReset) this.resetRegisters();
    this.setApicBase(value);
    if (this.base.x2apicMode) {
      // Entering x2APIC mode: ID = stride × vCPU, LDR as x2apicLdr().
      this.regs[Reg.Id] = this.vcpu * this.params.apicIdStride;
      this.regs[Reg.Ldr] = this.x2apicLdr();
      this.routingChanged();
    }
    this.windowChanged();
    this.apicBaseObserver?.(value);
    return true;
  }

  /** The 64-bit x2APIC ICR write: ICR high takes all 32 bits, then the low half sends. */
  writeIcr(low: number, high: number): void {
    this.regs[Reg.IcrHigh] = high >>> 0;
    this.writeRegister(Reg.IcrLow, low);
  }

  readTscDeadline(out: Uint32Array): void {
    this.timerRegs.readDeadlineHalves(out);
  }

  /**
   * Writes IA32_TSC_DEADLINE as two uint32 halves (guest paths keep no bigint): in TSC-deadline mode a deadline in
   * the future arms the timer, one already passed fires at once, 0 disarms (SDM Vol. 3A §11.5.4.1).
   */
  writeTscDeadline(lo: number, hi: number): void {
    this.timerRegs.writeDeadlineHalves(lo, hi);
  }

  // ---- registers ---------------------------------------------------------------------------

  /** The value a read of register `index` returns (Xen's vlapic_read_aligned). */
  readRegister(index: number): number {
    switch (index) {
      case Reg.Ppr:
        return this.vectors.ppr();
      case Reg.TimerCurrent:
        return this.timerRegs.readCurrent();
      case Reg.TimerInitial:
        return this.timerRegs.readInitial();
      default:
        return index < REG_SLOTS ? this.regs[index]! : 0;
    }
  }

  /**
   * A guest write of register `index` (Xen's vlapic_reg_write; SDM §11.4–11.6): the bits each
   * register keeps and the side effects of the write. Read-only and reserved registers ignore it.
   */
  writeRegister(index: number, val: number): void {
    const r = this.regs;
    switch (index) {
      case Reg.Id:
        r[Reg.Id] = val;
        this.routingChanged();
        return;
      case Reg.Tpr:
        r[Reg.Tpr] = val & LAPIC_WRITE_MASK[Reg.Tpr]!;
        return;
      case Reg.Eoi:
        this.eoi();
        return;
      case Reg.Ldr:
        r[Reg.Ldr] = (val & LAPIC_WRITE_MASK[Reg.Ldr]!) >>> 0;
        this.routingChanged();
        return;
      case Reg.Dfr:
        r[Reg.Dfr] = ((val & LAPIC_WRITE_MASK[Reg.Dfr]!) | DFR_RESERVED_ONES) >>> 0;
        this.routingChanged();
        return;
      case Reg.Svr:
        r[Reg.Svr] = val & LAPIC_WRITE_MASK[Reg.Svr]!;
        // Software disable masks every LVT (SDM §11.4.7.2); re-enabling leaves them masked.
        if ((val & SVR_APIC_ENABLED) === 0) {
          for (const lvt of LVT_REGS) r[lvt] = (r[lvt]! | LVT_MASKED) >>> 0;
          this.picAcceptanceChanged();
        }
        return;
      case Reg.Esr:
        // SDM §11.5.3: a write publishes the errors detected since the previous write.
        r[Reg.Esr] = this.params.esrLatch ? this.pendingEsr : 0;
        this.pendingEsr = 0;
        return;
      case Reg.IcrLow:
        r[Reg.IcrLow] = (val & LAPIC_WRITE_MASK[Reg.IcrLow]!) >>> 0; // no delivery status: the send completes at once
        if (!this.icr.send(r[Reg.IcrLow]!, r[Reg.IcrHigh]!, this.base.x2apicMode)) this.error(ESR_SEND_ILLEGAL_VECTOR);
        return;
      case Reg.IcrHigh:
        r[Reg.IcrHigh] = (val & LAPIC_WRITE_MASK[Reg.IcrHigh]!) >>> 0;
        return;
      case Reg.LvtTimer:
        this.timerRegs.writeLvt(val);
        return;
      case Reg.LvtThermal:
      case Reg.LvtPerfmon:
      case Reg.LvtLint0:
      case Reg.LvtLint1:
      case Reg.LvtError:
        r[index] = lvtStoredValue(index, val, r[Reg.Svr]!, this.params.tscDeadline);
        if (index === Reg.LvtLint0) this.picAcceptanceChanged();
        return;
      case Reg.TimerInitial:
        this.timerRegs.writeInitial(val);
        return;
      case Reg.TimerDivide:
        this.timerRegs.writeDivide(val);
        return;
      default:
        return;
    }
  }

  // ---- interrupt acceptance -----------------------------------------------------------------

  /** Index of the highest set bit of the 256-bit map at `base` (ISR, TMR or IRR), or −1. */
  highest(base: number): number {
    return this.vectors.highest(base);
  }

  /**
   * After IRR or ISR words of `regs` were set directly (a test or tool planting a state; guests,
   * restore, INIT and reset never need it): the LAPIC's summary of non-empty words is rebuilt.
   */
  vectorsWritten(): void {
    this.vectors.resync();
  }

  /** Sets `vector` pending (Xen's vlapic_set_irq): vectors 0–15 are illegal and only set ESR. */
  setIrq(vector: number, level: boolean): void {
    vector &= 0xff;
    if (vector < 16) {
      this.error(ESR_RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    this.vectors.request(vector, level);
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
    if ((deliveryMode & 7) > ApicDeliveryMode.LowestPriority) this.wakeObserver?.(); // fixed/lowest priority notify from setIrq
  }

  /**
   * FixedEdgeTarget: `receive(Fixed, vector, false, true)` for an IO-APIC's precomputed route
   * (src/irq/edge-route.ts): an enabled LAPIC sets the vector in IRR (TMR cleared).
   */
  acceptFixedEdge(vector: number): void {
    if (this.enabled) this.setIrq(vector, false);
  }

  private receiveMessage(deliveryMode: number, vector: number, level: boolean, assert: boolean): void {
    switch (deliveryMode & 7) {
      case ApicDeliveryMode.Fixed:
      case ApicDeliveryMode.LowestPriority:
        if (this.enabled) this.setIrq(vector, level);
        return;
      case ApicDeliveryMode.Smi:
        if (this.params.acceptSmi) this.smi = true;
        return;
      case ApicDeliveryMode.Nmi:
        this.nmi = true;
        return;
      case ApicDeliveryMode.Init:
        if (level && !assert) return; // INIT level de-assert: nothing to do (P4 and later, SDM §11.6.1)
        this.initReset();
        this.init = true;
        this.waitingForSipi = true;
        this.sipi = -1;
        return;
      case ApicDeliveryMode.StartUp:
        // SDM §8.4.4: a start-up IPI is only accepted in the wait-for-SIPI state.
        if (this.waitingForSipi) {
          this.waitingForSipi = false;
          this.sipi = vector & 0xff;
        }
        return;
      case ApicDeliveryMode.ExtInt:
        this.extInt = true;
        return;
      default:
        return; // 3 (remote read) and reserved: ignored
    }
  }

  /** Level change on LINT0 (pin 0, the PIC's INT on the BSP) or LINT1 (pin 1). */
  setLint(pin: 0 | 1, level: boolean): void {
    const was = this.lintLevels[pin];
    this.lintLevels[pin] = level;
    if (!level || was) return;
    this.wakeObserver?.();
    const lvt = this.regs[Reg.LvtLint0 + pin]!;
    if ((lvt & LVT_MASKED) !== 0) return;
    const mode = (lvt & DELIVERY_MODE_MASK) >>> 8;
    // ExtINT is level-sensitive and seen through acceptsPicInterrupt(); the others latch on the edge.
    if (mode === ApicDeliveryMode.Fixed) {
      if (this.enabled) this.setIrq(lvt & VECTOR_MASK, (lvt & TRIGGER_LEVEL) !== 0);
    } else if (mode === ApicDeliveryMode.Smi || mode === ApicDeliveryMode.Nmi || mode === ApicDeliveryMode.Init) this.receive(mode, 0, false, true);
  }

  /** LINT`pin` falls and rises again at once: exactly `setLint(pin, false)` then `setLint(pin, true)`. */
  lintGlitch(pin: 0 | 1): void {
    this.lintLevels[pin] = false; // all a fall does
    this.setLint(pin, true);
  }

  /** After a reset (InterruptFabric.settle): LINT`pin` is at `level`, taken as state (no edge). */
  adoptLint(pin: 0 | 1, level: boolean): void {
    this.lintLevels[pin] = level;
  }

  /**
   * The 8259's INT reaches this CPU (Xen's __vlapic_accept_pic_intr): LINT0 unmasked in ExtINT
   * mode, or (params.picWhenHwDisabled, the SDM's rule) the APIC hardware-disabled.
   */
  acceptsPicInterrupt(): boolean {
    if (!this.base.hwEnabled) return this.params.picWhenHwDisabled;
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
    const v = this.inta();
    return v >= 0 ? v : null;
  }

  /**
   * INTA and "is there another?" in one call (issue 14): {@link Lapic.acknowledge} in a plain
   * number, −1 for none; afterwards {@link Lapic.anotherPending} says whether a second INTA now
   * could find something. A guest loop that takes every interrupt (`for (let v =
   * lapic.takeInterrupt(); v >= 0; v = lapic.anotherPending ? lapic.takeInterrupt() : -1)`) needs
   * no call that finds nothing. An EOI that re-delivers a level interrupt is news for the next stop.
   */
  takeInterrupt(): number {
    const v = this.inta();
    // After the acknowledge observer: a tick the missed-tick policy owed is in IRR by now.
    this.anotherPending = v >= 0 && (this.vectors.mayHaveRequests() || this.extIntReady());
    return v;
  }

  /** The INTA cycle: the vector taken (ExtINT first, then IRR → ISR, else spurious if signalled), or −1. */
  private inta(): number {
    const signalled = this.intrSignalled;
    this.intrSignalled = false;
    if (this.extIntReady()) {
      this.extInt = false;
      const pv = this.extIntSource.acknowledgeExtInt() & 0xff;
      this.acknowledgeObserver?.(pv, true);
      return pv;
    }
    const v = this.pendingVector();
    if (v >= 0) {
      this.vectors.accept(v);
      this.timerRegs.vectorTaken(v);
      this.acknowledgeObserver?.(v, false);
      return v;
    }
    return signalled ? this.regs[Reg.Svr]! & 0xff : -1;
  }

  /** Takes a pending NMI (true once per accepted NMI; NMIs coalesce while one is pending). */
  takeNmi(): boolean {
    const v = this.nmi;
    this.nmi = false;
    return v;
  }
  /** Takes a pending SMI (true once per accepted SMI message; only with `acceptSmi`, Xen ignores guest SMIs). */
  takeSmi(): boolean {
    const v = this.smi;
    this.smi = false;
    return v;
  }
  /** Takes a pending INIT: the CPU resets and waits for a SIPI. */
  takeInit(): boolean {
    const v = this.init;
    this.init = false;
    return v;
  }
  /** Takes a pending start-up vector (the AP starts at vector × 0x1000), or −1. */
  takeSipi(): number {
    const v = this.sipi;
    this.sipi = -1;
    return v;
  }

  private extIntReady(): boolean {
    return this.extInt || (this.lintLevels[0] === true && (this.picAcceptsKept ? this.picAccepts : this.acceptsPicInterrupt()));
  }

  private pendingVector(): number {
    const v = this.vectors.deliverable(); // -1 at once when IRR is empty (the summary word)
    return v >= 0 && this.enabled ? v : -1;
  }

  /** EOI (SDM §11.8.5): retire the highest in-service vector; level-triggered ones are broadcast. */
  eoi(): void {
    const level = this.vectors.retireHighest();
    if (level >= 0) this.outbox.lapicEoi(level);
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
    if (this.base.x2apicMode) r[Reg.Ldr] = ldr;
    for (const [slot, value] of LAPIC_INIT_VALUES) r[slot] = value; // Version, DFR, SVR, the LVTs masked
    this.vectors.resync();
    this.timerRegs.initReset();
    this.extInt = false;
    this.intrSignalled = false;
    this.routingChanged();
    this.picAcceptanceChanged();
  }

  /** Power-on register state (Xen's vlapic_reset): APIC_BASE, ID, then INIT. */
  private resetRegisters(): void {
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
    this.nmi = false;
    this.smi = false;
    this.init = false;
    this.sipi = -1;
    this.waitingForSipi = this.vcpu !== 0;
    this.windowChanged();
  }

  readonly stateDescription = LAPIC_STATE;

  snapshot(): PlainData {
    return LAPIC_STATE.snapshot(this);
  }

  checkState(state: unknown): void {
    checkLapicState(state, this.id, this.vcpu, this.params, this.clock.minPeriodNs);
  }

  /** checkState for a state whose types and ranges the APIC bus's StateGroup already checked. */
  checkRules(state: unknown): void {
    checkLapicRules(state as LapicState, this.id, this.vcpu, this.params, this.clock.minPeriodNs);
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted (registers, APIC base, timer plan, pending
   * events) as a whole and never throws; updates the router's destination index and the PIC acceptance.
   */
  applyState(state: unknown): void {
    this.apply(state as LapicState);
    this.windowChanged();
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }

  /** Takes a state checkLapicState accepted, as a whole. */
  private apply(s: LapicState): void {
    // A snapshot's plain array by a loop (a typed array's set() from a plain array is several times
    // slower); a state group's typed row (state-columns.ts) by set(), a copy of 256 bytes.
    const regs = this.regs;
    const from = s.regs;
    if (ArrayBuffer.isView(from)) regs.set(from as unknown as Uint32Array);
    else for (let i = 0; i < REG_SLOTS; i++) regs[i] = from[i]!;
    this.vectors.resync();
    this.base.setHalves(s.apicBase[0], s.apicBase[1]);
    this.pendingEsr = s.pendingEsr;
    const st = s.timer;
    const t = this.timerRegs.count;
    t.divisor = tdcrDivisor(from[Reg.TimerDivide]!);
    t.counting = st.counting;
    t.start = st.start;
    t.deadlineLo = st.tscDeadline[0];
    t.deadlineHi = st.tscDeadline[1];
    t.restoreArmed(st.armed as ArmedKind, st.deadline, st.period);
    this.lintLevels[0] = s.lint0;
    this.lintLevels[1] = s.lint1;
    this.extInt = s.extIntPending;
    this.nmi = s.nmiPending;
    this.smi = s.smiPending;
    this.init = s.initPending;
    this.sipi = s.sipiVector;
    this.waitingForSipi = s.waitForSipi;
    this.intrSignalled = s.intrSignalled;
    this.timerRegs.missedTicks.applyState(s.missedTicks);
    if (keepsLegacyX2apicLdr(s, this.vcpu, this.params)) this.domain.x2apicLdrFromVcpuId = true;
    this.routingChanged();
    this.picAcceptanceChanged();
  }

  // ---- what a change means to others ---------------------------------------------------------

  /** Sets IA32_APIC_BASE and the derived mode flags, no checks (reset, restore, an accepted write). */
  private setApicBase(value: bigint): void {
    this.base.set(value);
    this.routingChanged();
    this.picAcceptanceChanged();
  }

  /** The xAPIC window may have moved, appeared or gone: the router re-places the windows. */
  private windowChanged(): void {
    this.outbox.lapicWindowChanged?.(this);
  }

  /** ID, LDR, DFR or the mode changed: the router's destination index is stale. */
  private routingChanged(): void {
    this.outbox.lapicRoutingChanged?.(this);
  }

  /**
   * acceptsPicInterrupt() as of the last picAcceptanceChanged() (every change of LVT LINT0 or of
   * the hardware enable reports one), so the INTA's ExtINT test is two loads, not the LVT and APIC
   * base decoded twice per INTA while the 8259's INT is high (issue 14).
   */
  private picAccepts = false;
  /** timerFastPaths when built: extIntReady reads picAccepts (without: the differential test's reference). */
  private readonly picAcceptsKept = timerFastPaths.enabled;

  /** LVT LINT0 or the hardware enable changed: acceptsPicInterrupt() may answer differently. */
  private picAcceptanceChanged(): void {
    this.picAccepts = this.acceptsPicInterrupt();
    this.picAcceptanceObserver?.();
  }
}
