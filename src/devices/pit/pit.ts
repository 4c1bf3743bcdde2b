// Intel 8254 programmable interval timer at ports 0x40–0x43, plus the PC's port 0x61 (speaker
// data, channel 2 GATE and OUT, refresh toggle). Three counters at 1.193182 MHz (counter.ts);
// channel 0's OUT drives ISA IRQ0, with only its edges scheduled on the clock, or (irq0Pulse
// 'periodic-pulse', Xen) a running mode 2/3 count drives it as one periodic pulse per period.
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { LevelObserver } from '../../irq/line.js';
import type { Timer, VirtualClock } from '../../time/clock.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { refuseField, StateDescription } from '../../device-model/state-description.js';
import { bool, f64, struct, structs } from '../../device-model/state-fields.js';
import { MISSED_TICKS_STATE, MissedTicks } from '../../device-model/timer-mode/missed-ticks.js';
import { MissedTickSource } from '../../device-model/timer-mode/missed-tick-source.js';
import type { TimerMode } from '../../device-model/timer-mode/timer-mode.js';
import type { IrqOutput } from '../../irq/irq-output.js';
import type { LegacyReplacementListener } from '../../irq/legacy-replacement.js';
import type { PeriodicTimerSource } from '../../irq/periodic-timer-source.js';
import { PIT_CRYSTAL } from '../../time/crystal.js';
import { PitCounter } from './counter.js';
import {
  CW_RW_MASK,
  CW_RW_SHIFT,
  CW_SELECT_READ_BACK,
  CW_SELECT_SHIFT,
  PIT_RW_LATCH,
  READ_BACK_NO_COUNT,
  READ_BACK_NO_STATUS,
  readBackSelects,
} from './control-word.js';
import { type CounterCheckContext, PIT_COUNTER_STATE } from './counter-state.js';
import { OutputLine } from '../../irq/output-line.js';
import { timerFastPaths } from '../../irq/timer-fast-paths.js';
import { checkPitParams, type PitParams } from './pit-params.js';

/** I/O port of counter 0; counters 1 and 2 follow at 0x41 and 0x42, the control word port at 0x43. */
export const PIT_BASE_PORT = 0x40;
/** I/O port of the 8254 control word (write-only): selects a counter's mode and access, or latches / reads back. */
export const PIT_CONTROL_PORT = 0x43;
/** I/O port 0x61 (NMI status and control on the PC): bit 0 GATE2, bit 1 speaker data, bit 4 refresh toggle, bit 5 OUT2 (see `PORT61`). */
export const SPEAKER_PORT = 0x61;

/** Port 0x61 bits. */
export const PORT61 = Object.freeze({
  GATE2: 0x01,
  SPEAKER_DATA: 0x02,
  REFRESH: 0x10,
  OUT2: 0x20,
} as const);

/** Xen's refresh toggle: bit 14 of the nanosecond clock (emul-i8254.c, "approximate as 2^14ns"). */
const REFRESH_SHIFT_NS = 1 << 14;

/**
 * The Intel 8254 programmable interval timer with the PC's port 0x61, id `pit` (Xen xen/arch/x86/emul-i8254.c,
 * QEMU 7.2 hw/timer/i8254.c). Three {@link PitCounter}s clocked at 1.193182 MHz from the virtual clock (CLK edges
 * are computed, never ticked); OUT0 drives ISA IRQ0 (or, with `irq0Pulse: 'periodic-pulse'`, a mode 2/3 count is
 * Xen's periodic pulse on it), channel 2's GATE and OUT are bits 0 and 5 of port 0x61.
 * Claims ports 0x40–0x43 (or, with `ports: 'pv'`, only 0x42–0x43) and 0x61, byte accesses only. While the HPET's
 * legacy replacement is on, IRQ0 stays quiet. Guest accesses never throw.
 * @throws {@link PitParamError} from the constructor for bad parameters.
 */
export class Pit implements Device, IoHandler, LegacyReplacementListener, IrqOutput {
  readonly id = 'pit';
  readonly kind = 'i8254';
  readonly channels: readonly [PitCounter, PitCounter, PitCounter] = [new PitCounter(), new PitCounter(), new PitCounter()];
  /** Xen's timer_mode policy for IRQ0's periodic ticks. */
  private readonly missedTicks: MissedTicks;
  /** Channel 0 as a periodic timer source: IRQ0's ticks, for the missed-tick policy and Xen's IRQ0 routing. */
  readonly periodicTimer: PeriodicTimerSource;
  speakerData = false;
  private refreshFlip = false;
  private legacyReplacement = false;
  /**
   * IRQ0 is a periodic pulse instead of following OUT0: Xen's periodic timer (irq0Pulse
   * 'periodic-pulse'), or a period below minIrqPeriodNs delivered at the clamp.
   */
  private clamped = false;
  /** The period (ns) of the pulse while `clamped`. */
  private pulsePeriodNs = 0;
  /** QEMU's reset: IRQ0 stays low until OUT0 first moves or channel 0 is programmed (resetIrq0). */
  private irqHeldLow = false;
  /** syncIrq runs for a scheduled OUT0 edge (a counter expiry), not for a guest write. */
  private inEdge = false;
  private readonly irq0: OutputLine;
  private readonly edgeTimer: Timer;
  private readonly params: PitParams;
  /** The CLK edge the edge timer was last armed for and its time (onEdge's K when it fires on time). */
  private armedEdge = -1;
  private armedAt = -1;
  /** The count `pulsePeriod` last converted, and its (clamped) period in ns. */
  private pulseCount = -1;
  private pulseCountNs = 0;
  /** irq0Pulse is 'periodic-pulse'. */
  private readonly pulseEveryPeriod: boolean;
  /** timerFastPaths when built: an edge that fires on time takes K from armedEdge. */
  private readonly edgeFromArming = timerFastPaths.enabled;
  /**
   * timerFastPaths when built, with 'periodic-pulse': a pulse's edge skips syncIrq's re-check once
   * a syncIrq has run since the last restore (`pulseChecked`). What that re-check reads (channel
   * 0's programming, mode, running and count register; legacy replacement) changes only by a
   * guest write, a legacy-replacement change or a reset, and each runs syncIrq itself; a restored
   * pulse is re-checked at its first edge. ('out0' keeps the re-check: its clamp follows the count
   * in use, which a reload changes between edges.)
   */
  private readonly pulseSkipsRecheck: boolean;
  private pulseChecked = false;
  /** The count `periodNsOf` last converted, and its period in ns. */
  private periodCount = -1;
  private periodNs = 0;

  constructor(
    ports: PortBus,
    fabric: InterruptFabric,
    private readonly clock: VirtualClock,
    params: PitParams,
    timerMode: TimerMode,
  ) {
    this.params = checkPitParams(params);
    this.pulseEveryPeriod = params.irq0Pulse === 'periodic-pulse';
    this.pulseSkipsRecheck = this.pulseEveryPeriod && timerFastPaths.enabled;
    this.missedTicks = new MissedTicks(timerMode);
    this.periodicTimer = new MissedTickSource('pit', this.missedTicks, {
      active: () => this.channel0Active(),
      tickLine: () => 0,
      redeliverTick: () => this.redeliverIrq0Tick(),
    });
    this.irq0 = new OutputLine(fabric.isaLine(0));
    this.edgeTimer = clock.createTimer('pit.irq0', (_now, periods) => this.onEdge(periods));
    this.edgeTimer.lastEventBy = (target) => this.lastOutChangeBy(target);
    // Xen registers 0x40–0x43 and 0x61 byte-only; other widths never reach the device.
    if (params.ports === 'all') {
      ports.register(PIT_BASE_PORT, 4, this, { owner: this.id, name: 'i8254', sizes: 1 });
    } else {
      const pv: IoHandler = {
        read: (o, s, c) => this.read(o + 2, s, c),
        write: (o, s, v, c) => this.write(o + 2, s, v, c),
      };
      ports.register(PIT_BASE_PORT + 2, 2, pv, { owner: this.id, name: 'i8254 (PV: 0x42-0x43)', sizes: 1 });
    }
    const speaker: IoHandler = {
      read: () => this.readPort61(),
      write: (_o, _s, v) => this.writePort61(v),
    };
    ports.register(SPEAKER_PORT, 1, speaker, { owner: this.id, name: 'port 0x61', sizes: 1 });
    this.reset();
  }

  private edges(): number {
    return PIT_CRYSTAL.edgesAt(this.clock.now);
  }

  // --- guest accesses ------------------------------------------------------------------------

  /**
   * A guest byte read at `offset` 0–3 from port 0x40: offsets 0–2 read the counter (a latched status or count first,
   * else the current count in the programmed byte order); offset 3, the write-only control port, reads
   * `controlPortRead`. Never throws.
   */
  read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
    if (offset === 3) return this.params.controlPortRead; // write-only register: never indexes a channel
    const ch = this.channels[offset];
    return ch === undefined ? 0xff : ch.readByte(this.edges());
  }

  /**
   * A guest byte write at `offset` 0–3 from port 0x40: offsets 0–2 write a count byte to that counter; offset 3 is
   * the control word (8254 datasheet "Control Word Format": program a counter's mode and access, counter-latch
   * command, or read-back command). Channel 0 changes update IRQ0 at once. Never throws.
   */
  write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
    const K = this.edges();
    const v = value & 0xff;
    if (offset === 3) {
      const sel = v >> CW_SELECT_SHIFT;
      if (sel === CW_SELECT_READ_BACK) {
        for (let i = 0; i < 3; i++) {
          if ((v & readBackSelects(i)) === 0) continue;
          const ch = this.channels[i]!;
          if ((v & READ_BACK_NO_COUNT) === 0) ch.latchCount(K);
          if ((v & READ_BACK_NO_STATUS) === 0) ch.latchStatus(K);
        }
        return;
      }
      const ch = this.channels[sel]!;
      if ((v & CW_RW_MASK) >> CW_RW_SHIFT === PIT_RW_LATCH) {
        ch.latchCount(K);
        return;
      }
      ch.control(v, K);
      if (sel === 0) this.syncIrq(true);
      return;
    }
    const ch = this.channels[offset];
    if (ch === undefined) return;
    ch.writeByte(v, K);
    // A periodic pulse restarts when a count is loaded (Xen's pit_load_count), not at the first
    // byte of a two-byte count.
    if (offset === 0) this.syncIrq(!ch.writeMsbNext, true);
  }

  private readPort61(): number {
    const ch2 = this.channels[2];
    let refresh: boolean;
    if (this.params.refreshToggle === 'time') {
      refresh = Math.floor(this.clock.now / REFRESH_SHIFT_NS) % 2 === 1;
    } else {
      this.refreshFlip = !this.refreshFlip;
      refresh = this.refreshFlip;
    }
    return (
      (ch2.gate ? PORT61.GATE2 : 0) | (this.speakerData ? PORT61.SPEAKER_DATA : 0) | (refresh ? PORT61.REFRESH : 0) | (ch2.out(this.edges()) ? PORT61.OUT2 : 0)
    );
  }

  private writePort61(value: number): void {
    this.speakerData = (value & PORT61.SPEAKER_DATA) !== 0;
    this.channels[2].setGate((value & PORT61.GATE2) !== 0, this.edges());
  }

  // --- host API ------------------------------------------------------------------------------

  /**
   * HPET legacy-replacement routing (IA-PC HPET 1.0a §2.3.5, LEG_RT_CNF): while on, timer 0 owns IRQ0 and the
   * 8254's channel 0 is disconnected from it (the counter keeps counting).
   */
  setLegacyReplacement(on: boolean): void {
    if (on === this.legacyReplacement) return;
    this.legacyReplacement = on;
    this.syncIrq(true);
  }

  get legacyReplacementActive(): boolean {
    return this.legacyReplacement;
  }

  /** Observes IRQ0 as the PIT drives it (without other sources on the shared line). */
  observeIrq(fn: LevelObserver): () => void {
    return this.irq0.observe(fn);
  }

  /** OUT of a counter now. */
  out(channel: 0 | 1 | 2): boolean {
    return this.channels[channel].out(this.edges());
  }

  /**
   * Xen's pt_active(&vpit.pt0) (emul-i8254.c pit_load_count): channel 0 has a live timer —
   * periodic in modes 2/3, one-shot in modes 1/4 until it fires; none after reset, in modes 0/5,
   * or while the HPET's legacy replacement silences IRQ0.
   */
  private channel0Active(): boolean {
    const c = this.channels[0];
    if (!c.programmed || !c.running || this.legacyReplacement) return false;
    if (c.mode === 2 || c.mode === 3) return true;
    return (c.mode === 1 || c.mode === 4) && !c.segDone;
  }

  /** One owed IRQ0 tick as an edge (the missed-tick policy), leaving the line where OUT0 has it. */
  private redeliverIrq0Tick(): void {
    if (this.irq0.level) {
      this.irq0.retrigger(); // lower, raise
    } else {
      this.irq0.raise();
      this.irq0.lower();
    }
  }

  // --- IRQ0 ----------------------------------------------------------------------------------

  private setIrq(level: boolean): void {
    if (level && !this.irq0.level) {
      this.irq0.raise();
      // Only a counter expiry is a tick of the missed-tick policy (Xen's vpt counts periods from
      // the programming, pit_load_count); OUT0 rising because the guest wrote a control word is not.
      if (this.inEdge) this.missedTicks.tick();
    } else if (!level) {
      this.irq0.lower();
    }
  }

  /**
   * Brings IRQ0 to OUT0's level and arms the timer for OUT0's next edge. `restart`: the guest or
   * host changed channel 0 (a clamped periodic IRQ restarts, a quiet reset ends).
   */
  private syncIrq(restart: boolean, endQuietReset = restart, edgesNow = -1): void {
    this.pulseChecked = true;
    const ch = this.channels[0];
    if (endQuietReset) this.irqHeldLow = false;
    if (this.legacyReplacement || !ch.programmed || this.params.ports === 'pv') {
      // Xen: an unprogrammed channel 0 raises nothing (nor does a PV guest's); legacy replacement silences it.
      this.clamped = false;
      this.edgeTimer.cancel();
      this.setIrq(false);
      return;
    }
    const pulse = this.pulsePeriod(ch);
    if (pulse > 0) {
      // Xen's vpt: the interrupt is a periodic timer (of at least 100 µs); the line is
      // deasserted and reasserted at each tick and stays asserted between them.
      if (!this.clamped || restart) {
        this.clamped = true;
        this.pulsePeriodNs = pulse;
        this.edgeTimer.armPeriodic(this.clock.now + pulse, pulse);
        this.setIrq(true);
      }
      return;
    }
    const K = edgesNow >= 0 ? edgesNow : this.edges();
    const out = ch.out(K);
    if (this.clamped) {
      this.clamped = false;
      this.edgeTimer.cancel();
    }
    this.setIrq(out && !this.irqHeldLow);
    const next = ch.nextOutChange(K);
    if (next < 0) {
      this.edgeTimer.cancel();
      return;
    }
    const at = PIT_CRYSTAL.edgeTime(next);
    this.armedEdge = next;
    this.armedAt = at;
    // OUT0 is high, so its next change takes IRQ0 low, and a falling input requests nothing of
    // any controller (8259A: an IR input requests on its low-to-high transition; 82093AA: an edge
    // pin on its rising edge, a level pin while high). It still happens at its exact time, but as
    // a quiet event the host need not wake for: only for the rise after it (issue 11's kicks:
    // mode 3's low half). A one-CLK low (modes 2, 4, 5) rises again within a microsecond, which
    // no host wakes for apart, so that fall stays an ordinary event.
    const rise = out ? ch.followingOutChange(next) : -1;
    if (rise > next + 1) this.edgeTimer.armQuietAt(at, PIT_CRYSTAL.edgeTime(rise));
    else this.edgeTimer.armAt(at);
  }

  /**
   * The period (ns) of IRQ0 as a periodic pulse for channel 0 now, or 0 when IRQ0 follows OUT0:
   * with `periodic-pulse`, a running mode 2/3 count's period as Xen computes it (pit_load_count,
   * DIV_ROUND(count · 10^9, PIT_FREQ)), clamped to minIrqPeriodNs; with `out0`, the clamp alone
   * when OUT0's period is shorter.
   */
  private pulsePeriod(ch: PitCounter): number {
    if (!ch.running || (ch.mode !== 2 && ch.mode !== 3)) return 0;
    const min = this.params.minIrqPeriodNs;
    if (this.pulseEveryPeriod) {
      const count = ch.countRegister;
      if (count !== this.pulseCount) {
        this.pulseCount = count;
        this.pulseCountNs = Math.max(xenPitPeriodNs(count), min);
      }
      return this.pulseCountNs;
    }
    return min > 0 && ch.segValue > 1 && this.periodNsOf(ch.segValue) < min ? min : 0;
  }

  /**
   * A snapshot without a pulse restored where this model pulses (taken before irq0Pulse, when IRQ0
   * followed OUT0 on every profile): the pulse keeps Xen's phase, whole periods from the count's
   * load, taken as the CLK edge before the one the count was loaded at (within one CLK of the write).
   */
  private phasePulseFromLoad(): void {
    const period = this.pulsePeriodNs;
    const loadedAt = PIT_CRYSTAL.edgeTime(this.channels[0].segStart - 1);
    const now = this.clock.now;
    if (loadedAt > now) return;
    this.edgeTimer.armPeriodic(loadedAt + (Math.floor((now - loadedAt) / period) + 1) * period, period);
  }

  /** A period of `count` CLKs in ns (PIT_CRYSTAL.edgeTime), computed once per count rather than once per OUT0 edge. */
  private periodNsOf(count: number): number {
    if (count !== this.periodCount) {
      this.periodCount = count;
      this.periodNs = PIT_CRYSTAL.edgeTime(count);
    }
    return this.periodNs;
  }

  private onEdge(periods: number): void {
    this.irqHeldLow = false; // OUT0 moved: from now on IRQ0 follows it
    if (this.clamped) {
      if (!this.pulseChecked || !this.pulseSkipsRecheck) this.syncIrq(false);
      if (this.clamped) {
        this.irq0.retrigger(); // lower, raise
        this.missedTicks.tick(periods);
      }
      return;
    }
    this.inEdge = true;
    // Late (the clock coalesced the edges up to now): what the interrupt controllers latch is
    // whether OUT0 rose at all, and the policy counts the rises.
    const now = this.clock.now;
    if (now > this.edgeTimer.firedAt) this.replayRises(PIT_CRYSTAL.edgesAt(this.edgeTimer.firedAt));
    // On time at the edge it was armed for: K is that edge (edgeTime(n) is the first ns of edge n,
    // and a CLK lasts longer than 1 ns, so edgesAt(edgeTime(n)) = n).
    this.syncIrq(false, false, this.edgeFromArming && now === this.armedAt ? this.armedEdge : -1);
    this.inEdge = false;
  }

  /** The time of OUT0's last change at or before `target` (the clock orders a coalesced advance by it). */
  private lastOutChangeBy(target: number): number {
    const deadline = this.edgeTimer.deadline;
    const ch = this.channels[0];
    if (this.clamped) return deadline + Math.floor((target - deadline) / this.pulsePeriodNs) * this.pulsePeriodNs;
    if (!ch.running || (ch.mode !== 2 && ch.mode !== 3) || ch.segValue <= 1) return deadline;
    const K = PIT_CRYSTAL.edgesAt(target);
    // A periodic waveform changes at least once per period: look one period back from K.
    let k = Math.max(PIT_CRYSTAL.edgesAt(deadline) - 1, K - ch.segValue - 1);
    let last = -1;
    for (let i = 0; i < 6; i++) {
      const c = ch.nextOutChange(k);
      if (c < 0 || c > K) break;
      last = c;
      k = c;
    }
    return last < 0 ? deadline : PIT_CRYSTAL.edgeTime(last);
  }

  /** One rising edge on IRQ0 if OUT0 rose at a CLK edge from `from` to now, and a tick per rise. */
  private replayRises(from: number): void {
    const ch = this.channels[0];
    if (this.legacyReplacement || !ch.programmed || this.params.ports === 'pv') return;
    const K = this.edges();
    let k = from - 1;
    let rise = -1;
    for (let i = 0; i < 4 && rise < 0; i++) {
      const c = ch.nextOutChange(k);
      if (c < 0 || c > K) return;
      if (ch.out(c)) rise = c;
      k = c;
    }
    if (rise < 0) return;
    const periodic = (ch.mode === 2 || ch.mode === 3) && ch.segValue > 1;
    const rises = periodic ? 1 + Math.floor((K - rise) / ch.segValue) : 1;
    this.irq0.lower();
    this.setIrq(true); // one edge for every latch (PIC IRR, IO-APIC), one tick
    if (rises > 1) this.missedTicks.tick(rises - 1);
  }

  // --- Device contract -----------------------------------------------------------------------

  reset(): void {
    const K = this.edges();
    const running = this.params.resetState === 'mode3-running';
    for (let i = 0; i < 3; i++) {
      const gate = i !== 2; // channels 0/1 tied high; channel 2's gate is port 0x61 bit 0
      if (running) this.channels[i]!.resetRunningMode3(gate, K);
      else this.channels[i]!.resetUnprogrammed(gate, K);
    }
    this.speakerData = false;
    this.refreshFlip = false;
    this.legacyReplacement = false;
    this.missedTicks.clear();
    this.clamped = false;
    this.pulsePeriodNs = 0;
    this.edgeTimer.cancel();
    this.irq0.lower();
    this.irqHeldLow = this.params.resetIrq0 === 'quiet';
    this.syncIrq(true, false);
  }

  readonly stateDescription = PIT_STATE;

  snapshot(): PlainData {
    // Apply the transfers already due, so equal states give equal snapshots.
    const K = this.edges();
    for (const c of this.channels) c.settle(K);
    return PIT_STATE.snapshot(this);
  }

  /** @internal For PIT_STATE: IRQ0's pulse timer's next deadline, -1 when IRQ0 follows OUT0. */
  get clampedDeadline(): number {
    return this.clamped ? this.edgeTimer.deadline : -1;
  }

  /** @internal For PIT_STATE: IRQ0's level. */
  get irq0Level(): boolean {
    return this.irq0.level;
  }

  checkState(state: unknown): void {
    const now = this.clock.now;
    const min = this.params.minIrqPeriodNs;
    const maxIrqPeriodNs = this.pulseEveryPeriod ? Math.max(xenPitPeriodNs(0x10000), min) : min;
    const s = PIT_STATE.check(state, this.id, { K: this.edges(), now, maxIrqPeriodNs, resetIrq0: this.params.resetIrq0 });
    if (!s.channels[0]!.gate || !s.channels[1]!.gate) throw new SnapshotError(`${this.id}: channels 0 and 1 must have GATE high`);
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted and never throws. Sets the three counters and
   * port 0x61, drives IRQ0 to its saved level and re-arms the next OUT0 edge (a clamped periodic IRQ0 keeps its
   * saved deadline and phase).
   */
  applyState(state: unknown): void {
    const s = state as PitState;
    for (let i = 0; i < 3; i++) this.channels[i]!.applyState(s.channels[i]!);
    this.speakerData = s.speakerData;
    this.refreshFlip = s.refreshFlip;
    this.legacyReplacement = s.legacyReplacement;
    this.irqHeldLow = s.irqHeldLow;
    this.missedTicks.applyState(s.missedTicks);
    this.edgeTimer.cancel();
    this.clamped = false;
    if (s.irq0) this.irq0.raise();
    else this.irq0.lower();
    if (s.clampedDeadline >= 0) {
      this.clamped = true;
      // A restored pulse keeps its phase and period (the loaded count's, or the clamp) until its
      // next tick, where onEdge re-evaluates it, exactly as the saved PIT would.
      this.pulsePeriodNs = this.pulseEveryPeriod
        ? Math.max(xenPitPeriodNs(this.channels[0].countRegister), this.params.minIrqPeriodNs)
        : this.params.minIrqPeriodNs;
      this.edgeTimer.armPeriodic(s.clampedDeadline, this.pulsePeriodNs);
      this.pulseChecked = false;
    } else {
      // Re-evaluate without counting a tick for a level the snapshot already had.
      const tracking = this.missedTicks.tracking;
      this.missedTicks.tracking = false;
      this.syncIrq(false);
      this.missedTicks.tracking = tracking;
      if (this.clamped) this.phasePulseFromLoad();
    }
  }
}

/** Xen's IRQ0 period for a count (emul-i8254.c pit_load_count: DIV_ROUND(count · 10^9, PIT_FREQ) ns). */
export function xenPitPeriodNs(count: number): number {
  return Math.round((count * 1e9) / PIT_CRYSTAL.hz);
}

interface PitCheckContext extends CounterCheckContext {
  readonly now: number;
  /** The longest period IRQ0's pulse can have (0: IRQ0 is never a pulse). */
  readonly maxIrqPeriodNs: number;
  readonly resetIrq0: PitParams['resetIrq0'];
}

/** The PIT's state: three counters, port 0x61, the IRQ0 line and Xen's missed-tick bookkeeping. */
export const PIT_STATE = new StateDescription(
  'i8254',
  1,
  {
    channels: structs(3, PIT_COUNTER_STATE),
    speakerData: bool(),
    refreshFlip: bool(),
    legacyReplacement: bool(),
    /** IRQ0's pulse timer's next deadline (ns), -1 when IRQ0 follows OUT0 (the name predates irq0Pulse: the clamp was the only pulse). */
    clampedDeadline: f64(-1, (c: PitCheckContext) => c.now + c.maxIrqPeriodNs).manual(),
    irq0: bool().computed((p: Pit) => p.irq0Level),
    irqHeldLow: bool(),
    missedTicks: struct(MISSED_TICKS_STATE).manual(),
  },
  (s, c: PitCheckContext) => {
    const d = s.clampedDeadline;
    if (d !== -1 && (c.maxIrqPeriodNs === 0 || d < c.now || !Number.isInteger(d))) refuseField('clampedDeadline', `${d} is not a clamped IRQ0 deadline`);
    if (s.irqHeldLow && (s.irq0 || c.resetIrq0 !== 'quiet')) refuseField('irqHeldLow', 'only a quiet-reset profile holds IRQ0 low, and then the line is low');
  },
);

type PitState = typeof PIT_STATE.json;
