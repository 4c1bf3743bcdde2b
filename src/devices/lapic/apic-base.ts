// IA32_APIC_BASE (SDM Vol. 3A §11.4.4, §11.12.1): the value, the modes it selects (hardware enable,
// x2APIC) and the xAPIC window's base, and the SDM §11.12.5 state machine that decides whether a
// write is legal (Xen's guest_wrmsr_apic_base). The LAPIC applies what a legal write implies
// (a reset on leaving the disabled state, the x2APIC identity, the window move).
import type { LapicParams } from './params.js';
import { APIC_BASE_ADDR_MASK, APIC_BASE_BSP, APIC_BASE_ENABLE, APIC_BASE_EXTD, XAPIC_DEFAULT_BASE } from './registers.js';

/** What a guest write of IA32_APIC_BASE does. */
export const enum ApicBaseWrite {
  /** Illegal value or transition: #GP, nothing changes. */
  Refused = 0,
  Accepted = 1,
  /** Disabled → xAPIC: the APIC comes back in its reset state, then takes the value. */
  AcceptedAfterReset = 2,
}

// The bits on the low half, as plain numbers.
const ENABLE = Number(APIC_BASE_ENABLE);
const EXTD = Number(APIC_BASE_EXTD);
const ADDR_LOW = Number(APIC_BASE_ADDR_MASK & 0xffff_ffffn);
const ADDR_HIGH = Number(APIC_BASE_ADDR_MASK >> 32n);

export class ApicBaseMsr {
  /** The value as two u32 halves (snapshots and restores read and write these, no bigint). */
  private lo = 0;
  private hi = 0;
  private base = 0;
  private en = false;
  private x2 = false;
  /** `base` while the xAPIC window is served (EN set, EXTD clear), else −1: one number per access. */
  private servedWindow = -1;

  constructor(private readonly params: LapicParams) {}

  /** IA32_APIC_BASE. */
  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
  /** Bits 31:0 of IA32_APIC_BASE. */
  get low(): number {
    return this.lo;
  }
  /** Bits 63:32 of IA32_APIC_BASE. */
  get high(): number {
    return this.hi;
  }
  /** EN set (not hardware-disabled). */
  get hwEnabled(): boolean {
    return this.en;
  }
  /** EN and EXTD set. */
  get x2apicMode(): boolean {
    return this.x2;
  }
  /** Bits 51:12 as a number: read on every xAPIC access, so no bigint there. */
  get windowBase(): number {
    return this.base;
  }
  /** The base of the xAPIC window this APIC serves (hardware-enabled, xAPIC mode), or −1 when it serves none. */
  get servedWindowBase(): number {
    return this.servedWindow;
  }

  /** Takes `value` with no checks (reset, restore, an accepted write). */
  set(value: bigint): void {
    this.setHalves(Number(BigInt.asUintN(32, value)), Number(BigInt.asUintN(32, value >> 32n)));
  }

  /** Takes the value `high` × 2^32 + `low` with no checks (a restore). */
  setHalves(low: number, high: number): void {
    this.lo = low >>> 0;
    this.hi = high >>> 0;
    this.base = (this.hi & ADDR_HIGH) * 0x1_0000_0000 + ((this.lo & ADDR_LOW) >>> 0);
    this.en = (this.lo & ENABLE) !== 0;
    this.x2 = this.en && (this.lo & EXTD) !== 0;
    this.servedWindow = this.en && !this.x2 ? this.base : -1;
  }

  /** The SDM §11.12.5 transition a guest write of `value` makes from the current value. */
  classify(value: bigint): ApicBaseWrite {
    const allowed = APIC_BASE_ADDR_MASK | APIC_BASE_ENABLE | APIC_BASE_BSP | (this.params.x2apic ? APIC_BASE_EXTD : 0n);
    if ((value & ~allowed) !== 0n) return ApicBaseWrite.Refused;
    // Xen refuses to move the xAPIC window ("tried to move the APIC MMIO window"); KVM moves it.
    if (
      !this.params.relocatableWindow &&
      (value & (APIC_BASE_EXTD | APIC_BASE_ENABLE)) === APIC_BASE_ENABLE &&
      (value & APIC_BASE_ADDR_MASK) !== BigInt(XAPIC_DEFAULT_BASE)
    ) {
      return ApicBaseWrite.Refused;
    }
    const changed = this.value ^ value;
    if ((changed & APIC_BASE_ENABLE) !== 0n) {
      if ((value & APIC_BASE_EXTD) !== 0n) return ApicBaseWrite.Refused; // disabled ↔ x2APIC directly
      if ((value & APIC_BASE_ENABLE) !== 0n) return ApicBaseWrite.AcceptedAfterReset;
    } else if ((changed & APIC_BASE_EXTD) !== 0n && !(this.en && !this.x2)) {
      return ApicBaseWrite.Refused; // x2APIC → xAPIC, or EXTD toggled while disabled
    }
    return ApicBaseWrite.Accepted;
  }
}
