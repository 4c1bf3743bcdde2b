// What every interrupt line shares, written once: raise, lower and pulse in terms of set(level),
// and the list of level observers a line tells about its changes. Line (the fabric's named
// lines), OutputLine (a device's own output), the fabric's source lines and PCI INTx pins extend
// LevelLine and say only what setting a level does.

/** Called with the new level whenever a line changes. */
export type LevelObserver = (level: boolean) => void;

/** The shared half of IrqLine (src/irq/line.ts); subclasses implement IrqLine. */
export abstract class LevelLine {
  /** Name in traces and errors. */
  abstract readonly name: string;
  /** The level last set (true = asserted). */
  abstract readonly level: boolean;
  /** Drives the line to `level`; what that does is the subclass's. */
  abstract set(level: boolean): void;

  /** Asserts the line: `set(true)`. */
  raise(): void {
    this.set(true);
  }

  /** Deasserts the line: `set(false)`. */
  lower(): void {
    this.set(false);
  }

  /** An edge: raise then lower (a no-op rise if already high, then low). */
  pulse(): void {
    this.set(true);
    this.set(false);
  }

  /** A new edge on a line held high: lower then raise at once (a no-op fall if already low, then high). */
  retrigger(): void {
    this.set(false);
    this.set(true);
  }
}

/** The observers of one line's level (qtest intercepts, tests), told in the order they were added. */
export class LevelObservers {
  private list: LevelObserver[] = [];

  /** Adds `fn`; returns a function that removes it. */
  add(fn: LevelObserver): () => void {
    this.list = [...this.list, fn];
    return () => {
      this.list = this.list.filter((f) => f !== fn);
    };
  }

  /** No observer is registered (a line may then take a shortcut nobody could tell from its steps). */
  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Calls every observer with `level`, in the order they were added. */
  notify(level: boolean): void {
    const ls = this.list;
    for (let i = 0; i < ls.length; i++) ls[i]!(level);
  }
}
