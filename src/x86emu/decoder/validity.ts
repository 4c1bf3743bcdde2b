// Encoding validity beyond "the opcode exists": which mandatory prefixes (none/66/F3/F2) and which
// ModRM forms (memory or register) an SSE/MMX opcode accepts, and which /digit values of a group
// opcode are defined. Everything else is #UD. Source: SDM Vol. 2 Appendix A (Tables
// "blank cells are invalid" and A-6 opcode extensions), AMD APM Vol. 3 Appendix A; checked against
// iced-x86 by the differential test and `npm run fuzz`.
//
// Tables are indexed by map * 256 + opcode (maps: 0 primary, 1 0F, 2 0F38, 3 0F3A).
//   FORMS bit (pp * 2 + (mod === 3 ? 1 : 0)), pp: 0 none, 1 = 66, 2 = F3, 3 = F2.
//   DIGITS bit (digit + (mod === 3 ? 8 : 0)).
// Opcodes that are not listed accept every prefix and form (legacy prefixes are ignored by them).

export const FORMS = new Uint8Array(4 * 256).fill(0xff);
export const DIGITS = new Uint16Array(4 * 256).fill(0xffff);

const N = 0, P66 = 1, F3 = 2, F2 = 3;
const MEM = 1, REG = 2, BOTH = 3;

/** Prefix/form list: [pp, forms] pairs. */
type Forms = readonly (readonly [number, number])[];

function forms(map: number, ops: readonly number[], list: Forms): void {
  let m = 0;
  for (const [pp, f] of list) {
    if ((f & MEM) !== 0) m |= 1 << (pp * 2);
    if ((f & REG) !== 0) m |= 1 << (pp * 2 + 1);
  }
  for (const op of ops) FORMS[map * 256 + op] = m;
}
function range(a: number, z: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= z; i++) out.push(i);
  return out;
}
function digits(map: number, op: number, mem: readonly number[], reg: readonly number[]): void {
  let m = 0;
  for (const d of mem) m |= 1 << d;
  for (const d of reg) m |= 1 << (d + 8);
  DIGITS[map * 256 + op] = m;
}

const NP66: Forms = [[N, BOTH], [P66, BOTH]];
const ALL4: Forms = [[N, BOTH], [P66, BOTH], [F3, BOTH], [F2, BOTH]];
const ONLY66: Forms = [[P66, BOTH]];

(function build0F(): void {
  const M = 1;
  forms(M, [0x10, 0x11, 0x2c, 0x2d, 0x51, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f, 0x70, 0xc2], ALL4);
  forms(M, [0x2a], ALL4);
  forms(M, [0x12], [[N, BOTH], [P66, MEM], [F3, BOTH], [F2, BOTH]]); // MOVLPS/MOVHLPS, MOVLPD, MOVSLDUP, MOVDDUP
  forms(M, [0x16], [[N, BOTH], [P66, MEM], [F3, BOTH]]); // MOVHPS/MOVLHPS, MOVHPD, MOVSHDUP
  forms(M, [0x13, 0x17, 0x2b], [[N, MEM], [P66, MEM]]); // MOVLPS/MOVHPS stores, MOVNTPS/PD (SSE4a MOVNTSS/SD: off)
  forms(M, [0x14, 0x15, 0x28, 0x29, 0x2e, 0x2f, 0x54, 0x55, 0x56, 0x57], NP66);
  forms(M, [0x50], [[N, REG], [P66, REG]]); // MOVMSKPS/PD
  forms(M, [0x52, 0x53], [[N, BOTH], [F3, BOTH]]);
  forms(M, [0x5b], [[N, BOTH], [P66, BOTH], [F3, BOTH]]);
  forms(M, [...range(0x60, 0x6b), 0x6e, 0x74, 0x75, 0x76, 0xc4, 0xc6], NP66);
  forms(M, [0x6c, 0x6d], ONLY66);
  forms(M, [0x6f, 0x7e, 0x7f], [[N, BOTH], [P66, BOTH], [F3, BOTH]]);
  forms(M, [0x71, 0x72, 0x73], [[N, REG], [P66, REG]]); // shift-by-immediate groups 12-14
  forms(M, [0x77, 0x37], [[N, BOTH]]); // EMMS, GETSEC
  forms(M, [0x78, 0x79], [[N, BOTH]]); // VMREAD/VMWRITE (66/F2 SSE4a EXTRQ/INSERTQ are resolved earlier)
  forms(M, [0x7c, 0x7d, 0xd0], [[P66, BOTH], [F2, BOTH]]);
  forms(M, [0xc3], [[N, MEM]]); // MOVNTI
  forms(M, [0xc5, 0xd7, 0xf7], [[N, REG], [P66, REG]]); // PEXTRW, PMOVMSKB, MASKMOVQ/MASKMOVDQU
  forms(M, [...range(0xd1, 0xd5), ...range(0xd8, 0xe5), ...range(0xe8, 0xef), ...range(0xf1, 0xf6), ...range(0xf8, 0xfe)], NP66);
  forms(M, [0xd6], [[P66, BOTH], [F3, REG], [F2, REG]]); // MOVQ, MOVQ2DQ, MOVDQ2Q
  forms(M, [0xe6], [[P66, BOTH], [F3, BOTH], [F2, BOTH]]);
  forms(M, [0xe7], [[N, MEM], [P66, MEM]]); // MOVNTQ, MOVNTDQ
  forms(M, [0xf0], [[F2, MEM]]); // LDDQU
  forms(M, [0xb2, 0xb4, 0xb5], [[N, MEM], [P66, MEM], [F3, MEM], [F2, MEM]]); // LSS/LFS/LGS
  digits(M, 0x00, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]); // group 6
  digits(M, 0x71, [], [2, 4, 6]);
  digits(M, 0x72, [], [2, 4, 6]);
  digits(M, 0x73, [], [2, 3, 6, 7]); // /3 and /7 need 66 (checked in legacyValid)
  digits(M, 0xba, [4, 5, 6, 7], [4, 5, 6, 7]); // group 8
})();

(function buildPrimary(): void {
  const all = [0, 1, 2, 3, 4, 5, 6, 7];
  digits(0, 0x8c, [0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]); // MOV r/m, Sreg: sreg 6/7 do not exist
  digits(0, 0x8e, [0, 2, 3, 4, 5], [0, 2, 3, 4, 5]); // MOV Sreg, r/m: not CS
  digits(0, 0x8d, all, []); // LEA needs a memory operand
  digits(0, 0x8f, [0], [0]); // group 1A (XOP uses 8F with ModRM.reg ≥ 1 before this table)
  digits(0, 0xc6, [0], [0]); // group 11 (/7 F8 is XABORT: RTM, absent on the reference CPU)
  digits(0, 0xc7, [0], [0]); // (/7 F8 is XBEGIN)
  digits(0, 0xfe, [0, 1], [0, 1]); // group 4
  digits(0, 0xff, [0, 1, 2, 3, 4, 5, 6], [0, 1, 2, 4, 6]); // group 5: far CALL/JMP need memory
  // x87 memory forms that do not exist (SDM Table A-7 ... A-21 blank cells)
  digits(0, 0xd9, [0, 2, 3, 4, 5, 6, 7], all);
  digits(0, 0xdb, [0, 1, 2, 3, 5, 7], all);
  digits(0, 0xdd, [0, 1, 2, 3, 4, 6, 7], all);
})();

(function build0F38And0F3A(): void {
  // Legacy 0F38 (SDM Table A-4): SSSE3 has MMX (none) and XMM (66) forms; SSE4.x, AES, GFNI are 66 only.
  forms(2, [...range(0x00, 0x0b), 0x1c, 0x1d, 0x1e], NP66);
  forms(2, [0x10, 0x14, 0x15, 0x17, ...range(0x20, 0x25), 0x28, 0x29, 0x2b, ...range(0x30, 0x35), ...range(0x37, 0x41), 0xcf, ...range(0xdb, 0xdf)], ONLY66);
  forms(2, [0x2a], [[P66, MEM]]); // MOVNTDQA
  forms(2, [0x80, 0x81, 0x82], [[P66, MEM]]); // INVEPT, INVVPID, INVPCID
  forms(2, range(0xc8, 0xcd), [[N, BOTH]]); // SHA
  forms(2, [0xf0, 0xf1], [[N, MEM], [P66, MEM], [F2, BOTH]]); // MOVBE; CRC32 (F2, also 66 F2)
  forms(2, [0xf5], [[P66, MEM]]); // WRUSS
  forms(2, [0xf6], [[N, MEM], [P66, BOTH], [F3, BOTH]]); // WRSS, ADCX, ADOX
  forms(2, [0xf8], [[P66, MEM], [F3, MEM], [F2, MEM]]); // MOVDIR64B, ENQCMDS, ENQCMD
  forms(2, [0xf9], [[N, MEM]]); // MOVDIRI
  // Legacy 0F3A (SDM Table A-5).
  forms(3, [0x0f], NP66); // PALIGNR
  forms(3, [...range(0x08, 0x0e), ...range(0x14, 0x17), 0x20, 0x21, 0x22, 0x40, 0x41, 0x42, 0x44, ...range(0x60, 0x63), 0xce, 0xcf, 0xdf], ONLY66);
  forms(3, [0xcc], [[N, BOTH]]); // SHA1RNDS4
})();

/**
 * VEX-encoded opcodes by map (1 = 0F, 2 = 0F38, 3 = 0F3A): bit pp set when VEX.pp selects a defined
 * instruction (AVX, AVX2, FMA, F16C, BMI1/2, VAES, GFNI; SDM Vol. 2 Tables A-3 … A-5 "v" entries).
 * AVX-512 opmask instructions (map 1, 41-4B, 90-93, 98-99) are absent on the reference CPU and so
 * are #UD here; VEX.L/VEX.W restrictions of individual instructions are left to the executor.
 */
export const VEX_PP = new Uint8Array(4 * 256);
function vex(map: number, spec: string): void {
  for (const item of spec.trim().split(/\s+/)) {
    const [ops, pps] = item.split(':') as [string, string];
    const [a, z] = ops.split('-').map((x) => parseInt(x, 16)) as [number, number | undefined];
    let m = 0;
    for (const c of pps) m |= 1 << 'N632'.indexOf(c);
    for (let op = a; op <= (z ?? a); op++) VEX_PP[map * 256 + op] = m;
  }
}
vex(1, `10-12:N632 13:N6 14-15:N6 16:N63 17:N6 28-29:N6 2a:32 2b:N6 2c-2d:32 2e-2f:N6 50:N6 51:N632 52-53:N3
  54-57:N6 58-5a:N632 5b:N63 5c-5f:N632 60-6e:6 6f:63 70:632 71-76:6 77:N 7c-7d:62 7e-7f:63 ae:N c2:N632 c4-c5:6
  c6:N6 d0:62 d1-df:6 e0-e5:6 e6:632 e7-ef:6 f0:2 f1-fe:6`);
vex(2, `00-0f:6 13:6 16-1a:6 1c-1e:6 20-25:6 28-2f:6 30-41:6 45-47:6 58-5a:6 78-79:6 8c:6 8e:6 90-93:6 96-9f:6
  a6-af:6 b6-bf:6 cf:6 dc-df:6 db:6 f2-f3:N f5:N32 f6:2 f7:N632`);
vex(3, `00-02:6 04-06:6 08-0f:6 14-19:6 1d:6 20-22:6 38-39:6 40-42:6 44:6 46:6 4a-4c:6 60-63:6 ce-cf:6 df:6 f0:2`);

/** Group 9 (0F C7) and group 15 (0F AE) digits by prefix: [memory, register] masks for none, 66, F3, F2. */
const GROUP9 = Uint8Array.of(
  0b11111010, 0b11000000, // CMPXCHG8B/16B, XRSTORS, XSAVEC, XSAVES, VMPTRLD, VMPTRST | RDRAND, RDSEED
  0b01000010, 0b11000000, // CMPXCHG8B, VMCLEAR | RDRAND, RDSEED
  0b01000010, 0b10000000, // CMPXCHG8B, VMXON | RDPID
  0b00000010, 0b00000000, // CMPXCHG8B (F2 ignored, XSA-200)
);
const GROUP15 = Uint8Array.of(
  0b11111111, 0b11100000, // FXSAVE … CLFLUSH | LFENCE, MFENCE, SFENCE
  0b11000000, 0b00000000, // CLWB, CLFLUSHOPT
  0b01010000, 0b00111111, // PTWRITE, CLRSSBSY | RD/WRFSBASE, RD/WRGSBASE, PTWRITE, INCSSP
  0b00000000, 0b00000000,
);

/**
 * True when a legacy-encoded instruction's mandatory prefix, ModRM form and /digit are defined.
 * `reg` is ModRM.reg with REX.R (for the control/debug register number).
 */
export function legacyValid(map: number, op: number, pp: number, isReg: boolean, digit: number, reg: number): boolean {
  const k = map * 256 + op;
  if ((FORMS[k]! & (1 << (pp * 2 + (isReg ? 1 : 0)))) === 0) return false;
  if ((DIGITS[k]! & (1 << (digit + (isReg ? 8 : 0)))) === 0) return false;
  return map !== 1 || SPECIAL_0F[op] === 0 || special0F(op, pp, isReg, digit, reg);
}

/** 0F opcodes whose validity needs more than the two tables (legacyValid calls special0F for them). */
export const SPECIAL_0F = new Uint8Array(256);
for (const op of [0x20, 0x21, 0x22, 0x23, 0x73, 0xae, 0xc7]) SPECIAL_0F[op] = 1;

/** The rules of the SPECIAL_0F opcodes. */
export function special0F(op: number, pp: number, isReg: boolean, digit: number, reg: number): boolean {
  if (op === 0x20 || op === 0x22) return reg === 0 || reg === 2 || reg === 3 || reg === 4 || reg === 8; // CR0, CR2-4, CR8
  if (op === 0x21 || op === 0x23) return reg < 8; // DR0-7
  if (op === 0x73) return pp !== 0 || (digit !== 3 && digit !== 7); // PSRLDQ/PSLLDQ are XMM only
  const m = (op === 0xc7 ? GROUP9 : GROUP15)[pp * 2 + (isReg ? 1 : 0)]!; // 0F C7, 0F AE
  return (m & (1 << digit)) !== 0;
}
