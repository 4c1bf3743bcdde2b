// The contract every device model implements. A device sees only small interfaces (buses, lines,
// the clock); it never sees the container, the CLI or another device.

/** Plain, JSON-compatible data: what a snapshot is made of. */
export type PlainData = null | boolean | number | string | readonly PlainData[] | { readonly [key: string]: PlainData };

export interface Device {
  /** Unique instance id in its platform (e.g. "pit", "lapic1"); also the owner name on the buses. */
  readonly id: string;
  /** Device model name (e.g. "i8254"). */
  readonly kind: string;
  /** Back to the power-on state: registers, lines low, timers cancelled. Bus registrations stay. */
  reset(): void;
  /** The device's full state as plain data (timers as absolute deadlines). Cheap, no side effects. */
  snapshot(): PlainData;
  /**
   * Replaces the state with `state` after validating every field (a corrupt or hostile snapshot is
   * refused with a SnapshotError and leaves the device unchanged; a value is never used as an index
   * or divisor before it is checked; docs/robustness.md). Re-arms timers from the state.
   */
  restore(state: unknown): void;
}
