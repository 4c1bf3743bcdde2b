// Which LAPICs a message's destination names (SDM Vol. 3A §11.6.2, §11.12.9, §11.12.10). Total:
// any 32-bit destination, in any mode, resolves to a subset of the existing LAPICs and never
// indexes a table with a guest value (docs/robustness.md entries 9, 10, 53).
import { DFR_CLUSTER, DFR_FLAT, Reg } from './registers.js';
import type { Lapic } from './lapic.js';

/** The xAPIC broadcast destination: physical APIC ID 0xFF (8-bit IDs) reaches every APIC (SDM Vol. 3A §11.6.2.1). */
export const XAPIC_BROADCAST = 0xff;
/** The x2APIC broadcast destination: 0xFFFFFFFF (32-bit IDs) reaches every APIC (SDM Vol. 3A §11.12.9). */
export const X2APIC_BROADCAST = 0xffffffff;

/**
 * Does `target` accept a message for `dest` (no shorthand)?
 * `narrow`: the message carries an 8-bit xAPIC-format destination (IO-APIC, MSI, an xAPIC-mode
 * sender), where 0xFF is the physical broadcast; 0xFFFFFFFF is the broadcast in both modes.
 */
export function destinationMatches(target: Lapic, dest: number, logical: boolean, narrow: boolean): boolean {
  dest >>>= 0;
  if (dest === X2APIC_BROADCAST) return true;
  if (!logical) return (narrow && dest === XAPIC_BROADCAST) || dest === target.apicId;
  const ldr = target.regs[Reg.Ldr]!;
  if (target.x2apicMode) {
    // x2APIC logical: cluster in bits 31:16 must match, then any common bit of the 16-bit mask.
    return ldr >>> 16 === dest >>> 16 && (ldr & dest & 0xffff) !== 0;
  }
  const mda = dest & 0xff;
  const id = ldr >>> 24;
  const dfr = target.regs[Reg.Dfr]!;
  if (dfr === DFR_FLAT) return (id & mda) !== 0;
  if (dfr === DFR_CLUSTER) return id >>> 4 === mda >>> 4 && (id & mda & 0xf) !== 0;
  return false; // any other model: Xen logs "bad LAPIC DFR value" and matches nothing
}
