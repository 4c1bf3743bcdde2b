// An interrupt line as a device sees it: a level it can set, plus edge pulses.
import { LevelLine, LevelObservers, type LevelObserver } from './level-line.js';

export type { LevelObserver };

/**
 * An interrupt line as a device drives it: a level (high = asserted) that the device sets, and
 * edges as `pulse()`. Setting the level it already has does nothing. Lines come from the
 * {@link InterruptFabric} (`isaLine`, `sourceLine`, `namedLine`); a device never sees who listens.
 * Never throws: safe on the guest path, allocates nothing.
 */
export interface IrqLine {
  /** Name in traces and errors ("isa-irq0", "hpet.timer2", "pic.int"). */
  readonly name: string;
  /** The level this line's driver set (for a shared GSI, this source's contribution only). */
  readonly level: boolean;
  /**
   * True while the platform settles (a restore or reset, see InterruptFabric.settle): a level set
   * now is state only and nobody hears it. Lines outside a fabric leave it undefined.
   */
  readonly settling?: boolean;
  /** Drives the line to `level` (true = asserted); listeners hear a change only, not a repeat. */
  set(level: boolean): void;
  /** `set(true)`. */
  raise(): void;
  /** `set(false)`. */
  lower(): void;
  /** An edge: raise then lower (a no-op rise if already high, then low). */
  pulse(): void;
  /**
   * A new edge on a line held high: lower then raise at once (a no-op fall if already low, then
   * high), as Xen's periodic timer re-asserts IRQ0 at each tick. Exactly `lower(); raise()`.
   */
  retrigger(): void;
}

/** What an interrupt controller exposes for its inputs. */
export interface InterruptSink {
  /** Input `pin` changed to `level` (called only on a change); the controller latches edges or levels as its spec says. */
  setInput(pin: number, level: boolean): void;
  /**
   * The settling pass after a reset: `level(pin)` is now the level of input `pin`; take it as
   * state, without the edge a change would otherwise be (nothing is requested or delivered). A
   * sink without it keeps what it latched.
   */
  adoptInputs?(level: (pin: number) => boolean): void;
  /**
   * Optional: input `pin`, high, fell and rose again at once; exactly `setInput(pin, false)` then
   * `setInput(pin, true)`, in one call (the fabric's {@link IrqLine.retrigger} of an ISA IRQ).
   */
  retriggerInput?(pin: number): void;
}

/** A controller input at the end of a point-to-point line (e.g. a LAPIC's LINT0). */
export interface LineReceiver {
  /** The line changed level. */
  setLevel(level: boolean): void;
  /** The settling pass after a reset: the line's level is `level`; take it as state, no edge. */
  adoptLevel(level: boolean): void;
  /**
   * Optional: the line, high, fell and rose again at once; exactly what `setLevel(false)` then
   * `setLevel(true)` would do, in one call (the 8259's INT when IRQ0 is re-asserted).
   */
  glitch?(): void;
}

/** Shared by the lines of one fabric: whether the platform is settling (see InterruptFabric.settle). */
export class SettleGate {
  /** True inside InterruptFabric.settle: levels are state only. */
  settling = false;
}

const NEVER_SETTLING = new SettleGate();

/**
 * A line that remembers its level and tells its receivers, then its observers, about every
 * change, in order; while its gate is settling it only remembers.
 */
export class Line extends LevelLine implements IrqLine {
  level = false;
  private receivers: LineReceiver[] = [];
  private readonly observers = new LevelObservers();

  constructor(
    readonly name: string,
    private readonly gate: SettleGate = NEVER_SETTLING,
  ) {
    super();
  }

  get settling(): boolean {
    return this.gate.settling;
  }

  /** Sets the level; on a change tells each receiver, then each observer (nobody while settling). */
  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    if (this.gate.settling) return;
    const rs = this.receivers;
    for (let i = 0; i < rs.length; i++) rs[i]!.setLevel(level);
    this.observers.notify(level);
  }

  /**
   * The line, high, falls and rises again at once: exactly `set(false); set(true)`. With one
   * receiver that takes the two as one (`LineReceiver.glitch`) and no observer, one call.
   */
  glitch(): void {
    const rs = this.receivers;
    if (this.level && !this.gate.settling && rs.length === 1 && this.observers.empty) {
      const r = rs[0]!;
      if (r.glitch !== undefined) {
        r.glitch();
        return;
      }
    }
    this.set(false);
    this.set(true);
  }

  /** Connects a controller input: it hears every change and adopts the level after a reset. */
  connect(receiver: LineReceiver): void {
    this.receivers = [...this.receivers, receiver];
  }

  /** @internal The settling pass: every receiver adopts the current level. */
  adoptLevel(): void {
    for (const r of this.receivers) r.adoptLevel(this.level);
  }

  /** Adds a listener (an observer: qtest intercepts, tests); returns a function that removes it. */
  observe(fn: LevelObserver): () => void {
    return this.observers.add(fn);
  }
}
