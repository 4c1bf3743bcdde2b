// An interrupt line as a device sees it: a level it can set, plus edge pulses.

/** Called with the new level whenever a line changes. */
export type LevelObserver = (level: boolean) => void;

/** What a device drives. Setting the level it already has does nothing. */
export interface IrqLine {
  readonly name: string;
  readonly level: boolean;
  set(level: boolean): void;
  raise(): void;
  lower(): void;
  /** An edge: raise then lower (a no-op rise if already high, then low). */
  pulse(): void;
}

/** What an interrupt controller exposes for its inputs. */
export interface InterruptSink {
  setInput(pin: number, level: boolean): void;
}

/** A line that remembers its level and tells its listeners about every change, in order. */
export class Line implements IrqLine {
  level = false;
  private listeners: LevelObserver[] = [];

  constructor(readonly name: string) {}

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
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

  /** Adds a listener; returns a function that removes it. */
  observe(fn: LevelObserver): () => void {
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }
}
