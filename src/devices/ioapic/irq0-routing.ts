// Xen's IRQ0_SPECIAL_ROUTING (hvm/vioapic.c, Xen ≥ 4.15): while PIT channel 0 is active, a
// lowest-priority interrupt on GSI 2 goes to vCPU 0 if vCPU 0's LAPIC is enabled and named by the
// destination ("force round-robin to pick vCPU 0"), instead of lowest-priority arbitration.
// This adapter answers the IO-APIC's question with the APIC router's LAPICs.
import type { ApicMessage } from '../../irq/apic-bus.js';
import type { ApicRouter } from '../lapic/apic-router.js';
import { destinationMatches } from '../lapic/destination.js';
import type { Irq0SpecialRouting } from './ioapic.js';

/**
 * `pitChannel0Active`: Xen's pt_active(&vpit.pt0), i.e. PIT channel 0's periodic timer exists
 * (the platform asks the PIT).
 */
export function xenIrq0Routing(router: ApicRouter, pitChannel0Active: () => boolean): Irq0SpecialRouting {
  return {
    pitChannel0Active,
    deliverToVcpu0(msg: ApicMessage): boolean {
      const l0 = router.lapic(0);
      // IO-APIC messages carry 8-bit xAPIC-format destinations ("narrow").
      if (l0 === undefined || !l0.enabled || !destinationMatches(l0, msg.destination, msg.logical, true)) return false;
      l0.receive(msg.deliveryMode, msg.vector, msg.levelTriggered, msg.assert);
      return true;
    },
  };
}
