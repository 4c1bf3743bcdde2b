// Encoding validity (SDM Vol. 2 Appendix A blank cells are #UD) and the architectural gating that
// must come before 'unimplemented'; LOCK legality and REP address-size wrap at the emulate() level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecoderOracle, iced, newStats, Rng, structuredBytes, type Bitness } from '../../bench/x86emu-oracle.js';
import { CR0_EM, CR0_TS, CR4_OSFXSR, CR4_OSXSAVE, RAX, RCX, RDI } from '../../src/x86emu/cpu-state.js';
import { DEC_OK, DEC_UD } from '../../src/x86emu/insn.js';
import { MODE_LONG64, MODE_PROT16, MODE_PROT32 } from '../../src/x86emu/modes.js';
import { decodeHex as dec, FlatOps, hex, long, run } from './helpers.js';

describe('x86emu decoder: undefined encodings are #UD, defined ones decode', () => {
  it.each([
    ['f2 0f 28 c1', 'F2 0F 28: no MOVAPS form'],
    ['f3 0f 54 c1', 'F3 0F 54: no ANDPS form'],
    ['66 0f 13 c1', 'MOVLPD store needs memory'],
    ['0f 2b c1', 'MOVNTPS needs memory'],
    ['0f 50 00', 'MOVMSKPS needs a register'],
    ['f2 0f 6f 00', 'F2 0F 6F'],
    ['f3 0f e7 00', 'F3 0F E7'],
    ['0f 6c c1', 'PUNPCKLQDQ has no MMX form'],
    ['0f 73 d9 01', 'PSRLDQ has no MMX form'],
    ['66 0f 71 c1 01', 'group 12 /0'],
    ['0f 38 10 c1', 'PBLENDVB needs 66'],
    ['f3 0f 38 00 c1', 'F3 0F38 00'],
    ['0f 3a 08 c1 00', 'ROUNDPS needs 66'],
    ['c6 08 01', 'C6 /1'],
    ['c7 c8 01 00 00 00', 'C7 /1'],
    ['fe 10', 'FE /2'],
    ['ff 38', 'FF /7'],
    ['ff d8', 'far CALL with a register operand'],
    ['8f 20', '8F /4'],
    ['8e c8', 'MOV CS, r/m'],
    ['8c f0', 'MOV r/m, sreg 6'],
    ['8d c0', 'LEA with a register operand'],
    ['0f ba 20 01', '0F BA /4 is BT: valid', DEC_OK],
    ['0f ba 00 01', '0F BA /0'],
    ['0f 20 c8', 'MOV from CR1'],
    ['0f 22 e8', 'MOV to CR5'],
    ['44 0f 20 c8', 'MOV from CR9'],
    ['44 0f 20 c0', 'MOV from CR8 (REX.R)', DEC_OK],
    ['44 0f 21 c0', 'MOV from DR8'],
    ['0f 00 30', '0F 00 /6'],
    ['d9 08', 'D9 /1 memory'],
    ['dd 28', 'DD /5 memory'],
    ['c5 f8 6f 00', 'VEX.NP 0F 6F (MMX has no VEX form)'],
    ['c5 fa 28 00', 'VEX.F3 0F 28'],
    ['c5 f9 77', 'VEX.66 0F 77'],
    ['c5 f8 41 c1', 'KANDW needs AVX-512'],
    ['c4 e2 79 f7 c1', 'VEX.66 0F38 F7 is SHLX', DEC_OK],
    ['c4 e2 7b f7 c1', 'VEX.F2 0F38 F7 is SHRX', DEC_OK],
    ['c4 e2 78 13 c1', 'VEX.NP 0F38 13'],
    ['c5 fa 58 c1', 'VEX.F3 0F 58 is VADDSS', DEC_OK],
    ['66 0f 13 00', 'MOVLPD store', DEC_OK],
    ['f3 0f 6f 00', 'MOVDQU', DEC_OK],
    ['0f 6f 00', 'MMX MOVQ', DEC_OK],
    ['f3 0f d6 c1', 'MOVQ2DQ', DEC_OK],
    ['66 0f 73 d9 01', 'PSRLDQ', DEC_OK],
    ['0f ae 38', 'CLFLUSH', DEC_OK],
    ['0f ae f0', 'MFENCE', DEC_OK],
    ['66 0f c7 30', 'VMCLEAR', DEC_OK],
    ['66 0f c7 08', 'CMPXCHG8B under 66 (XSA-200)', DEC_OK],
    ['f3 0f b8 c1', 'POPCNT', DEC_OK],
    ['66 0f 38 f6 c1', 'ADCX', DEC_OK],
    ['f2 0f 38 f1 c1', 'CRC32', DEC_OK],
    ['0f 38 f0 c1', 'MOVBE needs memory'],
    ['ff 18', 'far CALL m16:32', DEC_OK],
  ])('%s (%s)', (bytes, _why, expected = DEC_UD) => {
    expect(dec(bytes)).toBe(expected);
  });

  it('32-bit mode: the same tables (C6 /1 is #UD, LES with memory decodes)', () => {
    expect(dec('c6 08 01', MODE_PROT32)).toBe(DEC_UD);
    expect(dec('c4 00', MODE_PROT32)).toBe(DEC_OK);
    expect(dec('f2 0f 28 c1', MODE_PROT32)).toBe(DEC_UD);
  });

  it('we accept nothing that iced-x86 rejects (docs/x86emu-status.md)', () => {
    const oracle = new DecoderOracle();
    const stats = newStats();
    fc.assert(
      fc.property(fc.integer({ min: 1 }), fc.constantFrom<Bitness>(16, 32, 64), (seed, bits) => {
        const bytes = new Uint8Array(16);
        structuredBytes(new Rng(seed), bits, bytes);
        return oracle.check(bytes, bits, stats) === null;
      }),
      { numRuns: 3000 },
    );
    expect(stats.mismatches).toBe(0);
    // ~6% of all cases before the validity tables, ~0.2% before the per-instruction VEX, x87
    // register-form and 0F 01 rules; none since (0 of 18.3 M in `npm run fuzz`)
    expect(stats.oursOnly).toBe(0);
  });
});

// One row per rule of the x87 register-form, 0F 01, locked-CR, F3 0F AE and VEX tables in
// decoder/validity.ts: the #UD case fails without the rule; the valid neighbour guards against
// over-reach. Columns: mode bits, bytes, why, 'ud' | 'ok'. Every row agrees with iced-x86 (AMD).
const RULES: readonly (readonly [16 | 32 | 64, string, string, 'ud' | 'ok'])[] = [
  // x87 register forms (SDM Tables A-8 … A-21, mod = 11B)
  [64, 'd9 d1', 'D9 /2 is only D0 (FNOP)', 'ud'],
  [64, 'd9 d0', 'FNOP', 'ok'],
  [64, 'd9 e2', 'D9 /4: E2, E3, E6, E7 undefined', 'ud'],
  [64, 'd9 e5', 'FXAM', 'ok'],
  [64, 'd9 ef', 'D9 /5: EF undefined', 'ud'],
  [64, 'd9 ee', 'FLDZ', 'ok'],
  [64, 'd9 d8', 'FSTP1 alias (D9 /3) stays defined', 'ok'],
  [64, 'dc d0', 'FCOM2 alias (DC /2) stays defined', 'ok'],
  [64, 'da e0', 'DA /4 register', 'ud'],
  [64, 'da e8', 'DA /5 is only E9', 'ud'],
  [64, 'da e9', 'FUCOMPP', 'ok'],
  [64, 'da f0', 'DA /6 register', 'ud'],
  [32, 'da f8', 'DA /7 register', 'ud'],
  [64, 'da c0', 'FCMOVB', 'ok'],
  [64, 'db e5', 'DB /4: E5-E7 undefined', 'ud'],
  [64, 'db e3', 'FNINIT', 'ok'],
  [16, 'db e0', 'FENI (no-op)', 'ok'],
  [64, 'db f8', 'DB /7 register', 'ud'],
  [64, 'db f0', 'FCOMI', 'ok'],
  [64, 'dd f0', 'DD /6 register', 'ud'],
  [64, 'dd f8', 'DD /7 register', 'ud'],
  [64, 'dd e8', 'FUCOMP', 'ok'],
  [64, 'de d8', 'DE /3 is only D9', 'ud'],
  [64, 'de d9', 'FCOMPP', 'ok'],
  [64, 'df e1', 'DF /4 is only E0', 'ud'],
  [64, 'df e0', 'FNSTSW AX', 'ok'],
  [64, 'df f8', 'DF /7 register', 'ud'],
  // 0F 01 (group 7): register forms by prefix, /5 memory, 64-bit-only forms
  [64, '0f 01 cc', 'NP 0F 01 /1 CC', 'ud'],
  [64, '0f 01 c8', 'MONITOR', 'ok'],
  [64, '0f 01 d2', 'NP 0F 01 /2 D2', 'ud'],
  [64, '0f 01 d0', 'XGETBV', 'ok'],
  [64, '0f 01 e9', 'NP 0F 01 /5 E9', 'ud'],
  [64, '0f 01 ee', 'RDPKRU', 'ok'],
  [64, '66 0f 01 d0', 'XGETBV has no 66 form', 'ud'],
  [64, '66 0f 01 f9', 'RDTSCP ignores 66', 'ok'],
  [64, 'f2 0f 01 fd', 'F2 0F 01 FD', 'ud'],
  [64, 'f2 0f 01 ff', 'PVALIDATE', 'ok'],
  [64, '0f 01 28', '0F 01 /5 memory without F3', 'ud'],
  [64, 'f3 0f 01 28', 'RSTORSSP', 'ok'],
  [32, '0f 01 f8', 'SWAPGS outside 64-bit mode', 'ud'],
  [64, '0f 01 f8', 'SWAPGS', 'ok'],
  [32, 'f3 0f 01 ec', 'UIRET outside 64-bit mode', 'ud'],
  [32, '0f 01 ff', 'TLBSYNC in 32-bit mode', 'ok'],
  [64, '0f 01 d8', 'VMRUN', 'ok'],
  [64, '0f 01 e5', 'SMSW ebp', 'ok'],
  [64, '0f 01 f3', 'LMSW bx', 'ok'],
  // AMD LOCK MOV CR0 = CR8: no other control register through LOCK
  [64, 'f0 0f 20 d0', 'LOCK MOV from CR2 (CR10)', 'ud'],
  [32, 'f0 0f 22 d8', 'LOCK MOV to CR3 (CR11)', 'ud'],
  [64, 'f0 44 0f 22 c0', 'LOCK with REX.R (CR16)', 'ud'],
  [32, 'f0 0f 20 c0', 'LOCK MOV from CR0 = CR8', 'ok'],
  // F3 0F AE: FSGSBASE only in 64-bit mode, PTWRITE not with 66
  [32, 'f3 0f ae c0', 'RDFSBASE outside 64-bit mode', 'ud'],
  [64, 'f3 0f ae c0', 'RDFSBASE', 'ok'],
  [64, '66 f3 0f ae 20', 'PTWRITE with 66', 'ud'],
  [64, 'f3 0f ae 20', 'PTWRITE', 'ok'],
  [32, 'f3 0f ae e8', 'INCSSPD', 'ok'],
  // VEX.L
  [64, 'c5 fc 12 00', 'VMOVLPS with VEX.L=1', 'ud'],
  [64, 'c5 f8 12 00', 'VMOVLPS', 'ok'],
  [64, 'c5 fd 7e c0', 'VMOVD with VEX.L=1', 'ud'],
  [64, 'c5 fe 6f c1', 'VMOVDQU ymm', 'ok'],
  [64, 'c4 e2 74 f2 c1', 'ANDN with VEX.L=1', 'ud'],
  [64, 'c4 e2 70 f2 c1', 'ANDN', 'ok'],
  [64, 'c4 e2 71 36 c2', 'VPERMD needs VEX.L=1', 'ud'],
  [64, 'c4 e2 75 36 c2', 'VPERMD ymm', 'ok'],
  // VEX.W
  [64, 'c4 e2 f9 0c c1', 'VPERMILPS with VEX.W=1', 'ud'],
  [64, 'c4 e2 79 0c c1', 'VPERMILPS', 'ok'],
  [64, 'c4 e3 7d 00 c1 00', 'VPERMQ needs VEX.W=1', 'ud'],
  [64, 'c4 e3 fd 00 c1 00', 'VPERMQ', 'ok'],
  // VEX.vvvv must be 1111b
  [64, 'c5 f0 10 c1', 'VMOVUPS with vvvv', 'ud'],
  [64, 'c5 f8 10 c1', 'VMOVUPS', 'ok'],
  [64, 'c5 f2 10 00', 'VMOVSS load with vvvv', 'ud'],
  [64, 'c5 f2 10 c1', 'VMOVSS xmm, xmm, xmm', 'ok'],
  [32, 'c4 e1 38 10 c1', '32-bit mode: vvvv bit 3 must be 1 too', 'ud'],
  [32, 'c4 e1 38 58 c1', 'VADDPS ignores vvvv bit 3', 'ok'],
  // memory-only / register-only forms
  [64, 'c5 f8 2b c1', 'VMOVNTPS needs memory', 'ud'],
  [64, 'c5 f8 2b 00', 'VMOVNTPS', 'ok'],
  [64, 'c5 f8 50 00', 'VMOVMSKPS needs a register', 'ud'],
  [64, 'c5 f8 50 c1', 'VMOVMSKPS', 'ok'],
  // VEX group digits
  [64, 'c5 f1 71 c1 01', 'VEX 0F 71 /0', 'ud'],
  [64, 'c5 f1 71 d1 01', 'VPSRLW', 'ok'],
  [64, 'c5 f8 ae 00', 'VEX 0F AE /0', 'ud'],
  [64, 'c5 f8 ae d0', 'VLDMXCSR needs memory', 'ud'],
  [64, 'c5 f8 ae 10', 'VLDMXCSR', 'ok'],
  [64, 'c4 e2 70 f3 c1', 'VEX 0F38 F3 /0', 'ud'],
  [64, 'c4 e2 70 f3 c9', 'BLSR', 'ok'],
  // VSIB (gathers)
  [64, 'c4 e2 69 92 00', 'VGATHERDPS without SIB', 'ud'],
  [64, 'c4 e2 69 92 14 c8', 'VGATHERDPS dest = mask', 'ud'],
  [64, 'c4 e2 69 92 0c c8', 'VGATHERDPS dest = index', 'ud'],
  [32, '67 c4 e2 69 92 04 c8', '16-bit addressing', 'ud'],
  [64, 'c4 e2 69 92 04 c8', 'VGATHERDPS xmm0, [rax+xmm1*8], xmm2', 'ok'],
];

describe('x86emu decoder: per-instruction rules (x87 register forms, 0F 01, LOCK MOV CR, VEX.L/W/vvvv)', () => {
  const MODES = { 16: MODE_PROT16, 32: MODE_PROT32, 64: MODE_LONG64 } as const;
  it.each(RULES)('%i-bit %s (%s): %s', (bits, bytes, _why, expected) => {
    expect(dec(bytes, MODES[bits])).toBe(expected === 'ud' ? DEC_UD : DEC_OK);
  });
  it('iced-x86 agrees with every row', () => {
    const I = iced();
    for (const [bits, bytes, why, expected] of RULES) {
      const b = new Uint8Array(16);
      b.set(hex(bytes));
      const decoder = new I.Decoder(bits, b, I.DecoderOptions.AMD);
      const ins = decoder.decode();
      decoder.free();
      expect(ins.isInvalid ? 'ud' : 'ok', `${bits} ${bytes} ${why}`).toBe(expected);
      if (!ins.isInvalid) expect(ins.length, `${bits} ${bytes}`).toBe(hex(bytes).length);
      ins.free();
    }
  });
});

describe('x86emu: SIMD instructions that are not executed are still gated first (XSA-190)', () => {
  it('MMX forms: #UD with CR0.EM, #NM with CR0.TS, else unimplemented; no memory access', () => {
    const s = long().setReg(RAX, 0x100);
    const m = new FlatOps();
    s.cr0 |= CR0_EM;
    expect(run(s, m, '0f 6f 00')).toMatchObject({ kind: 'fault', vector: 6 });
    s.cr0 = (s.cr0 & ~CR0_EM) | CR0_TS;
    expect(run(s, m, '0f 6f 00')).toMatchObject({ kind: 'fault', vector: 7 });
    expect(run(s, m, '0f 38 00 c1')).toMatchObject({ kind: 'fault', vector: 7 }); // PSHUFB mm
    s.cr0 &= ~CR0_TS;
    expect(run(s, m, '0f 6f 00')).toMatchObject({ kind: 'unimplemented', what: 'MMX MOVQ (0F 6F /0)' });
    expect(m.log).toHaveLength(0);
  });
  it('SSE arithmetic and SSE4 (0F38/0F3A maps): #NM with CR0.TS, #UD without CR4.OSFXSR', () => {
    const s = long();
    const m = new FlatOps();
    s.cr0 |= CR0_TS;
    expect(run(s, m, '0f 58 c1')).toMatchObject({ kind: 'fault', vector: 7 });
    expect(run(s, m, '66 0f 38 17 c1')).toMatchObject({ kind: 'fault', vector: 7 });
    expect(run(s, m, '66 0f 3a 0f c1 04')).toMatchObject({ kind: 'fault', vector: 7 });
    s.cr0 &= ~CR0_TS;
    s.cr4 &= ~CR4_OSFXSR;
    expect(run(s, m, '0f 58 c1')).toMatchObject({ kind: 'fault', vector: 6 });
    expect(run(s, m, '66 0f 6f 00')).toMatchObject({ kind: 'fault', vector: 6 });
    s.cr4 |= CR4_OSFXSR;
    expect(run(s, m, '66 0f 38 17 c1')).toMatchObject({ kind: 'unimplemented' });
  });
  it('VEX: #UD without CR4.OSXSAVE or XCR0.AVX, #NM with CR0.TS; BMI2 (a GPR instruction) is not gated', () => {
    const s = long();
    const m = new FlatOps();
    s.cr4 &= ~CR4_OSXSAVE;
    expect(run(s, m, 'c5 f4 58 c2')).toMatchObject({ kind: 'fault', vector: 6 }); // vaddps ymm0, ymm1, ymm2
    expect(run(s, m, 'c5 fd 6f 00')).toMatchObject({ kind: 'fault', vector: 6 }); // vmovdqa ymm0, [rax]
    expect(run(s, m, 'c4 e2 79 f7 c1')).toMatchObject({ kind: 'unimplemented' }); // shlx
    s.cr4 |= CR4_OSXSAVE;
    s.cr0 |= CR0_TS;
    expect(run(s, m, 'c5 f4 58 c2')).toMatchObject({ kind: 'fault', vector: 7 });
    s.cr0 &= ~CR0_TS;
    expect(run(s, m, 'c5 f4 58 c2')).toMatchObject({ kind: 'unimplemented' });
    expect(m.log).toHaveLength(0);
  });
});

describe('x86emu: LOCK legality at emulate() level', () => {
  it.each([
    ['f0 89 00', 6],
    ['f0 01 c8', 6],
    ['f0 87 c1', 6],
    ['f0 0f c7 c8', 6],
    ['f0 0f ba 20 01', 6],
    ['f0 ff 10', 6],
    ['f0 0f a3 00', 6],
    ['f0 38 00', 6],
    ['f0 f6 18', -1],
    ['f0 0f ba 28 01', -1],
    ['f0 87 00', -1],
    ['f0 0f c1 00', -1],
  ])('%s', (bytes, vector) => {
    const s = long().setReg(RAX, 0x100);
    const m = new FlatOps();
    const r = run(s, m, bytes);
    if (vector < 0) expect(r.kind).toBe('executed');
    else {
      expect(r).toMatchObject({ kind: 'fault', vector });
      expect(m.log).toHaveLength(0);
      expect(s.getRip()).toBe(0n);
    }
  });
});

describe('x86emu: REP with a 32-bit address size in 64-bit mode wraps and zero-extends', () => {
  it('67 rep stosb from EDI = 0xFFFFFFFE: stores at 0xFFFFFFFE, 0xFFFFFFFF, then 0, 1', () => {
    const s = long().setReg(RDI, 0xabcd_ffff_fffen).setReg(RCX, 0xffff_ffff_0000_0004n).setReg(RAX, 0x5a);
    const writes: number[] = [];
    const m = new FlatOps(0x1000);
    m.write = (lo, _hi, size, src) => {
      lo >>>= 0; // address halves arrive as 32-bit patterns of either signedness (ops.ts)
      writes.push(lo);
      if (lo < 0x1000) m.mem.set(src.subarray(0, size), lo);
      return 0;
    };
    const r = run(s, m, '67 f3 aa');
    expect(r).toMatchObject({ kind: 'executed', complete: true });
    expect(writes).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    // ECX counted down at 32 bits; RDI/RCX writes zero-extend (address size 32)
    expect([s.getReg(RDI), s.getReg(RCX)]).toEqual([2n, 0n]);
    expect(Array.from(m.mem.subarray(0, 2))).toEqual([0x5a, 0x5a]);
  });
});
