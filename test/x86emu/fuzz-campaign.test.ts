// The emulator campaign of `npm run fuzz` (bench/x86emu-fuzz.ts), bounded: iced-x86 as the oracle of
// which memory an instruction touches (address, size, direction) and which instruction it is.
import { describe, expect, it } from 'vitest';
import { EmulatorOracle, makeCase, runX86emuFuzz, x86emuFuzzCase } from '../../bench/x86emu-fuzz.js';
import { X86Emulator, type EmulateOptions, type EmulateResult } from '../../src/x86emu/emulator.js';
import type { CpuState } from '../../src/x86emu/cpu-state.js';
import type { X86EmulateOps } from '../../src/x86emu/ops.js';

describe('x86emu fuzz campaign (issue 10, campaign c)', () => {
  it('2,000 fixed cases of one seed: no finding, and most of them compared against iced', () => {
    const oracle = new EmulatorOracle();
    const findings: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const f = oracle.check(makeCase(0x5eed, i));
      if (f !== null) findings.push(`case ${i}: ${f}`);
    }
    expect(findings).toEqual([]);
    expect(oracle.compared).toBeGreaterThan(700);
    expect(oracle.outcomes.executed).toBeGreaterThan(700);
  });
  it('two operands at one address (CMPSW with DS:SI = ES:DI) are both matched', () => {
    expect(x86emuFuzzCase(1, 404793)).toEqual({ finding: null });
  });
  it('an access iced-x86 does not allow is a finding, with the seed and case that reproduce it', () => {
    class StrayRead extends X86Emulator {
      override emulate(s: CpuState, ops: X86EmulateOps, o?: EmulateOptions): EmulateResult {
        const r = super.emulate(s, ops, o);
        if (r.kind === 'executed') ops.read(0xdead0, 0, 4, new Uint8Array(4), undefined as never);
        return r;
      }
    }
    const oracle = new EmulatorOracle(new StrayRead());
    let found: string | null = null;
    for (let i = 0; i < 200 && found === null; i++) found = oracle.check(makeCase(9, i));
    expect(found).toMatch(/^read of 4 at dead0 not allowed by iced-x86/);
  });
  it('the campaign keeps to its budget and returns the convention shape', () => {
    const r = runX86emuFuzz(300, 42);
    expect(r.findings).toEqual([]);
    expect(r.cases).toBeGreaterThanOrEqual(500); // whole batches of 500, at least one
    expect(r.seconds).toBeLessThan(5); // 300 ms budget, checked every 500 cases (a loaded 2-vCPU machine)
  });
});
