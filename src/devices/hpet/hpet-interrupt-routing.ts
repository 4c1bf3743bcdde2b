// Where an HPET timer's interrupt goes and how it is sent (HPET 1.0a §2.3.8, §2.3.10): IRQ0/IRQ8
// under legacy replacement, an IO-APIC input from Tn_INT_ROUTE_CNF, or an FSB message. `legacy` in
// every method is LEG_RT_CNF: it takes timers 0 and 1 off their own routes.
import type { InterruptFabric } from '../../irq/fabric.js';
import type { IrqLine } from '../../irq/line.js';
import type { HpetParams } from './hpet-params.js';
import { TN_CONF } from './hpet-registers.js';
import { U32_MASK, type HpetTimerState } from './hpet-timer.js';

export class HpetInterruptRouting {
  private readonly routeCap: number;
  private readonly legacyLines: readonly [IrqLine, IrqLine];

  constructor(
    private readonly fabric: InterruptFabric,
    private readonly params: HpetParams,
  ) {
    this.routeCap = params.routeCap >>> 0;
    // Own wired-OR sources on IRQ0/IRQ8 so HPET edges never disturb the PIT's or RTC's own level.
    this.legacyLines = [fabric.sourceLine('hpet.legacy-irq0', fabric.isaToGsi[0]!, 0), fabric.sourceLine('hpet.legacy-irq8', fabric.isaToGsi[8]!, 8)];
  }

  usesFsb(t: HpetTimerState): boolean {
    return this.params.fsbCapable && (t.conf & TN_CONF.FSB_ENABLE) !== 0;
  }

  /** Level-triggered interrupts exist only on wired routes; an FSB message is always an edge. */
  isLevel(t: HpetTimerState): boolean {
    return (t.conf & TN_CONF.LEVEL) !== 0 && !this.usesFsb(t);
  }

  /**
   * An interrupt route outside Tn_INT_ROUTE_CAP is not kept (HPET 1.0a §2.3.8: the read-back will
   * not match). As Xen (XSA-261 follow-up): cleared, and the first allowed input when the timer is
   * enabled. Timers 0/1 under legacy routing keep whatever was written (the field has no effect).
   */
  sanitizeRoute(t: HpetTimerState, legacy: boolean): void {
    if (t.index <= 1 && legacy) return;
    const route = (t.conf & TN_CONF.ROUTE_MASK) >>> TN_CONF.ROUTE_SHIFT;
    const cap = this.routeCap;
    if ((cap >>> route) & 1) return;
    let conf = t.conf & ~TN_CONF.ROUTE_MASK;
    if (conf & TN_CONF.INT_ENABLE) conf |= (31 - Math.clz32(cap & -cap)) << TN_CONF.ROUTE_SHIFT;
    t.conf = conf >>> 0;
  }

  /** Sends one edge interrupt of timer t. */
  deliverEdge(t: HpetTimerState, legacy: boolean): void {
    if (t.conf !== t.routeConf || legacy !== t.routeLegacy) this.resolve(t, legacy);
    const line = t.routeLine;
    if (line !== null) {
      line.pulse();
    } else if (t.routeFsb) {
      // Tn_FSB_INT_ROUTE: bits 63:32 are the message address, 31:0 the data (HPET 1.0a §2.3.10).
      this.fabric.sendMsi({ addressLo: Number(t.fsb >> 32n), addressHi: 0, data: Number(t.fsb & U32_MASK) });
    }
  }

  /**
   * Decides timer t's route for its configuration now (Tn_CONF and legacy routing): FSB, a wired
   * line or none, and its name for the missed-tick policy. Kept in t until either changes.
   */
  private resolve(t: HpetTimerState, legacy: boolean): void {
    t.routeConf = t.conf;
    t.routeLegacy = legacy;
    t.routeFsb = this.usesFsb(t);
    t.routeLine = t.routeFsb ? null : this.lineFor(t, legacy);
    t.routeSource = this.sourceOf(t, legacy);
  }

  /** Holds timer t's routed line high exactly while `active` (a level interrupt that may be signalled). */
  setLevel(t: HpetTimerState, active: boolean, legacy: boolean): void {
    const want = active ? this.lineFor(t, legacy) : null;
    if (want === t.levelLine) return;
    t.levelLine?.lower();
    want?.raise();
    t.levelLine = want;
  }

  /** Drops any level timer t holds (reset, restore). */
  releaseLevel(t: HpetTimerState): void {
    t.levelLine?.lower();
    t.levelLine = null;
  }

  /**
   * Where timer t's edge goes now, as Xen's vpt names it for pt_irq_vector: an ISA IRQ (0 or 8)
   * under legacy routing, a GSI (its route) otherwise, or null (FSB delivery, or no valid route).
   * Returned as ISA IRQ `irq` (>= 0) or GSI as `-1 - gsi`, so the acknowledge path allocates nothing.
   */
  interruptSource(t: HpetTimerState, legacy: boolean): number | null {
    if (t.conf !== t.routeConf || legacy !== t.routeLegacy) this.resolve(t, legacy);
    return t.routeSource;
  }

  private sourceOf(t: HpetTimerState, legacy: boolean): number | null {
    if (this.usesFsb(t)) return null;
    if (t.index <= 1 && legacy) return t.index === 0 ? 0 : 8;
    const route = (t.conf & TN_CONF.ROUTE_MASK) >>> TN_CONF.ROUTE_SHIFT;
    return (this.routeCap >>> route) & 1 ? -1 - route : null;
  }

  /** Where timer t's interrupt goes now: IRQ0/IRQ8 under legacy routing, else its IO-APIC input. */
  private lineFor(t: HpetTimerState, legacy: boolean): IrqLine | null {
    if (t.index <= 1 && legacy) return this.legacyLines[t.index]!;
    const route = (t.conf & TN_CONF.ROUTE_MASK) >>> TN_CONF.ROUTE_SHIFT;
    if (!((this.routeCap >>> route) & 1)) return null;
    let line = t.routeLines[route];
    if (line === undefined) {
      line = this.fabric.sourceLine(`hpet.timer${t.index}`, route);
      t.routeLines[route] = line;
    }
    return line;
  }
}
