// A device's interrupt output as the device drives it: forwards every change to the shared ISA
// line and tells observers (qtest's `irq_intercept_out pit|rtc`, tests) about it. The shared ISA
// line is a wired-OR with other sources (the HPET's legacy routes), so only this shows the
// device's own output. While the platform settles (restore, reset) observers hear nothing.
import { LevelLine, LevelObservers } from './level-line.js';
import type { IrqLine, LevelObserver } from './line.js';

/**
 * A device's own interrupt output (see the file header): an {@link IrqLine} in front of the shared
 * line it drives, observable on its own with `observe`.
 */
export class OutputLine extends LevelLine implements IrqLine {
  private readonly observers = new LevelObservers();

  constructor(private readonly target: IrqLine) {
    super();
  }

  get name(): string {
    return this.target.name;
  }

  get level(): boolean {
    return this.target.level;
  }

  get settling(): boolean {
    return this.target.settling === true;
  }

  /** Drives the shared line to `level`; on a change, outside settling, tells the observers. */
  set(level: boolean): void {
    if (level === this.target.level) return;
    this.target.set(level);
    if (this.target.settling === true) return; // a restore or reset: state only, nobody hears it
    this.observers.notify(level);
  }

  /** `lower(); raise()`: with nobody observing this output, the shared line's own retrigger. */
  override retrigger(): void {
    if (this.observers.empty) this.target.retrigger();
    else super.retrigger();
  }

  /** Adds an observer of the device's output; returns a function that removes it. */
  observe(fn: LevelObserver): () => void {
    return this.observers.add(fn);
  }
}
