// Acknowledgement plumbing for the periodic platform timers (PIT channel 0, RTC periodic
// interrupt, HPET timers): the missed-tick policy (HVM_PARAM_TIMER_MODE, src/device-model/timer-mode) only
// acts once a device hears that the guest took its interrupt. Xen does this in vpt.c: when a vCPU
// takes a vector (hvm_vcpu_ack_pending_irq → pt_intr_post), the periodic timer whose interrupt was
// issued and whose vector matches is acknowledged. The vector a timer's interrupt arrives with
// depends on the path (Xen's pt_irq_vector):
//   - through the 8259 (ExtINT): the PIC's vector base for the ISA IRQ (ICW2 & 0xF8) + (irq & 7);
//     only ISA sources (PIT IRQ0, RTC IRQ8, HPET legacy replacement) arrive this way;
//   - through the LAPIC: the vector of the IO-APIC redirection entry of the source's GSI (ISA IRQ
//     mapped through the platform's ISA→GSI table, e.g. IRQ0 → GSI 2; an HPET timer's route).
// Platform timers belong to the vCPU that handles the 8259 (Xen's pt_global_vcpu_target: the
// i8259 target, the first vCPU whose LAPIC accepts PIC interrupts, else vCPU 0); an acknowledge
// on another vCPU is not theirs. The LAPIC timer tracks its own vector inside the LAPIC.
//
// Which profiles follow Xen's vpt: those whose LAPIC timer does (LapicParams.timerMissedTicks, true
// for the Xen profiles). On QEMU's pc machine the devices stay hardware-like (no tracking): a tick
// that finds its interrupt still pending is simply lost, as the LAPIC timer's is.
import { Hpet } from '../devices/hpet/hpet.js';
import { Ioapic } from '../devices/ioapic/ioapic.js';
import type { Lapic } from '../devices/lapic/lapic.js';
import { PicPair } from '../devices/pic/pic-pair.js';
import { Pit } from '../devices/pit/pit.js';
import { Rtc } from '../devices/rtc/rtc.js';
import type { MissedTicks } from '../device-model/timer-mode/missed-ticks.js';
import { i8259TargetVcpu } from '../device-model/timer-mode/vcpu-target.js';
import type { Platform } from './platform.js';

/** One periodic platform-timer interrupt source as the acknowledge path sees it. */
interface TimerSource {
  readonly name: string;
  readonly missed: () => MissedTicks | undefined;
  /** ISA IRQ (>= 0), GSI as −1 − gsi, or null when the source has no IRQ now (e.g. HPET FSB). */
  readonly irq: () => number | null;
  readonly acknowledge: (vcpu: number) => void;
  readonly setTarget: (vcpu: number) => void;
}

/** What wireTimerAcknowledgements built (for tests and `describe`-style inspection). */
export interface TimerAcknowledgements {
  /** Names of the tracked sources: 'pit', 'rtc', 'hpet.timer0', ... */
  readonly sources: readonly string[];
  /** The vCPU platform-timer interrupts belong to now (recomputed on each acknowledge). */
  targetVcpu(): number;
}

/** Whether a platform follows Xen's vpt for its periodic platform timers. */
export function followsXenVpt(platform: Platform): boolean {
  return platform.profile.clock.xenVpt;
}

/**
 * Hooks every LAPIC's INTA so that taking a platform timer's vector acknowledges that timer, and
 * turns on acknowledgement tracking in the PIT, RTC and HPET. Returns null (and changes nothing)
 * on platforms that do not follow Xen's vpt or have no LAPIC to take interrupts.
 */
export function wireTimerAcknowledgements(platform: Platform): TimerAcknowledgements | null {
  const lapics = platform.vcpus.map((v) => v.devices.get('lapic') as Lapic | undefined);
  if (!followsXenVpt(platform) || lapics.some((l) => l === undefined)) return null;
  const cpus = lapics as Lapic[];
  const devices = [...platform.devices.values()];
  const pic = devices.find((d): d is PicPair => d instanceof PicPair) ?? null;
  const ioapics = devices.filter((d): d is Ioapic => d instanceof Ioapic);
  const isaToGsi = platform.irq.isaToGsi;

  const sources: TimerSource[] = [];
  for (const d of devices) {
    if (d instanceof Pit) {
      sources.push({
        name: 'pit',
        missed: () => d.missedTicks,
        irq: () => 0,
        acknowledge: (v) => d.acknowledgeInterrupt(v),
        setTarget: (v) => d.setTargetVcpu(v),
      });
    } else if (d instanceof Rtc) {
      sources.push({
        name: 'rtc',
        missed: () => d.missedTicks,
        irq: () => 8,
        acknowledge: (v) => d.acknowledgeInterrupt(v),
        setTarget: (v) => d.setTargetVcpu(v),
      });
    } else if (d instanceof Hpet) {
      for (let n = 0; n < d.params.timers; n++) {
        sources.push({
          name: `hpet.timer${n}`,
          missed: () => d.missedTicks(n),
          irq: () => d.interruptSource(n),
          acknowledge: (v) => d.acknowledgeInterrupt(n, v),
          setTarget: (v) => d.setTargetVcpu(v),
        });
      }
    }
  }
  if (sources.length === 0) return null;

  // Xen moves the platform timers when the i8259 target changes (pt_adjust_global_vcpu_target on an
  // LVT LINT0 write); here the target is recomputed whenever it matters, at an acknowledge.
  const accepts: boolean[] = cpus.map(() => false);
  const retarget = (current = -1): number => {
    for (let i = 0; i < cpus.length; i++) accepts[i] = cpus[i]!.acceptsPicInterrupt();
    const t = i8259TargetVcpu(accepts);
    if (t !== current) for (const s of sources) s.setTarget(t);
    return t;
  };
  for (const d of devices) if (d instanceof Pit || d instanceof Rtc || d instanceof Hpet) d.setAcknowledgeTracking(true);
  retarget();

  /** The vector source `irq` arrives with on this path, or −1 (Xen's pt_irq_vector). */
  const vectorOf = (irq: number, fromPic: boolean): number => {
    if (fromPic) {
      if (irq < 0 || pic === null) return -1; // only ISA sources are wired to the 8259
      return ((irq < 8 ? pic.master : pic.slave).irqBase + (irq & 7)) & 0xff;
    }
    const gsi = irq >= 0 ? isaToGsi[irq]! : -1 - irq;
    for (const io of ioapics) {
      const pin = gsi - io.params.gsiBase;
      if (pin >= 0 && pin < io.params.pins) return Number(io.redirectionEntry(pin) & 0xffn);
    }
    return -1;
  };

  const taken = (vcpu: number, vector: number, fromPic: boolean): void => {
    for (let i = 0; i < sources.length; i++) {
      const s = sources[i]!;
      const m = s.missed();
      // Xen's is_pt_irq: only a timer with an interrupt issued, whose vector on this path matches.
      if (m === undefined || !m.issued) continue;
      const irq = s.irq();
      if (irq === null || vectorOf(irq, fromPic) !== vector) continue;
      // The timers live on the i8259 target's list; pt_intr_post looks only at the taker's own.
      const target = retarget(m.targetVcpu);
      if (vcpu === target) s.acknowledge(vcpu); // one timer per vector taken
      return;
    }
  };
  cpus.forEach((l, i) => {
    l.acknowledgeObserver = (vector, fromPic) => taken(i, vector, fromPic);
  });

  return { sources: sources.map((s) => s.name), targetVcpu: () => retarget() };
}
