// A device's own interrupt output, observed as the device drives it (without the other sources of
// a shared ISA line): the PIT's IRQ0 and the RTC's IRQ8. The qtest front-end's `irq_intercept_out`
// on a timer watches this.
import type { LevelObserver } from './line.js';

/** A device whose own interrupt output can be observed apart from the shared line (PIT IRQ0, RTC IRQ8). */
export interface IrqOutput {
  /** Calls `fn` with each level change of the output; returns the function that stops it. */
  observeIrq(fn: LevelObserver): () => void;
}
