// Xen's four timer_mode policies (vpt.c) as bookkeeping: ticks owed, issued interrupts, replays.
import { describe, expect, it } from 'vitest';
import { MissedTicks } from '../../../src/device-model/timer-mode/missed-ticks.js';
import { i8259TargetVcpu } from '../../../src/device-model/timer-mode/vcpu-target.js';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import {
  TIMER_MODES,
  TIMER_MODE_RULES,
  TimerModeError,
  XEN_DEFAULT_TIMER_MODE,
  parseTimerMode,
  type TimerMode,
} from '../../../src/device-model/timer-mode/timer-mode.js';

function backlog(mode: TimerMode, ticks: number, acks: number): { issued: number; replays: number; pending: number } {
  const m = new MissedTicks(mode);
  m.tracking = true;
  let issued = 0;
  for (let i = 0; i < ticks; i++) if (m.tick()) issued++;
  let replays = 0;
  for (let i = 0; i < acks; i++) if (m.acknowledge()) replays++;
  return { issued, replays, pending: m.pending };
}

describe('timer modes', () => {
  it('numbers and names follow HVM_PARAM_TIMER_MODE; libxl defaults to no_delay_for_missed_ticks', () => {
    expect(TIMER_MODES.map((m) => TIMER_MODE_RULES[m].param)).toEqual([0, 1, 2, 3]);
    expect(parseTimerMode(2)).toBe('no_missed_ticks_pending');
    expect(parseTimerMode('one_missed_tick_pending')).toBe('one_missed_tick_pending');
    expect(XEN_DEFAULT_TIMER_MODE).toBe('no_delay_for_missed_ticks');
    expect(() => parseTimerMode(4)).toThrow(TimerModeError);
    expect(() => parseTimerMode('catch_up')).toThrow(/not one of/);
  });

  it('without acknowledgement tracking every tick is delivered and nothing is owed', () => {
    const m = new MissedTicks('delay_for_missed_ticks');
    for (let i = 0; i < 5; i++) expect(m.tick()).toBe(true);
    expect(m.acknowledge()).toBe(false);
    expect(m.pending).toBe(0);
  });

  it('modes 0 and 1 replay each owed tick, one per acknowledgement (pending_intr_nr--)', () => {
    expect(backlog('delay_for_missed_ticks', 5, 10)).toEqual({ issued: 1, replays: 4, pending: 0 });
    expect(backlog('no_delay_for_missed_ticks', 5, 10)).toEqual({ issued: 1, replays: 4, pending: 0 });
  });

  it('modes 2 and 3 collapse the backlog on acknowledgement', () => {
    expect(backlog('no_missed_ticks_pending', 5, 10)).toEqual({ issued: 1, replays: 0, pending: 0 });
    expect(backlog('one_missed_tick_pending', 5, 10)).toEqual({ issued: 1, replays: 0, pending: 0 });
  });

  it('ticks missed while descheduled count except in no_missed_ticks_pending', () => {
    for (const mode of TIMER_MODES) {
      const m = new MissedTicks(mode);
      m.tracking = true;
      m.tick();
      m.descheduled(3);
      expect(m.pending).toBe(mode === 'no_missed_ticks_pending' ? 1 : 4);
    }
  });

  it('only the target vCPU acknowledges (pt_intr_post looks at its own timers); the target is the i8259 handler', () => {
    const m = new MissedTicks('no_delay_for_missed_ticks');
    m.tracking = true;
    m.targetVcpu = i8259TargetVcpu([false, true, true]);
    expect(m.targetVcpu).toBe(1);
    m.tick();
    m.tick();
    expect(m.acknowledge(0)).toBe(false);
    expect(m.pending).toBe(2);
    expect(m.acknowledge(1)).toBe(true); // the second tick is replayed
    expect(m.acknowledge()).toBe(false);
    expect(i8259TargetVcpu([false, false])).toBe(0); // nobody accepts PIC interrupts: vCPU 0
  });

  it('snapshots are validated', () => {
    const m = new MissedTicks('no_delay_for_missed_ticks');
    m.tracking = true;
    m.tick();
    m.tick();
    const s = JSON.parse(JSON.stringify(m.snapshot()));
    const n = new MissedTicks('delay_for_missed_ticks');
    n.apply(MissedTicks.read(s, 'mt'));
    expect(n.snapshot()).toEqual(m.snapshot());
    expect(() => MissedTicks.read({ ...s, issued: true, pending: 0 }, 'mt')).toThrow(SnapshotError);
    expect(() => MissedTicks.read({ ...s, tracking: false }, 'mt')).toThrow(SnapshotError);
    expect(() => MissedTicks.read({ ...s, mode: 7 }, 'mt')).toThrow(SnapshotError);
    expect(() => MissedTicks.read({ ...s, targetVcpu: -1 }, 'mt')).toThrow(SnapshotError);
    const { targetVcpu: _, ...older } = s;
    expect(MissedTicks.read(older, 'mt').targetVcpu).toBe(0);
  });
});
