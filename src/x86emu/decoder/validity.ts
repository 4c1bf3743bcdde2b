// Encoding validity beyond "the opcode exists": which mandatory prefixes (none/66/F3/F2) and which
// ModRM forms (memory or register) an SSE/MMX opcode accepts, and which /digit values of a group
// opcode are defined. Everything else is #UD. Source: SDM Vol. 2 Appendix A (Tables
// "blank cells are invalid" and A-6 opcode extensions), AMD APM Vol. 3 Appendix A; checked against
// iced-x86 by the differential test and `npm run fuzz`.
//
// Tables are indexed by map * 256 + opcode (maps: 0 primary, 1 0F, 2 0F38, 3 0F3A).
//   FORMS bit (pp * 2 + (mod === 3 ? 1 : 0)), pp: 0 none, 1 = 66, 2 = F3, 3 = F2.
//   DIGITS bit (digit + (mod === 3 ? 8 : 0)); bit 16 (D_SPECIAL) sends the opcode to `special`.
// Opcodes that are not listed accept every prefix and form (legacy prefixes are ignored by them).

import { NO_REG, type Insn } from '../insn.js';

export const FORMS = new Uint8Array(4 * 256).fill(0xff);
export const DIGITS = new Uint32Array(4 * 256).fill(0xffff);
/** DIGITS flag: the opcode has more rules (`special`); kept in the same word so the hot path makes no extra probe. */
export const D_SPECIAL = 1 << 16;

const N = 0,
  P66 = 1,
  F3 = 2,
  F2 = 3;
const MEM = 1,
  REG = 2,
  BOTH = 3;

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
  DIGITS[map * 256 + op] = (DIGITS[map * 256 + op]! & D_SPECIAL) | m;
}

const NP66: Forms = [
  [N, BOTH],
  [P66, BOTH],
];
const ALL4: Forms = [
  [N, BOTH],
  [P66, BOTH],
  [F3, BOTH],
  [F2, BOTH],
];
const ONLY66: Forms = [[P66, BOTH]];

(function build0F(): void {
  const M = 1;
  forms(M, [0x10, 0x11, 0x2c, 0x2d, 0x51, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f, 0x70, 0xc2], ALL4);
  forms(M, [0x2a], ALL4);
  forms(
    M,
    [0x12],
    [
      [N, BOTH],
      [P66, MEM],
      [F3, BOTH],
      [F2, BOTH],
    ],
  ); // MOVLPS/MOVHLPS, MOVLPD, MOVSLDUP, MOVDDUP
  forms(
    M,
    [0x16],
    [
      [N, BOTH],
      [P66, MEM],
      [F3, BOTH],
    ],
  ); // MOVHPS/MOVLHPS, MOVHPD, MOVSHDUP
  forms(
    M,
    [0x13, 0x17, 0x2b],
    [
      [N, MEM],
      [P66, MEM],
    ],
  ); // MOVLPS/MOVHPS stores, MOVNTPS/PD (SSE4a MOVNTSS/SD: off)
  forms(M, [0x14, 0x15, 0x28, 0x29, 0x2e, 0x2f, 0x54, 0x55, 0x56, 0x57], NP66);
  forms(
    M,
    [0x50],
    [
      [N, REG],
      [P66, REG],
    ],
  ); // MOVMSKPS/PD
  forms(
    M,
    [0x52, 0x53],
    [
      [N, BOTH],
      [F3, BOTH],
    ],
  );
  forms(
    M,
    [0x5b],
    [
      [N, BOTH],
      [P66, BOTH],
      [F3, BOTH],
    ],
  );
  forms(M, [...range(0x60, 0x6b), 0x6e, 0x74, 0x75, 0x76, 0xc4, 0xc6], NP66);
  forms(M, [0x6c, 0x6d], ONLY66);
  forms(
    M,
    [0x6f, 0x7e, 0x7f],
    [
      [N, BOTH],
      [P66, BOTH],
      [F3, BOTH],
    ],
  );
  forms(
    M,
    [0x71, 0x72, 0x73],
    [
      [N, REG],
      [P66, REG],
    ],
  ); // shift-by-immediate groups 12-14
  forms(M, [0x77, 0x37], [[N, BOTH]]); // EMMS, GETSEC
  forms(M, [0x78, 0x79], [[N, BOTH]]); // VMREAD/VMWRITE (66/F2 SSE4a EXTRQ/INSERTQ are resolved earlier)
  forms(
    M,
    [0x7c, 0x7d, 0xd0],
    [
      [P66, BOTH],
      [F2, BOTH],
    ],
  );
  forms(M, [0xc3], [[N, MEM]]); // MOVNTI
  forms(
    M,
    [0xc5, 0xd7, 0xf7],
    [
      [N, REG],
      [P66, REG],
    ],
  ); // PEXTRW, PMOVMSKB, MASKMOVQ/MASKMOVDQU
  forms(M, [...range(0xd1, 0xd5), ...range(0xd8, 0xe5), ...range(0xe8, 0xef), ...range(0xf1, 0xf6), ...range(0xf8, 0xfe)], NP66);
  forms(
    M,
    [0xd6],
    [
      [P66, BOTH],
      [F3, REG],
      [F2, REG],
    ],
  ); // MOVQ, MOVQ2DQ, MOVDQ2Q
  forms(
    M,
    [0xe6],
    [
      [P66, BOTH],
      [F3, BOTH],
      [F2, BOTH],
    ],
  );
  forms(
    M,
    [0xe7],
    [
      [N, MEM],
      [P66, MEM],
    ],
  ); // MOVNTQ, MOVNTDQ
  forms(M, [0xf0], [[F2, MEM]]); // LDDQU
  forms(
    M,
    [0xb2, 0xb4, 0xb5],
    [
      [N, MEM],
      [P66, MEM],
      [F3, MEM],
      [F2, MEM],
    ],
  ); // LSS/LFS/LGS
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
  forms(
    2,
    [0xf0, 0xf1],
    [
      [N, MEM],
      [P66, MEM],
      [F2, BOTH],
    ],
  ); // MOVBE; CRC32 (F2, also 66 F2)
  forms(2, [0xf5], [[P66, MEM]]); // WRUSS
  forms(
    2,
    [0xf6],
    [
      [N, MEM],
      [P66, BOTH],
      [F3, BOTH],
    ],
  ); // WRSS, ADCX, ADOX
  forms(
    2,
    [0xf8],
    [
      [P66, MEM],
      [F3, MEM],
      [F2, MEM],
    ],
  ); // MOVDIR64B, ENQCMDS, ENQCMD
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
vex(
  1,
  `10-12:N632 13:N6 14-15:N6 16:N63 17:N6 28-29:N6 2a:32 2b:N6 2c-2d:32 2e-2f:N6 50:N6 51:N632 52-53:N3
  54-57:N6 58-5a:N632 5b:N63 5c-5f:N632 60-6e:6 6f:63 70:632 71-76:6 77:N 7c-7d:62 7e-7f:63 ae:N c2:N632 c4-c5:6
  c6:N6 d0:62 d1-df:6 e0-e5:6 e6:632 e7-ef:6 f0:2 f1-fe:6`,
);
vex(
  2,
  `00-0f:6 13:6 16-1a:6 1c-1e:6 20-25:6 28-2f:6 30-41:6 45-47:6 58-5a:6 78-79:6 8c:6 8e:6 90-93:6 96-9f:6
  a6-af:6 b6-bf:6 cf:6 dc-df:6 db:6 f2-f3:N f5:N32 f6:2 f7:N632`,
);
vex(3, `00-02:6 04-06:6 08-0f:6 14-19:6 1d:6 20-22:6 38-39:6 40-42:6 44:6 46:6 4a-4c:6 60-63:6 ce-cf:6 df:6 f0:2`);

/** Group 9 (0F C7) and group 15 (0F AE) digits by prefix: [memory, register] masks for none, 66, F3, F2. */
const GROUP9 = Uint8Array.of(
  0b11111010,
  0b11000000, // CMPXCHG8B/16B, XRSTORS, XSAVEC, XSAVES, VMPTRLD, VMPTRST | RDRAND, RDSEED
  0b01000010,
  0b11000000, // CMPXCHG8B, VMCLEAR | RDRAND, RDSEED
  0b01000010,
  0b10000000, // CMPXCHG8B, VMXON | RDPID
  0b00000010,
  0b00000000, // CMPXCHG8B (F2 ignored, XSA-200)
);
const GROUP15 = Uint8Array.of(
  0b11111111,
  0b11100000, // FXSAVE … CLFLUSH | LFENCE, MFENCE, SFENCE
  0b11000000,
  0b00000000, // CLWB, CLFLUSHOPT
  0b01010000,
  0b00111111, // PTWRITE, CLRSSBSY | RD/WRFSBASE, RD/WRGSBASE, PTWRITE, INCSSP
  0b00000000,
  0b00000000,
);

// ---- register forms of x87 (D8-DF mod=3) and of the 0F 01 system group -----------------------

/**
 * x87 register forms, SDM Vol. 2 Tables A-8 … A-21 (mod = 11B rows): for D8+o, /reg, the mask of
 * ModRM.rm values (bit rm) that are defined. Rows not listed are fully defined (D8, DC, and the
 * FSTP1/FXCH4/FCOM2/FCOMP3/FCOMP5/FFREEP/FXCH7/FSTP8/FSTP9 aliases the hardware executes).
 * DB E0/E1/E4 (FENI/FDISI/FSETPM) are no-ops on every CPU since the 287 and stay defined.
 */
export const X87_RM = new Uint8Array(8 * 8).fill(0xff);
function x87(op: number, reg: number, rms: readonly number[]): void {
  let m = 0;
  for (const rm of rms) m |= 1 << rm;
  X87_RM[(op - 0xd8) * 8 + reg] = m;
}
x87(0xd9, 2, [0]); // D9 D0 FNOP
x87(0xd9, 4, [0, 1, 4, 5]); // D9 E0 FCHS, E1 FABS, E4 FTST, E5 FXAM
x87(0xd9, 5, [0, 1, 2, 3, 4, 5, 6]); // D9 E8 … EE FLD1 … FLDZ
x87(0xda, 4, []);
x87(0xda, 5, [1]); // DA E9 FUCOMPP
x87(0xda, 6, []);
x87(0xda, 7, []);
x87(0xdb, 4, [0, 1, 2, 3, 4]); // DB E0 FENI, E1 FDISI (no-ops), E2 FNCLEX, E3 FNINIT, E4 FSETPM (no-op)
x87(0xdb, 7, []);
x87(0xdd, 6, []);
x87(0xdd, 7, []);
x87(0xde, 3, [1]); // DE D9 FCOMPP
x87(0xdf, 4, [0]); // DF E0 FNSTSW AX
x87(0xdf, 7, []);

/**
 * Group 7 (0F 01), SDM Vol. 2 Table A-6 and the instruction pages, AMD APM Vol. 3 Table A-7:
 * memory forms by mandatory prefix (digit mask), register forms as the ModRM bytes that name an
 * instruction. Every instruction either vendor defines stays defined (the ones the reference CPU
 * lacks reach the executor as `unimplemented`/#UD there); only bytes no vendor defines are #UD here.
 * Entries: [prefixes (N 6 3 2), ModRM bytes, 64-bit mode only].
 */
const SYS_MEM = Uint8Array.of(0b11011111, 0b11011111, 0b11111111, 0b11011111); // /5 memory: F3 RSTORSSP only
/** [(is64 ? 32 : 0) + pp * 8 + reg] → mask of ModRM.rm for mod = 11B. */
export const SYS_REG = new Uint8Array(64);
const SYS_LIST: readonly (readonly [string, readonly number[], boolean?])[] = [
  ['N', [0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6], false], // ENCLV VMCALL VMLAUNCH VMRESUME VMXOFF PCONFIG WRMSRNS
  ['N', [0xc7], true], // PBNDKB
  ['N', [0xc8, 0xc9, 0xca, 0xcb, 0xcf], false], // MONITOR MWAIT CLAC STAC ENCLS
  ['N', [0xd0, 0xd1, 0xd4, 0xd5, 0xd6, 0xd7], false], // XGETBV XSETBV VMFUNC XEND XTEST ENCLU
  ['N', [0xe8, 0xee, 0xef], false], // SERIALIZE RDPKRU WRPKRU
  ['6', [0xcc], false], // TDCALL
  ['6', [0xcd, 0xce, 0xcf], true], // SEAMRET SEAMOPS SEAMCALL
  ['3', [0xc6, 0xca], true], // WRMSRLIST ERETU
  ['3', [0xe8, 0xea], false], // SETSSBSY SAVEPREVSSP
  ['3', [0xec, 0xed, 0xee, 0xef], true], // UIRET TESTUI CLUI STUI
  ['3', [0xfa], false], // MCOMMIT
  ['3', [0xfd, 0xfe, 0xff], true], // RMPQUERY RMPADJUST PSMASH
  ['2', [0xc6, 0xca], true], // RDMSRLIST ERETS
  ['2', [0xe8, 0xe9], false], // XSUSLDTRK XRESLDTRK
  ['2', [0xfe], true], // RMPUPDATE
  ['2', [0xff], false], // PVALIDATE
  ['N632', range(0xd8, 0xdf), false], // /3: VMRUN VMMCALL(VMGEXIT) VMLOAD VMSAVE STGI CLGI SKINIT INVLPGA
  ['N632', range(0xe0, 0xe7), false], // /4: SMSW r
  ['N632', range(0xf0, 0xf7), false], // /6: LMSW r
  ['N632', [0xf8], true], // SWAPGS
  ['N632', [0xf9, 0xfc], false], // RDTSCP CLZERO
  ['N', [0xfa, 0xfb, 0xfd], false], // MONITORX MWAITX RDPRU
  ['N', [0xfe, 0xff], false], // INVLPGB TLBSYNC
];
for (const [pps, bytes, only64] of SYS_LIST) {
  for (const c of pps) {
    const pp = 'N632'.indexOf(c);
    for (const m of bytes) {
      const bit = 1 << (m & 7);
      const slot = pp * 8 + ((m >>> 3) & 7);
      SYS_REG[32 + slot]! |= bit;
      if (only64 !== true) SYS_REG[slot]! |= bit;
    }
  }
}

/** Group 15 (0F AE) under F3, register forms that exist only in 64-bit mode: RD/WRFSBASE, RD/WRGSBASE. */
const FSGSBASE = 0b00001111;

/**
 * True when a legacy-encoded instruction's mandatory prefix, ModRM form and /digit are defined.
 * `reg` is ModRM.reg with REX.R (for the control/debug register number).
 */
export function legacyValid(map: number, op: number, pp: number, isReg: boolean, digit: number, reg: number, rm = 0, is64 = true, opsz = false): boolean {
  const k = map * 256 + op;
  if ((FORMS[k]! & (1 << (pp * 2 + (isReg ? 1 : 0)))) === 0) return false;
  if ((DIGITS[k]! & (1 << (digit + (isReg ? 8 : 0)))) === 0) return false;
  return (DIGITS[k]! & D_SPECIAL) === 0 || special(k, pp, isReg, digit, reg, rm, is64, opsz);
}

// Opcodes whose validity needs more than the two tables (D_SPECIAL: legacyValid calls special for them).
for (const op of [0x01, 0x20, 0x21, 0x22, 0x23, 0x73, 0xae, 0xc7]) DIGITS[256 + op]! |= D_SPECIAL;
for (const op of [0xd9, 0xda, 0xdb, 0xdd, 0xde, 0xdf]) DIGITS[op]! |= D_SPECIAL;

/**
 * The rules of the SPECIAL opcodes. `digit` is ModRM.reg, `reg` the same with REX.R, `rm` ModRM.rm
 * without REX.B, `opsz` whether a 66 prefix is present (it is not the mandatory prefix under F2/F3).
 */
export function special(k: number, pp: number, isReg: boolean, digit: number, reg: number, rm: number, is64: boolean, opsz: boolean): boolean {
  if (k < 256) return !isReg || (X87_RM[(k - 0xd8) * 8 + digit]! & (1 << rm)) !== 0; // x87 register forms
  const op = k & 255;
  if (op === 0x01) return isReg ? (SYS_REG[(is64 ? 32 : 0) + pp * 8 + digit]! & (1 << rm)) !== 0 : (SYS_MEM[pp]! & (1 << digit)) !== 0;
  if (op === 0x20 || op === 0x22) return reg === 0 || reg === 2 || reg === 3 || reg === 4 || reg === 8; // CR0, CR2-4, CR8
  if (op === 0x21 || op === 0x23) return reg < 8; // DR0-7
  if (op === 0x73) return pp !== 0 || (digit !== 3 && digit !== 7); // PSRLDQ/PSLLDQ are XMM only
  const m = (op === 0xc7 ? GROUP9 : GROUP15)[pp * 2 + (isReg ? 1 : 0)]!; // 0F C7, 0F AE
  if ((m & (1 << digit)) === 0) return false;
  if (op === 0xae && pp === 2) {
    if (isReg && !is64 && (FSGSBASE & (1 << digit)) !== 0) return false; // #UD outside 64-bit mode
    if (digit === 4 && opsz) return false; // PTWRITE: #UD with a 66 prefix
  }
  return true;
}

// ---- per-instruction VEX rules --------------------------------------------------------------

/**
 * VEX restrictions of single instructions (SDM Vol. 2 instruction pages, the "Op/En" opcode column
 * VEX.L0/LZ/256/W0/W1 and "VEX.vvvv is reserved and must be 1111b"; Table 2-19 … 2-23 exception
 * classes): indexed by ((map * 256 + op) * 4 + pp), 0 = no restriction.
 */
export const VEX_RULE = new Uint16Array(4 * 256 * 4);
export const V_L0 = 1; // #UD with VEX.L = 1 (VEX.128 / VEX.L0 / VEX.LZ)
export const V_L1 = 2; // #UD with VEX.L = 0 (VEX.256 only)
export const V_W0 = 4; // #UD with VEX.W = 1
export const V_W1 = 8; // #UD with VEX.W = 0
export const V_NOV = 16; // VEX.vvvv must be 1111b
export const V_NOVMEM = 32; // VEX.vvvv must be 1111b in the memory form (VMOVSS/VMOVSD)
export const V_MEM = 64; // memory operand only
export const V_REG = 128; // register operand only
export const V_DIG = 256; // ModRM.reg is an opcode extension: VEX_DIGITS decides
export const V_VSIB = 512; // VSIB memory operand: a SIB byte and 32/64-bit addressing

/** VEX group digits by map * 256 + op: bit (digit + (register form ? 8 : 0)). */
export const VEX_DIGITS = new Uint16Array(4 * 256);

function vexRules(map: number, spec: string): void {
  for (const item of spec.trim().split(/\s+/)) {
    const [ops, pps, flags] = item.split(':') as [string, string, string];
    const [a, z] = ops.split('-').map((x) => parseInt(x, 16)) as [number, number | undefined];
    let r = 0;
    for (const c of flags) r |= { l: V_L0, L: V_L1, w: V_W0, W: V_W1, v: V_NOV, V: V_NOVMEM, m: V_MEM, r: V_REG, d: V_DIG, s: V_VSIB }[c] ?? 0;
    for (let op = a; op <= (z ?? a); op++) for (const c of pps) VEX_RULE[(map * 256 + op) * 4 + 'N632'.indexOf(c)] = r;
  }
}
// Flags: l L0, L L1, w W0, W W1, v vvvv = 1111b, V the same in the memory form, m memory, r register,
// d group digits, s VSIB. Prefixes: N none, 6 = 66, 3 = F3, 2 = F2.
vexRules(
  1,
  `10-11:N6:v 10-11:32:V 12:N:l 12:6:lm 12:32:v 13:N6:lmv 16:N:l 16:6:lm 16:3:v 17:N6:lmv 28-29:N6:v
  2b:N6:mv 2c-2d:32:v 2e-2f:N6:v 50:N6:rv 51:N6:v 52-53:N:v 5a:N6:v 5b:N63:v 6e:6:lv 6f:63:v 70:632:v
  71-73:6:rd 77:N:v 7e:6:lv 7e:3:lv 7f:63:v ae:N:lmvd c4:6:l c5:6:lrv d6:6:lv d7:6:rv e6:632:v e7:6:mv f0:2:mv
  f7:6:lrv`,
);
vexRules(
  2,
  `0c-0d:6:w 0e-0f:6:wv 13:6:wv 16:6:Lw 17:6:v 18:6:wv 19:6:Lwv 1a:6:Lwvm 1c-1e:6:v 20-25:6:v 2a:6:mv
  2c-2f:6:wm 30-35:6:v 36:6:Lw 41:6:lv 46:6:w 58-59:6:wv 5a:6:Lwvm 78-79:6:wv 8c:6:m 8e:6:m 90-93:6:ms cf:6:w
  db:6:lv f2:N:l f3:N:ld f5:N32:l f6:2:l f7:N632:l`,
);
vexRules(
  3,
  `00-01:6:LWv 02:6:w 04-05:6:wv 06:6:Lw 08-09:6:v 14-17:6:lv 18:6:Lw 19:6:Lwv 1d:6:wv 20-22:6:l 38:6:Lw
  39:6:Lwv 41:6:l 46:6:Lw 4a-4c:6:w 60-63:6:lv ce-cf:6:W df:6:lv f0:2:lv`,
);
VEX_DIGITS[256 + 0x71] = VEX_DIGITS[256 + 0x72] = (1 << 10) | (1 << 12) | (1 << 14); // VPSRLW/D, VPSRAW/D, VPSLLW/D
VEX_DIGITS[256 + 0x73] = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15); // VPSRLQ, VPSRLDQ, VPSLLQ, VPSLLDQ
VEX_DIGITS[256 + 0xae] = (1 << 2) | (1 << 3); // VLDMXCSR, VSTMXCSR
VEX_DIGITS[512 + 0xf3] = 0b1110_0000_1110; // BLSR, BLSMSK, BLSI (both forms)

/**
 * True when a VEX instruction with rule `r` (non-zero) is defined. `d` is the decoded record (ModRM
 * and VEX fields filled in), `vvvv` the inverted VEX.vvvv before 32-bit mode drops bit 3 (0 = 1111b:
 * a reserved vvvv must be 1111b in every mode), `rmLow` ModRM.rm without REX.B.
 */
export function vexValid(r: number, k: number, d: Insn, vvvv: number, rmLow: number): boolean {
  const isReg = d.mod === 3;
  if ((r & V_L0) !== 0 && d.vexL !== 0) return false;
  if ((r & V_L1) !== 0 && d.vexL === 0) return false;
  if ((r & V_W0) !== 0 && d.vexW) return false;
  if ((r & V_W1) !== 0 && !d.vexW) return false;
  if (vvvv !== 0 && ((r & V_NOV) !== 0 || ((r & V_NOVMEM) !== 0 && !isReg))) return false;
  if (isReg ? (r & (V_MEM | V_VSIB)) !== 0 : (r & V_REG) !== 0) return false;
  if ((r & V_VSIB) !== 0) {
    // A SIB byte with 32/64-bit addressing; destination, index and mask registers pairwise distinct.
    if (rmLow !== 4 || d.addrSize === 2) return false;
    const index = d.index === NO_REG ? 4 : d.index; // VSIB index 4 is xmm4, not "no index"
    if (d.reg === index || d.reg === d.vexV || index === d.vexV) return false;
  }
  return (r & V_DIG) === 0 || (VEX_DIGITS[k]! & (1 << (d.regRaw + (isReg ? 8 : 0)))) !== 0;
}
