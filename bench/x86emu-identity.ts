// The instruction our executor runs for a decoded record, named as iced-x86 names it (`Mnemonic`), so
// that the differential can tell "decodes as another instruction" (CRC32 executed as MOVBE) from a
// correct decode. Written from the SDM opcode maps and our executors (src/x86emu/exec), independently
// of the decoder tables: a handler that is given the wrong opcode shows up as a mismatch.
import * as T from '../src/x86emu/decoder/tables.js';
import type { CpuFeatures } from '../src/x86emu/features.js';
import { ENC_LEGACY, ENC_VEX, MAP_0F, type Insn } from '../src/x86emu/insn.js';
import { MODE_LONG64 } from '../src/x86emu/modes.js';

const ALU = ['Add', 'Or', 'Adc', 'Sbb', 'And', 'Sub', 'Xor', 'Cmp'];
const SHIFT = ['Rol', 'Ror', 'Rcl', 'Rcr', 'Shl', 'Shr', 'Sal', 'Sar'];
const GRP3 = ['Test', 'Test', 'Not', 'Neg', 'Mul', 'Imul', 'Div', 'Idiv'];
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const BT = ['Bt', 'Bts', 'Btr', 'Btc'];
const SIZE_SUFFIX: Record<number, string> = { 1: 'b', 2: 'w', 4: 'd', 8: 'q' };
/**
 * The hint space (0F 0D, 0F 18–1F) runs as NOP. iced names some of it after instructions the reference
 * CPU lacks or that have no architectural effect when their feature is off (CLDEMOTE, the CET
 * ENDBR/RDSSP with CR4.CET = 0): all are NOPs here, as on the reference CPU.
 */
const NOP_LIKE = /^(Nop|Reservednop|Prefetch[a-z0-9]*|Cldemote|Endbr32|Endbr64|Rdsspd|Rdsspq)$/;

/** A string instruction's name: the element size is a byte (F_BYTE) or the operand size. */
function str(base: string, d: Insn): string[] {
  return [base + SIZE_SUFFIX[(d.entry & T.F_BYTE) !== 0 ? 1 : d.opSize]!];
}

/**
 * The iced-x86 mnemonic names the executor may run for `d` (decoded OK), or null when the executor
 * does not run it (reports it unimplemented). A name that matches a regular expression is given as one.
 */
export function executedMnemonics(d: Insn, f: CpuFeatures): readonly (string | RegExp)[] | null {
  const h = T.entryHandler(d.entry);
  const arg = T.entryArg(d.entry);
  const r = d.regRaw;
  switch (h) {
    case T.H_ALU_EG:
    case T.H_ALU_AI:
      return [ALU[arg]!];
    case T.H_GRP1:
      return [ALU[r]!];
    case T.H_TEST_EG:
    case T.H_TEST_AI:
      return ['Test'];
    case T.H_XCHG_EG:
      return ['Xchg'];
    case T.H_XCHG_AX:
      if (d.opcode !== 0x90) return ['Xchg'];
      if ((d.rex & 1) === 0) return ['Nop', 'Pause'];
      // F3 REX.B 90: iced names it PAUSE; the reference CPU exchanges r8 and rAX (run natively:
      // rax=1, r8=2 → rax=2, r8=1), so XCHG it is.
      return d.rep === 0xf3 ? ['Xchg', 'Pause'] : ['Xchg'];
    case T.H_MOV_EG:
    case T.H_MOV_MOFFS:
    case T.H_MOV_RI:
    case T.H_MOV_EI:
    case T.H_MOV_FROM_SREG:
      return ['Mov'];
    case T.H_LEA:
      return ['Lea'];
    case T.H_POP_EV:
    case T.H_POP_R:
      return ['Pop'];
    case T.H_PUSH_R:
    case T.H_PUSH_I:
      return ['Push'];
    case T.H_MOVS:
      return str('Movs', d);
    case T.H_CMPS:
      return str('Cmps', d);
    case T.H_STOS:
      return str('Stos', d);
    case T.H_LODS:
      return str('Lods', d);
    case T.H_SCAS:
      return str('Scas', d);
    case T.H_INS:
      return [`Ins${SIZE_SUFFIX[(d.entry & T.F_BYTE) !== 0 ? 1 : Math.min(d.opSize, 4)]}`];
    case T.H_OUTS:
      return [`Outs${SIZE_SUFFIX[(d.entry & T.F_BYTE) !== 0 ? 1 : Math.min(d.opSize, 4)]}`];
    case T.H_SHIFT_GRP2:
      return [SHIFT[r]!];
    case T.H_IN:
      return ['In'];
    case T.H_OUT:
      return ['Out'];
    case T.H_GRP3:
      return [GRP3[r]!];
    case T.H_GRP4:
      return r < 2 ? [r === 0 ? 'Inc' : 'Dec'] : null;
    case T.H_GRP5:
      return r < 2 ? [r === 0 ? 'Inc' : 'Dec'] : r === 6 ? ['Push'] : null;
    case T.H_IMUL3:
    case T.H_IMUL2:
      return ['Imul'];
    case T.H_MOVSXD:
      return d.mode === MODE_LONG64 ? ['Movsxd'] : null;
    case T.H_CBW:
      return [d.opSize === 2 ? 'Cbw' : d.opSize === 4 ? 'Cwde' : 'Cdqe'];
    case T.H_CWD:
      return [d.opSize === 2 ? 'Cwd' : d.opSize === 4 ? 'Cdq' : 'Cqo'];
    case T.H_FLAGOP:
      return [({ 0xf5: 'Cmc', 0xf8: 'Clc', 0xf9: 'Stc', 0xfc: 'Cld', 0xfd: 'Std' } as Record<number, string>)[arg]!];
    case T.H_INCDEC_R:
      return [(d.opcode & 8) === 0 ? 'Inc' : 'Dec'];
    case T.H_NOP:
      return [NOP_LIKE];
    case T.H_CMOV:
      return [`Cmov${CC[d.opcode & 15]}`];
    case T.H_SETCC:
      return [`Set${CC[d.opcode & 15]}`];
    case T.H_BT:
      return [BT[arg]!];
    case T.H_BT_GRP8:
      return r >= 4 ? [BT[r - 4]!] : null;
    case T.H_SHLD:
      return ['Shld'];
    case T.H_SHRD:
      return ['Shrd'];
    case T.H_CMPXCHG:
      return ['Cmpxchg'];
    case T.H_MOVZX:
      return ['Movzx'];
    case T.H_MOVSX:
      return ['Movsx'];
    case T.H_POPCNT:
      return ['Popcnt'];
    case T.H_BSF:
      return [d.rep === 0xf3 && f.bmi1 ? 'Tzcnt' : 'Bsf'];
    case T.H_BSR:
      return [d.rep === 0xf3 && f.lzcnt ? 'Lzcnt' : 'Bsr'];
    case T.H_XADD:
      return ['Xadd'];
    case T.H_GRP9:
      return r === 1 ? [d.rexW ? 'Cmpxchg16b' : 'Cmpxchg8b'] : null;
    case T.H_BSWAP:
      return ['Bswap'];
    case T.H_MOVNTI:
      return ['Movnti'];
    case T.H_MOVBE:
      return ['Movbe'];
    case T.H_CRC32:
      return ['Crc32'];
    case T.H_LAHF_SAHF:
      return [arg === 0 ? 'Sahf' : 'Lahf'];
    case T.H_SSE:
      return sseMnemonic(d);
    default:
      return null;
  }
}

/** The SSE/AVX moves exec/sse.ts performs; null for the SIMD forms it reports unimplemented. */
function sseMnemonic(d: Insn): readonly string[] | null {
  if (d.map !== MAP_0F || (d.encoding !== ENC_LEGACY && d.encoding !== ENC_VEX)) return null;
  const vex = d.encoding === ENC_VEX;
  const v = (n: string): string[] => [vex ? `V${n.toLowerCase()}` : n];
  const pp = d.pp;
  switch (d.opcode) {
    case 0x10:
    case 0x11:
      return pp >= 2 ? (vex ? null : [pp === 2 ? 'Movss' : 'Movsd']) : v(pp === 0 ? 'Movups' : 'Movupd');
    case 0x28:
    case 0x29:
      return pp > 1 ? null : v(pp === 0 ? 'Movaps' : 'Movapd');
    case 0x2b:
      return pp > 1 ? null : v(pp === 0 ? 'Movntps' : 'Movntpd');
    case 0x6f:
    case 0x7f:
      return pp === 1 ? v('Movdqa') : pp === 2 ? v('Movdqu') : null;
    case 0xe7:
      return pp === 1 ? v('Movntdq') : null;
    case 0x6e:
    case 0x7e:
      if (vex) return null;
      if (pp === 1) return [d.rexW && d.mode === MODE_LONG64 ? 'Movq' : 'Movd'];
      return d.opcode === 0x7e && pp === 2 ? ['Movq'] : null;
    case 0xd6:
      return !vex && pp === 1 ? ['Movq'] : null;
    default:
      return null;
  }
}
