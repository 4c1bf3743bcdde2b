// The ACPI PM timer (PM_TMR) and PM1a event block (PM1a_STS/PM1a_EN), plus PM1a_CNT where the
// profile has it. ACPI 6.x §4.8.3: a free-running 3.579545 MHz counter; TMR_STS is set whenever its
// most significant bit toggles; an SCI is raised while an enabled status bit is set.
// Analytic: the count is computed from the virtual clock at each read; the only event scheduled
// is the next MSB toggle, and only while TMR_EN is set and TMR_STS clear.
import { allOnes, type PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Region } from '../../bus/region.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { IrqLine } from '../../irq/line.js';
import type { Timer, VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { StateDescription } from '../../device-model/state-description.js';
import { int, nullable, u16 } from '../../device-model/state-fields.js';
import { PM1_CNT, PM1_STS, PM_TIMER_HZ, validatePmParams, type PmParams } from './pm-params.js';

const NS_PER_S = 1_000_000_000;
/** SCI is ISA IRQ 9 (Xen SCI_IRQ; the FADT's SCI_INT). */
export const SCI_IRQ = 9;
/** PM1a_CNT bits that read back (GBL_RLS and SLP_EN are write-only). */
const CNT_READABLE = PM1_CNT.SCI_EN | PM1_CNT.BM_RLD | PM1_CNT.SLP_TYP_MASK;

/** PM timer ticks elapsed at `ns`, exact below 2^53 ns (split so no product exceeds 2^53). */
export function pmTicksAt(ns: number): number {
  const q = Math.floor(ns / NS_PER_S);
  const r = ns - q * NS_PER_S;
  return q * PM_TIMER_HZ + Math.floor((r * PM_TIMER_HZ) / NS_PER_S);
}

/** The first ns at which pmTicksAt reaches `ticks`. */
export function pmTickTime(ticks: number): number {
  const a = Math.floor(ticks / PM_TIMER_HZ);
  const b = ticks - a * PM_TIMER_HZ;
  return a * NS_PER_S + Math.ceil((b * NS_PER_S) / PM_TIMER_HZ);
}

/** Told when the guest writes SLP_EN (ACPI §4.8.3.2.1), with the SLP_TYP value. */
export type SleepListener = (slpTyp: number) => void;

/**
 * The ACPI PM block on the port bus: PM1a_STS/PM1a_EN, PM1a_CNT where the profile has it, and PM_TMR,
 * a 3.579545 MHz count of virtual time (24 or 32 bits); the SCI is ISA IRQ 9. The block is decoded at
 * `params.locations[initialLocation]` until `relocate` (Xen) or a chipset's `place` moves it.
 * @throws PmParamError from the constructor for bad params
 */
export class PmTimer implements Device {
  readonly id = 'pm';
  readonly kind = 'acpi-pm1';
  readonly params: PmParams;
  private readonly sci: IrqLine;
  private readonly flipTimer: Timer;
  private readonly half: number;
  private readonly mask: number;
  private readonly eventHandler: IoHandler;
  private readonly controlHandler: IoHandler;
  private readonly timerHandler: IoHandler;
  private evtRegion: Region | null = null;
  private cntRegion: Region | null = null;
  private tmrRegion: Region | null = null;
  private sleepListener: SleepListener | null = null;

  private sts = 0;
  private en = 0;
  private cnt = 0;
  /** PM_TMR = (ticks(now) + offset) mod 2^bits. */
  private offset = 0;
  /** floor((ticks + offset) / 2^(bits-1)) when TMR_STS was last brought up to date. */
  private flipIndex = 0;
  private baseNow: number | null = null;

  constructor(
    private readonly ports: PortBus,
    fabric: InterruptFabric,
    private readonly clock: VirtualClock,
    params: PmParams,
  ) {
    validatePmParams(params);
    this.params = params;
    this.half = 2 ** (params.timerBits - 1);
    this.mask = params.timerBits === 32 ? 0xffffffff : 0xffffff;
    this.sci = fabric.isaLine(SCI_IRQ);
    this.flipTimer = clock.createTimer('pm.tmr-msb', () => this.onFlip());
    this.eventHandler = { read: (o, s) => this.readEvent(o, s), write: (o, s, v) => this.writeEvent(o, s, v) };
    this.controlHandler = { read: (o, s) => this.readControl(o, s), write: (o, s, v) => this.writeControl(o, s, v) };
    this.timerHandler = { read: (o, s) => this.readTimer(o, s), write: () => undefined };
    this.resetTimerCount();
    if (params.initialLocation !== null) this.place(params.locations[params.initialLocation]!);
  }

  // ---- placement ------------------------------------------------------------------------------

  /** Where the block is decoded (PM1a_STS port), or null. */
  get base(): number | null {
    return this.baseNow;
  }

  /**
   * Decodes the block at `base` (PM1a_STS; EN at +2, CNT at +4 when present, TMR at +8), or stops
   * decoding it (null). Used by a chipset function (PIIX4 PMBA + PMREGMISC). Returns false, leaving
   * the block where it was, when the ports are taken or out of range: a guest-programmed base never throws.
   */
  place(base: number | null): boolean {
    if (base === this.baseNow) return true;
    if (base === null) {
      this.evtRegion?.remove();
      this.cntRegion?.remove();
      this.tmrRegion?.remove();
      this.evtRegion = this.cntRegion = this.tmrRegion = null;
      this.baseNow = null;
      return true;
    }
    if (!Number.isInteger(base) || base < 0 || base + 12 > 0x10000 || !this.portsFree(base)) return false;
    this.place(null);
    const owner = this.id;
    this.evtRegion = this.ports.register(base, 4, this.eventHandler, { owner, name: 'PM1a_EVT', sizes: this.params.eventSizes });
    if (this.params.controlRegister) {
      this.cntRegion = this.ports.register(base + 4, 2, this.controlHandler, { owner, name: 'PM1a_CNT', sizes: 1 | 2 });
    }
    this.tmrRegion = this.ports.register(base + 8, 4, this.timerHandler, { owner, name: 'PM_TMR', sizes: 1 | 2 | 4 });
    this.baseNow = base;
    return true;
  }

  /** Xen's HVM_PARAM_ACPI_IOPORTS_LOCATION: moves the block to `locations[location]`. */
  relocate(location: number): boolean {
    const base = this.params.locations[location];
    return base !== undefined && this.place(base);
  }

  private portsFree(base: number): boolean {
    const spans: [number, number][] = [
      [base, 4],
      [base + 8, 4],
    ];
    if (this.params.controlRegister) spans.push([base + 4, 2]);
    for (const [start, len] of spans) {
      for (let p = start; p < start + len; p++) {
        const r = this.ports.regionAt(p);
        if (r !== null && r !== this.evtRegion && r !== this.cntRegion && r !== this.tmrRegion) return false;
      }
    }
    return true;
  }

  // ---- registers ------------------------------------------------------------------------------

  /** PM_TMR now. */
  timerValue(): number {
    return (pmTicksAt(this.clock.now) + this.offset) % (this.mask + 1);
  }

  private readTimer(offset: number, size: PortAccessSize): number {
    if (size !== 4 && this.params.timerNarrowReads === 'ones') return allOnes(size);
    return (this.timerValue() >>> (offset * 8)) & allOnes(size);
  }

  private readEvent(offset: number, size: PortAccessSize): number {
    this.syncTimerStatus();
    const both = (this.sts | (this.en << 16)) >>> 0;
    return (both >>> (offset * 8)) & allOnes(size);
  }

  private writeEvent(offset: number, size: PortAccessSize, value: number): void {
    this.syncTimerStatus();
    // Byte by byte, as Xen's handle_evt_io: STS bytes are write-1-to-clear, EN bytes are stored.
    for (let i = 0; i < size; i++) {
      const byte = (value >>> (8 * i)) & 0xff;
      const at = offset + i;
      if (at < 2) this.sts &= ~(byte << (8 * at));
      else this.en = (this.en & ~(0xff << (8 * (at - 2)))) | (byte << (8 * (at - 2)));
    }
    this.sts &= 0xffff;
    this.en &= 0xffff;
    this.update();
  }

  private readControl(offset: number, size: PortAccessSize): number {
    return ((this.cnt & CNT_READABLE) >>> (offset * 8)) & allOnes(size);
  }

  private writeControl(offset: number, size: PortAccessSize, value: number): void {
    const v = ((value & allOnes(size)) << (offset * 8)) & 0xffff;
    const keep = offset === 0 && size === 2 ? 0 : offset === 0 ? 0xff00 : 0x00ff;
    this.cnt = ((this.cnt & keep) | (v & ~keep)) & CNT_READABLE;
    this.update();
    if (v & PM1_CNT.SLP_EN) this.sleepListener?.((this.cnt & PM1_CNT.SLP_TYP_MASK) >>> PM1_CNT.SLP_TYP_SHIFT);
  }

  // ---- status, SCI and the MSB-toggle event ---------------------------------------------------

  /** Sets TMR_STS if the counter's MSB toggled since the last look. */
  private syncTimerStatus(): void {
    const idx = Math.floor((pmTicksAt(this.clock.now) + this.offset) / this.half);
    if (idx !== this.flipIndex) {
      this.flipIndex = idx;
      this.sts |= PM1_STS.TMR;
    }
  }

  private onFlip(): void {
    this.syncTimerStatus();
    this.update();
  }

  /** SCI level and the next MSB event after any change. */
  private update(): void {
    let level = (this.sts & this.en & this.params.sciSources) !== 0;
    if (this.params.sciRequiresSciEn && this.params.controlRegister && !(this.cnt & PM1_CNT.SCI_EN)) level = false;
    this.sci.set(level);
    // Only an enabled, clear TMR_STS needs a deadline; otherwise reads find the status analytically.
    if (this.en & PM1_STS.TMR && !(this.sts & PM1_STS.TMR)) {
      this.flipTimer.armAt(pmTickTime((this.flipIndex + 1) * this.half - this.offset));
    } else {
      this.flipTimer.cancel();
    }
  }

  private resetTimerCount(): void {
    const ticks = pmTicksAt(this.clock.now);
    this.offset = this.params.resetZeroesTimer ? (this.mask + 1 - (ticks % (this.mask + 1))) % (this.mask + 1) : 0;
    this.flipIndex = Math.floor((ticks + this.offset) / this.half);
  }

  // ---- host API -------------------------------------------------------------------------------

  /** Power button press (Xen: XEN_DOMCTL_sendtrigger POWER): sets PWRBTN_STS. */
  pressPowerButton(): void {
    this.syncTimerStatus();
    this.sts |= PM1_STS.PWRBTN;
    this.update();
  }

  /** Sleep button press (XEN_DOMCTL_sendtrigger SLEEP): sets SLPBTN_STS. */
  pressSleepButton(): void {
    this.syncTimerStatus();
    this.sts |= PM1_STS.SLPBTN;
    this.update();
  }

  /** Called when the guest sets SLP_EN (profiles with PM1a_CNT). */
  onSleepRequest(listener: SleepListener | null): void {
    this.sleepListener = listener;
  }

  get sciLevel(): boolean {
    return this.sci.level;
  }

  /** When the next MSB-toggle event is scheduled (ns), or null. */
  get nextEventAt(): number | null {
    return this.flipTimer.armed ? this.flipTimer.deadline : null;
  }

  reset(): void {
    this.sts = 0;
    this.en = 0;
    this.cnt = 0;
    this.resetTimerCount();
    this.update();
  }

  readonly stateDescription = PM_TIMER_STATE;

  snapshot(): PlainData {
    this.syncTimerStatus();
    return PM_TIMER_STATE.snapshot(this);
  }

  /** @internal For PM_TIMER_STATE: PM_TMR now. */
  get tmr(): number {
    return this.timerValue();
  }

  checkState(state: unknown): void {
    const s = PM_TIMER_STATE.check(state, this.id, this.params);
    const base = s.base;
    if (base !== null && this.params.locations.length > 0 && !this.params.locations.includes(base)) {
      throw new SnapshotError(`${this.id}.base: 0x${base.toString(16)} is not one of this profile's locations`);
    }
    if (s.cnt & ~CNT_READABLE || (!this.params.controlRegister && s.cnt !== 0)) {
      throw new SnapshotError(`${this.id}.cnt: 0x${s.cnt.toString(16)} is not a reachable PM1a_CNT value`);
    }
    if (base !== null && base !== this.baseNow && !this.portsFree(base)) throw new SnapshotError(`${this.id}.base: ports at 0x${base.toString(16)} are taken`);
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted and never throws. Moves the PM1a block to the
   * state's port base, and sets the counter offset so that PM_TMR reads the saved value at the current virtual time
   * and keeps counting at 3.579545 MHz from there (the clock itself is not rewound).
   */
  applyState(state: unknown): void {
    const s = state as typeof PM_TIMER_STATE.json;
    this.place(s.base);
    const ticks = pmTicksAt(this.clock.now);
    const modulus = this.mask + 1;
    this.offset = (((s.tmr - ticks) % modulus) + modulus) % modulus;
    this.flipIndex = Math.floor((ticks + this.offset) / this.half);
    PM_TIMER_STATE.apply(this, s);
    this.update();
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}

/** The ACPI PM block's state: where it is decoded, PM_TMR's value, PM1a_STS/EN/CNT. */
export const PM_TIMER_STATE = new StateDescription('acpi-pm', 1, {
  /** PM1a_STS's port, null when the block is not decoded. */
  base: nullable(int(0, 0xfff4)).manual(),
  tmr: int(0, (p: PmParams) => 2 ** p.timerBits - 1).manual(),
  sts: u16(),
  en: u16(),
  cnt: u16(),
});
