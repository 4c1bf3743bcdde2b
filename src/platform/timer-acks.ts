// Acknowledgement of the periodic platform timers (PIT channel 0, RTC periodic interrupt, HPET
// timers): the missed-tick policy (HVM_PARAM_TIMER_MODE, src/device-model/timer-mode) only acts
// once a timer hears that the guest took its interrupt. Xen does this in xen/arch/x86/hvm/vpt.c:
// when a vCPU takes a vector (hvm_vcpu_ack_pending_irq → pt_intr_post), the periodic timer whose
// interrupt was issued and whose vector matches is acknowledged. The vector a timer's interrupt
// arrives with depends on the path (Xen's pt_irq_vector):
//   - through the 8259 (ExtINT): the PIC's vector for the ISA IRQ (IsaVectorLookup); only ISA
//     sources (PIT IRQ0, RTC IRQ8, HPET legacy replacement) arrive this way;
//   - through the LAPIC: the vector of the IO-APIC redirection entry of the source's GSI
//     (GsiVectorLookup; an ISA IRQ is mapped through the platform's ISA→GSI table, e.g. IRQ0 → GSI 2).
// Platform timers belong to the vCPU that handles the 8259 (Xen's pt_global_vcpu_target: the
// i8259 target, the first vCPU whose LAPIC accepts PIC interrupts, else vCPU 0); an acknowledge
// on another vCPU is not theirs. The LAPIC timer tracks its own vector inside the LAPIC.
//
// Which profiles follow Xen's vpt: profile.clock.xenVpt (the Xen profiles). On QEMU's pc machine
// the devices stay hardware-like (no tracking): a tick that finds its interrupt still pending is
// simply lost, as the LAPIC timer's is.
import { i8259TargetVcpu } from '../device-model/timer-mode/vcpu-target.js';
import { timerFastPaths } from '../irq/timer-fast-paths.js';
import type { DeviceLinks } from './device-links.js';
import type { PlatformProfile } from './profiles.js';
import type { GsiVectorLookup, InterruptTaker, IsaVectorLookup, PeriodicTimerSource } from '../irq/periodic-timer-source.js';

/** sourceOfVector: no source's ticks arrive with this vector. */
const NO_SOURCE = -1;
/** sourceOfVector: more than one source's do (the search over the sources decides). */
const SEVERAL_SOURCES = -2;

/** What wireTimerAcknowledgements built (for tests and `describe`-style inspection). */
export interface TimerAcknowledgements {
  /** Names of the tracked sources: 'pit', 'rtc', 'hpet.timer0', ... */
  readonly sources: readonly string[];
  /** The vCPU platform-timer interrupts belong to now (recomputed on each acknowledge). */
  targetVcpu(): number;
}

/** Whether a platform follows Xen's vpt for its periodic platform timers. */
export function followsXenVpt(platform: { readonly profile: PlatformProfile }): boolean {
  return platform.profile.clock.xenVpt;
}

/**
 * Hooks every LAPIC's acknowledge so that taking a platform timer's vector acknowledges that
 * timer, and turns on "tick taken" tracking in every periodic timer source. Returns null (and
 * changes nothing) on platforms that do not follow Xen's vpt or have no LAPIC to take interrupts.
 */
export function wireTimerAcknowledgements(links: DeviceLinks, isaToGsi: readonly number[], xenVpt: boolean): TimerAcknowledgements | null {
  const cpus = links.interruptTakers;
  const sources = links.periodicTimers;
  if (!xenVpt || cpus.length === 0 || sources.length === 0) return null;
  const acks = new TickAcknowledgement(cpus, sources, links.isaVectors, links.gsiVectors, isaToGsi);
  for (const c of cpus) c.picAcceptanceObserver = () => acks.picAcceptanceChanged();
  for (const s of sources) s.trackTicksTaken(true);
  acks.retarget();
  for (const s of sources) s.tickLineObserver = () => acks.vectorsChanged();
  for (const io of links.gsiVectors) io.vectorObserver = () => acks.vectorsChanged();
  // timerFastPaths when wired: the differential test compares a platform that searches every time.
  const byTable = timerFastPaths.enabled;
  cpus.forEach((l, i) => {
    l.acknowledgeObserver = byTable ? (vector, fromPic) => acks.takenByTable(i, vector, fromPic) : (vector, fromPic) => acks.takenBySearch(i, vector, fromPic);
  });
  return { sources: sources.map((s) => s.name), targetVcpu: () => acks.retarget() };
}

/**
 * The acknowledgement path's state: the i8259 target and the table of sources by vector. A class
 * with plain fields (no closure variables) so that the INTA's common case is a few field loads
 * V8 inlines into the LAPIC's INTA (issue 14).
 */
class TickAcknowledgement {
  /** Per vCPU, whether its LAPIC accepts 8259 interrupts (as of the last recompute). */
  private readonly accepts: boolean[];
  /** Some CPU said acceptsPicInterrupt() may answer differently: the target is recomputed at the next use. */
  private stale = true;
  private target = 0;
  /**
   * The IO-APIC path by table: per vector, the one source whose ticks arrive with it (its index),
   * NO_SOURCE, or SEVERAL_SOURCES (then the search decides). Only that source can be the one the
   * search finds, so one load says "no timer's vector" and one flag "its tick is not outstanding".
   * Rebuilt at the next acknowledgement after a source's tick line or an entry's vector may have
   * changed (both report it).
   */
  private readonly sourceOfVector = new Int16Array(256);
  private tableStale = true;

  constructor(
    private readonly cpus: readonly InterruptTaker[],
    private readonly sources: readonly PeriodicTimerSource[],
    private readonly pic: IsaVectorLookup | null,
    private readonly ioapics: readonly GsiVectorLookup[],
    private readonly isaToGsi: readonly number[],
  ) {
    this.accepts = cpus.map(() => false);
  }

  picAcceptanceChanged(): void {
    this.stale = true;
  }

  vectorsChanged(): void {
    this.tableStale = true;
  }

  /**
   * The vCPU platform-timer interrupts belong to now; moves every source there when it is not
   * `current` (Xen moves the platform timers when the i8259 target changes, pt_adjust_global_vcpu_target
   * on an LVT LINT0 write; here the target is recomputed at an acknowledge, and only after some CPU
   * said its answer may have changed: an acknowledgement costs the same at 1 or 128 vCPUs).
   */
  retarget(current = -1): number {
    if (this.stale || this.target !== current) this.retargetSlow(current);
    return this.target;
  }

  private retargetSlow(current: number): void {
    if (this.stale) {
      this.stale = false;
      const cpus = this.cpus;
      for (let i = 0; i < cpus.length; i++) this.accepts[i] = cpus[i]!.acceptsPicInterrupt();
      this.target = i8259TargetVcpu(this.accepts);
    }
    const t = this.target;
    if (t !== current) for (const s of this.sources) s.setTargetVcpu(t);
  }

  /** The vector a tick on `line` arrives with on this path, or −1 (Xen's pt_irq_vector). */
  private vectorOf(line: number, fromPic: boolean): number {
    if (fromPic) return line < 0 || this.pic === null ? -1 : this.pic.vectorOfIsaIrq(line); // only ISA sources reach the 8259
    const gsi = line >= 0 ? this.isaToGsi[line]! : -1 - line;
    for (const io of this.ioapics) {
      const v = io.vectorOfGsi(gsi);
      if (v >= 0) return v;
    }
    return -1;
  }

  /** The general acknowledgement: Xen's is_pt_irq over every source, in order. */
  takenBySearch(vcpu: number, vector: number, fromPic: boolean): void {
    const sources = this.sources;
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      // Xen's is_pt_irq: only a timer with an interrupt issued, whose vector on this path matches.
      if (!s.tickOutstanding()) continue;
      const line = s.tickLine();
      if (line === null || this.vectorOf(line, fromPic) !== vector) continue;
      // The timers live on the i8259 target's list; pt_intr_post looks only at the taker's own.
      const target = this.retarget(s.targetVcpu());
      if (vcpu === target) s.tickTaken(vcpu); // one timer per vector taken
      return;
    }
  }

  private rebuildTable(): void {
    this.tableStale = false;
    const table = this.sourceOfVector;
    table.fill(NO_SOURCE);
    for (let i = 0; i < this.sources.length; i++) {
      const line = this.sources[i]!.tickLine();
      const v = line === null ? -1 : this.vectorOf(line, false);
      if (v >= 0) table[v] = table[v] === NO_SOURCE ? i : SEVERAL_SOURCES;
    }
  }

  /** The acknowledgement by the table (the same source, and the same steps, as takenBySearch). */
  takenByTable(vcpu: number, vector: number, fromPic: boolean): void {
    if (fromPic) {
      this.takenBySearch(vcpu, vector, fromPic); // the 8259's vectors: rare, and by the PIC's ICW2
      return;
    }
    if (this.tableStale) this.rebuildTable();
    const i = this.sourceOfVector[vector]!;
    if (i < 0) {
      if (i === SEVERAL_SOURCES) this.takenBySearch(vcpu, vector, fromPic);
      return;
    }
    const s = this.sources[i]!;
    if (!s.tickOutstanding()) return;
    const target = this.retarget(s.targetVcpu());
    if (vcpu === target) s.tickTaken(vcpu);
  }
}
