// Property tests: the allocation-free lo/hi ALU against a straightforward bigint reference model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alu, cmpxchg, xadd, OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_TEST } from '../../../src/x86emu/alu/binary.js';
import { unary, UN_INC, UN_DEC, UN_NOT, UN_NEG } from '../../../src/x86emu/alu/unary.js';
import { mul, imul, imulTrunc, div, idiv } from '../../../src/x86emu/alu/muldiv.js';
import { shift, shld, shrd, SH_ROL, SH_ROR, SH_SHL, SH_SHR, SH_SAR, SH_SAL } from '../../../src/x86emu/alu/shifts.js';
import { bitTest, bitAddress, bsf, bsr, tzcnt, lzcnt, popcnt, BT_BT, BT_BTS, BT_BTR, BT_BTC } from '../../../src/x86emu/alu/bits.js';
import { condition, parityFlag, szpFlags } from '../../../src/x86emu/alu/flags.js';
import {
  FLAG_CF,
  FLAG_PF,
  FLAG_AF,
  FLAG_ZF,
  FLAG_SF,
  FLAG_OF,
  FLAGS_STATUS,
  type AluOut,
  type BitAddrOut,
  type MulDivOut,
  type OperandSize,
} from '../../../src/x86emu/alu/api.js';

const RUNS = { numRuns: 200 };
const SIZES: OperandSize[] = [1, 2, 4, 8];
const bits = (s: number): bigint => BigInt(s * 8);
const maskB = (s: number): bigint => (1n << bits(s)) - 1n;
const signB = (s: number): bigint => 1n << (bits(s) - 1n);
const toS = (v: bigint, s: number): bigint => ((v & signB(s)) !== 0n ? v - (1n << bits(s)) : v);
const L = (v: bigint): number => Number(v & 0xffffffffn);
const H = (v: bigint): number => Number((v >> 32n) & 0xffffffffn);
const B = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

function sized(s: number): fc.Arbitrary<bigint> {
  const m = maskB(s);
  const sg = signB(s);
  return fc.oneof(
    fc.bigInt({ min: 0n, max: m }),
    fc.constantFrom(0n, 1n, 2n, m, m - 1n, sg, sg - 1n, sg + 1n, 0xffffffffn & m, 0x100000000n & m, 0x80000000n & m),
    fc.bigInt({ min: 0n, max: 0xffn }),
  );
}
const sizeAndTwo = fc.constantFrom(...SIZES).chain((s) => fc.tuple(fc.constant(s), sized(s), sized(s)));
/** flagsIn with random status bits and random other bits (which must be passed through). */
const flagsArb = fc.integer({ min: 0, max: 0x3fffff }).map((f) => (f | 2) >>> 0);

function refSzp(s: number, r: bigint): number {
  let f = parityFlag(Number(r & 0xffn));
  if (r === 0n) f |= FLAG_ZF;
  if ((r & signB(s)) !== 0n) f |= FLAG_SF;
  return f;
}
const keep = (flagsIn: number, defined: number): number => (flagsIn & ~defined) >>> 0;

const o: AluOut = { lo: 0, hi: 0, flags: 0 };
const o2: AluOut = { lo: 0, hi: 0, flags: 0 };
const md: MulDivOut = { accLo: 0, accHi: 0, extLo: 0, extHi: 0, flags: 0 };
const ba: BitAddrOut = { dispLo: 0, dispHi: 0, bit: 0 };
const res = (s: number): bigint => (s === 8 ? B(o.lo, o.hi) : (expect(o.hi).toBe(0), BigInt(o.lo >>> 0)));

describe('x86emu/alu properties vs bigint model', () => {
  it('ADD/ADC/SUB/SBB/CMP results and all six flags', () => {
    fc.assert(
      fc.property(sizeAndTwo, flagsArb, fc.constantFrom(OP_ADD, OP_ADC, OP_SUB, OP_SBB, OP_CMP), ([s, a, b], fin, op) => {
        const c = op === OP_ADC || op === OP_SBB ? BigInt(fin & FLAG_CF) : 0n;
        const add = op === OP_ADD || op === OP_ADC;
        // garbage in the unused high half must be ignored for sizes 1/2/4
        const aHi = s === 8 ? H(a) : 0xdeadbeef;
        alu(op, s, L(a), aHi, L(b), s === 8 ? H(b) : 0x12345678, fin, o);
        const raw = add ? a + b + c : a - b - c;
        const r = raw & maskB(s);
        const sr = add ? toS(a, s) + toS(b, s) + c : toS(a, s) - toS(b, s) - c;
        let f = refSzp(s, r);
        if (add ? raw > maskB(s) : raw < 0n) f |= FLAG_CF;
        if (sr !== toS(r, s)) f |= FLAG_OF;
        if (((a ^ b ^ r) & 0x10n) !== 0n) f |= FLAG_AF;
        expect(res(s)).toBe(r);
        expect(o.flags).toBe((keep(fin, FLAGS_STATUS) | f) >>> 0);
      }),
      RUNS,
    );
  });

  it('logic ops: results, CF=OF=AF=0, SZP', () => {
    fc.assert(
      fc.property(sizeAndTwo, flagsArb, fc.constantFrom(OP_AND, OP_OR, OP_XOR, OP_TEST), ([s, a, b], fin, op) => {
        alu(op, s, L(a), H(a), L(b), H(b), fin, o);
        const r = op === OP_OR ? a | b : op === OP_XOR ? a ^ b : a & b;
        expect(res(s)).toBe(r);
        expect(o.flags).toBe((keep(fin, FLAGS_STATUS) | refSzp(s, r)) >>> 0);
      }),
      RUNS,
    );
  });

  it('SUB inverts ADD, and SUB flags equal CMP and CMPXCHG flags; XADD equals ADD', () => {
    fc.assert(
      fc.property(sizeAndTwo, flagsArb, ([s, a, b], fin) => {
        alu(OP_ADD, s, L(a), H(a), L(b), H(b), fin, o);
        const sumLo = o.lo;
        const sumHi = o.hi;
        const addFlags = o.flags;
        alu(OP_SUB, s, sumLo, sumHi, L(b), H(b), fin, o2);
        expect(B(o2.lo, o2.hi)).toBe(a);
        alu(OP_SUB, s, L(a), H(a), L(b), H(b), fin, o);
        const subFlags = o.flags;
        alu(OP_CMP, s, L(a), H(a), L(b), H(b), fin, o2);
        expect(o2.flags).toBe(subFlags);
        const eq = cmpxchg(s, L(a), H(a), L(b), H(b), fin, o2);
        expect(o2.flags).toBe(subFlags);
        expect(eq).toBe(a === b);
        xadd(s, L(a), H(a), L(b), H(b), fin, o2);
        expect([o2.lo, o2.hi, o2.flags]).toEqual([sumLo, sumHi, addFlags]);
        // SETcc/Jcc agree with the unsigned/signed comparison semantics of CMP
        expect(condition(0x2, subFlags)).toBe(a < b); // B
        expect(condition(0x7, subFlags)).toBe(a > b); // A
        expect(condition(0x4, subFlags)).toBe(a === b); // E
        expect(condition(0xc, subFlags)).toBe(toS(a, s) < toS(b, s)); // L
        expect(condition(0xf, subFlags)).toBe(toS(a, s) > toS(b, s)); // G
        expect(condition(0xd, subFlags)).toBe(toS(a, s) >= toS(b, s)); // GE
      }),
      RUNS,
    );
  });

  it('INC/DEC preserve CF, NEG sets CF = (a != 0), NOT changes no flags', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SIZES).chain((s) => fc.tuple(fc.constant(s), sized(s))),
        flagsArb,
        ([s, a], fin) => {
          unary(UN_INC, s, L(a), H(a), fin, o);
          alu(OP_ADD, s, L(a), H(a), 1, 0, fin, o2);
          expect(B(o.lo, o.hi)).toBe(B(o2.lo, o2.hi));
          expect(o.flags).toBe(((o2.flags & ~FLAG_CF) | (fin & FLAG_CF)) >>> 0);
          unary(UN_DEC, s, L(a), H(a), fin, o);
          alu(OP_SUB, s, L(a), H(a), 1, 0, fin, o2);
          expect(B(o.lo, o.hi)).toBe(B(o2.lo, o2.hi));
          expect(o.flags).toBe(((o2.flags & ~FLAG_CF) | (fin & FLAG_CF)) >>> 0);
          unary(UN_NEG, s, L(a), H(a), fin, o);
          expect(res(s)).toBe(-a & maskB(s));
          expect((o.flags & FLAG_CF) !== 0).toBe(a !== 0n);
          unary(UN_NOT, s, L(a), H(a), fin, o);
          expect(res(s)).toBe(~a & maskB(s));
          expect(o.flags).toBe(fin);
        },
      ),
      RUNS,
    );
  });

  it('MUL/IMUL one-operand (double width), two-operand truncating, CF=OF', () => {
    fc.assert(
      fc.property(sizeAndTwo, flagsArb, ([s, a, b], fin) => {
        const w = bits(s);
        mul(s, L(a), H(a), L(b), H(b), fin, md);
        const p = a * b;
        expect(B(md.accLo, md.accHi)).toBe(p & maskB(s));
        expect(B(md.extLo, md.extHi)).toBe(p >> w);
        const ovfU = p >> w !== 0n ? FLAG_CF | FLAG_OF : 0;
        expect(md.flags).toBe((keep(fin, FLAG_CF | FLAG_OF) | ovfU) >>> 0);
        imul(s, L(a), H(a), L(b), H(b), fin, md);
        const sp = toS(a, s) * toS(b, s);
        const dbl = sp & ((1n << (2n * w)) - 1n);
        expect(B(md.accLo, md.accHi)).toBe(dbl & maskB(s));
        expect(B(md.extLo, md.extHi)).toBe(dbl >> w);
        const ovfS = toS(sp & maskB(s), s) !== sp ? FLAG_CF | FLAG_OF : 0;
        expect(md.flags).toBe((keep(fin, FLAG_CF | FLAG_OF) | ovfS) >>> 0);
        imulTrunc(s, L(a), H(a), L(b), H(b), fin, o);
        expect(res(s)).toBe(sp & maskB(s));
        expect(o.flags).toBe(md.flags);
      }),
      RUNS,
    );
  });

  it('DIV/IDIV: quotient/remainder, #DE on zero divisor and on quotient overflow', () => {
    const arb = fc
      .constantFrom(...SIZES)
      .chain((s) => fc.tuple(fc.constant(s), sized(s), fc.oneof(sized(s), fc.constantFrom(0n, 1n), fc.bigInt({ min: 0n, max: 0xfn })), sized(s), fc.boolean()));
    fc.assert(
      fc.property(arb, flagsArb, ([s, acc, ext0, d, signExt], fin) => {
        const w = bits(s);
        // half the time make the dividend a sign/zero extension of acc (the common CDQ/CQO form)
        const ext = signExt ? ((acc & signB(s)) !== 0n ? maskB(s) : 0n) : ext0;
        const n = (ext << w) | acc;
        // unsigned
        let fault = div(s, L(acc), H(acc), L(ext), H(ext), L(d), H(d), fin, md);
        const uFault = d === 0n || n / d > maskB(s);
        expect(fault).toBe(uFault);
        if (!uFault) {
          expect(B(md.accLo, md.accHi)).toBe(n / d);
          expect(B(md.extLo, md.extHi)).toBe(n % d);
          expect(md.flags).toBe(((fin & ~(FLAG_PF | FLAG_ZF | FLAG_SF)) | FLAG_AF) >>> 0);
        } else {
          expect([md.accLo, md.accHi, md.extLo, md.extHi, md.flags]).toEqual([L(acc), H(acc), L(ext), H(ext), fin]);
        }
        // signed
        fault = idiv(s, L(acc), H(acc), L(ext), H(ext), L(d), H(d), fin, md);
        const sn = n >= 1n << (2n * w - 1n) ? n - (1n << (2n * w)) : n;
        const sd = toS(d, s);
        const q = sd === 0n ? 0n : sn / sd; // bigint division truncates toward zero
        const sFault = sd === 0n || q < -signB(s) || q > signB(s) - 1n;
        expect(fault).toBe(sFault);
        if (!sFault) {
          expect(B(md.accLo, md.accHi)).toBe(q & maskB(s));
          expect(B(md.extLo, md.extHi)).toBe((sn - q * sd) & maskB(s));
        }
      }),
      RUNS,
    );
    // IDIV of the most negative dividend by -1 faults for every size
    for (const s of SIZES) {
      const m = maskB(s);
      expect(idiv(s, L(signB(s)), H(signB(s)), L(m), H(m), L(m), H(m), 0x2, md)).toBe(true);
      expect(idiv(s, 0, 0, L(signB(s)), H(signB(s)), L(m), H(m), 0x2, md)).toBe(true);
    }
  });

  it('SHL/SAL/SHR/SAR/ROL/ROR results and CF for any raw count; count 0 changes nothing', () => {
    const arb = fc.constantFrom(...SIZES).chain((s) => fc.tuple(fc.constant(s), sized(s), fc.integer({ min: 0, max: 255 })));
    fc.assert(
      fc.property(arb, flagsArb, fc.constantFrom(SH_SHL, SH_SAL, SH_SHR, SH_SAR, SH_ROL, SH_ROR), ([s, a, cnt], fin, op) => {
        const w = bits(s);
        const c = BigInt(cnt & (s === 8 ? 63 : 31));
        shift(op, s, L(a), H(a), cnt, fin, o);
        if (c === 0n) {
          expect(res(s)).toBe(a);
          expect(o.flags).toBe(fin);
          return;
        }
        let r: bigint;
        let cf: bigint;
        if (op === SH_SHL || op === SH_SAL) {
          r = (a << c) & maskB(s);
          cf = ((a << c) >> w) & 1n;
        } else if (op === SH_SHR) {
          r = a >> c;
          cf = (a >> (c - 1n)) & 1n;
        } else if (op === SH_SAR) {
          r = (toS(a, s) >> c) & maskB(s);
          cf = (toS(a, s) >> (c - 1n)) & 1n;
        } else {
          const n = c % w;
          r = op === SH_ROL ? ((a << n) | (a >> (w - n))) & maskB(s) : ((a >> n) | (a << (w - n))) & maskB(s);
          cf = op === SH_ROL ? r & 1n : r >> (w - 1n);
        }
        expect(res(s)).toBe(r);
        expect(BigInt(o.flags & FLAG_CF)).toBe(cf);
        if (op === SH_ROL || op === SH_ROR) {
          expect(o.flags & ~(FLAG_CF | FLAG_OF)).toBe(fin & ~(FLAG_CF | FLAG_OF));
        } else {
          expect(o.flags & (FLAG_SF | FLAG_ZF | FLAG_PF)).toBe(refSzp(s, r));
          expect(o.flags & ~FLAGS_STATUS).toBe(fin & ~FLAGS_STATUS);
        }
      }),
      RUNS,
    );
  });

  it('SHLD/SHRD (32/64-bit) results and CF', () => {
    const arb = fc.constantFrom<OperandSize>(2, 4, 8).chain((s) => fc.tuple(fc.constant(s), sized(s), sized(s), fc.integer({ min: 0, max: 255 })));
    fc.assert(
      fc.property(arb, flagsArb, ([s, a, b, cnt], fin) => {
        const w = bits(s);
        const c = BigInt(cnt & (s === 8 ? 63 : 31));
        if (c > w) return; // 16-bit counts 17..31: reference-CPU specific, covered by the golden vectors
        shld(s, L(a), H(a), L(b), H(b), cnt, fin, o);
        const cat = (a << w) | b;
        expect(res(s)).toBe(c === 0n ? a : ((cat << c) >> w) & maskB(s));
        if (c !== 0n) expect(BigInt(o.flags & FLAG_CF)).toBe((cat >> (2n * w - c)) & 1n);
        shrd(s, L(a), H(a), L(b), H(b), cnt, fin, o);
        const cat2 = (b << w) | a;
        expect(res(s)).toBe(c === 0n ? a : (cat2 >> c) & maskB(s));
        if (c !== 0n) expect(BigInt(o.flags & FLAG_CF)).toBe((cat2 >> (c - 1n)) & 1n);
        else expect(o.flags).toBe(fin);
      }),
      RUNS,
    );
  });

  it('BT/BTS/BTR/BTC and the memory-form bit address', () => {
    const arb = fc.constantFrom<OperandSize>(2, 4, 8).chain((s) => fc.tuple(fc.constant(s), sized(s), sized(s)));
    fc.assert(
      fc.property(arb, flagsArb, fc.constantFrom(BT_BT, BT_BTS, BT_BTR, BT_BTC), ([s, a, off], fin, op) => {
        const k = off & (bits(s) - 1n);
        bitTest(op, s, L(a), H(a), L(off), fin, o);
        const m = 1n << k;
        expect(res(s)).toBe(op === BT_BTS ? a | m : op === BT_BTR ? a & ~m : op === BT_BTC ? a ^ m : a);
        expect(o.flags).toBe(((fin & ~FLAG_CF) | ((a & m) !== 0n ? FLAG_CF : 0)) >>> 0);
        // memory form: effective bit address = base*8 + signed offset
        bitAddress(s, L(off), H(off), ba);
        const so = toS(off, s);
        const disp = B(ba.dispLo, ba.dispHi);
        const sdisp = disp >= 1n << 63n ? disp - (1n << 64n) : disp;
        expect(sdisp * 8n + BigInt(ba.bit)).toBe(so);
        expect(sdisp % BigInt(s)).toBe(0n);
        expect(ba.bit).toBeLessThan(s * 8);
      }),
      RUNS,
    );
    // SDM examples: BT [mem], reg with negative and beyond-operand offsets
    bitAddress(2, 0xffff, 0, ba);
    expect([ba.dispLo, ba.dispHi, ba.bit]).toEqual([0xfffffffe, 0xffffffff, 15]);
    bitAddress(4, 33, 0, ba);
    expect([ba.dispLo, ba.dispHi, ba.bit]).toEqual([4, 0, 1]);
    bitAddress(8, 0xffffffbf, 0xffffffff, ba); // -65
    expect([ba.dispLo, ba.dispHi, ba.bit]).toEqual([0xfffffff0, 0xffffffff, 63]);
  });

  it('BSF/BSR/TZCNT/LZCNT/POPCNT results', () => {
    const arb = fc.constantFrom<OperandSize>(2, 4, 8).chain((s) => fc.tuple(fc.constant(s), sized(s), sized(s)));
    fc.assert(
      fc.property(arb, flagsArb, ([s, v, dest], fin) => {
        const w = Number(bits(s));
        const str = v.toString(2).padStart(w, '0');
        const lz = v === 0n ? w : str.indexOf('1');
        const tz = v === 0n ? w : w - 1 - str.lastIndexOf('1');
        bsf(s, L(v), H(v), L(dest), H(dest), fin, o);
        expect(res(s)).toBe(v === 0n ? dest : BigInt(tz));
        expect((o.flags & FLAG_ZF) !== 0).toBe(v === 0n);
        bsr(s, L(v), H(v), L(dest), H(dest), fin, o);
        expect(res(s)).toBe(v === 0n ? dest : BigInt(w - 1 - lz));
        tzcnt(s, L(v), H(v), fin, o);
        expect(res(s)).toBe(BigInt(tz));
        expect(o.flags & (FLAG_CF | FLAG_ZF)).toBe((v === 0n ? FLAG_CF : 0) | (tz === 0 ? FLAG_ZF : 0));
        lzcnt(s, L(v), H(v), fin, o);
        expect(res(s)).toBe(BigInt(lz));
        popcnt(s, L(v), H(v), fin, o);
        expect(res(s)).toBe(BigInt([...str].filter((ch) => ch === '1').length));
        expect(o.flags).toBe(((fin & ~FLAGS_STATUS) | (v === 0n ? FLAG_ZF : 0)) >>> 0);
      }),
      RUNS,
    );
  });

  it('szpFlags / parityFlag', () => {
    expect(parityFlag(0)).toBe(FLAG_PF);
    expect(parityFlag(1)).toBe(0);
    expect(parityFlag(0x103)).toBe(FLAG_PF); // low byte only
    expect(szpFlags(1, 0x80, 0)).toBe(FLAG_SF);
    expect(szpFlags(2, 0x10000, 0)).toBe(FLAG_ZF | FLAG_PF);
    expect(szpFlags(8, 0, 0x80000000)).toBe(FLAG_SF | FLAG_PF); // PF from the low byte (0), not ZF
    expect(szpFlags(8, 0, 1)).toBe(FLAG_PF);
  });
});
