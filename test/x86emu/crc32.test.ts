// CRC32 (F2 0F 38 F0/F1, SSE4.2): CRC-32C, register and memory sources of 8/16/32/64 bits, reads only
// (issue 10 item 1: it used to execute as MOVBE and write memory).
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RBX, RCX } from '../../src/x86emu/cpu-state.js';
import { MODE_LONG64 } from '../../src/x86emu/modes.js';
import { REFERENCE_CPU, withFeatures } from '../../src/x86emu/features.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { decode } from '../../src/x86emu/decoder/decode.js';
import { Insn } from '../../src/x86emu/insn.js';
import { FlatOps, hex, long, run } from './helpers.js';

/** Bitwise CRC-32C reference (reflected polynomial 0x82F63B78, no inversion), one bit at a time. */
function crc32c(crc: number, bytes: Iterable<number>): number {
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return crc >>> 0;
}
function le(v: bigint, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
}

const FLAGS = 0x8d7;

describe('x86emu: CRC32 computes CRC-32C', () => {
  it('the reference agrees with the published check value: CRC-32C("123456789") = 0xE3069283', () => {
    expect((~crc32c(0xffffffff, Buffer.from('123456789')) >>> 0).toString(16)).toBe('e3069283');
  });
  it('crc32 ecx, byte [rax] over "123456789" gives the check value; only 1-byte reads, no write', () => {
    const m = new FlatOps();
    m.mem.set(Buffer.from('123456789'), 0x1000);
    const s = long().setReg(RCX, 0xffffffff);
    s.rflags = FLAGS;
    for (let i = 0; i < 9; i++) {
      s.setReg(RAX, 0x1000 + i);
      expect(run(s, m, 'f2 0f 38 f0 08')).toMatchObject({ kind: 'executed', length: 5 });
    }
    expect((~Number(s.getReg(RCX)) >>> 0).toString(16)).toBe('e3069283');
    expect(m.log).toEqual(Array.from({ length: 9 }, (_, i) => ({ kind: 'r', addr: 0x1000 + i, size: 1 })));
    expect(s.rflags).toBe(FLAGS);
  });
  it('issue repro: f2 0f 38 f1 00 reads 4 bytes at [rax] and writes nothing', () => {
    const m = new FlatOps();
    m.setU32(0x1000, 0xdeadbeef);
    const s = new CpuState().setLongMode().setReg(RAX, 0x1000);
    expect(run(s, m, 'f2 0f 38 f1 00')).toMatchObject({ kind: 'executed' });
    expect(m.log).toEqual([{ kind: 'r', addr: 0x1000, size: 4 }]);
    expect(s.getReg(RAX)).toBe(BigInt(crc32c(0x1000, le(0xdeadbeefn, 4))));
    expect(m.u32(0x1000)).toBe(0xdeadbeef);
  });
  const SRC = 0x8899aabbccddeeffn;
  const DST = 0x0123456789abcdefn; // bits 63:32 are never an input and always end up 0
  it.each([
    ['f2 0f 38 f0 c1', 'crc32 eax, cl', 1],
    ['f2 0f 38 f0 c5', 'crc32 eax, ch', -1],
    ['f2 40 0f 38 f0 c5', 'crc32 eax, bpl (REX)', 0],
    ['f2 48 0f 38 f0 c1', 'crc32 rax, cl', 1],
    ['66 f2 0f 38 f1 c1', 'crc32 eax, cx', 2],
    ['f2 0f 38 f1 c1', 'crc32 eax, ecx', 4],
    ['f2 48 0f 38 f1 c1', 'crc32 rax, rcx', 8],
  ])('%s (%s): register source', (bytes, _what, n) => {
    const s = long().setReg(RAX, DST).setReg(RCX, SRC).setReg(5, 0x77n);
    s.rflags = FLAGS;
    expect(run(s, new FlatOps(), bytes)).toMatchObject({ kind: 'executed' });
    const src = n === -1 ? [Number((SRC >> 8n) & 0xffn)] : n === 0 ? [0x77] : le(SRC, n);
    expect(s.getReg(RAX)).toBe(BigInt(crc32c(Number(DST & 0xffffffffn), src)));
    expect(s.getReg(RCX)).toBe(SRC);
    expect(s.rflags).toBe(FLAGS);
  });
  it.each([
    ['f2 0f 38 f0 03', 1],
    ['66 f2 0f 38 f1 03', 2],
    ['f2 0f 38 f1 03', 4],
    ['f2 48 0f 38 f1 03', 8],
    ['f2 48 0f 38 f0 03', 1],
  ])('%s: memory source of %i bytes, read once, never written', (bytes, n) => {
    const m = new FlatOps();
    m.setU64(0x2000, SRC);
    const s = long().setReg(RAX, DST).setReg(RBX, 0x2000);
    expect(run(s, m, bytes)).toMatchObject({ kind: 'executed' });
    expect(m.log).toEqual([{ kind: 'r', addr: 0x2000, size: n }]);
    expect(s.getReg(RAX)).toBe(BigInt(crc32c(Number(DST & 0xffffffffn), le(SRC, n))));
  });
  it('random sources of every width agree with the bitwise reference', () => {
    let x = 0x2545f491;
    const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 200; i++) {
      const src = (BigInt(rnd()) << 32n) | BigInt(rnd());
      const dst = BigInt(rnd());
      for (const [bytes, n] of [
        ['f2 0f 38 f0 c1', 1],
        ['66 f2 0f 38 f1 c1', 2],
        ['f2 0f 38 f1 c1', 4],
        ['f2 48 0f 38 f1 c1', 8],
      ] as const) {
        const s = long().setReg(RAX, dst).setReg(RCX, src);
        run(s, new FlatOps(), bytes);
        expect(s.getReg(RAX)).toBe(BigInt(crc32c(Number(dst), le(src, n))));
      }
    }
  });
  it('16-bit code: without 66 the F1 source is 16 bits, with 66 it is 32; the destination stays 32-bit', () => {
    for (const [bytes, n] of [
      ['f2 0f 38 f1 c1', 2],
      ['66 f2 0f 38 f1 c1', 4],
    ] as const) {
      const s = new CpuState().setProtectedMode(16).setReg(RAX, 0x12345678).setReg(RCX, 0xcafebabe);
      expect(run(s, new FlatOps(), bytes)).toMatchObject({ kind: 'executed' });
      expect(s.getReg(RAX)).toBe(BigInt(crc32c(0x12345678, le(0xcafebaben, n))));
    }
  });
  it('decodes with the memory size of its source (not as MOVBE)', () => {
    const d = new Insn();
    for (const [bytes, size] of [
      ['f2 0f 38 f0 00', 1],
      ['f2 0f 38 f1 00', 4],
      ['66 f2 0f 38 f1 00', 2],
      ['f2 48 0f 38 f1 00', 8],
      ['0f 38 f1 00', 4],
    ] as const) {
      const b = hex(bytes);
      decode(d, b, b.length, MODE_LONG64, REFERENCE_CPU);
      expect([bytes, d.memSize]).toEqual([bytes, size]);
    }
  });
  it('#UD without SSE4.2, with F3, or with LOCK; MOVBE (no F2) is untouched', () => {
    const m = new FlatOps();
    const noSse42 = new X86Emulator(withFeatures(REFERENCE_CPU, { sse42: false }));
    expect(noSse42.emulate(long(), m, { insnBytes: hex('f2 0f 38 f1 c1') })).toMatchObject({ kind: 'fault', vector: 6 });
    expect(run(long(), m, 'f3 0f 38 f1 c1')).toMatchObject({ kind: 'fault', vector: 6 });
    expect(run(long(), m, 'f0 f2 0f 38 f1 00')).toMatchObject({ kind: 'fault', vector: 6 });
    expect(m.log).toEqual([]);
    const s = long().setReg(RAX, 0x1000).setReg(RCX, 0x11223344);
    expect(run(s, m, '0f 38 f1 08')).toMatchObject({ kind: 'executed' }); // movbe [rax], ecx
    expect(m.u32(0x1000)).toBe(0x44332211);
  });
});
