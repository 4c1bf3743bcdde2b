// A timing-bound kvm-unit-tests failure is excused only when a VM thread's wait for a CPU covers
// its window: no wait, no excuse (the KVM test would then fail on that case).
import { describe, expect, it } from 'vitest';
import { type CpuWaitEvidence, type Line, excusedTimingFailures } from './timing-excuses.js';

/** Evidence of one thread that waited `waits` (ms) at the given host times (ms). */
function waitedAt(waits: readonly { readonly atMs: number; readonly ms: number }[]): CpuWaitEvidence {
  return { longestWaitMs: (from, to) => waits.filter((w) => w.atMs >= from && w.atMs <= to).reduce((a, w) => a + w.ms, 0) };
}

const line = (text: string, startMs: number, endMs = startMs + 3): Line => ({ text, startMs, endMs });

// apic's mode-change sequence as the guest prints it (qemu-pc: 1 ns bus cycle, period 10.07 ms).
const MODE_CHANGE = [
  line('PASS: apic: TMCCT should have reached 0', 100, 102),
  line('PASS: apic: TMCCT should have a non-zero value', 108, 111),
  line('FAIL: apic: TMCCT should not be reset to TMICT value', 115, 118),
];
const TSC_KHZ = 2_600_000; // 10^9 cycles: 384.6 ms

describe('excusedTimingFailures', () => {
  it('excuses a TMCCT case only when a thread waited a tenth of the period since the line two before it', () => {
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([]), 1, TSC_KHZ)).toEqual([]);
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([{ atMs: 105, ms: 0.9 }]), 1, TSC_KHZ)).toEqual([]);
    // Before the window (ends of line i−2 = 102 ms): not this case's.
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([{ atMs: 101, ms: 30 }]), 1, TSC_KHZ)).toEqual([]);
    const period = (0x999999 * 1) / 1e6;
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([{ atMs: 105, ms: 1.2 }]), 1, TSC_KHZ)).toEqual([
      { name: 'TMCCT should not be reset to TMICT value', waitedMs: 1.2, windowMs: period },
    ]);
    // xen-hvm's 10 ns bus cycle: a tenth of 100.7 ms is needed.
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([{ atMs: 105, ms: 1.2 }]), 10, TSC_KHZ)).toEqual([]);
    expect(excusedTimingFailures(MODE_CHANGE, waitedAt([{ atMs: 105, ms: 11 }]), 10, TSC_KHZ)).toHaveLength(1);
  });

  it('excuses a logical-mode IPI case only when every Want line of its loop had half the 10^9-cycle wait', () => {
    const lines = [
      line('PASS: IPI to single target using logical flat mode', 1000),
      line('FAIL: Want 2 IPI(s) using logical flat mode, dest = 7f, got 1 IPI(s)', 2000),
      line('FAIL: IPI to multiple targets using logical flat mode', 2100),
    ];
    expect(excusedTimingFailures(lines, waitedAt([{ atMs: 1800, ms: 150 }]), 1, TSC_KHZ)).toEqual([]);
    // Outside the 384.6 ms before the Want line: not its wait.
    expect(excusedTimingFailures(lines, waitedAt([{ atMs: 1500, ms: 400 }]), 1, TSC_KHZ)).toEqual([]);
    const window = 1e9 / TSC_KHZ;
    expect(excusedTimingFailures(lines, waitedAt([{ atMs: 1800, ms: 433 }]), 1, TSC_KHZ)).toEqual([
      { name: 'Want 2 IPI(s) using logical flat mode, dest = 7f, got 1 IPI(s)', waitedMs: 433, windowMs: window },
      { name: 'IPI to multiple targets using logical flat mode', waitedMs: 0, windowMs: window },
    ]);
    // Two Want lines, one without the wait: that one and the case stay failures.
    const two = [lines[0]!, lines[1]!, line('FAIL: Want 1 IPI(s) using logical flat mode, dest = 3, got 0 IPI(s)', 3000), lines[2]!];
    two[3] = line('FAIL: IPI to multiple targets using logical flat mode', 3100);
    expect(excusedTimingFailures(two, waitedAt([{ atMs: 1800, ms: 433 }]), 1, TSC_KHZ).map((e) => e.name)).toEqual([
      'Want 2 IPI(s) using logical flat mode, dest = 7f, got 1 IPI(s)',
    ]);
  });

  it('never excuses other cases, however long the wait', () => {
    const lines = [line('PASS: a', 0), line('PASS: b', 10), line('FAIL: apic: nmi-after-sti', 20), line('FAIL: apic: PV IPIs testing', 30)];
    expect(
      excusedTimingFailures(
        lines,
        waitedAt([
          { atMs: 15, ms: 10_000 },
          { atMs: 25, ms: 10_000 },
        ]),
        1,
        TSC_KHZ,
      ),
    ).toEqual([]);
  });
});
