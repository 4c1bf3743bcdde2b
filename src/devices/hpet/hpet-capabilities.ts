// The fixed bits an HPET's parameters imply: the GCAP_ID register, which Tn_CONF and GEN_CONF bits
// are read-only or writable, and the period floor in counter ticks. Computed once per device.
import type { HpetParams } from './hpet-params.js';
import { GCAP, GEN_CONF, TN_CONF, TN_CONF_WRITABLE } from './hpet-registers.js';
import type { HpetTimerRules } from './hpet-snapshot.js';

export interface HpetCapabilities extends HpetTimerRules {
  /** GCAP_ID bits 31:0: revision, NUM_TIM_CAP, COUNT_SIZE_CAP, LEG_RT_CAP, vendor. */
  readonly capLo: number;
  /** GCAP_ID bits 63:32: COUNTER_CLK_PERIOD in fs. */
  readonly capHi: number;
  /** GEN_CONF bits the guest may write (LEG_RT_CNF only with the legacy capability). */
  readonly genWritable: number;
}

/** `tickNs`: the counter tick length in ns (period / 1e6 fs). */
export function hpetCapabilities(params: HpetParams, tickNs: number): HpetCapabilities {
  return {
    capLo:
      (params.revision |
        ((params.timers - 1) << GCAP.NUM_TIM_SHIFT) |
        GCAP.COUNT_SIZE_64 |
        (params.legacyCapable ? GCAP.LEGACY_ROUTE : 0) |
        (params.vendorId << GCAP.VENDOR_SHIFT)) >>>
      0,
    capHi: params.periodFs >>> 0,
    timerCapBits: TN_CONF.PERIODIC_CAP | TN_CONF.SIZE_64_CAP | (params.fsbCapable ? TN_CONF.FSB_CAP : 0),
    timerWritable: TN_CONF_WRITABLE & ~(params.fsbCapable ? 0 : TN_CONF.FSB_ENABLE),
    genWritable: GEN_CONF.ENABLE | (params.legacyCapable ? GEN_CONF.LEGACY : 0),
    routeCap: params.routeCap >>> 0,
    minPeriodTicks: BigInt(Math.max(1, Math.ceil(params.minPeriodNs / tickNs))),
  };
}
