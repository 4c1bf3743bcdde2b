// The legacy-replacement contract (HPET 1.0a §2.3.5, LEG_RT_CNF): while the HPET is enabled with
// LEG_RT_CNF set, timer 0 takes IRQ0 and timer 1 takes IRQ8, and "the 8254 timer will not cause any
// interrupts" (nor will the RTC). The HPET tells a LegacyReplacementListener; the PIT and the RTC
// implement it; the platform connects them.

/** A legacy timer (the PIT, the RTC) that the HPET's LEG_RT_CNF silences (HPET 1.0a §2.3.5). */
export interface LegacyReplacementListener {
  /** Called when legacy replacement starts (true) or stops (false) taking IRQ0/IRQ8. */
  setLegacyReplacement(on: boolean): void;
}
