import { describe, expect, it } from 'vitest';
import { HANDOFF_POLL_NS, HandoffPoll } from '../../src/vmm/handoff-poll.js';
import type { HostClock } from '../../src/vmm/host-clock.js';

/** A host clock that moves 10 µs each time it is read, so a poll times out after a few reads. */
function steppingClock(): { clock: HostClock; reads: () => number } {
  let t = 0;
  let reads = 0;
  const clock = {
    hostNs: () => {
      reads++;
      t += 10_000;
      return t;
    },
  } as unknown as HostClock;
  return { clock, reads: () => reads };
}

describe('HandoffPoll', () => {
  it('returns true as soon as the doorbell moved, without reading the clock again', () => {
    const { clock, reads } = steppingClock();
    const poll = new HandoffPoll();
    const door = new Int32Array(2);
    door[0] = 5;
    expect(poll.poll(door, 4, HANDOFF_POLL_NS, clock)).toBe(true);
    expect(reads()).toBe(1);
    expect([poll.hits, poll.misses]).toEqual([1, 0]);
  });

  it('times out after HANDOFF_POLL_NS (or the caller limit, if shorter)', () => {
    const { clock, reads } = steppingClock();
    const poll = new HandoffPoll();
    const door = new Int32Array(2);
    expect(poll.poll(door, 0, 1e9, clock)).toBe(false);
    // One read to start, then one per 64 loads until 50 µs of 10 µs steps passed.
    expect(reads()).toBe(1 + HANDOFF_POLL_NS / 10_000);
    const before = reads();
    expect(poll.poll(door, 0, 20_000, clock)).toBe(false);
    expect(reads() - before).toBe(1 + 2);
  });

  it('stops polling after misses and probes only every 32nd wait until a poll pays again', () => {
    const { clock, reads } = steppingClock();
    const poll = new HandoffPoll();
    const door = new Int32Array(2);
    // Credit 8, a miss costs 2: four misses use it up.
    for (let i = 0; i < 4; i++) expect(poll.poll(door, 0, 1e9, clock)).toBe(false);
    expect(poll.misses).toBe(4);
    const before = reads();
    for (let i = 1; i < 32; i++) expect(poll.poll(door, 0, 1e9, clock)).toBe(false);
    expect(reads()).toBe(before); // no poll at all: the clock was not read
    expect(poll.misses).toBe(4);
    door[0] = 1; // the 32nd wait probes, and the post is there
    expect(poll.poll(door, 0, 1e9, clock)).toBe(true);
    expect(poll.hits).toBe(1);
    // Credit is back (1): the next wait polls again.
    door[0] = 0;
    const at = reads();
    expect(poll.poll(door, 0, 1e9, clock)).toBe(false);
    expect(reads()).toBeGreaterThan(at);
  });
});
