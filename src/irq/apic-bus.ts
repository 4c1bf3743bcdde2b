// Contract for interrupt messages between the IO-APIC(s), MSI sources and the local APICs (the
// "APIC bus"). Sources build a message; the platform's router (src/devices/lapic) resolves the
// destination, arbitrates lowest priority and hands it to the target LAPICs. LAPICs broadcast EOIs
// of level-triggered vectors back to the IO-APICs through the same router.

/**
 * Delivery modes of an APIC message (SDM Vol. 3A §11.6.1 ICR bits 10:8, §11.11.2 MSI data bits
 * 10:8; 82093AA redirection entry bits 10:8): the one definition for the ICR, the IO-APIC, MSI
 * and the LVTs. 3 is reserved (remote read on old APICs).
 */
export const enum ApicDeliveryMode {
  /** Deliver `vector` to every destination CPU. */
  Fixed = 0,
  /** Deliver `vector` to the destination CPU with the lowest priority (arbitrated by the router). */
  LowestPriority = 1,
  /** System management interrupt (vector ignored). */
  Smi = 2,
  /** Non-maskable interrupt, vector 2 (vector ignored). */
  Nmi = 4,
  /** INIT: reset the destination CPU to its wait-for-SIPI state (vector ignored). */
  Init = 5,
  /** Start-up IPI: start a CPU waiting for SIPI at `vector` × 4 KiB. */
  StartUp = 6,
  /** The vector comes from the 8259 in an INTA cycle (ExtIntSource). */
  ExtInt = 7,
}

/**
 * Destination shorthand of an IPI (SDM Vol. 3A §11.6.1, ICR bits 19:18): when not `None` the
 * destination field is ignored. IO-APIC and MSI messages always use `None`.
 */
export const enum ApicShorthand {
  /** The destination field names the targets. */
  None = 0,
  /** The sending CPU only. */
  Self = 1,
  /** Every CPU, the sender included. */
  AllIncludingSelf = 2,
  /** Every CPU but the sender. */
  AllExcludingSelf = 3,
}

/**
 * One interrupt message on the APIC bus, in the fields the SDM defines for the ICR (Vol. 3A §11.6.1),
 * the IO-APIC's redirection entry (82093AA §3.2.4) and MSI (§11.11): the common form every source
 * produces and the router resolves.
 */
export interface ApicMessage {
  /** Vector 0–255 (ignored for NMI, INIT and ExtINT; the page number for StartUp). */
  readonly vector: number;
  /** ApicDeliveryMode (0–7). */
  readonly deliveryMode: number;
  /** false = physical, true = logical destination. */
  readonly logical: boolean;
  /** Destination: 8-bit xAPIC ID/MDA, or 32-bit x2APIC ID/logical ID. 0xFF (xAPIC) / 0xFFFFFFFF (x2APIC) = broadcast. */
  readonly destination: number;
  /** Trigger mode: true = level (the target's TMR bit is set, an EOI is broadcast back), false = edge. */
  readonly levelTriggered: boolean;
  /** Level assert (INIT de-assert uses false). */
  readonly assert: boolean;
  /** ApicShorthand; only IPIs use anything but None. */
  readonly shorthand: number;
  /** vCPU index of the sender for IPIs (needed for self / all-but-self), -1 for IO-APIC and MSI. */
  readonly source: number;
}

/**
 * Where sources send interrupt messages. A message is valid only during the call: senders reuse
 * one message object (no allocation per interrupt), so a sink that keeps it must copy it.
 */
export interface ApicMessageSink {
  /** Delivers `msg` to the LAPICs it names; a message that names none is dropped. Never throws. */
  deliverApicMessage(msg: ApicMessage): void;
}

/** Told when a LAPIC EOIs a level-triggered vector (the IO-APIC clears Remote-IRR and re-delivers). */
export interface EoiListener {
  /** A LAPIC wrote EOI for level-triggered `vector` (0–255); called on the guest path, never throws. */
  onEoi(vector: number): void;
}
