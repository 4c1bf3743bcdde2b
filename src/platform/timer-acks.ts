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
  const pic = links.isaVectors;
  const ioapics = links.gsiVectors;

  // Xen moves the platform timers when the i8259 target changes (pt_adjust_global_vcpu_target on an
  // LVT LINT0 write); here the target is recomputed at an acknowledge, and only after some CPU
  // said its answer may have changed: an acknowledgement costs the same at 1 or 128 vCPUs.
  const accepts: boolean[] = cpus.map(() => false);
  let stale = true;
  let target = 0;
  for (const c of cpus) c.picAcceptanceObserver = () => (stale = true);
  // Split in two so that the acknowledgement's common case (nothing stale, the source already on
  // the target) stays small enough for V8 to inline into the LAPIC's INTA (issue 14).
  const retargetSlow = (current: number): void => {
    if (stale) {
      stale = false;
      for (let i = 0; i < cpus.length; i++) accepts[i] = cpus[i]!.acceptsPicInterrupt();
      target = i8259TargetVcpu(accepts);
    }
    const t = target;
    if (t !== current) for (const s of sources) s.setTargetVcpu(t);
  };
  const retarget = (current = -1): number => {
    if (stale || target !== current) retargetSlow(current);
    return target;
  };
  for (const s of sources) s.trackTicksTaken(true);
  retarget();

  /** The vector a tick on `line` arrives with on this path, or −1 (Xen's pt_irq_vector). */
  const vectorOf = (line: number, fromPic: boolean): number => {
    if (fromPic) return line < 0 || pic === null ? -1 : pic.vectorOfIsaIrq(line); // only ISA sources reach the 8259
    const gsi = line >= 0 ? isaToGsi[line]! : -1 - line;
    for (const io of ioapics) {
      const v = io.vectorOfGsi(gsi);
      if (v >= 0) return v;
    }
    return -1;
  };

  // The general acknowledgement: Xen's is_pt_irq over every source, in order.
  const takenBySearch = (vcpu: number, vector: number, fromPic: boolean): void => {
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      // Xen's is_pt_irq: only a timer with an interrupt issued, whose vector on this path matches.
      if (!s.tickOutstanding()) continue;
      const line = s.tickLine();
      if (line === null || vectorOf(line, fromPic) !== vector) continue;
      // The timers live on the i8259 target's list; pt_intr_post looks only at the taker's own.
      const target = retarget(s.targetVcpu());
      if (vcpu === target) s.tickTaken(vcpu); // one timer per vector taken
      return;
    }
  };

  // The IO-APIC path by table: per vector, the one source whose ticks arrive with it (its index),
  // NO_SOURCE, or SEVERAL_SOURCES (then the search decides). Only that source can be the one the
  // search finds, so one load says "no timer's vector" and one flag "its tick is not outstanding".
  // Rebuilt at the next acknowledgement after a source's tick line or an entry's vector may have
  // changed (both report it).
  const sourceOfVector = new Int16Array(256);
  let tableStale = true;
  const markStale = (): void => {
    tableStale = true;
  };
  for (const s of sources) s.tickLineObserver = markStale;
  for (const io of ioapics) io.vectorObserver = markStale;
  const rebuildTable = (): void => {
    tableStale = false;
    sourceOfVector.fill(NO_SOURCE);
    for (let i = 0; i < sources.length; i++) {
      const line = sources[i]!.tickLine();
      const v = line === null ? -1 : vectorOf(line, false);
      if (v >= 0) sourceOfVector[v] = sourceOfVector[v] === NO_SOURCE ? i : SEVERAL_SOURCES;
    }
  };
  const takenByTable = (vcpu: number, vector: number, fromPic: boolean): void => {
    if (fromPic) {
      takenBySearch(vcpu, vector, fromPic); // the 8259's vectors: rare, and by the PIC's ICW2
      return;
    }
    if (tableStale) rebuildTable();
    const i = sourceOfVector[vector]!;
    if (i < 0) {
      if (i === SEVERAL_SOURCES) takenBySearch(vcpu, vector, fromPic);
      return;
    }
    const s = sources[i]!;
    if (!s.tickOutstanding()) return;
    const target = retarget(s.targetVcpu());
    if (vcpu === target) s.tickTaken(vcpu);
  };

  // timerFastPaths when wired: the differential test compares a platform that searches every time.
  const taken = timerFastPaths.enabled ? takenByTable : takenBySearch;
  cpus.forEach((l, i) => {
    l.acknowledgeObserver = (vector, fromPic) => taken(i, vector, fromPic);
  });

  return { sources: sources.map((s) => s.name), targetVcpu: () => retarget() };
}
