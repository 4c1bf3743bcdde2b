import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RBX, RCX, RDX, RSI, RSP, SEG_DS, SA_P, SA_S } from '../../src/x86emu/cpu-state.js';
import { FlatOps, emu, long, run } from './helpers.js';

describe('x86emu: MOV family', () => {
  it('mov dword [rax+0x30], ecx stores 4 bytes and advances RIP', () => {
    const s = long().setReg(RAX, 0x1000).setReg(RCX, 0x1122334455667788n).setRip(0x40);
    const m = new FlatOps();
    expect(run(s, m, '89 48 30')).toEqual({ kind: 'executed', length: 3, complete: true });
    expect(m.u32(0x1030)).toBe(0x55667788);
    expect(s.getRip()).toBe(0x43n);
  });
  it('mov eax, [rdx] zero-extends into RAX; mov ax keeps the upper bits', () => {
    const s = long().setReg(RDX, 0x2000).setReg(RAX, -1n);
    const m = new FlatOps();
    m.setU32(0x2000, 0xdeadbeef);
    run(s, m, '8b 02');
    expect(s.getReg(RAX)).toBe(0xdeadbeefn);
    s.setReg(RAX, -1n);
    run(s, m, '66 8b 02');
    expect(s.getReg(RAX)).toBe(0xffffffffffffbeefn);
    run(s, m, '8a 22'); // mov ah, [rdx]
    expect(s.getReg(RAX)).toBe(0xffffffffffffefefn);
  });
  it('moffs forms (movabs) in 64-bit mode', () => {
    const s = long().setReg(RAX, 0xabcdef0123456789n);
    const m = new FlatOps();
    run(s, m, '48 a3 00 30 00 00 00 00 00 00');
    expect(m.u64(0x3000)).toBe(0xabcdef0123456789n);
    s.setReg(RAX, 0);
    run(s, m, 'a1 04 30 00 00 00 00 00 00');
    expect(s.getReg(RAX)).toBe(0xabcdef01n);
  });
  it('RIP-relative addressing uses the next RIP', () => {
    const s = long().setRip(0x1000).setReg(RCX, 7);
    const m = new FlatOps();
    run(s, m, '89 0d 10 00 00 00'); // mov [rip+0x10], ecx
    expect(m.u32(0x1016)).toBe(7);
  });
  it('MOVZX/MOVSX/MOVSXD', () => {
    const s = long().setReg(RBX, 0x100);
    const m = new FlatOps();
    m.mem[0x100] = 0x80;
    m.mem[0x101] = 0xff;
    run(s, m, '48 0f be 03');
    expect(s.getReg(RAX)).toBe(0xffffffffffffff80n);
    run(s, m, '0f b7 03');
    expect(s.getReg(RAX)).toBe(0xff80n);
    m.setU32(0x100, 0x80000000);
    run(s, m, '48 63 03');
    expect(s.getReg(RAX)).toBe(0xffffffff80000000n);
  });
  it('MOV r/m, imm sign-extends imm32 to 64 bits', () => {
    const s = long().setReg(RBX, 0x200);
    const m = new FlatOps();
    run(s, m, '48 c7 03 ff ff ff ff');
    expect(m.u64(0x200)).toBe(0xffffffffffffffffn);
    expect(run(s, m, 'c7 0b 00 00 00 00')).toMatchObject({ kind: 'fault', vector: 6 });
  });
  it('XCHG with memory, PUSH/POP with memory operands', () => {
    const s = long().setReg(RBX, 0x300).setReg(RCX, 5).setReg(RSP, 0x8000);
    const m = new FlatOps();
    m.setU64(0x300, 9n);
    run(s, m, '48 87 0b');
    expect(s.getReg(RCX)).toBe(9n);
    expect(m.u64(0x300)).toBe(5n);
    run(s, m, 'ff 33'); // push qword [rbx]
    expect(s.getReg(RSP)).toBe(0x7ff8n);
    expect(m.u64(0x7ff8)).toBe(5n);
    run(s, m, '8f 43 08'); // pop qword [rbx+8]
    expect(s.getReg(RSP)).toBe(0x8000n);
    expect(m.u64(0x308)).toBe(5n);
  });
  it('MOVBE and BSWAP', () => {
    const s = long().setReg(RBX, 0x400).setReg(RCX, 0x11223344);
    const m = new FlatOps();
    run(s, m, '0f 38 f1 0b');
    expect(m.u32(0x400)).toBe(0x44332211);
    run(s, m, '0f 38 f0 03');
    expect(s.getReg(RAX)).toBe(0x11223344n);
    expect(run(s, m, '0f 38 f0 c3')).toMatchObject({ kind: 'fault', vector: 6 });
  });
  it('SETcc and CMOVcc', () => {
    const s = long().setReg(RBX, 0x500);
    const m = new FlatOps();
    s.rflags = 0x2 | 0x40; // ZF
    run(s, m, '0f 94 03');
    expect(m.mem[0x500]).toBe(1);
    s.setReg(RCX, 0xffffffff00000000n);
    run(s, m, '0f 45 0b'); // cmovne ecx, [rbx]: false, still zero-extends
    expect(s.getReg(RCX)).toBe(0n);
  });
});

describe('x86emu: modes and segmentation', () => {
  it('16-bit real mode: segment base, [bp+si] uses SS, offsets wrap at 64 KiB', () => {
    const s = new CpuState().setRealMode();
    s.seg[2]!.set(0x100, 0x1000, 0xffff, SA_P | SA_S | 3);
    s.setReg(5, 0xfff0).setReg(RSI, 0x20).setReg(RAX, 0xbeef);
    const m = new FlatOps();
    run(s, m, '89 02'); // mov [bp+si], ax -> SS:0x0010
    expect(m.mem[0x1010] | (m.mem[0x1011]! << 8)).toBe(0xbeef);
  });
  it('protected mode: limit violation raises #GP(0), SS-relative raises #SS(0)', () => {
    const s = new CpuState().setProtectedMode(32);
    s.seg[SEG_DS]!.set(0x10, 0, 0xfff, SA_P | SA_S | 3);
    s.setReg(RAX, 0xffe);
    const m = new FlatOps();
    expect(run(s, m, '8b 00')).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    s.seg[2]!.set(0x18, 0, 0xfff, SA_P | SA_S | 3);
    s.setReg(5, 0xffe);
    expect(run(s, m, '8b 45 00')).toMatchObject({ kind: 'fault', vector: 12, errorCode: 0 });
    expect(m.log).toHaveLength(0);
  });
  it('null (unusable) data segment faults in protected mode (XSA-191)', () => {
    const s = new CpuState().setProtectedMode(32);
    s.seg[SEG_DS]!.set(0, 0, 0xffffffff, 1 << 16);
    expect(run(s, new FlatOps(), '8b 00')).toMatchObject({ kind: 'fault', vector: 13 });
  });
  it('non-canonical addresses: #GP, or #SS for SS-based', () => {
    const s = long().setReg(RAX, 0x0000800000000000n);
    const m = new FlatOps();
    expect(run(s, m, '8b 00')).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    s.setReg(5, 0x0000800000000000n);
    expect(run(s, m, '8b 45 00')).toMatchObject({ kind: 'fault', vector: 12, errorCode: 0 });
  });
  it('0F 0D (AMD PREFETCH group) with a register operand is #UD; with memory and 0F 18-1F it is a NOP', () => {
    // recorded natively on the reference CPU: 0f 0d c0/c8/d0 SIGILL, 0f 18 c0 and 0f 1f c0 run
    const s = long();
    const m = new FlatOps();
    for (const b of ['0f 0d c0', '0f 0d c8', '0f 0d d3', '41 0f 0d c7']) expect([b, run(s, m, b)]).toMatchObject([b, { kind: 'fault', vector: 6 }]);
    for (const b of ['0f 0d 00', '0f 0d 08', '0f 18 c0', '0f 1f c0', '0f 19 c0']) expect([b, run(s, m, b)]).toMatchObject([b, { kind: 'executed' }]);
    expect(m.log).toEqual([]);
  });
  it('64-bit mode: an ES/CS/SS/DS override is a null prefix, so the fault follows the default segment', () => {
    // recorded natively on the reference CPU: 2E/3E/26 on an rBP/rSP base give #SS (SIGBUS), 36 on rAX #GP (SIGSEGV)
    const s = long().setReg(RAX, 0x0000800000000000n).setReg(5, 0x0000800000000000n).setReg(4, 0x0000800000000000n);
    const m = new FlatOps();
    for (const b of ['2e 8b 45 00', '3e 8b 45 00', '26 8b 45 00', '26 0f 91 04 24']) {
      expect([b, run(s, m, b)]).toMatchObject([b, { kind: 'fault', vector: 12, errorCode: 0 }]);
    }
    for (const b of ['36 8b 00', '2e 8b 00']) expect([b, run(s, m, b)]).toMatchObject([b, { kind: 'fault', vector: 13, errorCode: 0 }]);
    expect(run(s, m, '64 8b 45 00')).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 }); // FS does override
    expect(m.log).toEqual([]);
  });
  it('32-bit address size in 64-bit mode wraps the effective address', () => {
    const s = long().setReg(RAX, 0x1_ffff_fff0n).setReg(RCX, 3);
    const m = new FlatOps();
    run(s, m, '67 89 48 20'); // mov [eax+0x20], ecx -> 0x10
    expect(m.u32(0x10)).toBe(3);
  });
  it('register-only operands ignore segment overrides (XSA-123)', () => {
    const s = long().setReg(RCX, 5);
    run(s, new FlatOps(), '64 89 c8'); // mov eax, ecx with FS prefix
    expect(s.getReg(RAX)).toBe(5n);
  });
  it('alignment check at CPL 3 with CR0.AM and RFLAGS.AC', () => {
    const s = new CpuState().setLongMode(3).setReg(RAX, 0x101);
    s.cr0 |= 1 << 18;
    s.rflags |= 1 << 18;
    expect(run(s, new FlatOps(), '8b 00')).toMatchObject({ kind: 'fault', vector: 17, errorCode: 0 });
  });
  it('fetches at CS:RIP and wraps IP at 64 KiB in 16-bit code (XSA-186)', () => {
    const s = new CpuState().setRealMode().setRip(0xffff).setReg(RCX, 0x1234).setReg(RBX, 0x200);
    const m = new FlatOps();
    m.mem[0xffff] = 0x89;
    m.mem[0] = 0x0f; // mov [bx], cx: the ModRM byte comes from offset 0 after the wrap
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'executed', length: 2 });
    expect(m.mem[0x200]! | (m.mem[0x201]! << 8)).toBe(0x1234);
    expect(s.getRip()).toBe(1n);
  });
  it('a fetch fault is delivered only when the decoder needs the missing bytes', () => {
    const m = new FlatOps(0x1000);
    const s = long().setRip(0xffe).setReg(RCX, 1);
    m.mem[0xffe] = 0x89;
    m.mem[0xfff] = 0x08; // complete: mov [rax], ecx
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'executed' });
    s.setRip(0xfff);
    m.mem[0xfff] = 0x89;
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'fault', vector: 14, errorCode: 0x10, cr2: 0x1000n });
  });
});

describe('x86emu: MOV from a segment register', () => {
  it('stores 16 bits to memory, zero-extends into a 32-bit register, #UD for sreg 6/7', () => {
    const s = long().setReg(RBX, 0x100).setReg(RAX, -1n);
    s.seg[3]!.selector = 0x2b;
    const m = new FlatOps();
    m.setU32(0x100, 0xffffffff);
    run(s, m, '8c 1b'); // mov [rbx], ds
    expect(m.u32(0x100)).toBe(0xffff002b);
    run(s, m, '8c d8'); // mov eax, ds
    expect(s.getReg(RAX)).toBe(0x2bn);
    expect(run(s, m, '8c f0')).toMatchObject({ kind: 'fault', vector: 6 });
  });
});
