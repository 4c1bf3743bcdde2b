// Many devices of one description snapshotted as one record of columns (state-columns.ts), under one
// key of a platform snapshot instead of one part per device: the 128 LAPICs of a 128-vCPU platform
// are one part of about twenty flat arrays. Each device keeps its own snapshot/restore for a caller
// that holds one device (and for the per-device parts of older snapshot versions); the group only
// changes how a platform writes and reads them all at once.
import type { Device, DeviceStateGroup, PlainData } from './device.js';
import { StateColumns } from './state-columns.js';
import type { StateDescription } from './state-description.js';
import type { Field } from './state-fields.js';

/** A device a StateGroup snapshots: its description reads it; it checks and applies one row at a time. */
export interface StateGroupMember extends Device {
  /**
   * `checkState` for a state whose fields already have their types and ranges (the group checked
   * them column by column): the device's own cross-field rules. Changes nothing.
   */
  checkRules(state: unknown): void;
  /** Applies a state `checkRules` accepted (Device.applyState). */
  applyState(state: unknown): void;
}

/**
 * The state of `members` (in that order, all of `description`) as one record of columns. Format:
 * every leaf field of the description is an array of one element per member (two u32 halves per
 * member for a u64, n elements for an n-element integer array), nested structs nested records.
 */
export class StateGroup<F extends Record<string, Field<PlainData>>, C = undefined> implements DeviceStateGroup {
  private readonly columns: StateColumns;
  /** One row object per member, which checks and applies read the members' states into (made on first use, then reused). */
  private rows: PlainData[] | null = null;
  /** The part the rows hold, checked (applyState then need not read it again). */
  private rowsOf: unknown = null;

  constructor(
    /** The part's key in a platform snapshot's `devices` (e.g. "lapics"); never a device id. */
    readonly key: string,
    readonly description: StateDescription<F, C>,
    readonly members: readonly StateGroupMember[],
    /** The context the description's bounds and rules take. */
    private readonly ctx: C | undefined = undefined,
  ) {
    this.columns = new StateColumns(description);
  }

  /** Every member's state as columns. */
  snapshot(): PlainData {
    return this.columns.snapshot(this.members);
  }

  /**
   * Refuses what any member's `checkState` would refuse of its row: the columns' types and ranges
   * (the refusal names the column and element, then the member's field: "lapics.regs[1091]: …
   * (lapic17.regs[3])"), then per member the description's rules and the member's own, which name
   * the member's field as its own check does ("lapic17.timer.period: …"). Changes no member.
   */
  checkState(part: unknown): void {
    const members = this.members;
    const rows = this.rowObjects();
    this.rowsOf = null;
    this.columns.readRowsChecked(part, this.key, rows, this.ctx, (i) => members[i]!.id);
    for (let i = 0; i < rows.length; i++) {
      const m = members[i]!;
      this.description.checkRulesNamed(rows[i] as never, m.id, this.ctx as never);
      m.checkRules(rows[i]);
    }
    this.rowsOf = part;
  }

  /** Applies a part `checkState` accepted, member by member in order; never throws. */
  applyState(part: unknown): void {
    const members = this.members;
    const rows = this.rowObjects();
    if (this.rowsOf !== part) this.columns.readRows(part, rows);
    this.rowsOf = null;
    for (let i = 0; i < rows.length; i++) members[i]!.applyState(rows[i]);
  }

  /** `checkState`, then `applyState`. */
  restore(part: unknown): void {
    this.checkState(part);
    this.applyState(part);
  }

  private rowObjects(): PlainData[] {
    if (this.rows === null) this.rows = this.members.map(() => this.columns.row());
    return this.rows;
  }
}
