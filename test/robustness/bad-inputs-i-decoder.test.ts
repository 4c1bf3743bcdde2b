// Instruction fetch at the 32- and 64-bit boundaries (the 16-bit one is in
// test/x86emu/exec-basic.test.ts): the fetch wraps as the linear address does, the next
// instruction pointer is truncated to the mode's width, and the 15-byte limit holds.
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RCX } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { SparseOps } from './x86-ops.js';

const emu = new X86Emulator();

describe('bad inputs, class I: fetch boundaries', () => {
  it('entry 63, XSA-186 (rIP wrap and truncation): 32-bit code straddling 0xFFFFFFFF fetches from 0 and continues at EIP 2', () => {
    const s = new CpuState().setProtectedMode(32, 0).setReg(RAX, 0x2000).setReg(RCX, 0x11223344).setRip(0xffffffffn);
    // mov [eax+0x10], ecx = 89 48 10: one byte at 0xFFFFFFFF, two at 0 and 1.
    const ops = new SparseOps().put(0xffffffffn, [0x89]).put(0n, [0x48, 0x10]).put(0x2010n, [0, 0, 0, 0]);
    const r = emu.emulate(s, ops, {});
    expect(r).toMatchObject({ kind: 'executed', length: 3 });
    expect(s.getRip()).toBe(2n);
    expect(ops.log.filter(([k]) => k === 'fetch').map(([, a]) => a)).toEqual([0xffffffffn, 0n]);
    expect(ops.log.filter(([k]) => k === 'write')).toEqual([['write', 0x2010n, 4]]);
    expect([0x2010n, 0x2011n, 0x2012n, 0x2013n].map((a) => ops.bytes.get(a))).toEqual([0x44, 0x33, 0x22, 0x11]);
  });

  it('entry 63, XSA-186: 32-bit code ending exactly at 2^32 continues at EIP 0; with a CS limit below, the same bytes are #GP(0)', () => {
    const s = new CpuState().setProtectedMode(32, 0).setReg(RAX, 0x2000).setRip(0xfffffffen);
    const ops = new SparseOps().put(0xfffffffen, [0x89, 0x08]).put(0x2000n, [0, 0, 0, 0]);
    expect(emu.emulate(s, ops, {})).toMatchObject({ kind: 'executed', length: 2 });
    expect(s.getRip()).toBe(0n);
    const t = new CpuState().setProtectedMode(32, 0).setReg(RAX, 0x2000).setRip(0xfffffffen);
    t.seg[1]!.limit = 0xfffffffe; // the second byte lies beyond the limit
    const ops2 = new SparseOps().put(0xfffffffen, [0x89, 0x08]).put(0x2000n, [0, 0, 0, 0]);
    expect(emu.emulate(t, ops2, {})).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    expect(t.getRip()).toBe(0xfffffffen);
    expect(ops2.log.filter(([k]) => k === 'write')).toEqual([]);
  });

  it('entry 63, XSA-186: 64-bit code straddling 2^64 wraps to linear 0 and continues at RIP 2; ending exactly at 2^64 continues at 0', () => {
    const s = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setReg(RCX, 0x55667788).setRip(0xffffffffffffffffn);
    const ops = new SparseOps().put(0xffffffffffffffffn, [0x89]).put(0n, [0x48, 0x10]).put(0x2010n, [0, 0, 0, 0]);
    expect(emu.emulate(s, ops, {})).toMatchObject({ kind: 'executed', length: 3 });
    expect(s.getRip()).toBe(2n);
    expect(ops.log.filter(([k]) => k === 'write')).toEqual([['write', 0x2010n, 4]]);
    const t = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setRip(0xfffffffffffffffen);
    const ops2 = new SparseOps().put(0xfffffffffffffffen, [0x89, 0x08]).put(0x2000n, [0, 0, 0, 0]);
    expect(emu.emulate(t, ops2, {})).toMatchObject({ kind: 'executed', length: 2 });
    expect(t.getRip()).toBe(0n);
  });

  it('entry 63, XSA-186: at both boundaries a 16-byte instruction is #GP(0) and nothing is committed', () => {
    const long = [...new Array(15).fill(0x66), 0x90]; // fifteen prefixes and NOP: 16 bytes
    for (const [setup, rip, width] of [
      [() => new CpuState().setProtectedMode(32, 0), 0xfffffff8n, 32n],
      [() => new CpuState().setLongMode(0), 0xfffffffffffffff8n, 64n],
    ] as const) {
      const s = setup().setReg(RAX, 0x2000).setRip(rip);
      const ops = new SparseOps();
      long.forEach((b, i) => ops.put((rip + BigInt(i)) % (1n << width), [b])); // linear addresses wrap at the mode's width
      const r = emu.emulate(s, ops, {});
      expect(r).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
      expect(s.getRip()).toBe(rip);
    }
  });
});
