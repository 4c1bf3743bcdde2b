// Golden-vector runner: replays vectors recorded on the reference CPU (tools/cpu-vectors) through the ALU.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alu, cmpxchg, xadd, OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP, OP_TEST } from '../../../src/x86emu/alu/binary.js';
import { unary, UN_INC, UN_DEC, UN_NOT, UN_NEG } from '../../../src/x86emu/alu/unary.js';
import { shift, shld, shrd, SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAR } from '../../../src/x86emu/alu/shifts.js';
import { bitTest, bsf, bsr, tzcnt, lzcnt, popcnt, BT_BT, BT_BTS, BT_BTR, BT_BTC } from '../../../src/x86emu/alu/bits.js';
import { mul, imul, imulTrunc, div, idiv } from '../../../src/x86emu/alu/muldiv.js';
import { condition } from '../../../src/x86emu/alu/flags.js';
import { FLAGS_STATUS, type AluOut, type MulDivOut, type OperandSize } from '../../../src/x86emu/alu/api.js';

export const FIXTURE_FILES = ['binary', 'unary', 'shift', 'bits', 'muldiv', 'misc'] as const;

export function loadVectors(name: string): string[] {
  const url = new URL(`../../fixtures/alu-vectors/${name}.txt`, import.meta.url);
  return readFileSync(fileURLToPath(url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

const BIN: Record<string, number> = { add: OP_ADD, or: OP_OR, adc: OP_ADC, sbb: OP_SBB, and: OP_AND, sub: OP_SUB, xor: OP_XOR, cmp: OP_CMP, test: OP_TEST };
const UN: Record<string, number> = { inc: UN_INC, dec: UN_DEC, not: UN_NOT, neg: UN_NEG };
const SH: Record<string, number> = { rol: SH_ROL, ror: SH_ROR, rcl: SH_RCL, rcr: SH_RCR, shl: SH_SHL, shr: SH_SHR, sar: SH_SAR };
const BT: Record<string, number> = { bt: BT_BT, bts: BT_BTS, btr: BT_BTR, btc: BT_BTC };

/** Non-status flag bits mixed into flagsIn: they must come back unchanged. */
const EXTRA = [0x2, 0x202, 0x702, 0x247302];

function lo(s: string): number {
  return parseInt(s.length > 8 ? s.slice(-8) : s, 16) >>> 0;
}
function hi(s: string): number {
  return s.length > 8 ? parseInt(s.slice(0, -8), 16) >>> 0 : 0;
}
function hex(l: number, h: number): string {
  return h !== 0 ? h.toString(16) + (l >>> 0).toString(16).padStart(8, '0') : (l >>> 0).toString(16);
}

const o: AluOut = { lo: 0, hi: 0, flags: 0 };
const md: MulDivOut = { accLo: 0, accHi: 0, extLo: 0, extHi: 0, flags: 0 };

/**
 * Runs one vector line; returns null when it matches, else a description of the mismatch.
 * Results and all six status flags must match, and every non-status bit of flagsIn must be preserved.
 */
export function checkLine(line: string, index: number): string | null {
  const eq = line.indexOf(' = ');
  const ins = line.slice(0, eq).split(' ');
  const outs = line.slice(eq + 3).split(' ');
  const name = ins[0]!;
  const size = Number(ins[1]) as OperandSize;
  const extra = EXTRA[index & 3]!;
  const fin = (parseInt(ins[2]!, 16) | extra) >>> 0;
  const a = ins[3]!;
  const b = ins[4] ?? '0';
  const c = ins[5] ?? '0';
  const expFlags = outs[outs.length - 1] === 'DE' ? fin : (parseInt(outs[outs.length - 1]!, 16) | extra) >>> 0;
  let got: string;
  let want: string;
  let fout: number;
  if (
    name in BIN ||
    name in UN ||
    name in SH ||
    name in BT ||
    name === 'shld' ||
    name === 'shrd' ||
    name === 'imul2' ||
    name === 'bsf' ||
    name === 'bsr' ||
    name === 'tzcnt' ||
    name === 'lzcnt' ||
    name === 'popcnt'
  ) {
    if (name in BIN) alu(BIN[name]!, size, lo(a), hi(a), lo(b), hi(b), fin, o);
    else if (name in UN) unary(UN[name]!, size, lo(a), hi(a), fin, o);
    else if (name in SH) shift(SH[name]!, size, lo(a), hi(a), lo(b), fin, o);
    else if (name in BT) bitTest(BT[name]!, size, lo(a), hi(a), lo(b), fin, o);
    else if (name === 'shld') shld(size, lo(a), hi(a), lo(b), hi(b), lo(c), fin, o);
    else if (name === 'shrd') shrd(size, lo(a), hi(a), lo(b), hi(b), lo(c), fin, o);
    else if (name === 'imul2') imulTrunc(size, lo(a), hi(a), lo(b), hi(b), fin, o);
    else if (name === 'bsf') bsf(size, lo(a), hi(a), lo(b), hi(b), fin, o);
    else if (name === 'bsr') bsr(size, lo(a), hi(a), lo(b), hi(b), fin, o);
    else if (name === 'tzcnt') tzcnt(size, lo(a), hi(a), fin, o);
    else if (name === 'lzcnt') lzcnt(size, lo(a), hi(a), fin, o);
    else popcnt(size, lo(a), hi(a), fin, o);
    if (name === 'cmp' || name === 'test') {
      // CMP and TEST do not store: the recorded destination must be unchanged (out holds the computed value)
      got = hex(lo(a), hi(a));
    } else got = hex(o.lo, o.hi);
    want = hex(lo(outs[0]!), hi(outs[0]!));
    fout = o.flags;
  } else if (name === 'mul' || name === 'imul1') {
    (name === 'mul' ? mul : imul)(size, lo(a), hi(a), lo(b), hi(b), fin, md);
    got = `${hex(md.accLo, md.accHi)} ${hex(md.extLo, md.extHi)}`;
    want = `${hex(lo(outs[0]!), hi(outs[0]!))} ${hex(lo(outs[1]!), hi(outs[1]!))}`;
    fout = md.flags;
  } else if (name === 'div' || name === 'idiv') {
    const fault = (name === 'div' ? div : idiv)(size, lo(a), hi(a), lo(b), hi(b), lo(c), hi(c), fin, md);
    got = fault ? 'DE' : `${hex(md.accLo, md.accHi)} ${hex(md.extLo, md.extHi)}`;
    want = outs[0] === 'DE' ? 'DE' : `${hex(lo(outs[0]!), hi(outs[0]!))} ${hex(lo(outs[1]!), hi(outs[1]!))}`;
    fout = md.flags;
  } else if (name === 'cmpxchg') {
    const equal = cmpxchg(size, lo(a), hi(a), lo(b), hi(b), fin, o);
    got = equal ? `${hex(lo(a), hi(a))} ${hex(lo(c), hi(c))}` : `${hex(lo(b), hi(b))} ${hex(lo(b), hi(b))}`;
    want = `${hex(lo(outs[0]!), hi(outs[0]!))} ${hex(lo(outs[1]!), hi(outs[1]!))}`;
    fout = o.flags;
  } else if (name === 'xadd') {
    xadd(size, lo(a), hi(a), lo(b), hi(b), fin, o);
    got = `${hex(o.lo, o.hi)} ${hex(lo(a), hi(a))}`;
    want = `${hex(lo(outs[0]!), hi(outs[0]!))} ${hex(lo(outs[1]!), hi(outs[1]!))}`;
    fout = o.flags;
  } else if (name === 'setcc') {
    got = condition(parseInt(a, 16), fin) ? '1' : '0';
    want = outs[0]!;
    fout = expFlags;
  } else {
    return `unknown vector op: ${line}`;
  }
  if (got !== want || fout !== expFlags) {
    return `${line}  (flagsIn ${fin.toString(16)}): got ${got} flags ${fout.toString(16)} [status ${(fout & FLAGS_STATUS).toString(16)}], want ${want} flags ${expFlags.toString(16)}`;
  }
  return null;
}
