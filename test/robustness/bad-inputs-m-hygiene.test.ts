// Data from a failed guest memory read is never used: string output from unmapped memory, a load
// whose second page faults, and the x87/FXSAVE/descriptor-table image forms that the emulator does
// not execute.
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RCX, RDX, RSI } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { bytes, SparseOps } from './x86-ops.js';

const emu = new X86Emulator();

describe('bad inputs, class M: failed reads are never used', () => {
  it('entry 73, XSA-63 (errors from guest memory reads ignored): OUTS and REP OUTS from unmapped memory fault before any port write, with registers unchanged', () => {
    for (const insn of ['6e', 'f3 6e', '66 6f', 'f3 6f']) {
      const s = new CpuState().setLongMode(0).setReg(RSI, 0x9000).setReg(RCX, 4).setReg(RDX, 0x80).setRip(0x1000n);
      const ops = new SparseOps(); // nothing mapped at 0x9000
      const r = emu.emulate(s, ops, { insnBytes: bytes(insn) });
      expect(r, insn).toMatchObject({ kind: 'fault', vector: 14 });
      expect(
        ops.log.filter(([k]) => k === 'out'),
        insn,
      ).toEqual([]);
      expect(s.getReg(RSI)).toBe(0x9000n);
      expect(s.getReg(RCX)).toBe(4n);
      expect(s.getRip()).toBe(0x1000n);
    }
    // REP OUTSB whose source runs into an unmapped byte: the elements before it go out, the failed
    // one never does, and RSI/RCX point exactly at it.
    const s = new CpuState().setLongMode(0).setReg(RSI, 0x8ffe).setReg(RCX, 4).setReg(RDX, 0x80).setRip(0x1000n);
    const ops = new SparseOps().put(0x8ffen, [1, 2]);
    const r = emu.emulate(s, ops, { insnBytes: bytes('f3 6e') });
    expect(r).toMatchObject({ kind: 'fault', vector: 14 });
    expect(ops.log.filter(([k]) => k === 'out').length).toBe(2);
    expect(s.getReg(RSI)).toBe(0x9000n);
    expect(s.getReg(RCX)).toBe(2n);
  });

  it('entry 73, XSA-63: a 16-byte load whose second half faults leaves XMM0 and RIP unchanged', () => {
    const s = new CpuState().setLongMode(0).setReg(RAX, 0x8ff8).setRip(0x1000n);
    s.vec.fill(0x5a, 0, 16);
    const ops = new SparseOps().put(0x8ff8n, [1, 2, 3, 4, 5, 6, 7, 8]);
    const r = emu.emulate(s, ops, { insnBytes: bytes('f3 0f 6f 00') }); // movdqu xmm0, [rax]
    expect(r).toMatchObject({ kind: 'fault', vector: 14 });
    expect([...s.vec.subarray(0, 16)]).toEqual(new Array(16).fill(0x5a));
    expect(s.getRip()).toBe(0x1000n);
  });

  it('entries 73 and 74, XSA-66 and CVE-2017-2584 (FBLD operand address; FXSAVE/SGDT/SIDT images): x87 memory forms (FBLD, FBSTP, FLD m80), FXSAVE, FXRSTOR, SGDT and SIDT are not executed and touch no memory', () => {
    for (const insn of ['df 20', 'df 30', 'db 28', '0f ae 00', '0f ae 08', '0f 01 00', '0f 01 08']) {
      const s = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setRip(0x1000n);
      const ops = new SparseOps().put(0x2000n, new Array(512).fill(0xcc));
      const r = emu.emulate(s, ops, { insnBytes: bytes(insn) });
      expect(r.kind, insn).toBe('unimplemented');
      expect(ops.log, insn).toEqual([]);
      expect(s.getRip()).toBe(0x1000n);
    }
  });
});
