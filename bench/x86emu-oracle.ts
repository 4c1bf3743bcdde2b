// Differential oracle: our decoder against iced-x86 1.21 (AMD decoding, matching the reference CPU).
// Used by the bounded property test (test/x86emu) and by the long fuzz campaign (bench/x86emu-fuzz.ts).
import { createRequire } from 'node:module';
import { decode } from '../src/x86emu/decoder/decode.js';
import { REFERENCE_CPU, type CpuFeatures } from '../src/x86emu/features.js';
import { BASE_RIP, DEC_OK, ENC_LEGACY, Insn, NO_REG } from '../src/x86emu/insn.js';
import { MODE_LONG64, MODE_PROT16, MODE_PROT32, type CpuMode } from '../src/x86emu/modes.js';
import { executedMnemonics } from './x86emu-identity.js';
import { Rng } from './xorshift32.js';
export { Rng };

// iced-x86 is a CommonJS wasm-bindgen package; load it lazily so importing this file is cheap.
type Iced = typeof import('iced-x86');
let icedMod: Iced | null = null;
export function iced(): Iced {
  if (icedMod === null) icedMod = createRequire(import.meta.url)('iced-x86') as Iced;
  return icedMod;
}

export type Bitness = 16 | 32 | 64;
export const BITNESS_MODE: Record<Bitness, CpuMode> = { 16: MODE_PROT16, 32: MODE_PROT32, 64: MODE_LONG64 };

export interface OracleStats {
  cases: number;
  bothValid: number;
  oursOnly: number;
  icedOnly: number;
  bothInvalid: number;
  mismatches: number;
  firstMismatches: string[];
  icedOnlySamples: Map<string, string>;
  oursOnlySamples: Map<string, string>;
}

export function newStats(): OracleStats {
  return {
    cases: 0,
    bothValid: 0,
    oursOnly: 0,
    icedOnly: 0,
    bothInvalid: 0,
    mismatches: 0,
    firstMismatches: [],
    icedOnlySamples: new Map(),
    oursOnlySamples: new Map(),
  };
}

const GPR64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const GPR32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI', 'R8D', 'R9D', 'R10D', 'R11D', 'R12D', 'R13D', 'R14D', 'R15D'];
const GPR16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
const SEGS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

function regName(r: number, addrSize: number): string {
  if (r === NO_REG) return 'None';
  if (r === BASE_RIP) return addrSize === 8 ? 'RIP' : 'EIP';
  return (addrSize === 8 ? GPR64 : addrSize === 4 ? GPR32 : GPR16)[r] ?? `?${r}`;
}

function hex(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Reusable decoder state for one oracle run. */
export class DecoderOracle {
  private readonly insn = new Insn();
  private readonly I = iced();
  private readonly instr = new (iced().Instruction)();
  private readonly memKinds: Set<number>;
  private readonly immKinds: Set<number>;
  /** Mnemonics whose memory operand is an address only (no access, so no size). */
  private readonly noAccess: Set<number>;

  constructor(private readonly features: CpuFeatures = REFERENCE_CPU) {
    const K = this.I.OpKind;
    this.memKinds = new Set([K.Memory]);
    this.noAccess = new Set([this.I.Mnemonic.Lea, this.I.Mnemonic.Nop, this.I.Mnemonic.Reservednop, this.I.Mnemonic.Cldemote]);
    for (const [name, v] of Object.entries(this.I.Mnemonic)) if (name.startsWith('Prefetch') && typeof v === 'number') this.noAccess.add(v);
    this.immKinds = new Set([
      K.Immediate8,
      K.Immediate16,
      K.Immediate32,
      K.Immediate64,
      K.Immediate8to16,
      K.Immediate8to32,
      K.Immediate8to64,
      K.Immediate32to64,
    ]);
  }

  /** Our decode status of the last check (DEC_*), with `lastInsn` its record. */
  lastStatus = -1;
  get lastInsn(): Insn {
    return this.insn;
  }
  /** iced's decode of the last check (valid until the next one). */
  get lastIced(): import('iced-x86').Instruction {
    return this.instr;
  }

  /** Compare one byte string (decoded at ip 0); returns null when consistent, else a description. */
  check(bytes: Uint8Array, bits: Bitness, stats: OracleStats): string | null {
    stats.cases++;
    const I = this.I;
    const d = this.insn;
    const st = decode(d, bytes, bytes.length, BITNESS_MODE[bits], this.features);
    this.lastStatus = st;
    const decoder = new I.Decoder(bits, bytes, I.DecoderOptions.AMD);
    decoder.ip = 0n;
    decoder.decodeOut(this.instr);
    decoder.free();
    const ins = this.instr;
    const icedValid = !ins.isInvalid;
    const ours = st === DEC_OK;
    if (!icedValid && !ours) {
      stats.bothInvalid++;
      return null;
    }
    if (!icedValid) {
      stats.oursOnly++;
      const key = `${bits}:${hex(bytes, Math.min(d.length || 3, 4))}`;
      if (stats.oursOnlySamples.size < 50) stats.oursOnlySamples.set(key, hex(bytes, d.length));
      return null;
    }
    if (!ours) {
      stats.icedOnly++;
      const key = `${bits}:${I.Code[ins.code]}`;
      if (stats.icedOnlySamples.size < 200 && !stats.icedOnlySamples.has(key)) stats.icedOnlySamples.set(key, hex(bytes, ins.length));
      return null;
    }
    stats.bothValid++;
    if (I.Code[ins.code] === 'Xlat_m8') return null; // implicit [rBX+AL] operand: not modelled
    const problems: string[] = [];
    if (d.length !== ins.length) problems.push(`length ours ${d.length} iced ${ins.length}`);
    let memOp = -1;
    let immOp = -1;
    for (let k = 0; k < ins.opCount; k++) {
      const kind = ins.opKind(k);
      if (this.memKinds.has(kind)) memOp = k;
      else if (immOp < 0 && this.immKinds.has(kind)) immOp = k;
    }
    const executed = executedMnemonics(d, this.features);
    if (problems.length === 0 && !ins.isVsib) {
      if (memOp >= 0 !== d.hasMem) problems.push(`memory operand ours ${d.hasMem} iced ${memOp >= 0}`);
      else if (memOp >= 0) {
        const base = I.Register[ins.memoryBase];
        const index = I.Register[ins.memoryIndex];
        const ob = regName(d.base, d.addrSize);
        const oi = regName(d.index, d.addrSize);
        if (base !== ob) problems.push(`base ours ${ob} iced ${base}`);
        if (index !== oi) problems.push(`index ours ${oi} iced ${index}`);
        if (ins.memoryIndexScale !== d.scale && d.index !== NO_REG) problems.push(`scale ours ${d.scale} iced ${ins.memoryIndexScale}`);
        const w = d.addrSize * 8;
        let ourDisp = (BigInt(d.dispHi >>> 0) << 32n) | BigInt(d.dispLo >>> 0);
        if (d.base === BASE_RIP) ourDisp += BigInt(d.length);
        const a = BigInt.asUintN(w, ourDisp);
        const b = BigInt.asUintN(w, ins.memoryDisplacement);
        if (a !== b) problems.push(`disp ours ${a.toString(16)} iced ${b.toString(16)}`);
        const seg = I.Register[ins.memorySegment];
        // In 64-bit mode iced names an ES/CS/SS/DS override, which the CPU ignores (the default
        // segment stays: #SS for rBP/rSP bases, checked natively); only FS/GS must agree there.
        const nullOverride = bits === 64 && d.seg < 4 && (seg === 'ES' || seg === 'CS' || seg === 'SS' || seg === 'DS');
        if (seg !== SEGS[d.seg] && !nullOverride) problems.push(`segment ours ${SEGS[d.seg]} iced ${seg}`);
        // Every memory form the executor runs must know its size; others are compared when described.
        if (d.memSize !== 0 || (executed !== null && !this.noAccess.has(ins.mnemonic))) {
          const ms = I.MemorySizeExt.size(ins.memorySize);
          if (ms !== d.memSize) problems.push(`memory size ours ${d.memSize} iced ${ms}`);
        }
      }
      // Identity: the instruction the executor runs is the one the bytes encode.
      if (executed !== null) {
        const m = I.Mnemonic[ins.mnemonic]!;
        if (!executed.some((n) => (typeof n === 'string' ? n === m : n.test(m)))) {
          problems.push(`instruction ours ${executed.map(String).join('|')} iced ${m}`);
        }
      }
      if (immOp >= 0 && d.encoding === ENC_LEGACY && d.immSize > 0 && d.immSize <= 8 && d.imm2 === 0 && d.immSize === immBytes(ins.opKind(immOp), I)) {
        const w = d.immSize * 8;
        const ours64 = BigInt.asUintN(w, (BigInt(d.immHi >>> 0) << 32n) | BigInt(d.immLo >>> 0));
        const theirs = BigInt.asUintN(w, ins.immediate(immOp));
        if (ours64 !== theirs) problems.push(`immediate ours ${ours64.toString(16)} iced ${theirs.toString(16)}`);
      }
    }
    if (problems.length === 0) return null;
    stats.mismatches++;
    const msg = `${bits}-bit ${hex(bytes, Math.max(ins.length, d.length))} (${I.Code[ins.code]}): ${problems.join('; ')}`;
    if (stats.firstMismatches.length < 20) stats.firstMismatches.push(msg);
    return msg;
  }
}

function immBytes(kind: number, I: Iced): number {
  const K = I.OpKind;
  switch (kind) {
    case K.Immediate8:
    case K.Immediate8to16:
    case K.Immediate8to32:
    case K.Immediate8to64:
      return 1;
    case K.Immediate16:
      return 2;
    case K.Immediate32:
    case K.Immediate32to64:
      return 4;
    case K.Immediate64:
      return 8;
    default:
      return 0;
  }
}

// ---- structured byte-string generator (also used by the property test) -------------------------
const PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];

/** Fill `out` (16 bytes) with a structured instruction: a few prefixes, REX, an escape, an opcode, ModRM, SIB and random tail. */
export function structuredBytes(rng: Rng, bits: Bitness, out: Uint8Array): void {
  for (let k = 0; k < out.length; k++) out[k] = rng.next() & 0xff;
  let i = 0;
  const np = rng.below(8) === 0 ? rng.below(6) : rng.below(3);
  for (let k = 0; k < np; k++) out[i++] = PREFIXES[rng.below(PREFIXES.length)]!;
  if (bits === 64 && rng.below(3) === 0) out[i++] = 0x40 | rng.below(16);
  const esc = rng.below(10);
  if (esc < 3) out[i++] = 0x0f;
  else if (esc === 3) {
    out[i++] = 0x0f;
    out[i++] = 0x38;
  } else if (esc === 4) {
    out[i++] = 0x0f;
    out[i++] = 0x3a;
  } else if (esc === 5) {
    // VEX
    if (rng.below(2) === 0) {
      out[i++] = 0xc5;
      out[i++] = (rng.next() & 0xff) | (bits === 64 ? 0 : 0x80);
    } else {
      out[i++] = 0xc4;
      out[i++] = (rng.below(3) + 1) | (rng.next() & 0xe0) | (bits === 64 ? 0 : 0xc0);
      out[i++] = rng.next() & 0xff;
    }
  }
  i++; // opcode (random)
  if (i < out.length) {
    // bias ModRM towards memory forms with SIB and displacements
    const r = rng.below(4);
    if (r === 0) out[i] = (out[i]! & 0x38) | 0x04 | (rng.below(3) << 6);
    else if (r === 1) out[i] = (out[i]! & 0x38) | 0x05;
  }
}
