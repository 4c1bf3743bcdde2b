// Per-profile parameters of the ACPI PM timer and PM1a event/control block (ACPI 6.x §4.8.3.1,
// §4.8.3.3). Xen's model is hvm/pmtimer.c; QEMU 7.2's the PIIX4 PM function (hw/acpi/core.c).
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** PmParams that cannot describe a PM block (validatePmParams says which field and why). */
export class PmParamError extends HvmdevError {}

/** PM1 status/enable bits (ACPI §4.8.3.1.1, Table 4.13/4.14). */
export const PM1_STS = {
  TMR: 1 << 0,
  BM: 1 << 4,
  GBL: 1 << 5,
  PWRBTN: 1 << 8,
  SLPBTN: 1 << 9,
  RTC: 1 << 10,
  WAK: 1 << 15,
} as const;

/** PM1 control bits (ACPI §4.8.3.2.1, Table 4.16). */
export const PM1_CNT = {
  SCI_EN: 1 << 0,
  BM_RLD: 1 << 1,
  /** Write-only. */
  GBL_RLS: 1 << 2,
  SLP_TYP_SHIFT: 10,
  SLP_TYP_MASK: 7 << 10,
  /** Write-only: enter the sleep state in SLP_TYP. */
  SLP_EN: 1 << 13,
} as const;

/** PM_TMR frequency (ACPI §4.8.3.3: 3.579545 MHz). */
export const PM_TIMER_HZ = 3_579_545;

/** Where and how a profile's ACPI PM block behaves (XEN_PM_PARAMS, QEMU_PC_PM_PARAMS). */
export interface PmParams {
  /**
   * I/O bases the block can sit at, chosen by index with `relocate(i)` (Xen:
   * HVM_PARAM_ACPI_IOPORTS_LOCATION 0 → 0x1F40, 1 → 0xB000). Empty when a chipset places it (PIIX4 PMBA).
   */
  readonly locations: readonly number[];
  /** Index into `locations` decoded at power-on, or null for "not decoded until placed". */
  readonly initialLocation: number | null;
  /** PM_TMR width: 32 (Xen: TMR_VAL_EXT in the FADT) or 24 (QEMU). */
  readonly timerBits: 32 | 24;
  /**
   * PM_TMR reads other than 4 bytes: Xen answers all-ones (hvm/pmtimer.c handle_pmt_io); 'slice'
   * returns the addressed bytes of the 32-bit value (docs/robustness.md entry 35).
   */
  readonly timerNarrowReads: 'ones' | 'slice';
  /** Access sizes (bit set of 1|2|4) served by the PM1a_STS/EN ports. Xen 1|2|4; QEMU 1|2. */
  readonly eventSizes: number;
  /** PM1a_CNT at base+4 (2 bytes). Xen leaves it to the device model (unclaimed); QEMU has it. */
  readonly controlRegister: boolean;
  /** PM1a_STS bits that raise the SCI when also enabled. Xen: TMR, GBL, PWRBTN, SLPBTN. */
  readonly sciSources: number;
  /** SCI only while PM1_CNT.SCI_EN is set (ACPI §4.8.3.2.1). Meaningless without the control register. */
  readonly sciRequiresSciEn: boolean;
  /** Reset restarts PM_TMR at 0 (Xen pmtimer_reset); false: the count follows virtual time (QEMU). */
  readonly resetZeroesTimer: boolean;
}

/** Xen's PM block (xen/arch/x86/hvm/pmtimer.c): at 0x1F40 until relocated, 32-bit timer, no PM1a_CNT. */
export const XEN_PM_PARAMS: PmParams = Object.freeze({
  locations: Object.freeze([0x1f40, 0xb000]),
  initialLocation: 0,
  timerBits: 32,
  timerNarrowReads: 'ones',
  eventSizes: 1 | 2 | 4,
  controlRegister: false,
  sciSources: PM1_STS.TMR | PM1_STS.GBL | PM1_STS.PWRBTN | PM1_STS.SLPBTN,
  sciRequiresSciEn: false,
  resetZeroesTimer: true,
} as const);

/**
 * QEMU 7.2 `pc` (PIIX4 PM): placed by PMBA/PMREGMISC, 24-bit timer, PM1_CNT present. Where QEMU
 * departs from the ACPI spec this profile follows the spec: the SCI waits for SCI_EN, narrow
 * PM_TMR reads return the addressed bytes, write-only PM1_CNT bits read 0.
 */
export const QEMU_PC_PM_PARAMS: PmParams = Object.freeze({
  locations: Object.freeze([]),
  initialLocation: null,
  timerBits: 24,
  timerNarrowReads: 'slice',
  eventSizes: 1 | 2,
  controlRegister: true,
  sciSources: PM1_STS.TMR | PM1_STS.GBL | PM1_STS.PWRBTN | PM1_STS.SLPBTN,
  sciRequiresSciEn: true,
  resetZeroesTimer: false,
} as const);

/** Checks every field of a PmParams (PmTimer's constructor calls it). @throws PmParamError naming the field */
export function validatePmParams(p: PmParams): void {
  const bad = (field: string, why: string): never => {
    throw new PmParamError(`PM parameter ${field}: ${why}`);
  };
  for (const base of p.locations) {
    if (!Number.isInteger(base) || base < 0 || base + 12 > 0x10000 || base % 4 !== 0) {
      bad('locations', `0x${base.toString(16)} must be a 4-aligned port with room for 12 bytes`);
    }
  }
  if (p.initialLocation !== null && (!Number.isInteger(p.initialLocation) || p.locations[p.initialLocation] === undefined)) {
    bad('initialLocation', `${p.initialLocation} is not an index into locations (or null)`);
  }
  if (p.timerBits !== 32 && p.timerBits !== 24) bad('timerBits', 'must be 32 or 24');
  if (!Number.isInteger(p.eventSizes) || p.eventSizes <= 0 || (p.eventSizes & ~7) !== 0) bad('eventSizes', 'must be a bit set of 1|2|4');
  if (!Number.isInteger(p.sciSources) || p.sciSources < 0 || p.sciSources > 0xffff) bad('sciSources', 'must be 16 bits');
}
