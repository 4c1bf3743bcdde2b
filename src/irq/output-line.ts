// A device's interrupt output as the device drives it: forwards every change to the shared ISA
// line and tells observers (qtest's `irq_intercept_out pit|rtc`, tests) about it. The shared ISA
// line is a wired-OR with other sources (the HPET's legacy routes), so only this shows the
// device's own output. While the platform settles (restore, reset) observers hear nothing.
import type { IrqLine, LevelObserver } from './line.js';

export class OutputLine implements IrqLine {
  private listeners: LevelObserver[] = [];

  constructor(private readonly target: IrqLine) {}

  get name(): string {
    return this.target.name;
  }

  get level(): boolean {
    return this.target.level;
  }

  get settling(): boolean {
    return this.target.settling === true;
  }

  set(level: boolean): void {
    if (level === this.target.level) return;
    this.target.set(level);
    if (this.target.settling === true) return; // a restore or reset: state only, nobody hears it
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(level);
  }

  raise(): void {
    this.set(true);
  }

  lower(): void {
    this.set(false);
  }

  pulse(): void {
    this.set(true);
    this.set(false);
  }

  /** Adds an observer of the device's output; returns a function that removes it. */
  observe(fn: LevelObserver): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }
}
