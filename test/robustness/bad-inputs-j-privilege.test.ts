// Privilege and architectural gating in the instruction emulator. x86emu completes instructions
// that touched MMIO or ports; control flow, segment loads, software interrupts and system
// instructions are never executed (docs/x86emu.md): each of these tests runs the advisory's
// instruction at user privilege and checks that nothing happens but a clean result.
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RCX, RDX } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { bytes, SparseOps } from './x86-ops.js';

const emu = new X86Emulator();

/** Runs `insn` (hex) at CPL 3 in 64-bit mode and in 32-bit protected mode; returns the results. */
function atUserPrivilege(insn: string): { kind: string; vector?: number }[] {
  const out: { kind: string; vector?: number }[] = [];
  for (const mode of ['long', 'prot32'] as const) {
    const s = mode === 'long' ? new CpuState().setLongMode(3) : new CpuState().setProtectedMode(32, 3);
    s.setReg(RAX, 0x2000).setReg(RCX, 0x1234).setReg(RDX, 0x80).setRip(0x1000n);
    const ops = new SparseOps().put(0x2000n, new Array(64).fill(0));
    const before = JSON.stringify({ gpr: [...s.gpr], rip: s.getRip().toString(), cr: [s.cr0, s.cr2Lo, s.cr4, s.cr8, s.efer], seg: s.seg, rflags: s.rflags });
    const r = emu.emulate(s, ops, { insnBytes: bytes(insn) });
    const after = JSON.stringify({ gpr: [...s.gpr], rip: s.getRip().toString(), cr: [s.cr0, s.cr2Lo, s.cr4, s.cr8, s.efer], seg: s.seg, rflags: s.rflags });
    expect(after, `${insn} (${mode})`).toBe(before); // no register, RIP, control register or segment change
    expect(
      ops.log.filter(([k]) => k !== 'read'),
      `${insn} (${mode})`,
    ).toEqual([]); // no write, no port access
    out.push(r.kind === 'fault' ? { kind: r.kind, vector: r.vector } : { kind: r.kind });
  }
  return out;
}

const NOT_EXECUTED = [{ kind: 'unimplemented' }, { kind: 'unimplemented' }];

describe('bad inputs, class J: privilege and gating in the emulator', () => {
  it('entry 57, XSA-105 (privileged instructions without a CPL check): LGDT, LIDT, LMSW, HLT, CLTS, MOV to/from CR and DR at CPL 3 with an operand in memory change nothing and are not executed', () => {
    for (const insn of ['0f 01 10', '0f 01 18', '0f 01 30', 'f4', '0f 06', '0f 22 d8', '0f 20 d8', '0f 23 c0', '0f 21 c0', '0f 01 38']) {
      expect(atUserPrivilege(insn), insn).toEqual(NOT_EXECUTED);
    }
    // CLI/STI and port I/O above IOPL are checked before any effect: IN/OUT give #GP(0) with no port access.
    expect(atUserPrivilege('ee')).toEqual([
      { kind: 'fault', vector: 13 },
      { kind: 'fault', vector: 13 },
    ]);
    expect(atUserPrivilege('e4 71')).toEqual([
      { kind: 'fault', vector: 13 },
      { kind: 'fault', vector: 13 },
    ]);
    expect(atUserPrivilege('fa')).toEqual(NOT_EXECUTED);
  });

  it('entry 58, XSA-106 (INT n without an IDT DPL check): INT n, INT3 and INTO are not emulated', () => {
    expect(atUserPrivilege('cd 80')).toEqual(NOT_EXECUTED);
    expect(atUserPrivilege('cc')).toEqual(NOT_EXECUTED);
    expect(atUserPrivilege('ce')).toEqual([{ kind: 'fault', vector: 6 }, { kind: 'unimplemented' }]); // INTO is #UD in 64-bit mode
  });

  it('entry 59, XSA-110 (far branches without CS checks): far JMP/CALL/RET, IRET and LRET are not emulated', () => {
    for (const insn of ['ff 28', 'ff 18', 'cb', 'ca 08 00', 'cf']) expect(atUserPrivilege(insn), insn).toEqual(NOT_EXECUTED);
    // A direct far JMP/CALL (EA/9A) is #UD in 64-bit mode and not executed in 32-bit mode.
    expect(atUserPrivilege('ea 00 00 00 00 08 00')).toEqual([{ kind: 'fault', vector: 6 }, { kind: 'unimplemented' }]);
  });

  it('entries 67 and 68, XSA-192 and XSA-196 (task switches, INT3/INTO IDT entry size): no task switch or software interrupt is ever delivered by the emulator', () => {
    for (const insn of ['ff 28', 'cf', 'cc']) expect(atUserPrivilege(insn), insn).toEqual(NOT_EXECUTED);
  });

  it('entry 69, XSA-204 (SYSCALL single-step): SYSCALL, SYSRET, SYSENTER, SYSEXIT, POPF and IRET are not emulated', () => {
    expect(atUserPrivilege('0f 05')).toEqual([{ kind: 'unimplemented' }, { kind: 'unimplemented' }]);
    for (const insn of ['0f 07', '0f 34', '0f 35', '9d', 'cf']) {
      const r = atUserPrivilege(insn);
      expect(
        r.every((x) => x.kind === 'unimplemented' || (x.kind === 'fault' && x.vector === 6)),
        insn,
      ).toBe(true);
    }
  });

  it('entry 70, XSA-156 (exception delivery loops): the emulator never delivers an exception itself; a fault is one result value', () => {
    const s = new CpuState().setLongMode(3).setReg(RAX, 0x3000);
    const ops = new SparseOps(); // nothing mapped: the store faults
    const r = emu.emulate(s, ops, { insnBytes: bytes('89 08') });
    expect(r).toMatchObject({ kind: 'fault', vector: 14 });
    expect(ops.log.filter(([k]) => k !== 'read' && k !== 'fetch')).toEqual([]);
  });

  it('entry 75, CVE-2017-2583 (MOV SS with a null selector): segment loads (MOV SS, POP SS, LSS, MOV DS) are not emulated', () => {
    for (const insn of ['8e d0', '8e d8', '0f b2 00']) expect(atUserPrivilege(insn), insn).toEqual(NOT_EXECUTED);
    expect(atUserPrivilege('17')).toEqual([{ kind: 'fault', vector: 6 }, { kind: 'unimplemented' }]); // POP SS: #UD in 64-bit mode
  });

  it('entries 71 and 77, XSA-170 and CVE-2014-3647 (non-canonical rIP after emulation): branches are not emulated; an instruction that would leave RIP non-canonical is #GP(0) with nothing committed, fetched or handed over', () => {
    // JMP rel32 / JMP r/m to 0x0000800000000000: not executed, RIP stays.
    for (const insn of ['e9 00 00 00 80', 'ff e0', 'eb fe']) expect(atUserPrivilege(insn), insn).toEqual(NOT_EXECUTED);
    for (const given of [true, false]) {
      // mov [rax], ecx ending exactly at 2^47 (the first non-canonical address).
      const s = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setReg(RCX, 0xaabbccdd).setRip(0x7ffffffffffen);
      const ops = new SparseOps().put(0x2000n, [0, 0, 0, 0]).put(0x7ffffffffffen, [0x89, 0x08]);
      const r = emu.emulate(s, ops, given ? { insnBytes: bytes('89 08') } : {});
      expect(r).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
      expect(s.getRip()).toBe(0x7ffffffffffen);
      expect(ops.log.filter(([k]) => k === 'write')).toEqual([]);
      expect([...ops.bytes.entries()].filter(([a]) => a >= 0x2000n && a < 0x2004n).map(([, b]) => b)).toEqual([0, 0, 0, 0]);
    }
    // Ending exactly at 2^47 − 1 is fine: RIP becomes 0x7fffffffffff.
    const s = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setRip(0x7ffffffffffdn);
    const ops = new SparseOps().put(0x2000n, [0, 0, 0, 0]);
    expect(emu.emulate(s, ops, { insnBytes: bytes('89 08') }).kind).toBe('executed');
    expect(s.getRip()).toBe(0x7fffffffffffn);
    // A RIP that is already non-canonical never executes anything.
    const t = new CpuState().setLongMode(0).setReg(RAX, 0x2000).setRip(0x0000800000000000n);
    expect(emu.emulate(t, new SparseOps().put(0x2000n, [0, 0, 0, 0]), { insnBytes: bytes('89 08') })).toMatchObject({ kind: 'fault', vector: 13 });
    expect(t.getRip()).toBe(0x0000800000000000n);
  });

  it('entry 78, CVE-2011-1780 (instruction rewritten between the exit and the fetch): the checks apply to the bytes actually fetched; handed-over bytes are never fetched again', () => {
    // The exit was a harmless MMIO store; another vCPU rewrote the bytes before the emulator fetched
    // them: to a privileged instruction, to port output above IOPL, to a segment load.
    for (const rewritten of [[0x0f, 0x22, 0xd8], [0xee], [0x8e, 0xd0], [0x0f, 0x01, 0x10]]) {
      const s = new CpuState().setLongMode(3).setReg(RAX, 0x2000).setReg(RDX, 0x80).setRip(0x1000n);
      const ops = new SparseOps().put(0x2000n, new Array(16).fill(0)).put(0x1000n, rewritten);
      const r = emu.emulate(s, ops, {});
      expect(['unimplemented', 'fault'], rewritten.join(' ')).toContain(r.kind);
      if (r.kind === 'fault') expect(r.vector).toBe(13);
      expect(s.getRip()).toBe(0x1000n);
      expect(ops.log.filter(([k]) => k === 'write' || k === 'out' || k === 'in')).toEqual([]);
    }
    // With the exit's own bytes handed over, memory is not fetched at all: no window to rewrite.
    const s = new CpuState().setLongMode(3).setReg(RAX, 0x2000).setReg(RCX, 7).setRip(0x1000n);
    const ops = new SparseOps().put(0x2000n, [0, 0, 0, 0]).put(0x1000n, [0x0f, 0x22, 0xd8]);
    expect(emu.emulate(s, ops, { insnBytes: bytes('89 08') }).kind).toBe('executed');
    expect(ops.log.filter(([k]) => k === 'fetch')).toEqual([]);
    expect(ops.log.filter(([k]) => k === 'write')).toEqual([['write', 0x2000n, 4]]);
  });
});
