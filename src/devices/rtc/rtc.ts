// Motorola MC146818 real-time clock with 128 bytes of CMOS at ports 0x70 (index) / 0x71 (data).
//
// Time is analytic: the 32.768 kHz divider chain has an origin (a time-base edge number); updates
// happen every 32768 edges after it, periodic taps every 2^(RS-1) edges. Registers are brought up
// to date lazily (sync) from the edges that passed since the last access; only events that move
// IRQ8 are scheduled on the clock. Time registers are stored as the raw bytes the guest sees and
// advanced with exact calendar arithmetic, so a guest-set time persists and keeps running.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { LevelObserver } from '../../irq/line.js';
import type { Timer, VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { refuseField, StateDescription } from '../../device-model/state-description.js';
import { bool, int, nullable, struct, uints } from '../../device-model/state-fields.js';
import { OutputLine } from '../../irq/output-line.js';
import { MISSED_TICKS_STATE, MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import type { TimerMode } from '../../device-model/timer-mode/timer-mode.js';
import { MissedTickSource } from '../../device-model/timer-mode/missed-tick-source.js';
import type { IrqOutput } from '../../irq/irq-output.js';
import type { LegacyReplacementListener } from '../../irq/legacy-replacement.js';
import type { PeriodicTimerSource } from '../../irq/periodic-timer-source.js';
import { alarmTarget, nextAlarmSecond } from './alarm.js';
import { dayOfWeek, decodeField, decodeHour, daysFromCivil, encodeField, encodeHour, fromEpochSeconds } from './calendar.js';
import { daylightSavingJump, updatesUntilTwoAm } from './daylight-saving.js';
import {
  CMOS_SIZE,
  EDGES_PER_SECOND,
  MAX_EPOCH_DAY,
  SECONDS_PER_DAY,
  XEN_CMOS_SIZE,
  HALF_SECOND_EDGES,
  RTC_CRYSTAL,
  RTC_INDEX_PORT,
  RTC_REG,
  RTC_REG_A,
  RTC_REG_B,
  RTC_REG_C,
  RTC_REG_D_VRT,
  RTC_RESET_A,
  RTC_RESET_B,
  advanceDow,
  dividerRuns,
  rtcPeriodicEdges,
} from './rtc-registers.js';
import { checkRtcParams, parseRtcStartTime, type RtcParams, type RtcStartTime } from './rtc-params.js';

export * from './rtc-registers.js';

/**
 * The Motorola MC146818A real-time clock with 128 bytes of CMOS at ports 0x70 (index) / 0x71 (data), id `rtc`
 * (Xen xen/arch/x86/hvm/rtc.c, QEMU 7.2 hw/rtc/mc146818rtc.c). Time is analytic on the virtual clock: the
 * 32.768 kHz divider chain updates the time registers once per second and taps the periodic interrupt every
 * 2^(RS−1) edges; only events that move IRQ8 are scheduled. It shows `startTime` at the clock's current time
 * when built, and a time the guest sets keeps running. Guest accesses never throw.
 * @throws {@link RtcParamError} from the constructor for bad parameters or an unparsable start time.
 */
export class Rtc implements Device, IoHandler, LegacyReplacementListener, IrqOutput {
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
  /** Periodic-interrupt periods that ended between the last two syncs (for the missed-tick policy). */
  private periodsSinceSync = 0;
  /** Time-base edge number where the divider chain's count is 0 (updates at +32768·k, k ≥ 1). */
  private chainOrigin: number;
  /**
   * Edge number the periodic taps count from (taps at +2^(RS-1)·k), when a rate change moved them
   * off the divider chain (periodicRateChange 'from-last-interrupt'); null: the chain's origin.
   */
  private periodicOrigin: number | null = null;
  private legacyReplacement = false;
  /** Epoch day of the last DSE fall-back (it happens once per October night), -1 if none. */
  private dseFallbackDay = -1;
  private readonly missedTicks: MissedTicks;
  /** The periodic interrupt as a periodic timer source (IRQ8's ticks, for the missed-tick policy). */
  readonly periodicTimer: PeriodicTimerSource;
  private params: RtcParams;
  private readonly irq8: OutputLine;
  private readonly timer: Timer;

  constructor(
    ports: PortBus,
    fabric: InterruptFabric,
    private readonly clock: VirtualClock,
    params: RtcParams,
    startTime: RtcStartTime,
    timerMode: TimerMode,
  ) {
    this.params = checkRtcParams(params);
    const start = parseRtcStartTime(startTime);
    this.missedTicks = new MissedTicks(timerMode);
    this.periodicTimer = new MissedTickSource('rtc', this.missedTicks, {
      active: () => this.periodicActive(),
      tickLine: () => 8,
      redeliverTick: () => this.redeliverIrq8Tick(),
    });
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

  /**
   * A guest byte read: offset 0 (port 0x70) returns `indexPortRead`; offset 1 (port 0x71) the selected register,
   * brought up to date to the current virtual time first. Register A shows UIP inside the update window, reading
   * register C returns its flags and clears them (IRQ8 drops), register D reads 0x80; an index the profile does
   * not emulate (Xen: 0x0E–0x7F) reads 0xFF. Never throws.
   */
  read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    if (offset === 0) return this.params.indexPortRead;
    return this.readData(this.index);
  }

  /**
   * A guest byte write: offset 0 (port 0x70) selects the index (bits 6:0) and sets the NMI mask (bit 7); offset 1
   * (port 0x71) writes the selected register. UIP, register C and register D are read-only; setting SET in register B
   * clears UIE; starting the divider (DV) puts the first update half a second later (datasheet); an index the
   * profile does not emulate is ignored. Interrupts and the next timer event follow at once. Never throws.
   */
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
        const oldPeriod = rtcPeriodicEdges(this.cmos[i]!);
        this.cmos[i] = v & 0x7f; // UIP is read-only
        if (!wasRunning && dividerRuns(v)) {
          this.chainOrigin = RTC_CRYSTAL.edgesAt(this.clock.now) - HALF_SECOND_EDGES;
          this.periodicOrigin = null;
        } else if (wasRunning && dividerRuns(v)) {
          this.rateChanged(oldPeriod, rtcPeriodicEdges(v));
        }
        break;
      }
      case RTC_REG.B: {
        const old = this.cmos[i]!;
        // "UIE is cleared when the SET bit goes high."
        if ((old & RTC_REG_B.SET) === 0 && (v & RTC_REG_B.SET) !== 0) v &= ~RTC_REG_B.UIE;
        // QEMU shows a running clock's time in the current format: a DM or 24/12 switch converts it.
        const convert =
          this.params.formatSwitch === 'converted' && this.running() && ((old | v) & RTC_REG_B.SET) === 0 && ((old ^ v) & (RTC_REG_B.DM | RTC_REG_B.H24)) !== 0;
        const t = convert ? this.readTime() : 0;
        const dow = convert ? decodeField(this.cmos[RTC_REG.DAY_OF_WEEK]!, this.binary) : 0;
        this.cmos[i] = v;
        if (convert) this.writeTime(t, dow);
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

  /** First i in [from, limit] for which second `base + i` matches the alarm registers, or -1. */
  private nextAlarm(base: number, from: number, limit: number): number {
    const c = this.cmos;
    const b = this.binary;
    const h24 = this.h24;
    return nextAlarmSecond(
      base,
      from,
      limit,
      alarmTarget(c[RTC_REG.SECONDS_ALARM]!, false, b, h24),
      alarmTarget(c[RTC_REG.MINUTES_ALARM]!, false, b, h24),
      alarmTarget(c[RTC_REG.HOURS_ALARM]!, true, b, h24),
    );
  }

  private get daylightSaving(): boolean {
    return this.params.daylightSaving && (this.cmos[RTC_REG.B]! & RTC_REG_B.DSE) !== 0;
  }

  /**
   * Applies `n` updates to the time registers; returns whether the alarm matched at one of them.
   * Without DSE the time simply moves on n seconds; with it, the walk stops at each day's 2 AM
   * update to apply the spring/fall jumps.
   */
  private advanceTime(n: number): boolean {
    let t = this.readTime();
    let dow = decodeField(this.cmos[RTC_REG.DAY_OF_WEEK]!, this.binary);
    let alarm = false;
    const dse = this.daylightSaving;
    while (n > 0) {
      let k = n;
      let jump = 0;
      if (dse) {
        const kx = updatesUntilTwoAm(t);
        if (kx <= n) {
          k = kx;
          jump = daylightSavingJump(t + k, advanceDow(dow, t, t + k), this.dseFallbackDay);
        }
      }
      // Seconds t+1 … t+k as shown (the last one moved by the jump); the pattern repeats daily.
      const plain = jump === 0 ? k : k - 1;
      if (!alarm && plain > 0 && this.nextAlarm(t, Math.max(1, plain - SECONDS_PER_DAY + 1), plain) > 0) alarm = true;
      if (!alarm && jump !== 0 && this.nextAlarm(t + k + jump - 1, 1, 1) > 0) alarm = true;
      if (jump < 0) this.dseFallbackDay = Math.floor((t + k) / SECONDS_PER_DAY);
      dow = advanceDow(dow, t, t + k); // a jump never crosses midnight
      t += k + jump;
      n -= k;
    }
    this.writeTime(t, dow);
    return alarm;
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
        if (this.advanceTime(updates)) occurred |= RTC_REG_C.AF;
      }
      const p = rtcPeriodicEdges(this.cmos[RTC_REG.A]!);
      const po = this.periodicOrigin ?? o;
      this.periodsSinceSync = p > 0 ? Math.floor((nowEdge - po) / p) - Math.floor((this.lastSyncEdge - po) / p) : 0;
      if (this.periodsSinceSync > 0) occurred |= RTC_REG_C.PF;
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

  /**
   * The rate changed from `oldPeriod` to `newPeriod` edges (0: none) while the divider runs. With
   * periodicRateChange 'from-last-interrupt' and PIE on, the new period counts from the last tap
   * (the next tap at once if a whole new period has passed since), as QEMU 7.2's
   * periodic_timer_update does (hw/rtc/mc146818rtc.c); from no rate, from now.
   */
  private rateChanged(oldPeriod: number, newPeriod: number): void {
    if (this.params.periodicRateChange !== 'from-last-interrupt' || oldPeriod === newPeriod || newPeriod === 0) return;
    if ((this.cmos[RTC_REG.B]! & RTC_REG_B.PIE) === 0) return;
    const K = this.edgeNow();
    if (oldPeriod === 0) {
      this.periodicOrigin = K;
      return;
    }
    const po = this.periodicOrigin ?? this.chainOrigin;
    const lastTap = po + oldPeriod * Math.floor((K - po) / oldPeriod);
    const next = Math.max(lastTap + newPeriod, K + 1);
    this.periodicOrigin = next - newPeriod;
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
    // One tick per periodic interrupt, several when the clock coalesced them into one late event.
    if ((enabledNew & RTC_REG_C.PF) !== 0) this.missedTicks.tick(Math.max(1, this.periodsSinceSync));
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
    const po = this.periodicOrigin ?? o;
    if ((b & RTC_REG_B.PIE) !== 0 && p > 0) next = po + p * (Math.floor((K - po) / p) + 1);
    if ((b & RTC_REG_B.SET) === 0 && (b & (RTC_REG_B.UIE | RTC_REG_B.AIE)) !== 0) {
      const u = this.nextUpdateEdge(K);
      if ((b & RTC_REG_B.UIE) !== 0) next = Math.min(next, u);
      else if (u < next) {
        // With DSE the shown time jumps at some 2 AM updates: look only up to the next one and
        // wake up there if the alarm is not sooner (the callback then looks again).
        const t = this.readTime();
        const limit = this.daylightSaving ? updatesUntilTwoAm(t) : SECONDS_PER_DAY;
        const i = this.nextAlarm(t, 1, limit);
        const at = i > 0 ? i : this.daylightSaving ? limit : -1;
        if (at > 0) next = Math.min(next, u + (at - 1) * EDGES_PER_SECOND);
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

  /** The periodic interrupt runs: PIE set, a rate selected, the divider running (Xen rtc_timer_update). */
  private periodicActive(): boolean {
    return (this.cmos[RTC_REG.B]! & RTC_REG_B.PIE) !== 0 && rtcPeriodicEdges(this.cmos[RTC_REG.A]!) > 0 && this.running();
  }

  /**
   * One owed periodic tick (the missed-tick policy) is injected: like every tick it sets PF (Xen
   * injects it through vpt, whose callback sets REG_C.PF|IRQF: xen/arch/x86/hvm/rtc.c
   * rtc_pf_callback), so IRQ8 pulses and register C agrees with the line, unless legacy
   * replacement owns IRQ8 or the periodic interrupt has stopped meanwhile (Xen destroys the timer).
   */
  private redeliverIrq8Tick(): void {
    if (!this.periodicActive()) return;
    this.flags |= RTC_REG_C.PF;
    if (this.legacyReplacement) return;
    this.irq8.lower();
    this.irq8.raise();
  }

  /** The time the registers show now, as seconds since 1970 (host convenience). */
  currentTime(): number {
    this.deliver(this.sync());
    return this.readTime();
  }

  /**
   * Board initialisation: gives the RTC battery-backed NVRAM (indices 0x0E–0x7F) holding `bytes`,
   * with the century kept at `centuryIndex` from now on (written now from the current date). On
   * Xen the RTC has no NVRAM (xen/arch/x86/hvm/rtc.c serves 0x00–0x0D and leaves the rest to the
   * device model); a board that is the device model attaches it here. Host call, before the guest
   * runs; bytes already in NVRAM that `bytes` does not name are kept.
   */
  attachNvram(bytes: Readonly<Record<number, number>>, centuryIndex: number | null): void {
    const year = fromEpochSeconds(this.currentTime()).year;
    this.params = checkRtcParams({ ...this.params, nvram: true, nvramInit: { ...this.params.nvramInit, ...bytes }, centuryIndex });
    for (const [k, v] of Object.entries(bytes)) this.cmos[Number(k)] = v;
    if (centuryIndex !== null) this.cmos[centuryIndex] = encodeField(Math.floor(year / 100) % 100, this.binary);
  }

  /** Whether indices 0x0E–0x7F are NVRAM (profile parameter, or attached by a board). */
  get hasNvram(): boolean {
    return this.params.nvram;
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
    this.periodicOrigin = null;
    this.flags = 0;
    this.index = 0;
    this.nmiDisabled = false;
    this.legacyReplacement = false;
    this.missedTicks.clear();
    this.irq8.lower();
    this.schedule();
  }

  readonly stateDescription = RTC_STATE;

  snapshot(): PlainData {
    // Bring the registers up to now first, so equal states give equal snapshots. Any edge this
    // could deliver was already delivered by its timer, so nothing the guest sees changes.
    this.sync();
    return RTC_STATE.snapshot(this);
  }

  /** @internal For RTC_STATE: IRQ8's level. */
  get irq8Level(): boolean {
    return this.irq8.level;
  }

  checkState(state: unknown): void {
    const s = RTC_STATE.check(state, this.id, this.clock.now);
    const cmos = s.cmos;
    if ((cmos[RTC_REG.A]! & RTC_REG_A.UIP) !== 0 || cmos[RTC_REG.C] !== 0 || cmos[RTC_REG.D] !== RTC_REG_D_VRT) {
      throw new SnapshotError(`${this.id}.cmos: registers A (UIP), C and D hold values the guest cannot store`);
    }
    if (!this.params.nvram) {
      for (let i = XEN_CMOS_SIZE; i < CMOS_SIZE; i++) {
        if (cmos[i] !== 0) throw new SnapshotError(`${this.id}.cmos[${i}]: this profile has no NVRAM beyond index 0x0D`);
      }
    }
    const irqf = (s.flags & cmos[RTC_REG.B]! & 0x70) !== 0;
    if (s.irq8 !== (irqf && !s.legacyReplacement)) {
      throw new SnapshotError(`${this.id}.irq8: the line level does not match register C and B`);
    }
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted and never throws. Sets the registers and the
   * divider chain, drives IRQ8 to its saved level, applies the updates and taps due between the saved sync time
   * and now, and schedules the next IRQ8 event.
   */
  applyState(state: unknown): void {
    const s = state as typeof RTC_STATE.json;
    RTC_STATE.apply(this, s);
    this.lastSyncEdge = RTC_CRYSTAL.edgesAt(s.lastSync);
    this.missedTicks.applyState(s.missedTicks);
    if (s.irq8) this.irq8.raise();
    else this.irq8.lower();
    this.timer.cancel();
    this.deliver(this.sync());
    this.schedule();
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}

/** The RTC's state: CMOS, the index register, the divider chain's phase and the IRQ8 line. The context is the clock's now. */
export const RTC_STATE = new StateDescription(
  'mc146818',
  2,
  {
    cmos: uints(CMOS_SIZE, 8),
    index: int(0, 0x7f),
    nmiDisabled: bool(),
    /** Register C's PF, AF and UF. */
    flags: int(0, 0x70),
    lastSync: int(0, (now: number) => now),
    chainOrigin: int(-HALF_SECOND_EDGES, (now: number) => RTC_CRYSTAL.edgesAt(now)),
    /** Absent in snapshots from before it existed: they have the divider chain's phase (null). */
    periodicOrigin: nullable(int(-HALF_SECOND_EDGES, (now: number) => RTC_CRYSTAL.edgesAt(now) + 2 ** 16)).added(2, null),
    legacyReplacement: bool(),
    dseFallbackDay: int(-1, MAX_EPOCH_DAY),
    irq8: bool().computed((r: Rtc) => r.irq8Level),
    missedTicks: struct(MISSED_TICKS_STATE).manual(),
  },
  (s) => {
    if ((s.flags & 0x0f) !== 0) refuseField('flags', 'only PF, AF and UF can be set');
  },
);
