// A LegacyReplacementListener (src/irq/legacy-replacement.ts) that only records: for platforms
// without a PIT, and for tests.
import type { LegacyReplacementListener } from '../../irq/legacy-replacement.js';

export class RecordingLegacyListener implements LegacyReplacementListener {
  on = false;
  readonly changes: boolean[] = [];
  setLegacyReplacement(on: boolean): void {
    this.on = on;
    this.changes.push(on);
  }
}
