// Opcode tables as data: one Int32 entry per opcode of the primary, 0F, 0F38 and 0F3A maps.
// An entry says everything the decoder needs for a correct length (ModRM present, immediate kind,
// validity per mode, default operand size) plus the executor handler and its argument. Entries are
// built once at module load from the declarative lists below (SDM Vol. 2 Appendix A, AMD APM Vol. 3
// Appendix A).

// ---- entry layout -------------------------------------------------------------------------------
export const IMM_MASK = 0xf;
export const IMM_NONE = 0;
/** 8-bit immediate (also rel8). */
export const IMM_B = 1;
/** 16-bit immediate. */
export const IMM_W = 2;
/** 16 or 32 bits by operand size (32 when the operand size is 64; also rel16/32). */
export const IMM_Z = 3;
/** Operand-size immediate: 2, 4 or 8 bytes (MOV r, imm). */
export const IMM_V = 4;
/** Far pointer: 16-bit selector + 16/32-bit offset. */
export const IMM_AP = 5;
/** moffs: address-size offset. */
export const IMM_MOFFS = 6;
/** ENTER: imm16 + imm8. */
export const IMM_ENTER = 7;
/** Group 3 (F6/F7): Ib/Iz only for /0 and /1 (TEST). */
export const IMM_GRP3 = 8;
/** Two 8-bit immediates (SSE4a EXTRQ/INSERTQ immediate forms). */
export const IMM_BB = 9;

export const F_MODRM = 1 << 4;
/** #UD in 64-bit mode. */
export const F_INV64 = 1 << 5;
/** Byte operand size. */
export const F_BYTE = 1 << 6;
/** Operand size defaults to 64 bits in 64-bit mode (66 selects 16). */
export const F_DEF64 = 1 << 7;
/** #UD in every mode. */
export const F_INVALID = 1 << 8;
/** ModRM.mod is ignored and treated as 3 (MOV to/from CR/DR). */
export const F_REGONLY = 1 << 9;
/** Operand size is 64 bits in 64-bit mode whatever the prefixes (MOV CR/DR). */
export const F_FORCE64 = 1 << 10;

export const MS_SHIFT = 11;
export const MS_MASK = 0xf << MS_SHIFT;
/** Memory operand size kinds (for the record's memSize; 0 = not described). */
export const MS_NONE = 0,
  MS_B = 1,
  MS_W = 2,
  MS_D = 3,
  MS_Q = 4,
  MS_V = 5,
  MS_DQ = 6,
  MS_X = 7,
  MS_Y = 8,
  MS_SSE = 9,
  MS_MOVSXD = 10,
  MS_STACK = 11,
  /** CMPXCHG8B/16B: 8 bytes, 16 with REX.W, for 0F C7 /1 only (the other group 9 forms are not described). */
  MS_CX = 12;
/** SSE_MEM_SIZE value for MOVD/MOVQ with a GPR-sized operand: 4 bytes, 8 with REX.W in 64-bit mode. */
export const SSE_SIZE_Y = 0xff;

export const H_SHIFT = 16;
export const ARG_SHIFT = 24;

function ms(kind: number): number {
  return kind << MS_SHIFT;
}

// ---- handler ids (interpreted by the executor) ----------------------------------------------
export const H_NONE = 0;
export const H_ALU_EG = 1;
export const H_ALU_AI = 2;
export const H_GRP1 = 3;
export const H_TEST_EG = 4;
export const H_TEST_AI = 5;
export const H_XCHG_EG = 6;
export const H_XCHG_AX = 7;
export const H_MOV_EG = 8;
export const H_LEA = 9;
export const H_POP_EV = 10;
export const H_MOV_MOFFS = 11;
export const H_MOVS = 12;
export const H_CMPS = 13;
export const H_STOS = 14;
export const H_LODS = 15;
export const H_SCAS = 16;
export const H_INS = 17;
export const H_OUTS = 18;
export const H_MOV_RI = 19;
export const H_SHIFT_GRP2 = 20;
export const H_MOV_EI = 21;
export const H_IN = 22;
export const H_OUT = 23;
export const H_GRP3 = 24;
export const H_GRP4 = 25;
export const H_GRP5 = 26;
export const H_PUSH_R = 27;
export const H_POP_R = 28;
export const H_PUSH_I = 29;
export const H_IMUL3 = 30;
export const H_MOVSXD = 31;
export const H_CBW = 32;
export const H_CWD = 33;
export const H_FLAGOP = 34;
export const H_INCDEC_R = 35;
export const H_X87 = 36;
export const H_NOP = 37;
export const H_CMOV = 38;
export const H_SETCC = 39;
export const H_BT = 40;
export const H_BT_GRP8 = 41;
export const H_SHLD = 42;
export const H_SHRD = 43;
export const H_IMUL2 = 44;
export const H_CMPXCHG = 45;
export const H_MOVZX = 46;
export const H_MOVSX = 47;
export const H_POPCNT = 48;
export const H_BSF = 49;
export const H_BSR = 50;
export const H_XADD = 51;
export const H_GRP9 = 52;
export const H_BSWAP = 53;
export const H_MOVNTI = 54;
export const H_SSE = 55;
export const H_MOVBE = 56;
export const H_LAHF_SAHF = 57;
export const H_MOV_FROM_SREG = 58;
export const H_CRC32 = 59;
/** 0F 02 LAR (argument 0) and 0F 03 LSL (argument 1). */
export const H_LAR_LSL = 60;
export const H_COUNT = 61;

function h(id: number, arg = 0): number {
  return (id << H_SHIFT) | (arg << ARG_SHIFT);
}

/** The entry of the VEX moves the executor runs: ModRM, SSE memory sizes, the SIMD handler. */
export const VEX_SSE_ENTRY = F_MODRM | (MS_SSE << MS_SHIFT) | (H_SSE << H_SHIFT);

/** VEX map 1 opcodes the executor implements (VMOVUPS/UPD/APS/APD, VMOVDQA/DQU, VMOVNTPS/NTDQ). */
export function vexExecutable(op: number): boolean {
  return op === 0x10 || op === 0x11 || op === 0x28 || op === 0x29 || op === 0x2b || op === 0x6f || op === 0x7f || op === 0xe7;
}

/** Handler id of an entry. */
export function entryHandler(e: number): number {
  return (e >>> H_SHIFT) & 0xff;
}
/** Handler argument of an entry. */
export function entryArg(e: number): number {
  return e >>> ARG_SHIFT;
}

// ---- primary map --------------------------------------------------------------------------
export const PRIMARY = new Int32Array(256);
export const MAP0F = new Int32Array(256);
export const MAP0F38 = new Int32Array(256);
export const MAP0F3A = new Int32Array(256);

function set(t: Int32Array, from: number, to: number, e: number): void {
  for (let i = from; i <= to; i++) t[i] = e;
}

const M = F_MODRM;
(function buildPrimary(): void {
  const P = PRIMARY;
  for (let op = 0; op < 8; op++) {
    const b = op * 8;
    P[b] = M | F_BYTE | ms(MS_B) | h(H_ALU_EG, op);
    P[b + 1] = M | ms(MS_V) | h(H_ALU_EG, op);
    P[b + 2] = M | F_BYTE | ms(MS_B) | h(H_ALU_EG, op);
    P[b + 3] = M | ms(MS_V) | h(H_ALU_EG, op);
    P[b + 4] = IMM_B | F_BYTE | h(H_ALU_AI, op);
    P[b + 5] = IMM_Z | h(H_ALU_AI, op);
  }
  for (const b of [0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61]) P[b] = F_INV64;
  set(P, 0x40, 0x4f, F_INV64 | h(H_INCDEC_R)); // REX in 64-bit mode (consumed as a prefix)
  set(P, 0x50, 0x57, F_DEF64 | h(H_PUSH_R));
  set(P, 0x58, 0x5f, F_DEF64 | h(H_POP_R));
  P[0x62] = M | F_INV64; // BOUND (EVEX is recognised before the table)
  P[0x63] = M | ms(MS_MOVSXD) | h(H_MOVSXD); // ARPL outside 64-bit mode (handler decides)
  P[0x68] = IMM_Z | F_DEF64 | h(H_PUSH_I);
  P[0x69] = M | IMM_Z | ms(MS_V) | h(H_IMUL3);
  P[0x6a] = IMM_B | F_DEF64 | h(H_PUSH_I);
  P[0x6b] = M | IMM_B | ms(MS_V) | h(H_IMUL3);
  P[0x6c] = F_BYTE | h(H_INS);
  P[0x6d] = h(H_INS);
  P[0x6e] = F_BYTE | h(H_OUTS);
  P[0x6f] = h(H_OUTS);
  set(P, 0x70, 0x7f, IMM_B | F_DEF64);
  P[0x80] = M | IMM_B | F_BYTE | ms(MS_B) | h(H_GRP1);
  P[0x81] = M | IMM_Z | ms(MS_V) | h(H_GRP1);
  P[0x82] = M | IMM_B | F_BYTE | F_INV64 | ms(MS_B) | h(H_GRP1);
  P[0x83] = M | IMM_B | ms(MS_V) | h(H_GRP1);
  P[0x84] = M | F_BYTE | ms(MS_B) | h(H_TEST_EG);
  P[0x85] = M | ms(MS_V) | h(H_TEST_EG);
  P[0x86] = M | F_BYTE | ms(MS_B) | h(H_XCHG_EG);
  P[0x87] = M | ms(MS_V) | h(H_XCHG_EG);
  P[0x88] = M | F_BYTE | ms(MS_B) | h(H_MOV_EG);
  P[0x89] = M | ms(MS_V) | h(H_MOV_EG);
  P[0x8a] = M | F_BYTE | ms(MS_B) | h(H_MOV_EG);
  P[0x8b] = M | ms(MS_V) | h(H_MOV_EG);
  P[0x8c] = M | ms(MS_W) | h(H_MOV_FROM_SREG);
  P[0x8d] = M | h(H_LEA);
  P[0x8e] = M | ms(MS_W);
  P[0x8f] = M | F_DEF64 | ms(MS_V) | h(H_POP_EV);
  P[0x90] = h(H_XCHG_AX);
  set(P, 0x91, 0x97, h(H_XCHG_AX));
  P[0x98] = h(H_CBW);
  P[0x99] = h(H_CWD);
  P[0x9a] = IMM_AP | F_INV64;
  P[0x9c] = F_DEF64;
  P[0x9d] = F_DEF64;
  P[0x9e] = h(H_LAHF_SAHF, 0);
  P[0x9f] = h(H_LAHF_SAHF, 1);
  P[0xa0] = IMM_MOFFS | F_BYTE | ms(MS_B) | h(H_MOV_MOFFS);
  P[0xa1] = IMM_MOFFS | ms(MS_V) | h(H_MOV_MOFFS);
  P[0xa2] = IMM_MOFFS | F_BYTE | ms(MS_B) | h(H_MOV_MOFFS);
  P[0xa3] = IMM_MOFFS | ms(MS_V) | h(H_MOV_MOFFS);
  P[0xa4] = F_BYTE | h(H_MOVS);
  P[0xa5] = h(H_MOVS);
  P[0xa6] = F_BYTE | h(H_CMPS);
  P[0xa7] = h(H_CMPS);
  P[0xa8] = IMM_B | F_BYTE | h(H_TEST_AI);
  P[0xa9] = IMM_Z | h(H_TEST_AI);
  P[0xaa] = F_BYTE | h(H_STOS);
  P[0xab] = h(H_STOS);
  P[0xac] = F_BYTE | h(H_LODS);
  P[0xad] = h(H_LODS);
  P[0xae] = F_BYTE | h(H_SCAS);
  P[0xaf] = h(H_SCAS);
  set(P, 0xb0, 0xb7, IMM_B | F_BYTE | h(H_MOV_RI));
  set(P, 0xb8, 0xbf, IMM_V | h(H_MOV_RI));
  P[0xc0] = M | IMM_B | F_BYTE | ms(MS_B) | h(H_SHIFT_GRP2, 0);
  P[0xc1] = M | IMM_B | ms(MS_V) | h(H_SHIFT_GRP2, 0);
  P[0xc2] = IMM_W | F_DEF64;
  P[0xc3] = F_DEF64;
  P[0xc4] = M | F_INV64; // LES (VEX recognised before the table)
  P[0xc5] = M | F_INV64; // LDS
  P[0xc6] = M | IMM_B | F_BYTE | ms(MS_B) | h(H_MOV_EI);
  P[0xc7] = M | IMM_Z | ms(MS_V) | h(H_MOV_EI);
  P[0xc8] = IMM_ENTER | F_DEF64;
  P[0xc9] = F_DEF64;
  P[0xca] = IMM_W;
  P[0xcd] = IMM_B;
  P[0xce] = F_INV64;
  P[0xd0] = M | F_BYTE | ms(MS_B) | h(H_SHIFT_GRP2, 1);
  P[0xd1] = M | ms(MS_V) | h(H_SHIFT_GRP2, 1);
  P[0xd2] = M | F_BYTE | ms(MS_B) | h(H_SHIFT_GRP2, 2);
  P[0xd3] = M | ms(MS_V) | h(H_SHIFT_GRP2, 2);
  P[0xd4] = IMM_B | F_INV64;
  P[0xd5] = IMM_B | F_INV64;
  P[0xd6] = F_INV64;
  set(P, 0xd8, 0xdf, M | h(H_X87));
  set(P, 0xe0, 0xe3, IMM_B | F_DEF64);
  P[0xe4] = IMM_B | F_BYTE | h(H_IN);
  P[0xe5] = IMM_B | h(H_IN);
  P[0xe6] = IMM_B | F_BYTE | h(H_OUT);
  P[0xe7] = IMM_B | h(H_OUT);
  P[0xe8] = IMM_Z | F_DEF64;
  P[0xe9] = IMM_Z | F_DEF64;
  P[0xea] = IMM_AP | F_INV64;
  P[0xeb] = IMM_B | F_DEF64;
  P[0xec] = F_BYTE | h(H_IN, 1);
  P[0xed] = h(H_IN, 1);
  P[0xee] = F_BYTE | h(H_OUT, 1);
  P[0xef] = h(H_OUT, 1);
  P[0xf5] = h(H_FLAGOP, 0xf5);
  P[0xf6] = M | IMM_GRP3 | F_BYTE | ms(MS_B) | h(H_GRP3);
  P[0xf7] = M | IMM_GRP3 | ms(MS_V) | h(H_GRP3);
  for (const b of [0xf8, 0xf9, 0xfc, 0xfd]) P[b] = h(H_FLAGOP, b);
  P[0xfe] = M | F_BYTE | ms(MS_B) | h(H_GRP4);
  P[0xff] = M | ms(MS_V) | h(H_GRP5);
})();

(function build0F(): void {
  const T = MAP0F;
  T[0x00] = M;
  T[0x01] = M;
  T[0x02] = M | ms(MS_W) | h(H_LAR_LSL, 0);
  T[0x03] = M | ms(MS_W) | h(H_LAR_LSL, 1);
  for (const b of [0x04, 0x0a, 0x0b, 0x0c, 0x24, 0x25, 0x26, 0x27, 0x36, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x7a, 0x7b, 0xa6, 0xa7]) {
    T[b] = F_INVALID;
  }
  T[0x0d] = M | h(H_NOP); // PREFETCH/PREFETCHW: no architectural effect
  T[0x0e] = 0; // FEMMS (3DNow!, checked by the decoder)
  set(T, 0x10, 0x17, M | ms(MS_SSE) | h(H_SSE));
  set(T, 0x18, 0x1f, M | h(H_NOP)); // prefetch hints and multi-byte NOPs
  set(T, 0x20, 0x23, M | F_REGONLY | F_FORCE64);
  set(T, 0x28, 0x2f, M | ms(MS_SSE) | h(H_SSE));
  set(T, 0x40, 0x4f, M | ms(MS_V) | h(H_CMOV));
  set(T, 0x50, 0x6f, M | ms(MS_SSE) | h(H_SSE));
  set(T, 0x70, 0x73, M | IMM_B | h(H_SSE)); // (the SIMD handler gates them, then reports 'unimplemented')
  set(T, 0x74, 0x76, M | h(H_SSE));
  T[0x77] = 0; // EMMS
  T[0x78] = M; // VMREAD (EXTRQ/INSERTQ immediate forms resolved by the decoder)
  T[0x79] = M;
  set(T, 0x7c, 0x7f, M | ms(MS_SSE) | h(H_SSE));
  set(T, 0x80, 0x8f, IMM_Z | F_DEF64);
  set(T, 0x90, 0x9f, M | F_BYTE | ms(MS_B) | h(H_SETCC));
  T[0xa0] = F_DEF64;
  T[0xa1] = F_DEF64;
  T[0xa3] = M | ms(MS_V) | h(H_BT, 0);
  T[0xa4] = M | IMM_B | ms(MS_V) | h(H_SHLD, 0);
  T[0xa5] = M | ms(MS_V) | h(H_SHLD, 1);
  T[0xa8] = F_DEF64;
  T[0xa9] = F_DEF64;
  T[0xab] = M | ms(MS_V) | h(H_BT, 1);
  T[0xac] = M | IMM_B | ms(MS_V) | h(H_SHRD, 0);
  T[0xad] = M | ms(MS_V) | h(H_SHRD, 1);
  T[0xae] = M;
  T[0xaf] = M | ms(MS_V) | h(H_IMUL2);
  T[0xb0] = M | F_BYTE | ms(MS_B) | h(H_CMPXCHG);
  T[0xb1] = M | ms(MS_V) | h(H_CMPXCHG);
  T[0xb2] = M;
  T[0xb3] = M | ms(MS_V) | h(H_BT, 2);
  T[0xb4] = M;
  T[0xb5] = M;
  T[0xb6] = M | ms(MS_B) | h(H_MOVZX, 1);
  T[0xb7] = M | ms(MS_W) | h(H_MOVZX, 2);
  T[0xb8] = M | ms(MS_V) | h(H_POPCNT); // without F3 (JMPE) the decoder reports #UD
  T[0xb9] = M | F_INVALID; // UD1
  T[0xba] = M | IMM_B | ms(MS_V) | h(H_BT_GRP8);
  T[0xbb] = M | ms(MS_V) | h(H_BT, 3);
  T[0xbc] = M | ms(MS_V) | h(H_BSF);
  T[0xbd] = M | ms(MS_V) | h(H_BSR);
  T[0xbe] = M | ms(MS_B) | h(H_MOVSX, 1);
  T[0xbf] = M | ms(MS_W) | h(H_MOVSX, 2);
  T[0xc0] = M | F_BYTE | ms(MS_B) | h(H_XADD);
  T[0xc1] = M | ms(MS_V) | h(H_XADD);
  T[0xc2] = M | IMM_B;
  T[0xc3] = M | ms(MS_Y) | h(H_MOVNTI);
  set(T, 0xc4, 0xc6, M | IMM_B);
  T[0xc7] = M | ms(MS_CX) | h(H_GRP9);
  set(T, 0xc8, 0xcf, h(H_BSWAP));
  set(T, 0xd0, 0xfe, M | ms(MS_SSE) | h(H_SSE));
  T[0xff] = M | F_INVALID; // UD0 (AMD decodes it without ModRM; the decoder adjusts)
})();

(function buildEscapes(): void {
  // Legacy-encoded 0F38/0F3A opcodes that exist (SSSE3, SSE4.1/4.2, AES, SHA, GFNI, MOVBE, CRC32,
  // ADX, MOVDIR*, ENQCMD, INVEPT/INVVPID/INVPCID); every other one is #UD.
  set(MAP0F38, 0x00, 0xff, M | F_INVALID);
  for (const [a, z] of [
    [0x00, 0x0b],
    [0x10, 0x10],
    [0x14, 0x15],
    [0x17, 0x17],
    [0x1c, 0x1e],
    [0x20, 0x25],
    [0x28, 0x2b],
    [0x30, 0x35],
    [0x37, 0x41],
    [0x80, 0x82],
    [0xc8, 0xcd],
    [0xcf, 0xcf],
    [0xdb, 0xdf],
    [0xf0, 0xf1],
    [0xf5, 0xf6],
    [0xf8, 0xf9],
  ] as const) {
    set(MAP0F38, a, z, M);
  }
  MAP0F38[0xf0] = M | ms(MS_V) | h(H_MOVBE, 0);
  MAP0F38[0xf1] = M | ms(MS_V) | h(H_MOVBE, 1);
  // (with F2 these two opcodes are CRC32: CRC32_ENTRY, chosen by the decoder)
  set(MAP0F3A, 0x00, 0xff, M | IMM_B | F_INVALID);
  for (const [a, z] of [
    [0x08, 0x0f],
    [0x14, 0x17],
    [0x20, 0x22],
    [0x40, 0x42],
    [0x44, 0x44],
    [0x60, 0x63],
    [0xcc, 0xcc],
    [0xce, 0xcf],
    [0xdf, 0xdf],
  ] as const) {
    set(MAP0F3A, a, z, M | IMM_B);
  }
  // SIMD rows (everything below F0 except INVEPT/INVVPID/INVPCID) go to the SIMD handler for gating.
  for (let op = 0; op < 0xf0; op++) {
    if ((MAP0F38[op]! & F_INVALID) === 0 && (op < 0x80 || op > 0x82)) MAP0F38[op] = M | h(H_SSE);
    if ((MAP0F3A[op]! & F_INVALID) === 0) MAP0F3A[op] = M | IMM_B | h(H_SSE);
  }
})();

/**
 * F2 0F 38 F0 / F1: CRC32 Gy, Eb and CRC32 Gy, Ev (SSE4.2), indexed by opcode & 1. The mandatory F2
 * selects them instead of MOVBE; 66 is then an operand-size prefix (F1: r/m16), REX.W a 64-bit
 * destination (and, for F1, a 64-bit source).
 */
export const CRC32_ENTRY = Int32Array.of(M | ms(MS_B) | h(H_CRC32, 0), M | ms(MS_V) | h(H_CRC32, 1));

/**
 * Memory sizes of the SSE forms the executor implements, by opcode and mandatory prefix
 * (index opcode * 4 + pp, pp: 0 none, 1 = 66, 2 = F3, 3 = F2). 0 = not described; 16 is doubled by VEX.L.
 */
export const SSE_MEM_SIZE = new Uint8Array(256 * 4);
(function buildSseSizes(): void {
  const s = (op: number, pp: number, size: number): void => {
    SSE_MEM_SIZE[op * 4 + pp] = size;
  };
  for (const op of [0x10, 0x11]) {
    s(op, 0, 16);
    s(op, 1, 16);
    s(op, 2, 4);
    s(op, 3, 8);
  }
  for (const op of [0x28, 0x29, 0x2b]) {
    s(op, 0, 16);
    s(op, 1, 16);
  }
  for (const op of [0x6f, 0x7f]) {
    s(op, 1, 16);
    s(op, 2, 16);
  }
  s(0xe7, 1, 16);
  s(0x6e, 1, SSE_SIZE_Y); // MOVD/MOVQ xmm, r/m32/64
  s(0x7e, 1, SSE_SIZE_Y); // MOVD/MOVQ r/m32/64, xmm
  s(0x7e, 2, 8);
  s(0xd6, 1, 8);
})();
