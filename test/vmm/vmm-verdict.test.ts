// The verdict of the VMM comparisons (bench/vmm-verdict.ts: hvmdev against QEMU in vmexit, JS
// against C in the exit benchmark): a sign test over rounds run back to back, with the ratio of
// the mins and of the medians agreeing, so one noisy round cannot decide or flip it.
import { describe, expect, it } from 'vitest';
import { comparePaired, roundsForVerdict, signTestP } from '../../bench/vmm-verdict.js';

describe('sign test', () => {
  it('gives the binomial tail of a fair coin', () => {
    expect(signTestP(5, 5)).toBe(1 / 32);
    expect(signTestP(7, 8)).toBe(9 / 256);
    expect(signTestP(6, 7)).toBe(8 / 128);
    expect(signTestP(0, 7)).toBe(1);
    expect(signTestP(8, 7)).toBe(0);
  });

  it('needs 5 rounds, all on one side, before any verdict', () => {
    expect(roundsForVerdict()).toBe(5);
  });
});

describe('comparePaired', () => {
  it('says met when A wins every pair of 5 and both ratios are within the limit', () => {
    const c = comparePaired([98, 99, 97, 100, 96], [100, 101, 99, 102, 98]);
    expect(c.pairs).toBe(5);
    expect(c.roundsMet).toBe(5);
    expect(c.pMet).toBe(1 / 32);
    expect(c.ratioOfMins).toBeCloseTo(96 / 98, 12);
    expect(c.ratioOfMedians).toBeCloseTo(98 / 100, 12);
    expect(c.verdict).toBe('met');
  });

  it('says missed when A loses 7 of 8 pairs and both ratios are over the limit', () => {
    const a = [110, 111, 112, 109, 110, 111, 113, 99.5];
    const b = [100, 100, 101, 100, 99, 100, 100, 100];
    const c = comparePaired(a, b);
    expect(c.roundsMissed).toBe(7);
    expect(c.pMissed).toBe(9 / 256);
    expect(c.verdict).toBe('missed');
  });

  it('shows nothing from 4 rounds however one-sided, nor from a 4-3 split', () => {
    expect(comparePaired([90, 90, 90, 90], [100, 100, 100, 100]).verdict).toBe('not shown');
    const split = comparePaired([99, 99, 99, 99, 101, 101, 101], [100, 100, 100, 100, 100, 100, 100]);
    expect([split.roundsMet, split.roundsMissed]).toEqual([4, 3]);
    expect(split.verdict).toBe('not shown');
  });

  it('wants the ratio of the mins to agree with the rounds: one very fast round of B keeps A from met', () => {
    const c = comparePaired([100, 100, 100, 100, 100, 100, 100, 100], [101, 101, 101, 101, 101, 101, 101, 50]);
    expect([c.roundsMet, c.roundsMissed]).toEqual([7, 1]);
    expect(c.pMet).toBe(9 / 256);
    expect(c.ratioOfMins).toBe(2);
    expect(c.verdict).toBe('not shown');
  });

  it('pairs only rounds with a figure on both sides, and uses every figure for the mins and medians', () => {
    const c = comparePaired([10, null, 12, 11, 9, 10], [20, 20, null, 20, 20, 20], 1.15);
    expect(c.pairs).toBe(4);
    expect(c.roundsMet).toBe(4);
    expect(c.ratioOfMins).toBeCloseTo(9 / 20, 12);
    expect(c.ratioOfMedians).toBeCloseTo(10 / 20, 12);
    expect(c.verdict).toBe('not shown'); // 4 pairs cannot reach p ≤ 0.05
  });

  it('applies the limit: JS at 1.1 × C meets 1.15, at 1.2 × misses it', () => {
    const cs = [100, 100, 100, 100, 100, 100];
    expect(
      comparePaired(
        cs.map((x) => x * 1.1),
        cs,
        1.15,
      ).verdict,
    ).toBe('met');
    expect(
      comparePaired(
        cs.map((x) => x * 1.2),
        cs,
        1.15,
      ).verdict,
    ).toBe('missed');
  });
});
