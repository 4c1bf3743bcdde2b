// --stats counters: MMIO exits by page are counted in runs (one page after another) and must come
// out exact however the runs interleave, and when counters of several vCPUs are added up.
import { describe, expect, it } from 'vitest';
import { ExitStats, formatStats } from '../../src/vmm/exit-stats.js';

describe('ExitStats MMIO pages', () => {
  it('counts every exit by page, runs and interleavings alike', () => {
    const s = new ExitStats();
    for (let i = 0; i < 5; i++) s.mmio(0xfee00300);
    s.mmio(0xd0000000);
    s.mmio(0xfee000b0);
    s.mmio(0xd0000fff);
    s.mmio(0xd0001000);
    expect([...s.byPage].sort((a, b) => a[0] - b[0])).toEqual([
      [0xd0000, 2],
      [0xd0001, 1],
      [0xfee00, 6],
    ]);
    // Reading the counts does not lose the run in progress, nor count it twice.
    s.mmio(0xd0001004);
    expect(s.byPage.get(0xd0001)).toBe(2);
    expect(s.byPage.get(0xd0001)).toBe(2);
  });

  it("add() merges another vCPU's pages, its current run included", () => {
    const a = new ExitStats();
    const b = new ExitStats();
    a.mmio(0xfee00000);
    b.mmio(0xfee00010);
    b.mmio(0xfee00020);
    a.add(b);
    expect(a.byPage.get(0xfee00)).toBe(3);
    expect(formatStats(a, 1e6, 1e6)).toContain('page 0xfee00000          3');
  });
});
