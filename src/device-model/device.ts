// The contract every device model implements. A device sees only small interfaces (buses, lines,
// the clock); it never sees the container, the CLI or another device.
import type { PlainData } from './plain-data.js';
import type { AnyStateDescription } from './state-fields.js';

export type { PlainData } from './plain-data.js';

/**
 * The contract of every device model: an identity, reset, and a snapshot/restore pair over plain
 * data. Registration on buses and interrupt lines happens in the device's constructor; a platform
 * (or a test) calls these methods and nothing else. Guest accesses never throw; `restore`,
 * `checkState` throw {@link SnapshotError} for a state they refuse.
 */
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
  /**
   * Restore in two steps, for a platform that restores many devices all or nothing: `checkState`
   * refuses exactly what `restore` would refuse and changes nothing; `applyState` then applies a
   * state `checkState` accepted and never refuses. A device that has them is restored by its
   * platform without a rollback copy of its old state.
   */
  checkState?(state: unknown): void;
  /** Applies a state that `checkState` accepted; never throws (see `checkState`). */
  applyState?(state: unknown): void;
  /** The declarative description of the state `snapshot` returns (for `describe` and other encodings). */
  readonly stateDescription?: AnyStateDescription;
  /**
   * Devices this one owns whose states a platform snapshot carries as one part of columns (the APIC
   * bus's LAPICs; state-group.ts) instead of one part per device.
   */
  readonly stateGroup?: DeviceStateGroup;
}

/** Member devices' states as one part of a platform snapshot (StateGroup in state-group.ts). */
export interface DeviceStateGroup {
  /** The part's key in a platform snapshot's `devices` (never a device id). */
  readonly key: string;
  /** The devices whose states the part holds, in platform order. */
  readonly members: readonly Device[];
  /** Every member's state as one part. */
  snapshot(): PlainData;
  /** Refuses exactly what the members' own checks would refuse of their states; changes nothing. */
  checkState(part: unknown): void;
  /** Applies a part `checkState` accepted; never throws. */
  applyState(part: unknown): void;
  /** `checkState`, then `applyState`. */
  restore(part: unknown): void;
}
