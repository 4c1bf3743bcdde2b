import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RBX, RCX, RDX, RSI, RDI } from '../../src/x86emu/cpu-state.js';
import { STRING_BATCH } from '../../src/x86emu/exec/string.js';
import { FlatOps, emu, hex, long, run } from './helpers.js';

describe('x86emu: ALU on memory', () => {
  it('add/or/and/sub/xor/cmp r/m forms update memory and flags', () => {
    const s = long().setReg(RBX, 0x100).setReg(RCX, 1);
    const m = new FlatOps();
    m.setU32(0x100, 0xffffffff);
    run(s, m, '01 0b'); // add [rbx], ecx
    expect(m.u32(0x100)).toBe(0);
    expect(s.rflags & 0x41).toBe(0x41); // ZF CF
    run(s, m, '83 0b 70'); // or dword [rbx], 0x70
    expect(m.u32(0x100)).toBe(0x70);
    const before = m.log.length;
    run(s, m, '83 3b 70'); // cmp: no write
    expect(m.log.slice(before).map((a) => a.kind)).toEqual(['r']);
    expect(s.rflags & 0x40).toBe(0x40);
  });
  it('inc/dec/not/neg, shifts incl. RCL/RCR and SHLD', () => {
    const s = long().setReg(RBX, 0x100);
    const m = new FlatOps();
    m.setU32(0x100, 0x80000000);
    run(s, m, 'd1 23'); // shl dword [rbx], 1
    expect(m.u32(0x100)).toBe(0);
    expect(s.rflags & 1).toBe(1);
    run(s, m, 'd1 13'); // rcl dword [rbx], 1 (CF in)
    expect(m.u32(0x100)).toBe(1);
    run(s, m, 'f7 1b'); // neg
    expect(m.u32(0x100)).toBe(0xffffffff);
    s.setReg(RCX, 0x12345678);
    run(s, m, '0f a4 0b 08'); // shld [rbx], ecx, 8
    expect(m.u32(0x100)).toBe(0xffffff12);
  });
  it('MUL/DIV with memory operands; #DE on divide by zero without any register change', () => {
    const s = long().setReg(RBX, 0x100).setReg(RAX, 0x10).setReg(RDX, 0);
    const m = new FlatOps();
    m.setU32(0x100, 3);
    run(s, m, 'f7 23'); // mul dword [rbx]
    expect([s.getReg(RAX), s.getReg(RDX)]).toEqual([0x30n, 0n]);
    run(s, m, 'f7 33'); // div
    expect([s.getReg(RAX), s.getReg(RDX)]).toEqual([0x10n, 0n]);
    m.setU32(0x100, 0);
    const rip = s.getRip();
    expect(run(s, m, 'f7 33')).toMatchObject({ kind: 'fault', vector: 0, errorCode: null });
    expect(s.getReg(RAX)).toBe(0x10n);
    expect(s.getRip()).toBe(rip);
  });
  it('BT family with register offsets beyond the operand, negative and ≥ 2^32 (XSA-195)', () => {
    const s = long().setReg(RBX, 0x1000);
    const m = new FlatOps();
    s.setReg(RCX, -1n); // bit -1: byte 0xfff bit 7 → qword at 0xff8, bit 63
    run(s, m, '48 0f ab 0b'); // bts [rbx], rcx
    expect(m.u64(0xff8)).toBe(1n << 63n);
    s.setReg(RCX, 8n * 0x100n + 3n);
    run(s, m, '0f ab 0b'); // bts dword [rbx], ecx → 0x1100 bit 3
    expect(m.mem[0x1100]).toBe(8);
    s.setReg(RCX, 1n << 32n).setReg(RBX, 0);
    expect(run(s, m, '48 0f a3 0b')).toMatchObject({ kind: 'fault', vector: 14 }); // 2^32/8 = 0x20000000: beyond memory
    s.setReg(RBX, 0x1100);
    run(s, m, '0f ba 33 23'); // btr dword [rbx], 35 → bit 3 (imm modulo 32, no EA adjustment)
    expect(m.mem[0x1100]).toBe(0);
  });
  it('BSF/TZCNT/LZCNT/POPCNT and XADD/CMPXCHG8B', () => {
    const s = long().setReg(RBX, 0x100);
    const m = new FlatOps();
    m.setU32(0x100, 0x10);
    run(s, m, '0f bc 03');
    expect(s.getReg(RAX)).toBe(4n);
    run(s, m, 'f3 0f bd 03');
    expect(s.getReg(RAX)).toBe(27n);
    run(s, m, 'f3 0f b8 03');
    expect(s.getReg(RAX)).toBe(1n);
    s.setReg(RCX, 5);
    run(s, m, '0f c1 0b');
    expect([m.u32(0x100), s.getReg(RCX)]).toEqual([0x15, 0x10n]);
    m.setU64(0x108, 0x0000000200000001n);
    s.setReg(RAX, 1).setReg(RDX, 2).setReg(RBX, 0x108).setReg(RCX, 4);
    s.setReg(RBX, 3); // new low dword in EBX: but EA uses RBX too, use RSI base instead
    s.setReg(RSI, 0x108);
    run(s, m, '0f c7 0e'); // cmpxchg8b [rsi]
    expect(m.u64(0x108)).toBe(0x0000000400000003n);
    expect(run(s, m, '48 0f c7 4e 01')).toMatchObject({ kind: 'fault', vector: 13 }); // 16B misaligned
  });
});

describe('x86emu: string instructions', () => {
  it('rep stosd forward and backward, 16-bit address size wraps SI/DI', () => {
    const s = long().setReg(RDI, 0x200).setReg(RCX, 4).setReg(RAX, 0xaabbccdd);
    const m = new FlatOps();
    run(s, m, 'f3 ab');
    expect([m.u32(0x200), m.u32(0x20c), s.getReg(RDI), s.getReg(RCX)]).toEqual([0xaabbccdd, 0xaabbccdd, 0x210n, 0n]);
    s.rflags |= 0x400;
    s.setReg(RDI, 0x300).setReg(RCX, 2);
    run(s, m, 'f3 ab');
    expect([m.u32(0x2fc), s.getReg(RDI)]).toEqual([0xaabbccdd, 0x2f8n]);
    const r = new CpuState().setRealMode().setReg(RDI, 0xffff).setReg(RCX, 2).setReg(RAX, 0x55);
    run(r, m, 'f3 aa');
    expect([m.mem[0xffff], m.mem[0], r.getReg(RDI)]).toEqual([0x55, 0x55, 1n]);
  });
  it('repe cmpsb stops at the first difference; repne scasb finds a byte', () => {
    const s = long().setReg(RSI, 0x100).setReg(RDI, 0x200).setReg(RCX, 8);
    const m = new FlatOps();
    m.mem.set(hex('01 02 03 04'), 0x100);
    m.mem.set(hex('01 02 09 04'), 0x200);
    run(s, m, 'f3 a6');
    expect([s.getReg(RCX), s.getReg(RSI)]).toEqual([5n, 0x103n]);
    s.setReg(RDI, 0x200).setReg(RCX, 8).setReg(RAX, 9);
    run(s, m, 'f2 ae');
    expect([s.getReg(RCX), s.getReg(RDI)]).toEqual([5n, 0x203n]);
  });
  it('huge counts run in bounded batches with exact registers and RIP left on the instruction', () => {
    const s = long().setReg(RDI, 0x100).setReg(RCX, -1n).setReg(RAX, 0).setRip(0x50);
    const m = new FlatOps(0x40000);
    const r = emu.emulate(s, m, { insnBytes: hex('f3 aa') });
    expect(r).toMatchObject({ kind: 'executed', complete: false });
    expect(s.getReg(RCX)).toBe(BigInt.asUintN(64, -1n) - BigInt(STRING_BATCH));
    expect(s.getReg(RDI)).toBe(0x100n + BigInt(STRING_BATCH));
    expect(s.getRip()).toBe(0x50n);
  });
  it('a fault mid-run leaves the completed elements committed', () => {
    const s = long().setReg(RDI, 0x1fffe).setReg(RCX, 4).setReg(RAX, 7);
    const m = new FlatOps(0x20000);
    expect(run(s, m, 'f3 aa')).toMatchObject({ kind: 'fault', vector: 14 });
    expect([s.getReg(RCX), s.getReg(RDI)]).toEqual([2n, 0x20000n]);
  });
});

describe('x86emu: SSE/AVX moves and gating (XSA-190)', () => {
  it('movaps needs 16-byte alignment; movups does not; VEX.256 moves 32 bytes', () => {
    const s = long().setReg(RAX, 0x108);
    const m = new FlatOps();
    expect(run(s, m, '0f 29 00')).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    expect(run(s, m, '0f 11 00').kind).toBe('executed');
    s.vecView(1, 32).fill(0x5a);
    s.setReg(RAX, 0x200);
    run(s, m, 'c5 fe 7f 08'); // vmovdqu [rax], ymm1
    expect(m.mem.subarray(0x200, 0x220).every((b) => b === 0x5a)).toBe(true);
    expect(run(s, m, 'c5 fd 7f 08').kind).toBe('executed'); // vmovdqa aligned 32
    s.setReg(RAX, 0x210);
    expect(run(s, m, 'c5 fd 7f 08')).toMatchObject({ kind: 'fault', vector: 13 });
  });
  it('#NM with CR0.TS, #UD with CR0.EM or without OSFXSR / XCR0.AVX, before any access', () => {
    const s = long().setReg(RAX, 0x100);
    const m = new FlatOps();
    s.cr0 |= 8;
    expect(run(s, m, '66 0f 6f 00')).toMatchObject({ kind: 'fault', vector: 7 });
    s.cr0 &= ~8;
    s.cr0 |= 4;
    expect(run(s, m, '66 0f 6f 00')).toMatchObject({ kind: 'fault', vector: 6 });
    s.cr0 &= ~4;
    s.xcr0 = 3;
    expect(run(s, m, 'c5 fa 6f 00')).toMatchObject({ kind: 'fault', vector: 6 });
    expect(m.log).toHaveLength(0);
  });
  it('movd/movq/movss/movsd/movnti', () => {
    const s = long().setReg(RAX, 0x100).setReg(RCX, 0x1122334455667788n);
    const m = new FlatOps();
    run(s, m, '66 48 0f 6e c1'); // movq xmm0, rcx
    run(s, m, '66 0f d6 00'); // movq [rax], xmm0
    expect(m.u64(0x100)).toBe(0x1122334455667788n);
    run(s, m, 'f3 0f 10 08'); // movss xmm1, [rax]: zero upper
    expect(Array.from(s.vecView(1).subarray(4, 8))).toEqual([0, 0, 0, 0]);
    run(s, m, '48 0f c3 48 10'); // movnti [rax+16], rcx
    expect(m.u64(0x110)).toBe(0x1122334455667788n);
    expect(run(s, m, '0f c3 c8')).toMatchObject({ kind: 'fault', vector: 6 });
  });
  it('unsupported forms are a clean named result', () => {
    const r = run(long(), new FlatOps(), '0f 58 c1'); // addps
    expect(r).toMatchObject({ kind: 'unimplemented' });
    expect(run(long(), new FlatOps(), '0f 05')).toMatchObject({ kind: 'unimplemented', what: '0F 05' });
    void RBX;
  });
});

describe('x86emu: more SIMD and port forms', () => {
  it('MOVNTDQ/MOVNTPS need alignment and memory; VEX.128 loads zero bits 255:128, legacy loads keep them', () => {
    const s = long().setReg(RAX, 0x108);
    const m = new FlatOps();
    expect(run(s, m, '66 0f e7 00')).toMatchObject({ kind: 'fault', vector: 13 });
    expect(run(s, m, '0f 2b c1')).toMatchObject({ kind: 'fault', vector: 6 });
    s.setReg(RAX, 0x100);
    expect(run(s, m, '66 0f e7 00').kind).toBe('executed');
    s.vecView(2, 32).fill(0xee);
    run(s, m, '0f 10 10'); // movups xmm2, [rax]
    expect(s.vecView(2, 32)[20]).toBe(0xee);
    run(s, m, 'c5 f8 10 10'); // vmovups xmm2, [rax]
    expect(s.vecView(2, 32)[20]).toBe(0);
    expect(run(s, m, 'c5 f0 10 10')).toMatchObject({ kind: 'fault', vector: 6 }); // vvvv != 1111b
  });
  it('IN and OUT at every width, imm8 and DX forms', () => {
    const s = long().setReg(RDX, 0x3f8).setReg(RAX, 0x11223344);
    const m = new FlatOps();
    m.portValue = 0xa1b2c3d4;
    run(s, m, 'e4 60');
    expect(s.getReg(RAX)).toBe(0x112233d4n);
    run(s, m, '66 ed');
    expect(s.getReg(RAX)).toBe(0x1122c3d4n);
    run(s, m, 'ed');
    expect(s.getReg(RAX)).toBe(0xa1b2c3d4n);
    run(s, m, '66 ef');
    run(s, m, 'e6 80');
    run(s, m, '48 ef'); // REX.W does not widen port I/O
    expect(m.log.filter((a) => a.kind === 'out').map((a) => [a.addr, a.size, a.value])).toEqual([
      [0x3f8, 2, 0xc3d4],
      [0x80, 1, 0xd4],
      [0x3f8, 4, 0xa1b2c3d4],
    ]);
  });
});

describe('x86emu: a masked shift count of 0 (issue 10 item 2)', () => {
  const V = 0x09f582979b938381n;
  const FLAGS = 0x8d7; // all six status flags set, plus the fixed bit: they must come back unchanged
  // ROL ROR RCL RCR SHL SHR SAL SAR by imm8 (C1 /d ib) and by CL (D3 /d), eax as destination
  const digits = [0, 1, 2, 3, 4, 5, 6, 7];
  it.each(
    digits.flatMap((dg) => [
      [`c1 ${(0xc0 | (dg << 3)).toString(16)} 20`, 'imm8 0x20', 0n],
      [`c1 ${(0xc0 | (dg << 3)).toString(16)} 00`, 'imm8 0', 0n],
      [`c1 ${(0xc0 | (dg << 3)).toString(16)} e0`, 'imm8 0xe0', 0n],
      [`d3 ${(0xc0 | (dg << 3)).toString(16)}`, 'CL 0x40', 0x40n],
      [`d3 ${(0xc0 | (dg << 3)).toString(16)}`, 'CL 0', 0n],
    ]),
  )('%s (%s) writes the 32-bit result: bits 63:32 of RAX become 0, flags unchanged', (bytes, _what, cl) => {
    const s = long().setReg(RAX, V).setReg(RCX, cl);
    s.rflags = FLAGS;
    expect(run(s, new FlatOps(), bytes)).toMatchObject({ kind: 'executed' });
    expect(s.getReg(RAX)).toBe(0x9b938381n);
    expect(s.rflags).toBe(FLAGS);
  });
  it.each([
    ['0f a4 c8 20', 0n],
    ['0f a5 c8', 0x20n],
    ['0f ac c8 00', 0n],
    ['0f ad c8', 0n],
    ['0f a5 c8', 0xe0n],
  ])('SHLD/SHRD %s (CL %s) zero-extends eax, flags unchanged', (bytes, cl) => {
    const s = long()
      .setReg(RAX, V)
      .setReg(RCX, 0xffffffff_00000000n | cl);
    s.rflags = FLAGS;
    expect(run(s, new FlatOps(), bytes)).toMatchObject({ kind: 'executed' });
    expect(s.getReg(RAX)).toBe(0x9b938381n);
    expect(s.getReg(RCX)).toBe(0xffffffff_00000000n | cl);
    expect(s.rflags).toBe(FLAGS);
  });
  it('16- and 64-bit forms with count 0 change nothing; a memory destination is not written', () => {
    const s = long().setReg(RAX, V).setReg(RBX, 0x100).setReg(RCX, 0);
    s.rflags = FLAGS;
    const m = new FlatOps();
    m.setU32(0x100, 0x12345678);
    for (const b of ['66 c1 c0 20', '48 c1 c8 40', '48 d3 e0', '66 0f a5 c8', '48 0f ad c8']) {
      expect(run(s, m, b)).toMatchObject({ kind: 'executed' });
      expect(s.getReg(RAX)).toBe(V);
    }
    run(s, m, 'c1 23 20'); // shl dword [rbx], 0x20
    run(s, m, '0f a5 0b'); // shld [rbx], ecx, cl (0)
    expect(m.u32(0x100)).toBe(0x12345678);
    expect(m.log.map((a) => a.kind)).toEqual(['r', 'r']);
    expect(s.rflags).toBe(FLAGS);
  });
});
