// Motorola MC146818 real-time clock with 128 bytes of CMOS at ports 0x70 (index) / 0x71 (data).
//
// Time is analytic: the 32.768 kHz divider chain has an origin (a time-base edge number); updates
// happen every 32768 edges after it, periodic taps every 2^(RS-1) edges. Registers are brought up
// to date lazily (sync) from the edges that passed since the last access; only events that move
// IRQ8 are scheduled on the clock. Time registers are stored as the raw bytes the guest sees and
// advanced with exact calendar arithmetic, so a guest-set time persists and keeps running.
import { inject, injectable } from 'tsyringe';
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { LevelObserver } from '../../irq/line.js';
import { CLOCK, INTERRUPT_FABRIC, PORT_BUS } from '../../platform/tokens.js';
import type { Timer, VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../device.js';
import { SnapshotError, SnapshotReader } from '../snapshot.js';
import { Crystal } from '../pit/crystal.js';
import { OutputLine } from '../pit/output-line.js';
import { MissedTicks } from '../timer-mode/missed-ticks.js';
import { TIMER_MODE, TimerModeError, type TimerMode } from '../timer-mode/timer-mode.js';
import { dayOfWeek, decodeField, decodeHour, daysFromCivil, encodeField, encodeHour, fromEpochSeconds } from './calendar.js';
import { RTC_PARAMS, RTC_START_TIME, checkRtcParams, parseRtcStartTime, type RtcParams, type RtcStartTime } from './rtc-params.js';

export const RTC_INDEX_PORT = 0x70;
export const RTC_DATA_PORT = 0x71;

/** CMOS register indices (MC146818 datasheet, "Address Map"). */
export const RTC_REG = Object.freeze({
  SECONDS: 0x00,
  SECONDS_ALARM: 0x01,
  MINUTES: 0x02,
  MINUTES_ALARM: 0x03,
  HOURS: 0x04,
  HOURS_ALARM: 0x05,
  DAY_OF_WEEK: 0x06,
  DAY_OF_MONTH: 0x07,
  MONTH: 0x08,
  YEAR: 0x09,
  A: 0x0a,
  B: 0x0b,
  C: 0x0c,
  D: 0x0d,
} as const);

export const RTC_REG_A = Object.freeze({ UIP: 0x80, DV: 0x70, RS: 0x0f } as const);
export const RTC_REG_B = Object.freeze({ SET: 0x80, PIE: 0x40, AIE: 0x20, UIE: 0x10, SQWE: 0x08, DM: 0x04, H24: 0x02, DSE: 0x01 } as const);
/** Register C flags sit at the same bit positions as their enables in register B. */
export const RTC_REG_C = Object.freeze({ IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const);
export const RTC_REG_D_VRT = 0x80;
/** Xen's reset values: 32.768 kHz divider with rate 6 (1024 Hz); 24-hour BCD. */
export const RTC_RESET_A = 0x26;
export const RTC_RESET_B = 0x02;

export const RTC_HZ = 32_768;
export const RTC_CRYSTAL = new Crystal(RTC_HZ);
const EDGES_PER_SECOND = RTC_HZ;
/** "When the divider reset is removed, the first update cycle begins one-half second later." */
const HALF_SECOND_EDGES = RTC_HZ / 2;
const ALARM_DONT_CARE = 0xc0;
const SECONDS_PER_DAY = 86_400;
const CMOS_SIZE = 128;
const XEN_CMOS_SIZE = 0x0e;

/** Periodic interrupt period in time-base edges for rate select RS (0: none). Rates 1–2 act as 8–9. */
export function rtcPeriodicEdges(rs: number): number {
  const r = rs & 0x0f;
  if (r === 0) return 0;
  return 2 ** ((r <= 2 ? r + 7 : r) - 1);
}

/** The divider chain runs for DV = 000, 001, 010 (Xen treats the 4 MHz and 1 MHz bases like 32 kHz). */
function dividerRuns(a: number): boolean {
  return ((a >> 4) & 7) <= 2;
}

@injectable()
export class Rtc implements Device, IoHandler {
  readonly id = 'rtc';
  readonly kind = 'mc146818';
  /** Raw CMOS contents; register C lives in `flags`, register D is constant. */
  private readonly cmos = new Uint8Array(CMOS_SIZE);
  private index = 0;
  private nmiDisabled = false;
  /** Register C's PF/AF/UF bits. */
  private flags = 0;
  /** Virtual time (ns) up to which updates and periodic taps have been applied. */
  private lastSync: number;
  /** Time-base edges at lastSync (derived, not saved). */
  private lastSyncEdge: number;
  /** Time-base edge number where the divider chain's count is 0 (updates at +32768·k, k ≥ 1). */
  private chainOrigin: number;
  private legacyReplacement = false;
  readonly missedTicks: MissedTicks;
  private readonly params: RtcParams;
  private readonly irq8: OutputLine;
  private readonly timer: Timer;

  constructor(
    @inject(PORT_BUS) ports: PortBus,
    @inject(INTERRUPT_FABRIC) fabric: InterruptFabric,
    @inject(CLOCK) private readonly clock: VirtualClock,
    @inject(RTC_PARAMS) params: RtcParams,
    @inject(RTC_START_TIME) startTime: RtcStartTime,
    @inject(TIMER_MODE) timerMode: TimerMode,
  ) {
    this.params = checkRtcParams(params);
    const start = parseRtcStartTime(startTime);
    this.missedTicks = new MissedTicks(timerMode);
    this.irq8 = new OutputLine(fabric.isaLine(8));
    this.timer = clock.createTimer('rtc.irq8', () => this.onEvent());
    this.lastSync = clock.now;
    this.lastSyncEdge = RTC_CRYSTAL.edgesAt(clock.now);
    this.chainOrigin = this.lastSyncEdge;
    for (const [k, v] of Object.entries(params.nvramInit)) this.cmos[Number(k)] = v;
    this.cmos[RTC_REG.A] = RTC_RESET_A;
    this.cmos[RTC_REG.B] = RTC_RESET_B;
    this.cmos[RTC_REG.D] = RTC_REG_D_VRT;
    this.writeTime(start, dayOfWeek(Math.floor(start / SECONDS_PER_DAY)));
    ports.register(RTC_INDEX_PORT, 2, this, { owner: this.id, name: 'mc146818', sizes: 1 });
  }

  // --- guest accesses ------------------------------------------------------------------------

  read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    if (offset === 0) return this.params.indexPortRead;
    return this.readData(this.index);
  }

  write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    if (offset === 0) {
      // Bit 7 of the index port is the PC's NMI mask, not part of the index.
      this.index = value & 0x7f;
      this.nmiDisabled = (value & 0x80) !== 0;
      return;
    }
    this.writeData(this.index, value & 0xff);
  }

  private claimed(i: number): boolean {
    return i < XEN_CMOS_SIZE || this.params.nvram;
  }

  private readData(i: number): number {
    if (!this.claimed(i)) return 0xff; // Xen: left to the device model; nothing answers
    this.deliver(this.sync());
    switch (i) {
      case RTC_REG.A:
        return this.cmos[i]! | (this.updateInProgress() ? RTC_REG_A.UIP : 0);
      case RTC_REG.C: {
        const v = this.flags | (this.irqf() ? RTC_REG_C.IRQF : 0);
        this.flags = 0; // read-to-clear, and IRQ8 drops
        this.irq8.lower();
        this.schedule();
        return v;
      }
      case RTC_REG.D:
        return RTC_REG_D_VRT;
      default:
        return this.cmos[i]!;
    }
  }

  private writeData(i: number, v: number): void {
    if (!this.claimed(i)) return;
    this.deliver(this.sync());
    switch (i) {
      case RTC_REG.A: {
        const wasRunning = dividerRuns(this.cmos[i]!);
        this.cmos[i] = v & 0x7f; // UIP is read-only
        if (!wasRunning && dividerRuns(v)) this.chainOrigin = RTC_CRYSTAL.edgesAt(this.clock.now) - HALF_SECOND_EDGES;
        break;
      }
      case RTC_REG.B: {
        const old = this.cmos[i]!;
        // "UIE is cleared when the SET bit goes high."
        if ((old & RTC_REG_B.SET) === 0 && (v & RTC_REG_B.SET) !== 0) v &= ~RTC_REG_B.UIE;
        this.cmos[i] = v;
        break;
      }
      case RTC_REG.C:
      case RTC_REG.D:
        return; // read-only
      default:
        this.cmos[i] = v;
    }
    this.deliver(0);
    this.schedule();
  }

  // --- time ----------------------------------------------------------------------------------

  private get binary(): boolean {
    return (this.cmos[RTC_REG.B]! & RTC_REG_B.DM) !== 0;
  }

  private get h24(): boolean {
    return (this.cmos[RTC_REG.B]! & RTC_REG_B.H24) !== 0;
  }

  private running(): boolean {
    return dividerRuns(this.cmos[RTC_REG.A]!);
  }

  /** The time registers as seconds since 1970 (out-of-range fields roll over as in mktime). */
  private readTime(): number {
    const b = this.binary;
    const c = this.cmos;
    const ci = this.params.centuryIndex;
    const century = ci === null ? 20 : decodeField(c[ci]!, b);
    const year = century * 100 + decodeField(c[RTC_REG.YEAR]!, b);
    const days = daysFromCivil(year, decodeField(c[RTC_REG.MONTH]!, b), decodeField(c[RTC_REG.DAY_OF_MONTH]!, b));
    return (
      days * SECONDS_PER_DAY +
      decodeHour(c[RTC_REG.HOURS]!, b, this.h24) * 3600 +
      decodeField(c[RTC_REG.MINUTES]!, b) * 60 +
      decodeField(c[RTC_REG.SECONDS]!, b)
    );
  }

  private writeTime(s: number, dow: number): void {
    const b = this.binary;
    const t = fromEpochSeconds(s);
    const c = this.cmos;
    c[RTC_REG.SECONDS] = encodeField(t.second, b);
    c[RTC_REG.MINUTES] = encodeField(t.minute, b);
    c[RTC_REG.HOURS] = encodeHour(t.hour, b, this.h24);
    c[RTC_REG.DAY_OF_WEEK] = encodeField(dow, b);
    c[RTC_REG.DAY_OF_MONTH] = encodeField(t.day, b);
    c[RTC_REG.MONTH] = encodeField(t.month, b);
    c[RTC_REG.YEAR] = encodeField(t.year % 100, b);
    const ci = this.params.centuryIndex;
    if (ci !== null) c[ci] = encodeField(Math.floor(t.year / 100) % 100, b);
  }

  /**
   * An alarm byte as the value it matches: -1 for "don't care" (0xC0–0xFF), -2 for a byte no
   * time can show (the alarm then never fires), else the value (hours as 0–23).
   */
  private alarmTarget(alarm: number, kind: 'sec' | 'min' | 'hour'): number {
    if ((alarm & ALARM_DONT_CARE) === ALARM_DONT_CARE) return -1;
    const b = this.binary;
    if (kind === 'hour') {
      const h = decodeHour(alarm, b, this.h24);
      return h < 24 && encodeHour(h, b, this.h24) === alarm ? h : -2;
    }
    const v = decodeField(alarm, b);
    return v < 60 && encodeField(v, b) === alarm ? v : -2;
  }

  /**
   * First i in [from, limit] for which second `base + i` matches the alarm (compared at each
   * update), or -1. Jumps straight to the next matching second, minute and hour.
   */
  private nextAlarm(base: number, from: number, limit: number): number {
    const c = this.cmos;
    const sT = this.alarmTarget(c[RTC_REG.SECONDS_ALARM]!, 'sec');
    const mT = this.alarmTarget(c[RTC_REG.MINUTES_ALARM]!, 'min');
    const hT = this.alarmTarget(c[RTC_REG.HOURS_ALARM]!, 'hour');
    if (sT === -2 || mT === -2 || hT === -2) return -1;
    let i = from;
    while (i <= limit) {
      const sod = (((base + i) % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
      const h = Math.floor(sod / 3600);
      const m = Math.floor(sod / 60) % 60;
      const sec = sod % 60;
      if (sT >= 0 && sec !== sT) i += (sT - sec + 60) % 60;
      // A jump to another minute or hour lands on its first second that the lower fields allow.
      else if (mT >= 0 && m !== mT) i += ((mT - m + 60) % 60) * 60 - (sT < 0 ? sec : 0);
      else if (hT >= 0 && h !== hT) i += ((hT - h + 24) % 24) * 3600 - (mT < 0 ? m * 60 : 0) - (sT < 0 ? sec : 0);
      else return i;
    }
    return -1;
  }

  /** Applies the updates and periodic taps since the last sync; returns the flags they raised. */
  private sync(): number {
    const now = this.clock.now;
    if (now <= this.lastSync) return 0;
    const nowEdge = RTC_CRYSTAL.edgesAt(now);
    let occurred = 0;
    if (this.running()) {
      const o = this.chainOrigin;
      const ka = this.lastSyncEdge - o;
      const kb = nowEdge - o;
      const updates = Math.floor(kb / EDGES_PER_SECOND) - Math.floor(ka / EDGES_PER_SECOND);
      if (updates > 0 && (this.cmos[RTC_REG.B]! & RTC_REG_B.SET) === 0) {
        occurred |= RTC_REG_C.UF;
        const t0 = this.readTime();
        // The alarm is compared at every update; the pattern repeats daily, so a day is enough.
        if (this.nextAlarm(t0, Math.max(1, updates - SECONDS_PER_DAY + 1), updates) > 0) {
          occurred |= RTC_REG_C.AF;
        }
        const t1 = t0 + updates;
        const days = Math.floor(t1 / SECONDS_PER_DAY) - Math.floor(t0 / SECONDS_PER_DAY);
        const dow0 = decodeField(this.cmos[RTC_REG.DAY_OF_WEEK]!, this.binary);
        this.writeTime(t1, ((((dow0 - 1 + days) % 7) + 7) % 7) + 1);
      }
      const p = rtcPeriodicEdges(this.cmos[RTC_REG.A]!);
      if (p > 0 && Math.floor(kb / p) > Math.floor(ka / p)) occurred |= RTC_REG_C.PF;
    }
    this.lastSync = now;
    this.lastSyncEdge = nowEdge;
    this.flags |= occurred;
    return occurred;
  }

  /** UIP: the next update is at most uipWindowEdges cycles away (never while SET or with the divider held). */
  private updateInProgress(): boolean {
    if (!this.running() || (this.cmos[RTC_REG.B]! & RTC_REG_B.SET) !== 0) return false;
    const K = this.edgeNow();
    return this.nextUpdateEdge(K) - K <= this.params.uipWindowEdges;
  }

  /** Time-base edges now (cached from the last sync when it was at this instant). */
  private edgeNow(): number {
    return this.lastSync === this.clock.now ? this.lastSyncEdge : RTC_CRYSTAL.edgesAt(this.clock.now);
  }

  private nextUpdateEdge(K: number): number {
    const o = this.chainOrigin;
    return o + EDGES_PER_SECOND * (Math.floor((K - o) / EDGES_PER_SECOND) + 1);
  }

  // --- IRQ8 ----------------------------------------------------------------------------------

  private irqf(): boolean {
    return (this.flags & this.cmos[RTC_REG.B]! & (RTC_REG_C.PF | RTC_REG_C.AF | RTC_REG_C.UF)) !== 0;
  }

  /** Drives IRQ8 after `occurred` events: the level is IRQF; Xen's no-ack mode re-edges on each enabled event. */
  private deliver(occurred: number): void {
    if (this.legacyReplacement) return;
    if (!this.irqf()) {
      this.irq8.lower();
      return;
    }
    const enabledNew = occurred & this.cmos[RTC_REG.B]!;
    if (this.params.irqNoAck && enabledNew !== 0 && this.irq8.level) {
      this.irq8.lower();
      this.irq8.raise();
    } else {
      this.irq8.raise();
    }
    if ((enabledNew & RTC_REG_C.PF) !== 0) this.missedTicks.tick();
  }

  /** Arms the timer for the next event that can move IRQ8, if any. */
  private schedule(): void {
    if (this.legacyReplacement || !this.running() || (!this.params.irqNoAck && this.irqf())) {
      // Level mode with IRQF set: nothing can move the line until register C is read.
      this.timer.cancel();
      return;
    }
    const b = this.cmos[RTC_REG.B]!;
    const K = this.edgeNow();
    const o = this.chainOrigin;
    let next = Infinity;
    const p = rtcPeriodicEdges(this.cmos[RTC_REG.A]!);
    if ((b & RTC_REG_B.PIE) !== 0 && p > 0) next = o + p * (Math.floor((K - o) / p) + 1);
    if ((b & RTC_REG_B.SET) === 0 && (b & (RTC_REG_B.UIE | RTC_REG_B.AIE)) !== 0) {
      const u = this.nextUpdateEdge(K);
      if ((b & RTC_REG_B.UIE) !== 0) next = Math.min(next, u);
      else if (u < next) {
        const i = this.nextAlarm(this.readTime(), 1, SECONDS_PER_DAY);
        if (i > 0) next = Math.min(next, u + (i - 1) * EDGES_PER_SECOND);
      }
    }
    if (next === Infinity) this.timer.cancel();
    else this.timer.armAt(RTC_CRYSTAL.edgeTime(next));
  }

  private onEvent(): void {
    this.deliver(this.sync());
    this.schedule();
  }

  // --- host API ------------------------------------------------------------------------------

  /**
   * HPET legacy-replacement routing (IA-PC HPET 1.0a §2.3.5, LEG_RT_CNF): timer 1 owns IRQ8 and the RTC's
   * interrupt output is disconnected. Flags in register C keep latching.
   */
  setLegacyReplacement(on: boolean): void {
    if (on === this.legacyReplacement) return;
    this.legacyReplacement = on;
    if (on) {
      this.irq8.lower();
      this.timer.cancel();
    } else {
      this.deliver(this.sync());
      this.schedule();
    }
  }

  /** Observes IRQ8 as the RTC drives it (without other sources on the shared line). */
  observeIrq(fn: LevelObserver): () => void {
    return this.irq8.observe(fn);
  }

  /** The guest took IRQ8's periodic interrupt; see timer-mode/missed-ticks.ts. */
  acknowledgeInterrupt(vcpu?: number): void {
    if (this.missedTicks.acknowledge(vcpu) && !this.legacyReplacement) {
      this.irq8.lower();
      this.irq8.raise();
    }
  }

  setAcknowledgeTracking(on: boolean): void {
    this.missedTicks.tracking = on;
    this.missedTicks.clear();
  }

  /** The vCPU whose acknowledgements count (Xen: the i8259 target, see timer-mode/vcpu-target.ts). */
  setTargetVcpu(vcpu: number): void {
    if (!Number.isInteger(vcpu) || vcpu < 0) throw new TimerModeError(`target vCPU ${vcpu} must be a vCPU index (0, 1, ...)`);
    this.missedTicks.targetVcpu = vcpu;
  }

  /** The time the registers show now, as seconds since 1970 (host convenience). */
  currentTime(): number {
    this.deliver(this.sync());
    return this.readTime();
  }

  /** The NMI mask bit last written to port 0x70. */
  get nmiMasked(): boolean {
    return this.nmiDisabled;
  }

  // --- Device contract -----------------------------------------------------------------------

  reset(): void {
    this.sync();
    const wasRunning = this.running();
    this.cmos[RTC_REG.A] = RTC_RESET_A;
    this.cmos[RTC_REG.B] = RTC_RESET_B;
    if (!wasRunning) this.chainOrigin = RTC_CRYSTAL.edgesAt(this.clock.now) - HALF_SECOND_EDGES;
    this.flags = 0;
    this.index = 0;
    this.nmiDisabled = false;
    this.legacyReplacement = false;
    this.missedTicks.clear();
    this.irq8.lower();
    this.schedule();
  }

  snapshot(): PlainData {
    return {
      cmos: Array.from(this.cmos),
      index: this.index,
      nmiDisabled: this.nmiDisabled,
      flags: this.flags,
      lastSync: this.lastSync,
      chainOrigin: this.chainOrigin,
      legacyReplacement: this.legacyReplacement,
      irq8: this.irq8.level,
      missedTicks: this.missedTicks.snapshot(),
    };
  }

  restore(state: unknown): void {
    const r = new SnapshotReader(state, this.id);
    const now = this.clock.now;
    const cmos = r.intArray('cmos', CMOS_SIZE, 0, 0xff);
    const index = r.int('index', 0, 0x7f);
    const nmiDisabled = r.bool('nmiDisabled');
    const flags = r.int('flags', 0, 0x70);
    const lastSync = r.int('lastSync', 0, now);
    const chainOrigin = r.int('chainOrigin', -HALF_SECOND_EDGES, RTC_CRYSTAL.edgesAt(now));
    const legacyReplacement = r.bool('legacyReplacement');
    const irq8 = r.bool('irq8');
    r.object('missedTicks');
    const ticks = MissedTicks.read((state as { missedTicks: unknown }).missedTicks, `${this.id}.missedTicks`);
    if ((flags & 0x0f) !== 0) throw new SnapshotError(`${this.id}.flags: only PF, AF and UF can be set`);
    if ((cmos[RTC_REG.A]! & RTC_REG_A.UIP) !== 0 || cmos[RTC_REG.C] !== 0 || cmos[RTC_REG.D] !== RTC_REG_D_VRT) {
      throw new SnapshotError(`${this.id}.cmos: registers A (UIP), C and D hold values the guest cannot store`);
    }
    if (!this.params.nvram && cmos.slice(XEN_CMOS_SIZE).some((v) => v !== 0)) {
      throw new SnapshotError(`${this.id}.cmos: this profile has no NVRAM beyond index 0x0D`);
    }
    const irqf = (flags & cmos[RTC_REG.B]! & 0x70) !== 0;
    if (irq8 !== (irqf && !legacyReplacement)) {
      throw new SnapshotError(`${this.id}.irq8: the line level does not match register C and B`);
    }
    this.cmos.set(cmos);
    this.index = index;
    this.nmiDisabled = nmiDisabled;
    this.flags = flags;
    this.lastSync = lastSync;
    this.lastSyncEdge = RTC_CRYSTAL.edgesAt(lastSync);
    this.chainOrigin = chainOrigin;
    this.legacyReplacement = legacyReplacement;
    this.missedTicks.apply(ticks);
    if (irq8) this.irq8.raise();
    else this.irq8.lower();
    this.timer.cancel();
    this.deliver(this.sync());
    this.schedule();
  }
}
