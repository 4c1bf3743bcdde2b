// Xen's IRQ0_SPECIAL_ROUTING (xen/arch/x86/hvm/vioapic.c, Xen >= 4.15): while PIT channel 0 is
// active, a lowest-priority interrupt on GSI 2 goes to vCPU 0 if vCPU 0's LAPIC is enabled and
// named by the destination ("force round-robin to pick vCPU 0"), instead of lowest-priority
// arbitration. The IO-APIC asks this contract; the platform builds it from the PIT's periodic
// timer source (active) and the APIC router (ApicRouter.deliverToVcpu0).
import type { ApicMessage } from './apic-bus.js';

/** What the IO-APIC needs for Xen's IRQ0_SPECIAL_ROUTING (see the file header); built by the platform. */
export interface Irq0SpecialRouting {
  /** Xen pit_channel0_enabled(): PIT channel 0's periodic timer is active (pt_active). */
  pitChannel0Active(): boolean;
  /**
   * Delivers `msg` to vCPU 0 alone if vCPU 0's LAPIC is enabled and matches the message's
   * destination; returns false (delivering nothing) otherwise, and the IO-APIC then sends the
   * message normally (lowest-priority arbitration).
   */
  deliverToVcpu0(msg: ApicMessage): boolean;
}
