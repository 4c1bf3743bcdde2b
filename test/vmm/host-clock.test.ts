// The VMM's platform clock: fireDue() runs what an exit armed at or before the current time, so
// its interrupt goes in with the very next entry, without reading the host clock.
import { describe, expect, it } from 'vitest';
import { Timer, VirtualClock } from '../../src/time/clock.js';
import { HostClock } from '../../src/vmm/host-clock.js';

describe('HostClock.fireDue', () => {
  it('fires a timer armed at or before now and leaves the time where it was', () => {
    const clock = new VirtualClock();
    const host = new HostClock(clock);
    host.sync();
    const now = clock.now;
    const fired: number[] = [];
    const past = new Timer(clock, 'past', (t) => fired.push(t));
    const atNow = new Timer(clock, 'now', (t) => fired.push(t));
    const future = new Timer(clock, 'future', (t) => fired.push(t));
    past.armAt(now - 1000);
    atNow.armAt(now);
    future.armAt(now + 10_000_000_000);
    expect(host.fireDue()).toBe(now);
    expect(clock.now).toBe(now);
    expect(fired).toEqual([now, now]);
    expect(future.armed).toBe(true);
  });

  it('does nothing when no timer is due', () => {
    const clock = new VirtualClock();
    const host = new HostClock(clock);
    const fired: number[] = [];
    new Timer(clock, 'later', (t) => fired.push(t)).armAt(clock.now + 5_000_000_000);
    expect(host.fireDue()).toBe(clock.now);
    expect(fired).toEqual([]);
  });
});
