// The fixed bits an HPET's parameters imply: the GCAP_ID register, which Tn_CONF and GEN_CONF bits
// are read-only or writable, and the period floor in counter ticks. Computed once per device.
import type { HpetParams } from './hpet-params.js';
import { HPET_REG, hpetRegisterAt, hpetRegisters } from './hpet-registers.js';
import type { HpetTimerRules } from './hpet-snapshot.js';

export interface HpetCapabilities extends HpetTimerRules {
  /** GCAP_ID bits 31:0: revision, NUM_TIM_CAP, COUNT_SIZE_CAP, LEG_RT_CAP, vendor. */
  readonly capLo: number;
  /** GCAP_ID bits 63:32: COUNTER_CLK_PERIOD in fs. */
  readonly capHi: number;
  /** GEN_CONF bits the guest may write (LEG_RT_CNF only with the legacy capability). */
  readonly genWritable: number;
}

/** `tickNs`: the counter tick length in ns (period / 1e6 fs). The bits come from the register table (hpetRegisters). */
export function hpetCapabilities(params: HpetParams, tickNs: number): HpetCapabilities {
  const table = hpetRegisters(params);
  const gcap = hpetRegisterAt(table, HPET_REG.GCAP_ID).reset!;
  const conf = hpetRegisterAt(table, HPET_REG.TIMER_BASE + HPET_REG.TN_CONF);
  return {
    capLo: Number(gcap & 0xffff_ffffn),
    capHi: Number(gcap >> 32n),
    timerCapBits: Number(conf.reset! & 0xffff_ffffn),
    timerWritable: Number(conf.writeMask),
    genWritable: Number(hpetRegisterAt(table, HPET_REG.GEN_CONF).writeMask),
    routeCap: params.routeCap >>> 0,
    minPeriodTicks: BigInt(Math.max(1, Math.ceil(params.minPeriodNs / tickNs))),
  };
}
