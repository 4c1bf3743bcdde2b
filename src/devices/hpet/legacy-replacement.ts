// A LegacyReplacementListener (src/irq/legacy-replacement.ts) that only records: for platforms
// without a PIT, and for tests.
import type { LegacyReplacementListener } from '../../irq/legacy-replacement.js';

/**
 * A LegacyReplacementListener that only records what the HPET told it: `on` is the current state (true while
 * the HPET owns IRQ0 and IRQ8, HPET 1.0a §2.3.5 LEG_RT_CNF) and `changes` every call in order. For a platform
 * without a PIT or RTC to silence, and for tests.
 */
export class RecordingLegacyListener implements LegacyReplacementListener {
  on = false;
  readonly changes: boolean[] = [];
  setLegacyReplacement(on: boolean): void {
    this.on = on;
    this.changes.push(on);
  }
}
