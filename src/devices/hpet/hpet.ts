// IA-PC HPET 1.0a event timer block with analytic time: the main counter is computed from the
// virtual clock at each read; only comparator matches are scheduled. Xen's model (hvm/hpet.c) and
// QEMU 7.2's are covered by HpetParams; the differences are documented there and in docs/devices/hpet.md.
import { allOnes, type AccessContext, type PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { Region } from '../../bus/region.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { u64Json, u64Value } from '../../device-model/state-description.js';
import { hpetCapabilities, type HpetCapabilities } from './hpet-capabilities.js';
import { catchUpComparator, clampPeriod, comparatorMask, firstMatchTicks, ticksUntilMatch, xenFirstMatchTicks } from './hpet-comparator.js';
import { HpetInterruptRouting } from './hpet-interrupt-routing.js';
import { HpetMainCounter } from './hpet-main-counter.js';
import { validateHpetParams, type HpetParams } from './hpet-params.js';
import { GEN_CONF, HPET_REG, TN_CONF } from './hpet-registers.js';
import { applyHpetTimerState, checkHpetTimerState, HPET_STATE, HPET_TIMER_STATE, type HpetState } from './hpet-snapshot.js';
import { HpetTimerState, NO_FIRST_MATCH, U32_MASK, U64_MASK } from './hpet-timer.js';
import type { LegacyReplacementListener } from '../../irq/legacy-replacement.js';
import type { PeriodicTimerSource } from '../../irq/periodic-timer-source.js';
import { MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import { MissedTickSource } from '../../device-model/timer-mode/missed-tick-source.js';
import type { TimerMode } from '../../device-model/timer-mode/timer-mode.js';
import { timerFastPaths } from '../../irq/timer-fast-paths.js';

const ALL_ONES_64 = U64_MASK;
/** Xen's HPET_TINY_TIME_SPAN: 1/1024 s. A 32-bit comparator less than this behind the counter fires now. */
const TINY_SPAN_NS = 976_562;

/**
 * The HPET event timer block (IA-PC HPET 1.0a; Xen xen/arch/x86/hvm/hpet.c, QEMU 7.2 hw/timer/hpet.c), id `hpet`.
 * Registers itself on the memory bus at `params.base`; the main counter is computed from the virtual clock at
 * each read (one tick = `tickNs` ns), and only comparator matches are scheduled. Interrupts go to the fabric's
 * GSIs (Tn_INT_ROUTE_CNF) or, in legacy replacement, to IRQ0/IRQ8, telling `legacy` so the PIT and RTC go quiet.
 * Guest accesses never throw.
 * @throws {@link HpetParamError} from the constructor for bad parameters (see {@link validateHpetParams}).
 *
 * @example
 * ```ts
 * const hpet = new Hpet(mmio, new InterruptFabric(), clock, XEN_HPET_PARAMS, new RecordingLegacyListener(), XEN_DEFAULT_TIMER_MODE);
 * mmio.write64(0xfed00010, 1n); // ENABLE_CNF: the main counter starts at 0 and counts every 16 ns
 * ```
 */
export class Hpet implements Device, IoHandler {
  readonly id = 'hpet';
  readonly kind = 'hpet';
  readonly region: Region;
  readonly params: HpetParams;
  /** Counter tick length in ns (period / 1e6 fs). */
  readonly tickNs: number;
  private readonly tinySpanTicks: number;
  private readonly caps: HpetCapabilities;
  private readonly routing: HpetInterruptRouting;
  private readonly mainCounter: HpetMainCounter;

  private guestEnabled: boolean;
  private genConf = 0;
  private isr = 0;
  private legacyActive = false;
  private readonly timers: HpetTimerState[];
  /** timerFastPaths when built: a periodic match is counted in a number and added to the comparator when read. */
  private readonly matchesInNumbers = timerFastPaths.enabled;
  /** Each timer as a periodic timer source ('hpet.timer0', ...), for the missed-tick policy. */
  readonly periodicTimers: readonly PeriodicTimerSource[];
  private readonly tickSources: readonly MissedTickSource[];

  constructor(
    mmio: MmioBus,
    fabric: InterruptFabric,
    private readonly clock: VirtualClock,
    params: HpetParams,
    private readonly legacy: LegacyReplacementListener,
    timerMode: TimerMode,
  ) {
    validateHpetParams(params, fabric.gsiCount);
    this.params = params;
    this.tickNs = params.periodFs / 1_000_000;
    this.caps = hpetCapabilities(params, this.tickNs);
    this.tinySpanTicks = Math.floor(TINY_SPAN_NS / this.tickNs);
    this.mainCounter = new HpetMainCounter(clock, this.tickNs);
    this.routing = new HpetInterruptRouting(fabric, params);
    this.guestEnabled = params.guestEnabled;
    this.timers = [];
    for (let n = 0; n < params.timers; n++) {
      // The clock's now, not the callback's argument: a double above 2^31 passed on is boxed.
      const timer = clock.createTimer(`hpet.timer${n}`, (_now, periods) => this.onMatch(n, periods));
      timer.lastEventBy = (target) => this.lastMatchBy(n, target);
      const t = new HpetTimerState(n, timer, new MissedTicks(timerMode));
      t.conf = this.caps.timerCapBits;
      this.timers.push(t);
    }
    this.tickSources = this.timers.map(
      (t) =>
        new MissedTickSource(`hpet.timer${t.index}`, t.missed, {
          active: () => this.running && (t.conf & TN_CONF.INT_ENABLE) !== 0,
          tickLine: () => this.routing.interruptSource(t, this.legacyRouting),
          redeliverTick: () => {
            if (this.running && t.conf & TN_CONF.INT_ENABLE) this.deliverEdge(t);
          },
        }),
    );
    this.periodicTimers = this.tickSources;
    // Every size and alignment reaches the handler, which applies the profile's access rule itself.
    this.region = mmio.register(params.base, params.windowBytes, this, { owner: this.id, name: 'HPET', sizes: 1 | 2 | 4 | 8 });
  }

  // ---- guest accesses -------------------------------------------------------------------------

  /**
   * A guest MMIO read of `size` bytes at `offset` into the block: a naturally aligned slice of the 64-bit register
   * there (HPET 1.0a §2.3; the main counter is computed from the virtual clock at this moment). Reserved registers
   * and timers beyond NUM_TIM_CAP read 0. A misaligned access, or one smaller than `minAccessSize`, reads
   * `badAccessRead` (Xen all-ones, QEMU 0); with `guestEnabled` false every read is all-ones. Never throws.
   */
  read(offset: number, size: PortAccessSize, _ctx: AccessContext): number {
    if (!this.guestEnabled) return allOnes(size);
    if ((offset & (size - 1)) !== 0 || size < this.params.minAccessSize) return this.badRead(size);
    if (size === 4) return this.readDword(offset & ~7, (offset & 4) !== 0);
    const dword = this.readDword(offset & ~7, (offset & 4) !== 0);
    return (dword >>> ((offset & 3) * 8)) & allOnes(size);
  }

  /**
   * A guest 8-byte read at `offset` (8-aligned): the whole 64-bit register, as an unsigned bigint. A misaligned
   * offset reads `badAccessRead`; with `guestEnabled` false, all-ones. Never throws.
   */
  read64(offset: number, _ctx: AccessContext): bigint {
    if (!this.guestEnabled) return ALL_ONES_64;
    if ((offset & 7) !== 0) return this.params.badAccessRead === 'ones' ? ALL_ONES_64 : 0n;
    const lo = this.readDword(offset, false);
    const hi = this.readDword(offset, true);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** read64 as two uint32 halves (out[0] low, out[1] high): the 8-byte guest path allocates no bigint. */
  read64Halves(offset: number, out: Uint32Array, _ctx: AccessContext): void {
    if (!this.guestEnabled || (offset & 7) !== 0) {
      const v = !this.guestEnabled || this.params.badAccessRead === 'ones' ? 0xffff_ffff : 0;
      out[0] = v;
      out[1] = v;
      return;
    }
    out[0] = this.readDword(offset, false);
    out[1] = this.readDword(offset, true);
  }

  /**
   * A guest MMIO write of the low `size` bytes of `value` at `offset`: only those bytes of the register change
   * (GINTR_STA is write-1-to-clear, §2.3.6; the main counter takes writes only while halted, §2.3.7; read-only
   * bits keep their value). Comparator and configuration changes re-arm the timers on the virtual clock at once.
   * Misaligned, too small (`minAccessSize`) or, with `guestEnabled` false, every access is ignored. Never throws.
   */
  write(offset: number, size: PortAccessSize, value: number, _ctx: AccessContext): void {
    if (!this.guestEnabled) return;
    if ((offset & (size - 1)) !== 0 || size < this.params.minAccessSize) return;
    const byteShift = (offset & 3) * 8;
    const mask = (allOnes(size) << byteShift) >>> 0;
    this.writeDword(offset & ~7, (offset & 4) !== 0, ((value << byteShift) & mask) >>> 0, mask);
  }

  /**
   * A guest 8-byte write at `offset` (8-aligned; `value` is taken modulo 2^64): the whole register, with the same
   * rules as {@link Hpet.write}. Misaligned writes, and every write with `guestEnabled` false, are ignored. Never throws.
   */
  write64(offset: number, value: bigint, _ctx: AccessContext): void {
    if (!this.guestEnabled || (offset & 7) !== 0) return;
    const v = BigInt.asUintN(64, value);
    if (this.isNarrowRegister(offset)) this.writeDword(offset, false, Number(v & U32_MASK), 0xffffffff);
    else this.writeWide(offset, v, ALL_ONES_64);
  }

  /** write64 from two uint32 halves; bigint only for the 64-bit-wide registers (counter, comparator, FSB route). */
  write64Halves(offset: number, lo: number, hi: number, _ctx: AccessContext): void {
    if (!this.guestEnabled || (offset & 7) !== 0) return;
    if (this.isNarrowRegister(offset)) this.writeDword(offset, false, lo >>> 0, 0xffffffff);
    else this.writeWide(offset, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0), ALL_ONES_64);
  }

  /** Registers whose writable bits all sit in the low dword (no 64-bit arithmetic needed). */
  private isNarrowRegister(reg: number): boolean {
    return reg < HPET_REG.MAIN_CNT || (reg >= HPET_REG.TIMER_BASE && (reg & 0x18) === HPET_REG.TN_CONF);
  }

  /** A write of the `mask` bits of one dword (`high`: bits 63:32) of the register at `reg`. */
  private writeDword(reg: number, high: boolean, value: number, mask: number): void {
    if (!this.isNarrowRegister(reg)) {
      const shift = high ? 32n : 0n;
      this.writeWide(reg, BigInt(value) << shift, BigInt(mask) << shift);
      return;
    }
    if (high) return; // GCAP_ID and the route capability are read-only; the rest is reserved
    if (reg === HPET_REG.GEN_CONF) {
      this.setGeneralConfig(((this.genConf & ~mask) | value) & this.caps.genWritable);
    } else if (reg === HPET_REG.GINTR_STA) {
      // Write-1-to-clear, only the bytes actually written (HPET 1.0a §2.3.6).
      this.clearStatus(value & this.isr);
    } else if (reg >= HPET_REG.TIMER_BASE) {
      const t = this.timers[(reg - HPET_REG.TIMER_BASE) >> 5];
      if (t !== undefined) this.writeTimerConfig(t, ((t.conf & ~mask) | value) >>> 0);
    }
  }

  private badRead(size: number): number {
    return this.params.badAccessRead === 'ones' ? allOnes(size) : 0;
  }

  /** One half of the 64-bit register at `reg` (8-aligned). Reserved and absent registers read 0. */
  private readDword(reg: number, high: boolean): number {
    if (reg === HPET_REG.MAIN_CNT) {
      this.mainCounter.sample(this.running);
      return high ? this.mainCounter.hi : this.mainCounter.lo;
    }
    if (reg < HPET_REG.TIMER_BASE) {
      if (reg === HPET_REG.GCAP_ID) return high ? this.caps.capHi : this.caps.capLo;
      if (high) return 0;
      if (reg === HPET_REG.GEN_CONF) return this.genConf;
      if (reg === HPET_REG.GINTR_STA) return this.isr;
      return 0;
    }
    const n = (reg - HPET_REG.TIMER_BASE) >> 5;
    const t = this.timers[n];
    if (t === undefined) return 0; // docs/robustness.md entry 28: timers beyond NUM_TIM_CAP read 0
    switch (reg & 0x18) {
      case HPET_REG.TN_CONF:
        return high ? this.params.routeCap >>> 0 : t.conf;
      case HPET_REG.TN_COMPARATOR: {
        const c = this.comparator(t);
        return Number(high ? c >> 32n : c & U32_MASK);
      }
      case HPET_REG.TN_FSB_ROUTE:
        return Number(high ? t.fsb >> 32n : t.fsb & U32_MASK);
      default:
        return 0;
    }
  }

  /** Deposits the bytes selected by `mask` of `value` into a 64-bit-wide register (counter, comparator, FSB route). */
  private writeWide(reg: number, value: bigint, mask: bigint): void {
    const deposit = (old: bigint): bigint => (old & ~mask) | (value & mask);
    if (reg === HPET_REG.MAIN_CNT) {
      this.writeCounter(deposit(this.counter()));
      return;
    }
    if (reg < HPET_REG.TIMER_BASE) return;
    const t = this.timers[(reg - HPET_REG.TIMER_BASE) >> 5];
    if (t === undefined) return;
    if ((reg & 0x18) === HPET_REG.TN_COMPARATOR) this.writeComparator(t, deposit);
    else if ((reg & 0x18) === HPET_REG.TN_FSB_ROUTE) t.fsb = deposit(t.fsb);
  }

  // ---- main counter ---------------------------------------------------------------------------

  get running(): boolean {
    return (this.genConf & GEN_CONF.ENABLE) !== 0;
  }

  /** The main counter now, exact. */
  counter(): bigint {
    return this.mainCounter.value(this.running);
  }

  private setCounterBase(value: bigint): void {
    this.mainCounter.setTo(value, this.running);
  }

  private writeCounter(value: bigint): void {
    // HPET 1.0a §2.3.7: software halts the counter before writing it. Xen and QEMU both let a
    // write to a running counter be overwritten by the running count, so it has no effect here.
    if (this.running) return;
    this.setCounterBase(value);
    for (const t of this.timers) this.noteProgrammed(t);
  }

  // ---- configuration --------------------------------------------------------------------------

  private setGeneralConfig(next: number): void {
    const prev = this.genConf;
    if (next === prev) return;
    const frozen = this.counter();
    this.genConf = next;
    this.tickLinesChanged(); // legacy routing, and the routes re-checked below
    if (prev & GEN_CONF.ENABLE && !(next & GEN_CONF.ENABLE)) {
      // Halting: bring periodic accumulators up to the last match, so reads while halted see it.
      this.genConf = prev;
      for (const t of this.timers) this.comparator(t);
      this.genConf = next;
    }
    if ((prev ^ next) & GEN_CONF.ENABLE) {
      // Starting or halting keeps the count where it is; a restart re-arms every timer.
      this.setCounterBase(frozen);
      for (const t of this.timers) {
        t.missed.clear();
        if (next & GEN_CONF.ENABLE) {
          t.fired = false;
          this.noteProgrammed(t, true);
        }
      }
    }
    // Xen re-checks every route when the general configuration changes (leaving legacy mode).
    for (const t of this.timers) this.routing.sanitizeRoute(t, this.legacyRouting);
    this.updateLegacy();
    for (const t of this.timers) {
      this.updateLevelLine(t);
      this.rearm(t);
    }
  }

  /** Tells each timer's source that its tick line may have moved (general configuration, reset, restore). */
  private tickLinesChanged(): void {
    for (const s of this.tickSources) s.tickLineChanged();
  }

  /** LEG_RT_CNF: timers 0 and 1 interrupt on IRQ0/IRQ8 instead of their own routes. */
  private get legacyRouting(): boolean {
    return (this.genConf & GEN_CONF.LEGACY) !== 0;
  }

  private updateLegacy(): void {
    // HPET 1.0a §2.3.5: the 8254 (and RTC) stop interrupting while ENABLE_CNF and LEG_RT_CNF are both set.
    const active = (this.genConf & (GEN_CONF.ENABLE | GEN_CONF.LEGACY)) === (GEN_CONF.ENABLE | GEN_CONF.LEGACY);
    if (active !== this.legacyActive) {
      this.legacyActive = active;
      this.legacy.setLegacyReplacement(active);
    }
  }

  private writeTimerConfig(t: HpetTimerState, value: number): void {
    this.tickSources[t.index]!.tickLineChanged(); // the route, FSB or level bits may move its ticks
    const old = t.conf;
    let next = ((value & this.caps.timerWritable) | this.caps.timerCapBits) >>> 0;
    t.conf = next;
    if (next & TN_CONF.MODE_32) {
      // 32-bit mode: the comparator's upper half is cleared and the period limited (Xen does the same).
      t.cmp &= U32_MASK;
      t.period = this.clampPeriod(t.period & U32_MASK, true);
    }
    this.routing.sanitizeRoute(t, this.legacyRouting);
    next = t.conf;
    const restart = TN_CONF.INT_ENABLE | TN_CONF.PERIODIC | TN_CONF.MODE_32 | TN_CONF.LEVEL;
    if ((old ^ next) & restart) {
      t.fired = false;
      t.missed.clear(); // Xen re-creates the periodic timer: the backlog goes
    }
    // QEMU re-plans a timer when its mode changes or its interrupt is enabled (hpet_set_timer).
    if ((old ^ next) & (TN_CONF.PERIODIC | TN_CONF.MODE_32) || next & ~old & TN_CONF.INT_ENABLE) this.noteProgrammed(t);
    this.updateLevelLine(t);
    this.rearm(t);
  }

  private writeComparator(t: HpetTimerState, deposit: (old: bigint) => bigint): void {
    const is32 = (t.conf & TN_CONF.MODE_32) !== 0;
    const periodic = (t.conf & TN_CONF.PERIODIC) !== 0;
    let written = false; // the accumulator (not the period) was written
    if (periodic && !(t.conf & TN_CONF.VALUE_SET)) {
      // Periodic without VAL_SET: the write sets the period; the accumulator runs on (the
      // matches so far at the old period, except under Xen, which applies the new one to them).
      if (this.params.comparatorBehind !== 'xen') this.comparator(t);
      t.period = this.clampPeriod(deposit(t.period) & (is32 ? U32_MASK : U64_MASK), is32);
    } else {
      t.cmp = deposit(this.comparator(t)) & (is32 ? U32_MASK : U64_MASK);
      if (periodic && this.params.valueSetWritesPeriod) {
        t.period = this.clampPeriod(deposit(t.period) & (is32 ? U32_MASK : U64_MASK), is32);
      }
      t.conf = (t.conf & ~TN_CONF.VALUE_SET) >>> 0;
      written = true;
    }
    t.fired = false;
    t.missed.clear();
    this.noteProgrammed(t, false, written);
    this.rearm(t);
  }

  /**
   * The comparator (`written`), the counter or the timer's mode was just programmed: a comparator
   * behind the counter keeps the value written until a first match (HpetParams.comparatorBehind),
   * which the profile's rule places.
   */
  private noteProgrammed(t: HpetTimerState, counterStarts = false, written = false): void {
    let rule = this.params.comparatorBehind;
    if (rule === 'xen') {
      this.noteProgrammedXen(t, written);
      return;
    }
    t.firstMatchIn = NO_FIRST_MATCH;
    // QEMU's enable skips a comparator still at its reset value (hpet_ram_write, HPET_CFG).
    if (counterStarts && t.cmp === U64_MASK) rule = 'datasheet';
    const count = this.counter();
    const ticks = firstMatchTicks(rule, t.cmp, count, (t.conf & TN_CONF.MODE_32) !== 0);
    if (ticks < 0n) return;
    t.firstMatchIn = ticks;
    t.firstMatchFrom = count;
  }

  /**
   * The `xen` rule: a periodic comparator written behind the counter first fires where Xen's
   * catch-up puts it (hpet_get_comparator, hpet_set_timer) but reads back what was written until
   * then (issue 10 item 14; Xen itself reads back the caught-up value). An accumulator the
   * hardware has been advancing (nothing written since, no first match pending) catches up as before.
   */
  private noteProgrammedXen(t: HpetTimerState, written: boolean): void {
    if (written) t.firstMatchIn = NO_FIRST_MATCH;
    else if (this.running) this.comparator(t); // settles a pending first match that has passed
    const pending = t.firstMatchIn >= 0n;
    t.firstMatchIn = NO_FIRST_MATCH;
    if (!(written || pending) || !(t.conf & TN_CONF.PERIODIC)) return;
    const count = this.counter();
    const ticks = xenFirstMatchTicks(t.cmp, t.period, count, (t.conf & TN_CONF.MODE_32) !== 0);
    if (ticks < 0n) return;
    t.firstMatchIn = ticks;
    t.firstMatchFrom = count;
  }

  private clampPeriod(p: bigint, is32: boolean): bigint {
    return clampPeriod(p, is32, this.caps.minPeriodTicks);
  }

  // ---- comparators and interrupts -------------------------------------------------------------

  /** The comparator as the guest sees it: a running periodic timer's accumulator is brought up to date first. */
  private comparator(t: HpetTimerState): bigint {
    return this.running && t.conf & TN_CONF.PERIODIC && t.period !== 0n ? catchUpComparator(t, this.counter()) : t.cmp;
  }

  private isLevel(t: HpetTimerState): boolean {
    return this.routing.isLevel(t);
  }

  private shouldRun(t: HpetTimerState): boolean {
    if (!this.running || t.fired) return false;
    const level = this.isLevel(t);
    if (level && (this.isr >>> t.index) & 1) return false; // nothing new until the guest acknowledges
    return (t.conf & TN_CONF.INT_ENABLE) !== 0 || (level && this.params.levelStatusWithoutIntEnable);
  }

  /** Schedules the next comparator match, or nothing when the timer cannot interrupt. */
  private rearm(t: HpetTimerState): void {
    t.timer.cancel();
    if (!this.shouldRun(t)) return;
    const cmp = this.comparator(t);
    const count = this.counter();
    const ticks = ticksUntilMatch(t, cmp, count, this.tinySpanTicks);
    const deadline = (Math.floor(this.clock.now / this.tickNs) + ticks) * this.tickNs; // past the end of time: never
    // Remember whether the counter will equal the comparator exactly at the deadline.
    t.exactAt = deadline >= this.clock.now && cmp === ((count + BigInt(ticks)) & comparatorMask(t)) ? deadline : -1;
    t.timer.armAt(Math.max(deadline, this.clock.now));
  }

  private onMatch(n: number, periods: number): void {
    const t = this.timers[n]!;
    const now = this.clock.now;
    if (!this.shouldRun(t)) {
      if (t.timer.period !== 0) t.timer.cancel(); // armed in place: nothing more to match
      return;
    }
    // Late (the clock coalesced the matches up to now): each periodic match is a tick of the policy.
    // Armed in place, the clock counted them (periods); armed once, they are counted from its deadline.
    let matches = periods;
    if (now > t.timer.firedAt && t.conf & TN_CONF.PERIODIC && t.periodTicks !== 0) {
      matches = Math.max(periods, Math.floor((now - t.timer.firedAt) / (t.periodTicks * this.tickNs)) + 1);
    }
    if (this.isLevel(t)) {
      this.isr = (this.isr | (1 << n)) >>> 0;
      this.updateLevelLine(t);
    } else if (t.conf & TN_CONF.INT_ENABLE) {
      // The edge goes out as the hardware sends it; the missed-tick policy counts the period and
      // adds the ticks it owes when the guest acknowledges (acknowledgeInterrupt), as the PIT's does.
      if (t.conf & TN_CONF.PERIODIC) t.missed.tick(matches);
      this.deliverEdge(t);
    }
    if (t.conf & TN_CONF.PERIODIC && t.periodTicks !== 0) {
      if (now === t.exactAt && this.shouldRun(t)) {
        // Fast path: the counter equals the comparator now, so the next match is one period on
        // (added to the comparator when it is next read: no bigint per match).
        if (this.matchesInNumbers) t.addMatch((t.conf & TN_CONF.MODE_32) !== 0);
        else t.cmp = (t.cmp + t.period) & comparatorMask(t);
        t.firstMatchIn = NO_FIRST_MATCH; // the first match, if one was pending, is this one
        const periodNs = t.periodTicks * this.tickNs;
        const next = now + periodNs;
        t.exactAt = next;
        // Armed in place: the clock re-queued it at next before calling (the period is above its
        // clamp, so its next deadline is this one), as it re-queues every periodic timer.
        if (t.timer.period === periodNs && t.timer.deadline === next) return;
        if (this.matchesInNumbers && periodNs >= this.clock.minPeriodNs) t.timer.armPeriodic(next, periodNs);
        else t.timer.armAt(next); // past the end of time: never (the clock's rule)
      } else {
        this.rearm(t);
      }
    } else {
      t.fired = true;
    }
  }

  /** The time of timer n's last match at or before `target` (the clock orders a coalesced advance by it). */
  private lastMatchBy(n: number, target: number): number {
    const t = this.timers[n]!;
    const deadline = t.timer.deadline;
    // A level timer acts at its first match only (then its status bit holds it until acknowledged).
    if (!this.running || !(t.conf & TN_CONF.PERIODIC) || t.period === 0n || t.firstMatchIn >= 0n || this.isLevel(t)) return deadline;
    // After catching up, the comparator is the first match after now; the one before was a period earlier.
    const count = this.counter();
    const ago = Number((count - ((this.comparator(t) - t.period) & comparatorMask(t))) & comparatorMask(t));
    return Math.max(deadline, (Math.floor(target / this.tickNs) - ago) * this.tickNs);
  }

  private deliverEdge(t: HpetTimerState): void {
    this.routing.deliverEdge(t, this.legacyRouting);
  }

  /** Holds the routed line high exactly while a level interrupt is active and may be signalled. */
  private updateLevelLine(t: HpetTimerState): void {
    const active = this.running && this.isLevel(t) && (t.conf & TN_CONF.INT_ENABLE) !== 0 && ((this.isr >>> t.index) & 1) === 1;
    this.routing.setLevel(t, active, this.legacyRouting);
  }

  private clearStatus(bits: number): void {
    if (bits === 0) return;
    this.isr = (this.isr & ~bits) >>> 0;
    for (const t of this.timers) {
      if ((bits >>> t.index) & 1) {
        this.updateLevelLine(t);
        this.rearm(t);
      }
    }
  }

  // ---- host API -------------------------------------------------------------------------------

  /** HVM_PARAM_HPET_ENABLED: false leaves the window claimed but dead (all-ones, writes ignored). */
  setGuestEnabled(on: boolean): void {
    this.guestEnabled = on;
  }

  get isGuestEnabled(): boolean {
    return this.guestEnabled;
  }

  /** Whether legacy replacement currently owns IRQ0/IRQ8. */
  get legacyReplacementActive(): boolean {
    return this.legacyActive;
  }

  /** Next scheduled match of timer n in ns, or null. */
  nextInterruptAt(n: number): number | null {
    const t = this.timers[n];
    return t !== undefined && t.timer.armed ? t.timer.deadline : null;
  }

  reset(): void {
    for (const t of this.timers) {
      t.timer.cancel();
      this.routing.releaseLevel(t);
      t.conf = this.caps.timerCapBits;
      t.cmp = U64_MASK;
      t.period = 0n;
      t.fsb = 0n;
      t.fired = false;
      t.firstMatchIn = NO_FIRST_MATCH;
      t.missed.clear();
    }
    this.genConf = 0;
    this.isr = 0;
    this.tickLinesChanged();
    this.mainCounter.reset();
    // guestEnabled is a host setting (HVM_PARAM_HPET_ENABLED) and survives a reset.
    // Legacy replacement ends with the reset (Bochs issue #218: it must not survive one).
    this.updateLegacy();
  }

  readonly stateDescription = HPET_STATE;

  snapshot(): PlainData {
    return HPET_STATE.snapshot(this);
  }

  /** @internal For HPET_STATE: the timers with their comparators brought up to date. */
  get timerStates(): (typeof HPET_TIMER_STATE.json)[] {
    const out = new Array<typeof HPET_TIMER_STATE.json>(this.timers.length);
    for (let n = 0; n < out.length; n++) {
      const t = this.timers[n]!;
      const s = HPET_TIMER_STATE.snapshot(t);
      s.cmp = u64Json(this.comparator(t));
      out[n] = s;
    }
    return out;
  }

  checkState(state: unknown): void {
    const s = HPET_STATE.check(state, this.id, this.params.timers);
    if (s.genConf & ~this.caps.genWritable) throw new SnapshotError(`${this.id}.genConf: bits 0x${s.genConf.toString(16)} cannot be set`);
    if (s.isr >= 2 ** this.params.timers) throw new SnapshotError(`${this.id}.isr: status bits beyond timer ${this.params.timers - 1}`);
    for (let n = 0; n < s.timers.length; n++) checkHpetTimerState(s.timers[n]!, `${this.id}.timers[${n}]`, n, s.genConf, this.caps);
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted and never throws. Cancels every timer, sets the
   * registers and the main counter from the state, re-applies legacy replacement and the level lines, and re-arms
   * the timers on the virtual clock (a saved absolute deadline stays absolute).
   */
  applyState(state: unknown): void {
    const s = state as HpetState;
    for (const t of this.timers) {
      t.timer.cancel();
      this.routing.releaseLevel(t);
    }
    this.guestEnabled = s.guestEnabled;
    this.genConf = s.genConf;
    this.isr = s.isr;
    this.setCounterBase(u64Value(s.counter));
    for (let n = 0; n < this.timers.length; n++) applyHpetTimerState(this.timers[n]!, s.timers[n]!);
    this.tickLinesChanged();
    this.updateLegacy();
    for (const t of this.timers) {
      this.updateLevelLine(t);
      this.rearm(t);
    }
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }
}
