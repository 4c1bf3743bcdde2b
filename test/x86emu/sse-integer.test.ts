import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RAX, RBX } from '../../src/x86emu/cpu-state.js';
import { REFERENCE_CPU, withFeatures } from '../../src/x86emu/features.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { FlatOps, hex, long, run } from './helpers.js';

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const fromHex = (s: string) => Uint8Array.from(s.match(/../g)!, (x) => parseInt(x, 16));

/** Recorded on the reference CPU by tools/cpu-vectors/sse-integer.c: name, bytes, A, B, result. */
const VECTORS = readFileSync(fileURLToPath(new URL('../fixtures/sse-integer-vectors.txt', import.meta.url)), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' ') as [string, string, string, string, string]);

describe('x86emu: SSE2/SSSE3 integer arithmetic against the real CPU', () => {
  it(`${VECTORS.length} recorded cases (${new Set(VECTORS.map((v) => v[0])).size} forms) give the CPU's result`, () => {
    const wrong: string[] = [];
    for (const [name, bytes, a, b, want] of VECTORS) {
      const s = long();
      s.vecView(1).set(fromHex(a));
      s.vecView(2).set(fromHex(b));
      const r = run(s, new FlatOps(), bytes.match(/../g)!.join(' '));
      const got = name === 'pmovmskb' ? toHex(new Uint8Array(new BigUint64Array([s.getReg(RAX), 0n]).buffer)) : toHex(s.vecView(1));
      if (r.kind !== 'executed' || got !== want) wrong.push(`${name} A=${a} B=${b}: ${r.kind} ${got} ≠ ${want}`);
    }
    expect(wrong).toEqual([]);
    expect(VECTORS.length).toBeGreaterThan(1000);
  });
});

describe('x86emu: SSE2 integer operands and faults', () => {
  it('paddq xmm14, xmm15 (REX.RB, the form a Linux boot stopped on) carries across the low dword', () => {
    const s = long();
    s.vecView(14).set(fromHex('ffffffff000000000100000000000080'));
    s.vecView(15).set(fromHex('01000000000000000100000000000080'));
    expect(run(s, new FlatOps(), '66 45 0f d4 f7').kind).toBe('executed');
    expect(toHex(s.vecView(14))).toBe('00000000010000000200000000000000');
  });
  it('an m128 source must be 16-byte aligned: #GP(0) and no change; aligned, it is read once', () => {
    const s = long().setReg(RBX, 0x108);
    const m = new FlatOps();
    m.mem.set(fromHex('0102030405060708090a0b0c0d0e0f10'), 0x110);
    s.vecView(0).fill(1);
    expect(run(s, m, '66 0f fc 03')).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 }); // paddb xmm0, [rbx]
    expect(toHex(s.vecView(0))).toBe('01'.repeat(16));
    expect(m.log).toHaveLength(0);
    s.setReg(RBX, 0x110);
    expect(run(s, m, '66 0f fc 03').kind).toBe('executed');
    expect(toHex(s.vecView(0))).toBe('02030405060708090a0b0c0d0e0f1011');
    expect(m.log).toEqual([{ kind: 'r', addr: 0x110, size: 16 }]);
  });
  it('legacy SSE leaves bits 255:128 of the YMM register as they are', () => {
    const s = long();
    s.vecView(3, 32).fill(0xaa);
    s.vecView(4).fill(0x0f);
    run(s, new FlatOps(), '66 0f ef dc'); // pxor xmm3, xmm4
    expect(toHex(s.vecView(3, 32))).toBe('a5'.repeat(16) + 'aa'.repeat(16));
  });
  it('pmovmskb r64 zero-extends; the shift-by-immediate group and pmovmskb have no memory form (#UD)', () => {
    const s = long().setReg(RAX, -1n);
    s.vecView(9).set(fromHex('80007f81ff000000000000000000ff80'));
    run(s, new FlatOps(), '66 41 0f d7 c1'); // pmovmskb eax, xmm9
    expect(s.getReg(RAX)).toBe(0xc019n);
    expect(run(s, new FlatOps(), '66 0f 73 13 04')).toMatchObject({ kind: 'fault', vector: 6 }); // psrlq [rbx], 4
  });
  it('#NM with CR0.TS and #UD without CR4.OSFXSR, before the operand is read', () => {
    const s = long().setReg(RBX, 0x100);
    const m = new FlatOps();
    s.cr0 |= 8;
    expect(run(s, m, '66 0f d4 03')).toMatchObject({ kind: 'fault', vector: 7 });
    s.cr0 &= ~8;
    s.cr4 &= ~(1 << 9);
    expect(run(s, m, '66 0f d4 03')).toMatchObject({ kind: 'fault', vector: 6 });
    expect(m.log).toHaveLength(0);
  });
  it('SSSE3 forms are #UD on a CPU without SSSE3; the MMX (no 66) forms are still not executed', () => {
    const noSsse3 = new X86Emulator(withFeatures(REFERENCE_CPU, { ssse3: false }));
    const s = long();
    expect(noSsse3.emulate(s, new FlatOps(), { insnBytes: hex('66 0f 38 00 ca') })).toMatchObject({ kind: 'fault', vector: 6 });
    expect(run(s, new FlatOps(), '0f d4 ca')).toMatchObject({ kind: 'unimplemented' }); // paddq mm1, mm2
  });
  it('psrlq by an xmm count of 2^32 clears the lanes (the whole low quadword is the count)', () => {
    const s = long().setReg(RBX, 0);
    s.vecView(1).fill(0xff);
    s.vecView(2).set(fromHex('00000000010000000000000000000000'));
    run(s, new FlatOps(), '66 0f d3 ca');
    expect(toHex(s.vecView(1))).toBe('00'.repeat(16));
    expect(s.getReg(RBX)).toBe(0n);
  });
});
