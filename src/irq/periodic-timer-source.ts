// The periodic-timer contract between the platform timers (PIT channel 0, RTC periodic interrupt,
// HPET timers) and whoever takes their interrupts. Xen's missed-tick policy (xen/arch/x86/hvm/vpt.c,
// src/device-model/timer-mode) acts only once a timer hears that the guest took its interrupt: when
// a vCPU takes a vector (hvm_vcpu_ack_pending_irq → pt_intr_post) the periodic timer whose
// interrupt is outstanding and whose vector matches is told "tick taken". The timer says which
// line its ticks use; the platform turns the line into a vector through the controllers
// (IsaVectorLookup, GsiVectorLookup) and calls tickTaken on the right source.

/**
 * Where a timer's ticks arrive now, as one number so that the acknowledge path allocates nothing:
 * an ISA IRQ n (0–15) as n (the 8259 input n and, through the ISA→GSI table, an IO-APIC pin), a
 * GSI g reached directly at an IO-APIC (an HPET route) as −1 − g, or null for none (HPET FSB
 * delivery, or no valid route).
 */
export type TickLine = number | null;

/** The TickLine of GSI `gsi` (an IO-APIC input reached without an ISA IRQ). */
export function gsiTickLine(gsi: number): number {
  return -1 - gsi;
}

/**
 * A platform timer's periodic interrupt as the tick-acknowledgement path sees it (Xen's struct
 * periodic_time, xen/arch/x86/hvm/vpt.c). Implemented by MissedTickSource for the PIT, RTC and
 * HPET; the platform calls `tickTaken` when the target vCPU takes the timer's vector.
 */
export interface PeriodicTimerSource {
  /** Name in descriptions: 'pit', 'rtc', 'hpet.timer0', ... */
  readonly name: string;
  /** The timer is running and will tick without the guest programming it again (Xen's pt_active). */
  active(): boolean;
  /** The line its ticks use now (see TickLine). */
  tickLine(): TickLine;
  /** A tick's interrupt has been issued and not yet taken (Xen's irq_issued); false without tracking. */
  tickOutstanding(): boolean;
  /** The vCPU this timer's ticks belong to (Xen's pt->vcpu). */
  targetVcpu(): number;
  /** Moves the timer's ticks to `vcpu` (Xen's pt_adjust_global_vcpu_target). */
  setTargetVcpu(vcpu: number): void;
  /**
   * Turns "tick taken" reporting on or off, dropping any backlog. Off (the default), every tick
   * counts as taken when it is delivered, as on hardware; on, the missed-tick policy runs.
   */
  trackTicksTaken(on: boolean): void;
  /** vCPU `vcpu` took this timer's interrupt (Xen pt_intr_post): a tick owed is delivered now. */
  tickTaken(vcpu: number): void;
  /**
   * Told whenever `tickLine()` may answer differently (the HPET's route, FSB or legacy routing
   * changed, a reset or restore), so a listener may keep the line's vector instead of asking per tick.
   */
  tickLineObserver: (() => void) | null;
}

/** The 8259 side of a tick's vector: which vector ISA IRQ `irq` arrives with through ExtINT. */
export interface IsaVectorLookup {
  /** ICW2's vector base of the 8259 that has `irq` plus its pin (Xen's pt_irq_vector), 0–255. */
  vectorOfIsaIrq(irq: number): number;
}

/** The IO-APIC side of a tick's vector: the vector of the redirection entry of GSI `gsi`. */
export interface GsiVectorLookup {
  /** The vector programmed for `gsi`, or −1 when `gsi` is not one of this IO-APIC's pins. */
  vectorOfGsi(gsi: number): number;
  /** Told whenever `vectorOfGsi` may answer differently (an entry's vector written, a reset or restore). */
  vectorObserver: (() => void) | null;
}

/**
 * A CPU's side of taking interrupts, as the platform's tick acknowledgement sees it (the LAPIC):
 * whether it takes 8259 interrupts, and a listener told of every vector it takes.
 */
export interface InterruptTaker {
  /** Accepts 8259 interrupts now (Xen's vlapic_accept_pic_intr): decides the i8259 target. */
  acceptsPicInterrupt(): boolean;
  /** Told of every vector this CPU takes; fromPic when it came through ExtINT (the 8259). */
  acknowledgeObserver: ((vector: number, fromPic: boolean) => void) | null;
  /** Told whenever acceptsPicInterrupt() may have changed, so a listener need not poll every CPU. */
  picAcceptanceObserver: (() => void) | null;
}
