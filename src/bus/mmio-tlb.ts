// A vCPU's entry to the MMIO bus (issue 14): what its exit path calls for an access of 1, 2 or 4
// bytes. It used to be a per-vCPU software TLB (a direct-mapped table of guest pages naming the
// region last used in each); since the bus itself answers from a flat table indexed by the address
// (src/bus/mmio-low-table.ts), that table only added work (same process, `chrt -f 10 node
// --no-concurrent-recompilation`, load 16-18): a hit (1,000 × 256 B, every page in the table)
// 1.41–1.49× direct against the bus's 1.36–1.47×, a miss (a different 64 KiB region every access)
// 1.90–1.96× against 1.35–1.40×, 10,000 × 256 B 2.25–2.43× against 1.67–1.72×, the xen-hvm LAPIC /
// IO-APIC / HPET row 1.29–1.31× against 1.28–1.29×. So it keeps no state of its own:
// every access is the bus's own inline path (V8 inlines both into the caller), and it answers
// exactly what the bus does, moves and removals included, by construction.
import { HOST_ACCESS, type AccessContext, type PortAccessSize } from './access.js';
import type { MmioBus } from './mmio-bus.js';

/**
 * A vCPU's MMIO front-end over an {@link MmioBus}: `read`/`write` are the bus's, called from one
 * place per vCPU (its exit path). Never throws for a guest access.
 * @example
 * ```ts
 * const mmio = new MmioTlb(platform.mmio);            // one per vCPU, at its exit handler
 * const v = mmio.read(exit.gpa, 4, accessContext(0)); // the same value as platform.mmio.read
 * ```
 */
export class MmioTlb {
  constructor(private readonly bus: MmioBus) {}

  /** {@link MmioBus.read}. */
  read(addr: number, size: PortAccessSize, ctx: AccessContext = HOST_ACCESS): number {
    return this.bus.read(addr, size, ctx);
  }

  /** {@link MmioBus.write}. */
  write(addr: number, size: PortAccessSize, value: number, ctx: AccessContext = HOST_ACCESS): void {
    this.bus.write(addr, size, value, ctx);
  }
}
