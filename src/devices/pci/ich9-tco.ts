// The ICH9 TCO watchdog (Intel I/O Controller Hub 9 datasheet §5.14.2 and §13.9 "TCO I/O
// Registers") with the two registers outside its block that steer it: SMI_EN/SMI_STS in the ACPI PM
// I/O block (PMBASE+0x30/+0x34, §13.8.3.7–8) and GCS in the chipset configuration registers
// (RCBA+0x3410, §10.1.75, NO_REBOOT bit 5). The TCO block is decoded at PMBASE+0x60 (32 bytes)
// whenever the LPC function decodes the PM block (see ich9-lpc.ts).
// The timer counts down from TCO_TMR (10 bits) every 0.6 s of virtual time. Reaching zero sets
// TCO_TIMEOUT and raises SMI# when GBL_SMI_EN and TCO_EN allow it, then counts down again; the second
// expiry without a TCO_RLD write in between sets SECOND_TO_STS and reboots the platform unless GCS's
// NO_REBOOT (forced on by the SPKR strap) prevents it. TCO_LOCK, once set, keeps itself and TCO_EN
// until a reset. SMI# is sent to every CPU as an SMI message on the APIC bus (the chipset's SMI#
// pin reaches them all). Where QEMU 7.2 (hw/acpi/tco.c) differs, Ich9TcoParams names it.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import { BusOverlapError, BusRangeError } from '../../bus/errors.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Region } from '../../bus/region.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError, SnapshotReader } from '../../device-model/snapshot.js';
import { ApicDeliveryMode, type ApicMessage, type ApicMessageSink } from '../../irq/apic-bus.js';
import type { Timer, VirtualClock } from '../../time/clock.js';
import type { PlatformResetRequest } from './mechanism1.js';

/** One TCO timer tick: "approximately 0.6 seconds" (§13.9.11); QEMU's TCO_TICK_NSEC. */
export const TCO_TICK_NS = 600_000_000;
/** Offsets in the TCO block (PMBASE+0x60). */
export const TCO = Object.freeze({
  RLD: 0x00,
  DAT_IN: 0x02,
  DAT_OUT: 0x03,
  STS1: 0x04,
  STS2: 0x06,
  CNT1: 0x08,
  CNT2: 0x0a,
  MESSAGE1: 0x0c,
  MESSAGE2: 0x0d,
  WDCNT: 0x0e,
  SW_IRQ_GEN: 0x10,
  TMR: 0x12,
});
/** Offset of the TCO registers in the ACPI PM I/O block: PMBASE + 0x60 (ICH9 datasheet §13.9). */
export const TCO_BLOCK_OFFSET = 0x60;
/** Bytes of the TCO register block: 32. */
export const TCO_BLOCK_LENGTH = 32;
/** TCO1_STS bits (write 1 to clear). */
export const TCO1_STS = Object.freeze({ SW_TCO_SMI: 1 << 1, TCO_INT_STS: 1 << 2, TIMEOUT: 1 << 3 });
/** TCO2_STS bits (write 1 to clear). */
export const TCO2_STS = Object.freeze({ INTRD_DET: 1 << 0, SECOND_TO: 1 << 1, BOOT_STS: 1 << 2 });
/** TCO1_CNT bits: NMI2SMI_EN, TCO_TMR_HLT, TCO_LOCK (NMI_NOW, bit 8, is not modelled). */
export const TCO1_CNT = Object.freeze({ NMI2SMI_EN: 1 << 9, TMR_HLT: 1 << 11, LOCK: 1 << 12 });
const TCO1_CNT_WRITABLE = TCO1_CNT.NMI2SMI_EN | TCO1_CNT.TMR_HLT | TCO1_CNT.LOCK;
const TCO_COUNT_MASK = 0x3ff;
/** Power-on values (§13.9): TCO2_CNT 0x0008, SW_IRQ_GEN 0x03, TCO_TMR 0x0004. */
const TCO2_CNT_RESET = 0x0008;
const SW_IRQ_GEN_RESET = 0x03;
const TCO_TMR_RESET = 0x0004;

/** SMI_EN/SMI_STS in the PM I/O block (PMBASE+0x30, 8 bytes). */
export const SMI_BLOCK_OFFSET = 0x30;
/**
 * SMI_EN bits (PMBASE + 0x30, ICH9 §13.8.3.7): GBL_SMI_EN (bit 0) lets any SMI# out; TCO_EN (bit 13) lets the TCO
 * timeout raise SMI#.
 */
export const SMI_EN = Object.freeze({ GBL_SMI_EN: 1 << 0, TCO_EN: 1 << 13 });
/** SMI_STS bit 13: the TCO logic has an SMI cause pending. */
export const SMI_STS_TCO = 1 << 13;

/** The chipset configuration window (RCBA, 16 KiB) and GCS inside it. */
export const RCBA_LENGTH = 0x4000;
/** Offset of GCS (General Control and Status) in the chipset configuration window: RCBA + 0x3410 (ICH9 §10.1.75). */
export const GCS_OFFSET = 0x3410;
/** GCS bit 5, NO_REBOOT: a second TCO timeout does not reboot. Set at power-on; stuck at 1 with the "no reboot" strap. */
export const GCS_NO_REBOOT = 1 << 5;
/** GCS at power-on: NO_REBOOT set (§10.1.75; QEMU's ICH9_CC_GCS_DEFAULT). */
const GCS_RESET = GCS_NO_REBOOT;

/**
 * Where the TCO watchdog follows QEMU 7.2 (hw/acpi/tco.c) rather than the ICH9 datasheet: {@link ICH9_TCO_PARAMS}
 * (datasheet) or {@link QEMU_ICH9_TCO_PARAMS}.
 */
export interface Ich9TcoParams {
  /**
   * The "No Reboot" strap (SPKR sampled high): NO_REBOOT reads 1 and cannot be cleared, so a second
   * timeout never reboots. QEMU: the ICH9-LPC property `noreboot`, true by default
   * (hw/isa/lpc_ich9.c); `-global ICH9-LPC.noreboot=false` clears it.
   */
  readonly noRebootStrap: boolean;
  /**
   * The timer counts from reset (hardware: the BIOS must halt or reload it). QEMU 7.2 starts it
   * only when TCO1_CNT or TCO_RLD is written (hw/acpi/tco.c: expire_time -1 at init).
   */
  readonly runsFromReset: boolean;
}

/** The datasheet's behaviour with the strap low. */
export const ICH9_TCO_PARAMS: Ich9TcoParams = Object.freeze({ noRebootStrap: false, runsFromReset: true });
/** QEMU 7.2's `q35` (ICH9-LPC noreboot=true; timer idle until programmed). */
export const QEMU_ICH9_TCO_PARAMS: Ich9TcoParams = Object.freeze({ noRebootStrap: true, runsFromReset: false });

/** Told of a second timeout that reboots (the default: a platform hard reset). Returns nothing. */
export type WatchdogRebootHandler = () => void;

/** Told of the first access to a chipset configuration register that is not modelled. */
export type UnmodelledRegisterListener = (what: string) => void;

const SMI_MESSAGE: ApicMessage = Object.freeze({
  vector: 0,
  deliveryMode: ApicDeliveryMode.Smi,
  logical: false,
  destination: 0xff,
  levelTriggered: false,
  assert: true,
  shorthand: 0,
  source: -1,
});

/**
 * The ICH9 TCO watchdog, id `ich9-tco` (ICH9 datasheet §5.14.2, §13.9; QEMU 7.2 hw/acpi/tco.c), with SMI_EN/SMI_STS
 * (PMBASE + 0x30) and GCS (RCBA + 0x3410). The 10-bit timer counts down every 0.6 s of virtual time; the first
 * expiry sets TCO_TIMEOUT and, when GBL_SMI_EN and TCO_EN allow, sends an SMI to every CPU on the APIC bus; a
 * second expiry without a TCO_RLD write sets SECOND_TO_STS and reboots the platform unless NO_REBOOT is set.
 * Its registers are placed by the ICH9 LPC bridge (PMBASE, ACPI_EN, RCBA). Guest accesses never throw.
 */
export class Ich9Tco implements Device {
  readonly id = 'ich9-tco';
  readonly kind = 'ich9-tco';
  private readonly timer: Timer;
  private readonly tcoHandler: IoHandler;
  private readonly smiHandler: IoHandler;
  private readonly rcbaHandler: IoHandler;
  private tcoRegion: Region | null = null;
  private smiRegion: Region | null = null;
  private rcbaRegion: Region | null = null;
  private rebootHandler: WatchdogRebootHandler | null = null;
  private unmodelledListener: UnmodelledRegisterListener | null = null;

  /** Count while the timer is stopped (TCO_RLD bits 9:0). */
  private count = 0;
  /** When the running timer reaches zero (ns), or null while it is stopped. */
  private expireAt: number | null = null;
  /** Expiries since the last TCO_RLD write (the second one is the "second timeout"). */
  private expiries = 0;
  private datIn = 0;
  private datOut = 0;
  private sts1 = 0;
  private sts2 = 0;
  private cnt1 = 0;
  private cnt2 = TCO2_CNT_RESET;
  private msg1 = 0;
  private msg2 = 0;
  private wdcnt = 0;
  private swIrqGen = SW_IRQ_GEN_RESET;
  private tmr = TCO_TMR_RESET;
  private smiEn = 0;
  private gcs = GCS_RESET;
  /** SMIs sent (for tests and tracing). */
  smiCount = 0;

  constructor(
    private readonly ports: PortBus,
    private readonly mmio: MmioBus,
    private readonly clock: VirtualClock,
    private readonly apicBus: ApicMessageSink,
    private readonly resetRequest: PlatformResetRequest | null,
    readonly params: Ich9TcoParams,
  ) {
    this.timer = clock.createTimer('ich9-tco', (now) => this.expired(now));
    this.tcoHandler = { read: (o, s) => this.readTco(o, s), write: (o, s, v) => this.writeTco(o, s, v) };
    this.smiHandler = { read: (o, s) => this.readSmi(o, s), write: (o, s, v) => this.writeSmi(o, s, v) };
    this.rcbaHandler = { read: (o, s, c) => this.readRcba(o, s, c), write: (o, s, v) => this.writeRcba(o, s, v) };
    this.powerOn();
  }

  /** Replaces what a rebooting second timeout does (null: the platform's hard reset). */
  onReboot(handler: WatchdogRebootHandler | null): void {
    this.rebootHandler = handler;
  }

  /** Hears accesses to chipset configuration registers other than GCS (not modelled: read 0). */
  onUnmodelledAccess(listener: UnmodelledRegisterListener | null): void {
    this.unmodelledListener = listener;
  }

  // ---- placement (by the LPC function) --------------------------------------------------------

  /** Decodes the TCO block at pmBase+0x60 and SMI_EN/SMI_STS at pmBase+0x30, or neither (null). */
  placePmio(pmBase: number | null): void {
    this.tcoRegion?.remove();
    this.smiRegion?.remove();
    this.tcoRegion = this.smiRegion = null;
    if (pmBase === null) return;
    this.tcoRegion = this.tryRegister(() =>
      this.ports.register(pmBase + TCO_BLOCK_OFFSET, TCO_BLOCK_LENGTH, this.tcoHandler, { owner: this.id, name: 'TCO', sizes: 1 | 2 | 4 }),
    );
    this.smiRegion = this.tryRegister(() =>
      this.ports.register(pmBase + SMI_BLOCK_OFFSET, 8, this.smiHandler, { owner: this.id, name: 'SMI_EN/SMI_STS', sizes: 1 | 2 | 4 }),
    );
  }

  /** Decodes the chipset configuration window at `base` (RCBA enabled), or not (null). */
  placeRcba(base: number | null): void {
    this.rcbaRegion?.remove();
    this.rcbaRegion = null;
    if (base === null) return;
    this.rcbaRegion = this.tryRegister(() => this.mmio.register(base, RCBA_LENGTH, this.rcbaHandler, { owner: this.id, name: 'RCBA', sizes: 1 | 2 | 4 }));
  }

  /** A guest-chosen base over another range decodes nothing there (never throws). */
  private tryRegister(register: () => Region): Region | null {
    try {
      return register();
    } catch (e) {
      if (e instanceof BusOverlapError || e instanceof BusRangeError) return null;
      throw e;
    }
  }

  // ---- the timer ------------------------------------------------------------------------------

  /** TCO_RLD bits 9:0: the ticks left (whole ticks, as QEMU's tco_ioport_readw rounds). */
  get ticksLeft(): number {
    if (this.expireAt === null) return this.count;
    return Math.floor((this.expireAt - this.clock.now) / TCO_TICK_NS) & TCO_COUNT_MASK;
  }

  get running(): boolean {
    return this.expireAt !== null;
  }

  /** NO_REBOOT as GCS reads it (the strap forces it). */
  get noReboot(): boolean {
    return (this.gcs & GCS_NO_REBOOT) !== 0 || this.params.noRebootStrap;
  }

  private start(from: number, ticks: number): void {
    this.expireAt = from + ticks * TCO_TICK_NS;
    this.timer.armAt(this.expireAt);
  }

  private halt(): void {
    if (this.expireAt === null) return;
    this.count = this.ticksLeft;
    this.expireAt = null;
    this.timer.cancel();
  }

  private expired(now: number): void {
    this.expireAt = null;
    this.count = 0;
    this.sts1 |= TCO1_STS.TIMEOUT;
    if (++this.expiries === 2) {
      this.expiries = 0;
      this.sts2 |= TCO2_STS.SECOND_TO;
      if (!this.noReboot) {
        this.reboot();
        return;
      }
    }
    this.raiseSmi();
    this.start(now, this.tmr);
  }

  private reboot(): void {
    if (this.rebootHandler !== null) {
      this.rebootHandler();
      return;
    }
    // SECOND_TO_STS lives in the resume well (§13.9.5): it tells the BIOS why the system restarted.
    const keep = this.sts2 & TCO2_STS.SECOND_TO;
    this.resetRequest?.requestReset('hard');
    this.sts2 |= keep;
  }

  private raiseSmi(): void {
    if ((this.smiEn & SMI_EN.GBL_SMI_EN) === 0 || (this.smiEn & SMI_EN.TCO_EN) === 0) return;
    this.smiCount++;
    this.apicBus.deliverApicMessage(SMI_MESSAGE);
  }

  // ---- TCO registers --------------------------------------------------------------------------

  private readByte(offset: number): number {
    switch (offset) {
      case TCO.RLD:
        return this.ticksLeft & 0xff;
      case TCO.RLD + 1:
        return this.ticksLeft >>> 8;
      case TCO.DAT_IN:
        return this.datIn;
      case TCO.DAT_OUT:
        return this.datOut;
      case TCO.STS1:
      case TCO.STS1 + 1:
        return (this.sts1 >>> ((offset - TCO.STS1) * 8)) & 0xff;
      case TCO.STS2:
      case TCO.STS2 + 1:
        return (this.sts2 >>> ((offset - TCO.STS2) * 8)) & 0xff;
      case TCO.CNT1:
      case TCO.CNT1 + 1:
        return (this.cnt1 >>> ((offset - TCO.CNT1) * 8)) & 0xff;
      case TCO.CNT2:
      case TCO.CNT2 + 1:
        return (this.cnt2 >>> ((offset - TCO.CNT2) * 8)) & 0xff;
      case TCO.MESSAGE1:
        return this.msg1;
      case TCO.MESSAGE2:
        return this.msg2;
      case TCO.WDCNT:
        return this.wdcnt;
      case TCO.SW_IRQ_GEN:
        return this.swIrqGen;
      case TCO.TMR:
      case TCO.TMR + 1:
        return (this.tmr >>> ((offset - TCO.TMR) * 8)) & 0xff;
      default:
        return 0; // reserved
    }
  }

  private readTco(offset: number, size: PortAccessSize): number {
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = (v << 8) | this.readByte(offset + i);
    return v >>> 0;
  }

  private writeTco(offset: number, size: PortAccessSize, value: number): void {
    // Each register the access covers gets its bytes (a 4-byte write at STS1 writes STS1 and STS2).
    const end = offset + size;
    for (const [reg, width] of TCO_REGISTERS) {
      const lo = Math.max(reg, offset);
      const hi = Math.min(reg + width, end);
      if (lo >= hi) continue;
      let v = 0;
      let mask = 0;
      for (let a = lo; a < hi; a++) {
        const shift = (a - reg) * 8;
        v |= ((value >>> ((a - offset) * 8)) & 0xff) << shift;
        mask |= 0xff << shift;
      }
      this.writeRegister(reg, v, mask);
    }
  }

  /** A write of the bytes in `mask` of register `reg`; unwritten bytes keep their value. */
  private writeRegister(reg: number, v: number, mask: number): void {
    switch (reg) {
      case TCO.RLD:
        // Any write reloads the count from TCO_TMR (§13.9.1) and starts the second-timeout count afresh.
        this.expiries = 0;
        if (this.cnt1 & TCO1_CNT.TMR_HLT) this.count = this.tmr;
        else this.start(this.clock.now, this.tmr);
        return;
      case TCO.DAT_IN:
        this.datIn = v;
        this.sts1 |= TCO1_STS.SW_TCO_SMI;
        this.raiseSmi();
        return;
      case TCO.DAT_OUT:
        this.datOut = v;
        this.sts1 |= TCO1_STS.TCO_INT_STS; // the interrupt TCO_INT_SEL would choose is not modelled
        return;
      case TCO.STS1:
        this.sts1 &= ~(v & mask);
        return;
      case TCO.STS2:
        this.sts2 &= ~(v & mask);
        return;
      case TCO.CNT1: {
        const merged = ((this.cnt1 & ~mask) | (v & mask)) & TCO1_CNT_WRITABLE;
        this.cnt1 = merged | (this.cnt1 & TCO1_CNT.LOCK); // TCO_LOCK: set once, cleared by reset only
        if (this.cnt1 & TCO1_CNT.TMR_HLT) this.halt();
        else if (this.expireAt === null) this.start(this.clock.now, this.tmr);
        return;
      }
      case TCO.CNT2:
        this.cnt2 = ((this.cnt2 & ~mask) | (v & mask)) & 0xffff;
        return;
      case TCO.MESSAGE1:
        this.msg1 = v;
        return;
      case TCO.MESSAGE2:
        this.msg2 = v;
        return;
      case TCO.WDCNT:
        this.wdcnt = v;
        return;
      case TCO.SW_IRQ_GEN:
        this.swIrqGen = v & 0x03;
        return;
      case TCO.TMR: {
        // Bits 9:0; "values of 0000h or 0001h will be ignored" (§13.9.11).
        const t = ((this.tmr & ~mask) | (v & mask)) & TCO_COUNT_MASK;
        if (t > 1) this.tmr = t;
        return;
      }
    }
  }

  // ---- SMI_EN / SMI_STS -----------------------------------------------------------------------

  private smiStatus(): number {
    const tco = this.sts1 & (TCO1_STS.TIMEOUT | TCO1_STS.SW_TCO_SMI) || this.sts2 & TCO2_STS.SECOND_TO;
    return tco ? SMI_STS_TCO : 0;
  }

  private readSmi(offset: number, size: PortAccessSize): number {
    const dwords = [this.smiEn, this.smiStatus()];
    let v = 0;
    for (let i = size - 1; i >= 0; i--) {
      const a = offset + i;
      v = (v << 8) | ((dwords[a >>> 2]! >>> ((a & 3) * 8)) & 0xff);
    }
    return v >>> 0;
  }

  private writeSmi(offset: number, size: PortAccessSize, value: number): void {
    for (let i = 0; i < size; i++) {
      const a = offset + i;
      if (a >= 4) continue; // SMI_STS: TCO_STS follows the TCO status bits
      const shift = a * 8;
      let next = ((this.smiEn & ~(0xff << shift)) | (((value >>> (i * 8)) & 0xff) << shift)) >>> 0;
      if (this.cnt1 & TCO1_CNT.LOCK) next = (next & ~SMI_EN.TCO_EN) | (this.smiEn & SMI_EN.TCO_EN);
      this.smiEn = next >>> 0;
    }
  }

  // ---- chipset configuration registers (RCBA window) -------------------------------------------

  private readRcba(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    if (offset >= GCS_OFFSET && offset + size <= GCS_OFFSET + 4) {
      const gcs = this.noReboot ? this.gcs | GCS_NO_REBOOT : this.gcs & ~GCS_NO_REBOOT;
      return ((gcs >>> ((offset - GCS_OFFSET) * 8)) & (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1)) >>> 0;
    }
    this.unmodelledListener?.(`chipset configuration register RCBA+0x${offset.toString(16)}`);
    return 0;
  }

  private writeRcba(offset: number, size: PortAccessSize, value: number): void {
    if (offset >= GCS_OFFSET && offset + size <= GCS_OFFSET + 4) {
      const shift = (offset - GCS_OFFSET) * 8;
      const mask = (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1) << shift;
      this.gcs = ((this.gcs & ~mask) | ((value << shift) & mask)) >>> 0;
      return;
    }
    this.unmodelledListener?.(`chipset configuration register RCBA+0x${offset.toString(16)}`);
  }

  // ---- Device ---------------------------------------------------------------------------------

  private powerOn(): void {
    this.timer.cancel();
    this.expireAt = null;
    this.count = 0;
    this.expiries = 0;
    this.datIn = this.datOut = this.sts1 = this.sts2 = this.cnt1 = 0;
    this.cnt2 = TCO2_CNT_RESET;
    this.msg1 = this.msg2 = this.wdcnt = 0;
    this.swIrqGen = SW_IRQ_GEN_RESET;
    this.tmr = TCO_TMR_RESET;
    this.smiEn = 0;
    this.gcs = GCS_RESET;
    if (this.params.runsFromReset) this.start(this.clock.now, this.tmr);
  }

  reset(): void {
    this.powerOn();
  }

  snapshot(): PlainData {
    return {
      expireAt: this.expireAt,
      count: this.ticksLeft,
      expiries: this.expiries,
      datIn: this.datIn,
      datOut: this.datOut,
      sts1: this.sts1,
      sts2: this.sts2,
      cnt1: this.cnt1,
      cnt2: this.cnt2,
      msg1: this.msg1,
      msg2: this.msg2,
      wdcnt: this.wdcnt,
      swIrqGen: this.swIrqGen,
      tmr: this.tmr,
      smiEn: this.smiEn,
      gcs: this.gcs,
    };
  }

  restore(state: unknown): void {
    const r = new SnapshotReader(state, this.id);
    const expireAt = r.has('expireAt') && (state as Record<string, unknown>)['expireAt'] === null ? null : r.int('expireAt', 0, Number.MAX_SAFE_INTEGER);
    const next = {
      count: r.int('count', 0, TCO_COUNT_MASK),
      expiries: r.int('expiries', 0, 1),
      datIn: r.uint('datIn', 8),
      datOut: r.uint('datOut', 8),
      sts1: r.uint('sts1', 16),
      sts2: r.uint('sts2', 16),
      cnt1: r.uint('cnt1', 16),
      cnt2: r.uint('cnt2', 16),
      msg1: r.uint('msg1', 8),
      msg2: r.uint('msg2', 8),
      wdcnt: r.uint('wdcnt', 8),
      swIrqGen: r.int('swIrqGen', 0, 3),
      tmr: r.int('tmr', 2, TCO_COUNT_MASK),
      smiEn: r.uint('smiEn', 32),
      gcs: r.uint('gcs', 32),
    };
    if ((next.cnt1 & ~TCO1_CNT_WRITABLE) !== 0) throw new SnapshotError(`${this.id}.cnt1: 0x${next.cnt1.toString(16)} has bits no guest can set`);
    this.timer.cancel();
    Object.assign(this, next);
    this.expireAt = expireAt;
    if (expireAt !== null) this.timer.armAt(expireAt);
  }
}

/** The registers of the TCO block by offset and width in bytes. */
const TCO_REGISTERS: readonly (readonly [number, number])[] = [
  [TCO.RLD, 2],
  [TCO.DAT_IN, 1],
  [TCO.DAT_OUT, 1],
  [TCO.STS1, 2],
  [TCO.STS2, 2],
  [TCO.CNT1, 2],
  [TCO.CNT2, 2],
  [TCO.MESSAGE1, 1],
  [TCO.MESSAGE2, 1],
  [TCO.WDCNT, 1],
  [TCO.SW_IRQ_GEN, 1],
  [TCO.TMR, 2],
];
