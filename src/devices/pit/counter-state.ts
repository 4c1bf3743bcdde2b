// Snapshots of one 8254 counter: plain data out, and a full check before anything is applied (a
// corrupt or hostile snapshot is refused; no restored field is later used unchecked as an index or
// divisor: docs/robustness.md).
// PitCounter has each of CounterFields as a public field; this file names the fields, not the class,
// so that counter.ts imports it and not the other way round.
import { SnapshotError, SnapshotReader } from '../../device-model/snapshot.js';
import type { PlainData } from '../../device-model/device.js';
import { PIT_RW_WORD, UNPROGRAMMED_MODE_BITS } from './control-word.js';

/** The fields of one counter that its snapshot carries (PitCounter's, by name). */
export interface CounterFields {
  programmed: boolean;
  modeBits: number;
  rw: number;
  bcd: boolean;
  cr: number;
  crValid: boolean;
  writeLsb: number;
  writeMsbNext: boolean;
  readMsbNext: boolean;
  latchValue: number;
  latchBytes: number;
  statusLatched: boolean;
  statusValue: number;
  gate: boolean;
  nullCount: boolean;
  transferTick: number;
  running: boolean;
  segStart: number;
  segValue: number;
  segDone: boolean;
  segPhase: number;
  idleCe: number;
  idleOut: boolean;
  paused: boolean;
  pausedDone: boolean;
  reloadPending: boolean;
  reloadTick: number;
  reloadLow: boolean;
  /** Derived from modeBits (not in the snapshot). */
  mode: number;
}

export function counterSnapshot(c: Readonly<CounterFields>): PlainData {
  return {
    programmed: c.programmed,
    modeBits: c.modeBits,
    rw: c.rw,
    bcd: c.bcd,
    cr: c.cr,
    crValid: c.crValid,
    writeLsb: c.writeLsb,
    writeMsbNext: c.writeMsbNext,
    readMsbNext: c.readMsbNext,
    latchValue: c.latchValue,
    latchBytes: c.latchBytes,
    statusLatched: c.statusLatched,
    statusValue: c.statusValue,
    gate: c.gate,
    nullCount: c.nullCount,
    transferTick: c.transferTick,
    running: c.running,
    segStart: c.segStart,
    segValue: c.segValue,
    segDone: c.segDone,
    segPhase: c.segPhase,
    idleCe: c.idleCe,
    idleOut: c.idleOut,
    paused: c.paused,
    pausedDone: c.pausedDone,
    reloadPending: c.reloadPending,
    reloadTick: c.reloadTick,
    reloadLow: c.reloadLow,
  };
}

/**
 * Reads and checks a counter snapshot against `K` (edges so far); returns a function that
 * applies it, so a device can validate all parts before changing any.
 */
export function checkCounterState(state: unknown, path: string, K: number): (c: CounterFields) => void {
  const r = new SnapshotReader(state, path);
  const programmed = r.bool('programmed');
  const modeBits = r.int('modeBits', 0, 7);
  const rw = r.int('rw', programmed ? 1 : 0, programmed ? 3 : 0);
  const bcd = r.bool('bcd');
  const M = bcd ? 10000 : 0x10000;
  const maxTick = K + 0x20000; // future edges a guest can cause: K+1 loads, reloads within one period
  const s = {
    programmed,
    modeBits,
    rw,
    bcd,
    cr: r.uint('cr', 16),
    crValid: r.bool('crValid'),
    writeLsb: r.uint('writeLsb', 8),
    writeMsbNext: r.bool('writeMsbNext'),
    readMsbNext: r.bool('readMsbNext'),
    latchValue: r.uint('latchValue', 16),
    latchBytes: r.int('latchBytes', 0, rw === PIT_RW_WORD ? 2 : 1),
    statusLatched: r.bool('statusLatched'),
    statusValue: r.uint('statusValue', 8),
    gate: r.bool('gate'),
    nullCount: r.bool('nullCount'),
    transferTick: r.int('transferTick', -1, maxTick),
    running: r.bool('running'),
    segStart: r.int('segStart', 0, K + 1),
    segValue: r.int('segValue', 1, 0x10000),
    segDone: r.bool('segDone'),
    segPhase: r.int('segPhase', 0, 0x10000),
    idleCe: r.int('idleCe', 0, M - 1),
    idleOut: r.bool('idleOut'),
    paused: r.bool('paused'),
    pausedDone: r.bool('pausedDone'),
    reloadPending: r.bool('reloadPending'),
    reloadTick: r.int('reloadTick', 0, maxTick),
    reloadLow: r.bool('reloadLow'),
  };
  const mode = modeBits > 5 ? modeBits - 4 : modeBits;
  if (!programmed && modeBits !== UNPROGRAMMED_MODE_BITS) {
    throw new SnapshotError(`${path}: an unprogrammed counter must carry mode bits ${UNPROGRAMMED_MODE_BITS}`);
  }
  if (s.running && s.segValue > M) throw new SnapshotError(`${path}.segValue: beyond the BCD range`);
  if (s.running && s.paused) throw new SnapshotError(`${path}: running and paused at once`);
  if (s.reloadPending && (!s.running || (mode !== 2 && mode !== 3))) {
    throw new SnapshotError(`${path}: a pending reload outside a running mode 2/3 count`);
  }
  if (s.segPhase >= s.segValue && s.segPhase !== 0) throw new SnapshotError(`${path}.segPhase: beyond the period`);
  if (s.writeMsbNext && rw !== PIT_RW_WORD) throw new SnapshotError(`${path}: a half-written count outside word access`);
  return (c: CounterFields) => {
    Object.assign(c, s);
    c.mode = programmed ? mode : 0;
  };
}
