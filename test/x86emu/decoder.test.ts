import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executedMnemonics } from '../../bench/x86emu-identity.js';
import { DecoderOracle, newStats, Rng, structuredBytes, type Bitness } from '../../bench/x86emu-oracle.js';
import { MAP0F38 } from '../../src/x86emu/decoder/tables.js';
import { CpuState } from '../../src/x86emu/cpu-state.js';
import { DEC_FETCH, DEC_OK, DEC_TOO_LONG, DEC_UD, Insn, NO_REG } from '../../src/x86emu/insn.js';
import { MODE_COMPAT32, MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL, MODE_V86, type CpuMode } from '../../src/x86emu/modes.js';
import { REFERENCE_CPU, withFeatures } from '../../src/x86emu/features.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { decode } from '../../src/x86emu/decoder/decode.js';
import { decodeHex as dec, decoded as d, FlatOps, hex } from './helpers.js';

describe('x86emu decoder: lengths and operands', () => {
  it.each([
    ['89 48 30', 3],
    ['8b 02', 2],
    ['48 8b 04 c8', 4],
    ['66 0f 7f 00', 4],
    ['c5 f9 7f 00', 4],
    ['c4 e1 7e 7f 00', 5],
    ['48 b8 01 02 03 04 05 06 07 08', 10],
    ['c8 10 00 01', 4],
    ['66 e8 00 00', 4],
    ['e8 00 00 00 00', 5],
    ['0f 3a 0f c1 08', 5],
    ['f7 00 01 00 00 00', 6],
    ['f7 10', 2],
    ['0f 20 00', 3],
    ['a1 11 22 33 44 55 66 77 88', 9],
    ['67 a1 11 22 33 44', 6],
    ['0f ba 20 05', 4],
    ['c7 84 88 00 01 00 00 78 56 34 12', 11],
  ])('%s is %i bytes in 64-bit mode', (bytes, len) => {
    expect(dec(bytes)).toBe(DEC_OK);
    expect(d.length).toBe(len);
  });
  it('16-bit ModRM forms and moffs', () => {
    expect(dec('8b 46 fe', MODE_PROT16)).toBe(DEC_OK);
    expect([d.length, d.base, d.seg, d.dispLo >>> 0]).toEqual([3, 5, 2, 0xfffffffe]);
    expect(dec('a1 11 22', MODE_PROT16)).toBe(DEC_OK);
    expect(d.length).toBe(3);
    expect(dec('ea 00 10 00 f0', MODE_REAL)).toBe(DEC_OK);
    expect(d.length).toBe(5);
  });
  it('REX counts only when it is the last prefix', () => {
    expect(dec('48 66 89 c8')).toBe(DEC_OK); // REX.W then 66: REX ignored, 16-bit operand
    expect(d.opSize).toBe(2);
    expect(dec('66 48 89 c8')).toBe(DEC_OK);
    expect(d.opSize).toBe(8);
  });
  it('the last of F2/F3 wins; segment overrides: last wins, null ones ignored in 64-bit mode', () => {
    expect(dec('f2 f3 a4')).toBe(DEC_OK);
    expect(d.rep).toBe(0xf3);
    expect(dec('64 3e 8b 00')).toBe(DEC_OK);
    expect(d.seg).toBe(4);
    expect(dec('64 3e 8b 00', MODE_PROT32)).toBe(DEC_OK);
    expect(d.seg).toBe(3);
  });
  it('15-byte limit: #GP (DEC_TOO_LONG); running out of bytes: DEC_FETCH', () => {
    expect(dec('66 66 66 66 66 66 66 66 66 66 66 89 84 88 00 01 00 00')).toBe(DEC_TOO_LONG);
    expect(dec('66 66 66 66 66 66 66 66 89 84 88 00 01 00 00')).toBe(DEC_OK);
    expect(d.length).toBe(15);
    expect(dec('89 84 88 00')).toBe(DEC_FETCH);
  });
  it('LOCK only on read-modify-write forms with a memory destination', () => {
    expect(dec('f0 01 00')).toBe(DEC_OK);
    expect(dec('f0 01 c0')).toBe(DEC_UD);
    expect(dec('f0 8b 00')).toBe(DEC_UD);
    expect(dec('f0 0f c7 08')).toBe(DEC_OK);
    expect(dec('f0 83 38 01')).toBe(DEC_UD); // LOCK CMP
  });
  it('CMPXCHG8B keeps 8 bytes under 66/F2/F3 (XSA-200); REX.W selects 16', () => {
    expect(dec('66 0f c7 08')).toBe(DEC_OK);
    expect(d.rexW).toBe(false);
    expect(dec('48 0f c7 08')).toBe(DEC_OK);
    expect(d.rexW).toBe(true);
  });
  it('VEX in 32-bit mode needs ModRM-like 11b; otherwise LES/LDS. VEX in real/v86 mode is #UD', () => {
    expect(dec('c5 f9 7f 00', MODE_PROT32)).toBe(DEC_OK);
    expect(d.encoding).toBe(1);
    expect(dec('c5 00', MODE_PROT32)).toBe(DEC_OK);
    expect(d.encoding).toBe(0);
    expect(dec('c5 f9 7f 00', MODE_REAL)).toBe(DEC_UD);
    expect(dec('c5 00', MODE_LONG64)).toBe(DEC_FETCH);
    expect(dec('62 f1 fe 48 7f 01')).toBe(DEC_UD); // EVEX: no AVX-512 on the reference CPU
  });
  it('feature set decides decodes', () => {
    const noMovbe = withFeatures(REFERENCE_CPU, { movbe: false });
    const e = new X86Emulator(noMovbe);
    const s = new CpuState().setLongMode();
    expect(e.emulate(s, new FlatOps(), { insnBytes: hex('0f 38 f0 00') })).toMatchObject({ kind: 'fault', vector: 6 });
  });
});

describe('x86emu decoder vs iced-x86 (AMD decoding)', () => {
  const oracle = new DecoderOracle();
  it('random and structured byte strings in 16/32/64-bit modes: zero mismatches', () => {
    const stats = newStats();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constantFrom<Bitness>(16, 32, 64), fc.integer(), (bytes, bits, seed) => {
        if ((seed & 1) === 0) structuredBytes(new Rng(seed >>> 0 || 1), bits, bytes);
        return oracle.check(bytes, bits, stats) === null;
      }),
      { numRuns: 4000 },
    );
    expect(stats.mismatches).toBe(0);
    expect(stats.bothValid).toBeGreaterThan(2000);
  });
  it.each([
    // CRC32 used to decode (and run) as MOVBE with no memory size (issue 10 item 1)
    ['f2 0f 38 f0 00', 64],
    ['f2 0f 38 f1 00', 64],
    ['66 f2 0f 38 f1 00', 64],
    ['f2 48 0f 38 f1 00', 64],
    ['f2 48 0f 38 f0 c1', 64],
    ['f2 0f 38 f1 07', 16],
    ['0f 38 f0 00', 64],
    ['66 0f 38 f1 00', 32],
    // executed forms whose memory size the table did not describe
    ['0f c7 08', 64],
    ['48 0f c7 0f', 64],
    ['66 0f c7 0f', 32],
    ['66 0f 6e 00', 64],
    ['66 48 0f 6e 00', 64],
    ['66 48 0f 7e 00', 64],
    ['66 0f 7e 00', 32],
    // F3 REX.B 90 exchanges r8 and rAX on the reference CPU (iced names it PAUSE)
    ['f3 41 90', 64],
    ['f3 90', 64],
    ['41 90', 64],
    // the hint space runs as NOP (CLDEMOTE, ENDBR64 are NOPs on the reference CPU)
    ['0f 1c 00', 64],
    ['f3 0f 1e fa', 64],
    ['0f 18 00', 64],
  ] as const)('%s (%i-bit): same instruction, same memory size as iced-x86', (bytes, bits) => {
    const stats = newStats();
    expect(oracle.check(hex(bytes), bits, stats)).toBeNull();
    expect(stats.bothValid).toBe(1);
  });
  it('the identity check sees an instruction decoded as another one', () => {
    const d2 = new Insn();
    const b = hex('f2 0f 38 f1 00');
    expect(decode(d2, b, b.length, MODE_LONG64, REFERENCE_CPU)).toBe(DEC_OK);
    expect(executedMnemonics(d2, REFERENCE_CPU)).toEqual(['Crc32']);
    d2.entry = MAP0F38[0xf1]!; // what the decoder used to pick: the MOVBE entry
    expect(executedMnemonics(d2, REFERENCE_CPU)).toEqual(['Movbe']);
  });
});

describe('x86emu bad inputs, class I: decoder totality', () => {
  const modes: CpuMode[] = [MODE_REAL, MODE_V86, MODE_PROT16, MODE_PROT32, MODE_COMPAT32, MODE_LONG64];
  it('random bytes in every mode: a code, never a throw, length ≤ 15, operands in range', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 17 }), fc.constantFrom(...modes), (bytes, mode) => {
        const st = decode(d, bytes, bytes.length, mode, REFERENCE_CPU);
        expect([DEC_OK, DEC_UD, DEC_TOO_LONG, DEC_FETCH]).toContain(st);
        expect(d.length).toBeLessThanOrEqual(15);
        if (st === DEC_OK) {
          expect([1, 2, 4, 8]).toContain(d.opSize);
          expect(d.seg).toBeGreaterThanOrEqual(0);
          expect(d.seg).toBeLessThan(6);
          if (d.hasMem) expect(d.base === NO_REG || (d.base >= 0 && d.base <= 16)).toBe(true);
          if (mode !== MODE_LONG64) expect(d.rex).toBe(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
  it('random instructions executed in every mode and CPL: a result value, never a throw', () => {
    const e = new X86Emulator();
    const ops = new FlatOps(0x10000);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.constantFrom(...modes),
        fc.integer({ min: 0, max: 3 }),
        fc.bigUint64Array({ minLength: 16, maxLength: 16 }),
        (bytes, mode, cpl, regs) => {
          const s = new CpuState();
          if (mode === MODE_REAL) s.setRealMode();
          else if (mode === MODE_V86) s.setV86Mode();
          else if (mode === MODE_LONG64) s.setLongMode(cpl);
          else if (mode === MODE_COMPAT32) {
            s.setLongMode(cpl);
            s.seg[1]!.attr &= ~(1 << 13);
          } else s.setProtectedMode(mode === MODE_PROT16 ? 16 : 32, cpl);
          for (let i = 0; i < 16; i++) s.setReg(i, i % 3 === 0 ? regs[i]! & 0xfffn : regs[i]!);
          s.setReg(1, 3n); // keep REP counts small
          const r = e.emulate(s, ops, { insnBytes: bytes });
          expect(['executed', 'fault', 'unimplemented', 'retry', 'unhandleable']).toContain(r.kind);
          if (r.kind === 'fault') expect([0, 6, 7, 12, 13, 14, 17]).toContain(r.vector);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
