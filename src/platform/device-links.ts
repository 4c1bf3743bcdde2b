// The connections between devices built by different catalog entries, by their contracts
// (src/irq): the PIC answers the LAPICs' ExtINT acknowledge, IO-APICs hear the LAPICs' EOIs, the
// HPET's legacy replacement silences the PIT and RTC, the periodic timers hear which ticks the
// vCPUs took. Either side of a link may be built first, or not at all.
import type { ApicMessage, EoiListener } from '../irq/apic-bus.js';
import type { ExtIntSource } from '../irq/ext-int-source.js';
import type { IrqOutput } from '../irq/irq-output.js';
import type { InterruptSink } from '../irq/line.js';
import type { LegacyReplacementListener } from '../irq/legacy-replacement.js';
import type { GsiVectorLookup, InterruptTaker, IsaVectorLookup, PeriodicTimerSource } from '../irq/periodic-timer-source.js';

/** Who broadcasts EOIs (the APIC router): listeners added to it hear every LAPIC's EOI. */
export interface EoiSource {
  /** `listener` hears every later EOI of a level-triggered vector. */
  addEoiListener(listener: EoiListener): unknown;
}

/** The interrupt controllers and timer outputs a front-end may drive or watch (qtest's intercepts). */
export interface InterruptTopology {
  /** The first IO-APIC's inputs ('ioapic', or 'ioapic0' on a PVH dom0); null without one. */
  readonly ioapic: InterruptSink | null;
  /** The 8259 pair's inputs 0–15; null without a PIC. */
  readonly pic: InterruptSink | null;
  /** Each platform timer's own output by device id: 'pit' (IRQ0), 'rtc' (IRQ8). */
  readonly irqOutputs: ReadonlyMap<string, IrqOutput>;
}

/**
 * The links between devices built by different catalog entries, by their contracts (see the file
 * header): each side registers as it is built, in either order, and the link is made when both
 * exist. Composition internals, used by the catalog's factories; a built platform exposes its
 * {@link InterruptTopology} as `Platform.interrupts`.
 */
export class DeviceLinks implements InterruptTopology {
  private extInt: ExtIntSource | null = null;
  private readonly eoiListeners: EoiListener[] = [];
  private readonly eoiSources: EoiSource[] = [];
  private readonly legacyListeners: LegacyReplacementListener[] = [];
  private legacyOn = false;

  ioapic: InterruptSink | null = null;
  pic: InterruptSink | null = null;
  readonly irqOutputs = new Map<string, IrqOutput>();

  /** Every periodic platform timer (PIT channel 0, RTC, HPET timers), in build order. */
  readonly periodicTimers: PeriodicTimerSource[] = [];
  /** PIT channel 0, whose activity Xen's IRQ0 routing asks about; null without a PIT. */
  pitTimer: PeriodicTimerSource | null = null;
  /** The 8259 pair's vectors for ISA IRQs; null without a PIC. */
  isaVectors: IsaVectorLookup | null = null;
  /** Every IO-APIC's vectors for its GSIs. */
  readonly gsiVectors: GsiVectorLookup[] = [];
  /** Every vCPU's LAPIC, by vCPU index (empty without LAPICs). */
  readonly interruptTakers: InterruptTaker[] = [];
  /** Delivers to vCPU 0 alone for Xen's IRQ0 routing (the APIC router); null without LAPICs. */
  vcpu0Delivery: {
    /** Delivers `msg` to vCPU 0 alone if its LAPIC is enabled and named; false (nothing delivered) otherwise. */
    deliverToVcpu0(msg: ApicMessage): boolean;
  } | null = null;
  /** Where PIIX4 PM's PMBA/PMREGMISC place the ACPI PM block; null without one. */
  pmBlock: ((base: number | null) => void) | null = null;

  /** What the HPET calls when legacy replacement starts or stops: the PIT and RTC if present. */
  readonly legacyProxy: LegacyReplacementListener = {
    setLegacyReplacement: (on: boolean) => {
      this.legacyOn = on;
      for (const l of this.legacyListeners) l.setLegacyReplacement(on);
    },
  };

  /** `listener` (the PIT, the RTC) hears the HPET's legacy replacement, including a state already on. */
  addLegacyListener(listener: LegacyReplacementListener): void {
    this.legacyListeners.push(listener);
    if (this.legacyOn) listener.setLegacyReplacement(true);
  }

  /** What the LAPICs call on an ExtINT acknowledge: the PIC if there is one. */
  readonly extIntProxy: ExtIntSource = {
    acknowledgeExtInt: () => (this.extInt === null ? 0xff : this.extInt.acknowledgeExtInt()),
  };

  /** The PIC pair that answers the LAPICs' ExtINT acknowledge (without one they read 0xFF). */
  setExtIntSource(source: ExtIntSource): void {
    this.extInt = source;
  }

  /** An IO-APIC: it hears the EOIs of every EOI source, those added before and after. */
  addEoiListener(listener: EoiListener): void {
    this.eoiListeners.push(listener);
    for (const s of this.eoiSources) s.addEoiListener(listener);
  }

  /** The APIC router: every EOI listener, added before or after, hears its EOIs. */
  addEoiSource(source: EoiSource): void {
    this.eoiSources.push(source);
    for (const l of this.eoiListeners) source.addEoiListener(l);
  }

  /** Xen's pt_active(&vpit.pt0): PIT channel 0 runs (false without a PIT). */
  pitChannel0Active(): boolean {
    return this.pitTimer !== null && this.pitTimer.active();
  }

  /** What port 0xCF9 reset requests do: the platform's reset once it exists. */
  resetHandler: (kind: 'hard' | 'soft') => void = () => undefined;
}
