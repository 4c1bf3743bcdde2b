// The HPET's side of legacy replacement routing. HPET 1.0a §2.3.5 (LEG_RT_CNF): while the HPET is
// enabled with LEG_RT_CNF set, timer 0 takes IRQ0 and timer 1 takes IRQ8, and "the 8254 timer will
// not cause any interrupts" (nor will the RTC). The platform connects this to the PIT (and RTC).

export interface LegacyReplacementListener {
  /** Called when legacy replacement starts (true) or stops (false) taking IRQ0/IRQ8. */
  setLegacyReplacement(on: boolean): void;
}

/** For platforms without a PIT (and tests): remembers the last state. */
export class RecordingLegacyListener implements LegacyReplacementListener {
  on = false;
  readonly changes: boolean[] = [];
  setLegacyReplacement(on: boolean): void {
    this.on = on;
    this.changes.push(on);
  }
}
