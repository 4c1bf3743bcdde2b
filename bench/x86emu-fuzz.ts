// `npm run fuzz -- --only x86emu`: the instruction emulator against iced-x86 as an oracle. Each case is a
// random instruction (random or structured bytes) in a random mode, CPL and register state:
//  1. decoder differential (bench/x86emu-oracle.ts): length, operands, immediates, the identity of
//     the instruction the executor runs (iced `Mnemonic`) and its memory operand size;
//  2. it is emulated against a memory that records every access, and each access must be one that
//     iced's InstructionInfo allows: the same linear address (segment base + effective address at
//     the address size, RIP-relative, implicit stack and string operands), the same size, and a
//     permitted direction (read / write / read-write). An unconditional iced access that an executed
//     instruction did not make is a finding too, as is any access by an instruction reported
//     unimplemented, a write before a fault (nothing may be committed), an accepted encoding iced
//     rejects, a 'retry'/'unhandleable' outcome (the memory never asks for them) and any throw.
// Reproducible: case i of seed s draws everything from its own generator (seed, i); replay one with
// `npm run fuzz -- --only x86emu --seed s --case i` (x86emuFuzzCase prints the trace).
import { createRequire } from 'node:module';
import { CpuState, RCX, SA_DB, SA_L, SEG_CS, SEG_FS, SEG_GS } from '../src/x86emu/cpu-state.js';
import { MODE_COMPAT32, MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL, MODE_V86, type CpuMode } from '../src/x86emu/modes.js';
import { X86EMUL_OKAY, type EmulateContext, type X86EmulateOps } from '../src/x86emu/ops.js';
import { X86Emulator, type EmulateResult } from '../src/x86emu/emulator.js';
import type { Insn } from '../src/x86emu/insn.js';
import * as T from '../src/x86emu/decoder/tables.js';
import { BASE_RIP, DEC_OK } from '../src/x86emu/insn.js';
import { DecoderOracle, newStats, Rng, structuredBytes, type Bitness, type OracleStats } from './x86emu-oracle.js';

type Iced = typeof import('iced-x86');
const MODES: readonly CpuMode[] = [MODE_REAL, MODE_V86, MODE_PROT16, MODE_PROT32, MODE_COMPAT32, MODE_LONG64];
const MODE_NAME = ['real', 'v86', 'prot16', 'prot32', 'compat16', 'compat32', 'long64'];
const MASK64 = (1n << 64n) - 1n;

/** Memory that answers every access (bytes derived from the address) and records it. */
class RecordingOps implements X86EmulateOps {
  readonly addrs: bigint[] = [];
  readonly sizes: number[] = [];
  readonly writes: boolean[] = [];
  /** Descriptor-table reads (LAR/LSL, ctxt.systemAccess): implicit accesses iced's InstructionInfo does not list. */
  systemReads = 0;
  reset(): void {
    this.systemReads = 0;
    this.addrs.length = 0;
    this.sizes.length = 0;
    this.writes.length = 0;
  }
  private note(lo: number, hi: number, size: number, write: boolean): void {
    this.addrs.push((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
    this.sizes.push(size);
    this.writes.push(write);
  }
  read(lo: number, hi: number, size: number, dst: Uint8Array, ctxt?: EmulateContext): number {
    // (a test calls it without a context)
    if (ctxt?.systemAccess === true)
      this.systemReads += size === 8 ? 1 : 100; // one 8-byte descriptor, or a finding
    else this.note(lo, hi, size, false);
    for (let i = 0; i < size; i++) dst[i] = (Math.imul((lo + i) ^ hi, 0x9e3779b1) >>> 24) & 0xff;
    return X86EMUL_OKAY;
  }
  write(lo: number, hi: number, size: number): number {
    this.note(lo, hi, size, true);
    return X86EMUL_OKAY;
  }
  cmpxchg(lo: number, hi: number, size: number): number {
    return this.write(lo, hi, size);
  }
  insnFetch(): number {
    return 0; // the campaign always hands the bytes over
  }
  readIo(_p: number, size: number, dst: Uint8Array): number {
    dst.fill(0x5a, 0, size);
    return X86EMUL_OKAY;
  }
  writeIo(): number {
    return X86EMUL_OKAY;
  }
  ioPermitted(port: number): boolean {
    return (port & 1) === 0;
  }
}

/** One case's inputs, drawn from its own generator. */
export interface CaseInput {
  readonly bytes: Uint8Array;
  readonly mode: CpuMode;
  readonly cpl: number;
  readonly state: CpuState;
}

function caseRng(seed: number, index: number): Rng {
  // splitmix-style mix of (seed, index) so every case has an independent, replayable stream
  let x = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return new Rng((x ^ (x >>> 16)) >>> 0 || 1);
}

function bitsOf(mode: CpuMode): Bitness {
  return mode === MODE_LONG64 ? 64 : mode === MODE_PROT32 || mode === MODE_COMPAT32 ? 32 : 16;
}

/** A register value: small, near a boundary, or any 64 bits. */
function regValue(rng: Rng): bigint {
  switch (rng.below(6)) {
    case 0:
      return BigInt(rng.below(0x10000));
    case 1:
      return BigInt(rng.next());
    case 2:
      return (BigInt(rng.next()) << 32n) | BigInt(rng.next());
    case 3:
      return BigInt.asUintN(64, -BigInt(rng.below(0x100)));
    case 4:
      return 0xffffn - BigInt(rng.below(16)) + (rng.below(2) === 0 ? 0n : 0xffff0000n);
    default:
      return BigInt(rng.below(16)) * 0x1000n + BigInt(rng.below(0x1000));
  }
}

export function makeCase(seed: number, index: number): CaseInput {
  const rng = caseRng(seed, index);
  const mode = MODES[rng.below(MODES.length)]!;
  const cpl = mode === MODE_REAL ? 0 : mode === MODE_V86 ? 3 : rng.below(4);
  const s = new CpuState();
  if (mode === MODE_REAL) s.setRealMode();
  else if (mode === MODE_V86) s.setV86Mode(rng.below(4));
  else if (mode === MODE_LONG64) s.setLongMode(cpl);
  else if (mode === MODE_COMPAT32) {
    s.setLongMode(cpl);
    s.seg[SEG_CS]!.attr = (s.seg[SEG_CS]!.attr & ~SA_L) | SA_DB;
  } else s.setProtectedMode(mode === MODE_PROT16 ? 16 : 32, cpl);
  // segment bases: real/v86 follow the selector; elsewhere random (64-bit mode must ignore all but FS/GS)
  for (let i = 0; i < 6; i++) {
    const sg = s.seg[i]!;
    if (mode === MODE_REAL || mode === MODE_V86) {
      sg.selector = rng.below(0x10000);
      sg.baseLo = sg.selector * 16;
    } else if (rng.below(2) === 0) {
      sg.baseLo = rng.below(3) === 0 ? rng.next() : rng.below(16) * 0x10000;
      if (mode === MODE_LONG64 && (i === SEG_FS || i === SEG_GS)) sg.baseHi = rng.below(2) === 0 ? 0 : rng.below(0x8000);
    }
  }
  for (let r = 0; r < 16; r++) s.setReg(r, regValue(rng));
  s.rflags = (0x2 | (rng.next() & 0x8d5) | (rng.below(4) === 0 ? 0x400 : 0) | (mode === MODE_V86 ? s.rflags : 0)) >>> 0;
  const bits = bitsOf(mode);
  if (bits === 64) s.setRip(rng.below(8) === 0 ? BigInt.asUintN(64, -BigInt(rng.below(0x10000))) : BigInt(rng.next()) | (BigInt(rng.below(0x8000)) << 32n));
  else s.setRip(bits === 32 ? rng.next() : rng.below(0x10000));
  const bytes = new Uint8Array(16);
  if (rng.below(2) === 0) structuredBytes(rng, bits, bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = rng.next() & 0xff;
  return { bytes, mode, cpl, state: s };
}

const OP_READS = new Set([1, 2, 5, 6]); // Read, CondRead, ReadWrite, ReadCondWrite
const OP_WRITES = new Set([3, 4, 5, 6]); // Write, CondWrite, ReadWrite, ReadCondWrite
const SHIFTS = new Set(['Rol', 'Ror', 'Rcl', 'Rcr', 'Shl', 'Shr', 'Sal', 'Sar', 'Shld', 'Shrd']);
const BT_REG = new Set([0xa3, 0xab, 0xb3, 0xbb]);

/** Checks cases against iced-x86; holds the reusable decoders and scratch. */
export class EmulatorOracle {
  private readonly I: Iced = createRequire(import.meta.url)('iced-x86') as Iced;
  private readonly decoderOracle = new DecoderOracle();
  private readonly infoFactory = new this.I.InstructionInfoFactory();
  private readonly ops = new RecordingOps();
  private readonly before = new CpuState();
  readonly stats: OracleStats = newStats();
  readonly outcomes: Record<string, number> = {};
  compared = 0;
  private readonly regIndex = new Map<number, [number, number]>(); // iced Register → [gpr, width bits]

  /** `emu`: the emulator under test (a test can hand in a deliberately wrong one). */
  constructor(private readonly emu: X86Emulator = new X86Emulator()) {
    const R = this.I.Register as unknown as Record<string, number>;
    const n64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI'];
    const n32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
    const n16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
    for (let i = 0; i < 16; i++) {
      this.regIndex.set(R[i < 8 ? n64[i]! : `R${i}`]!, [i, 64]);
      this.regIndex.set(R[i < 8 ? n32[i]! : `R${i}D`]!, [i, 32]);
      this.regIndex.set(R[i < 8 ? n16[i]! : `R${i}W`]!, [i, 16]);
    }
  }

  /** Run one case; returns null or a finding (without the seed/index, which the caller adds). */
  check(input: CaseInput, log?: (line: string) => void): string | null {
    const { bytes, mode, state } = input;
    const bits = bitsOf(mode);
    const I = this.I;
    const decodeProblem = this.decoderOracle.check(bytes, bits, this.stats);
    if (decodeProblem !== null) return `decoder: ${decodeProblem}`;
    const ours = { status: this.decoderOracle.lastStatus, insn: this.decoderOracle.lastInsn };
    const ins = this.decoderOracle.lastIced;
    const icedValid = !ins.isInvalid;
    if (ours.status === DEC_OK && !icedValid) return `accepted an encoding iced-x86 rejects: ${bits}-bit ${hexOf(bytes, ours.insn.length)}`;
    const d = ours.insn;
    const stringRep = ours.status === DEC_OK && d.rep !== 0 && isString(d);
    if (stringRep) state.setReg(RCX, 1); // one element: iced describes the first one
    const before = this.before;
    copyState(state, before);
    this.ops.reset();
    let r: EmulateResult;
    try {
      r = this.emu.emulate(state, this.ops, { insnBytes: bytes });
    } catch (e) {
      return `threw ${e instanceof Error ? e.message : String(e)}: ${MODE_NAME[mode]} ${hexOf(bytes, 15)}`;
    }
    const kind = r.kind === 'executed' && !r.complete ? 'executed-partial' : r.kind;
    this.outcomes[kind] = (this.outcomes[kind] ?? 0) + 1;
    // the case as text, built only for a finding or a trace
    const what = (): string =>
      `${MODE_NAME[mode]} cpl ${input.cpl} ${hexOf(bytes, ours.status === DEC_OK ? d.length : 15)}${icedValid ? ` (${I.Code[ins.code]})` : ''}`;
    if (log !== undefined) log(`case: ${what()}; outcome ${JSON.stringify(r)}`);
    for (let k = 0; k < this.ops.addrs.length; k++)
      log?.(`  ${this.ops.writes[k] ? 'write' : 'read '} ${this.ops.addrs[k]!.toString(16)} size ${this.ops.sizes[k]}`);
    if (r.kind === 'retry' || r.kind === 'unhandleable') return `outcome ${r.kind} from a memory that never asks for it: ${what()}`;
    const n = this.ops.addrs.length;
    const sys = this.ops.systemReads;
    if (sys > 1 || (sys === 1 && (d.map !== 1 || (d.opcode !== 0x02 && d.opcode !== 0x03))))
      return `descriptor-table reads (${sys}) other than one LAR/LSL descriptor: ${what()}`;
    if (r.kind === 'unimplemented') return n === 0 ? null : `unimplemented after ${n} memory access(es): ${what()}`;
    if (r.kind === 'fault') {
      if (this.ops.writes.includes(true) && !isString(d)) return `wrote memory, then faulted (#${r.vector}): ${what()}`;
      if (ours.status !== DEC_OK || n === 0) return null;
    }
    if (!icedValid || ours.status !== DEC_OK) return null;
    // ---- memory accesses against iced's InstructionInfo ----
    this.compared++;
    const info = this.infoFactory.info(ins);
    const used = info.usedMemory() as import('iced-x86').UsedMemory[];
    const mnemonic = I.Mnemonic[ins.mnemonic]!;
    const expected: { addr: bigint | null; size: number; access: number }[] = [];
    for (const u of used) {
      expected.push({ addr: this.linear(u, d, before, mnemonic), size: I.MemorySizeExt.size(u.memorySize), access: u.access });
      u.free();
    }
    info.free();
    for (const x of expected) log?.(`  iced: ${I.OpAccess[x.access]} ${x.addr === null ? '?' : x.addr.toString(16)} size ${x.size}`);
    const matched = new Array<number>(expected.length).fill(0); // bit 0: read seen, bit 1: write seen
    for (let k = 0; k < n; k++) {
      const a = this.ops.addrs[k]!,
        size = this.ops.sizes[k]!,
        w = this.ops.writes[k]!;
      // the first allowed operand not yet matched in this direction (two operands may share an address)
      let hit = -1;
      const bit = w ? 2 : 1;
      for (let j = 0; j < expected.length; j++) {
        const x = expected[j]!;
        if (!(w ? OP_WRITES : OP_READS).has(x.access)) continue;
        if (x.size !== 0 && x.size !== size) continue;
        if (x.addr !== null && x.addr !== a) continue;
        if (hit < 0 || ((matched[hit]! & bit) !== 0 && (matched[j]! & bit) === 0)) hit = j;
      }
      if (hit < 0) {
        const allowed = expected.map((x) => `${I.OpAccess[x.access]} ${x.addr?.toString(16) ?? '?'}/${x.size}`).join(', ') || 'none';
        return `${w ? 'write' : 'read'} of ${size} at ${a.toString(16)} not allowed by iced-x86 (${allowed}): ${what()}`;
      }
      matched[hit]! |= w ? 2 : 1;
    }
    if (r.kind !== 'executed' || !r.complete) return null;
    for (let j = 0; j < expected.length; j++) {
      const x = expected[j]!;
      const needRead = x.access === 1 || x.access === 5;
      let needWrite = x.access === 3 || x.access === 5;
      if (needWrite && SHIFTS.has(mnemonic) && shiftCountZero(d, before)) needWrite = false; // count 0: no write
      if ((needRead && (matched[j]! & 1) === 0) || (needWrite && (matched[j]! & 2) === 0)) {
        return `missing ${needRead && (matched[j]! & 1) === 0 ? 'read' : 'write'} of ${x.size} at ${x.addr?.toString(16) ?? '?'} (iced ${I.OpAccess[x.access]}): ${what()}`;
      }
    }
    return null;
  }

  /** The linear address iced's operand names, from the state before the instruction; null when not computable here. */
  private linear(u: import('iced-x86').UsedMemory, d: Insn, s: CpuState, mnemonic: string): bigint | null {
    const I = this.I;
    const is64 = d.mode === MODE_LONG64;
    let width = d.addrSize * 8;
    let ea = u.displacement;
    if (u.base === I.Register.None && u.index === I.Register.None && d.hasMem && d.base === BASE_RIP) {
      ea += s.getRip(); // RIP-relative: iced decoded at ip 0, so its displacement is relative to RIP
    }
    for (const [reg, scale] of [
      [u.base, 1],
      [u.index, u.scale],
    ] as const) {
      if (reg === I.Register.None) continue;
      const g = this.regIndex.get(reg);
      if (g === undefined) return null; // e.g. XLAT's AL, RIP
      width = g[1];
      ea += BigInt.asUintN(g[1], s.getReg(g[0])) * BigInt(scale);
    }
    if (BT_REG.has(d.opcode) && d.map === 1 && mnemonic.startsWith('Bt')) {
      // register bit offset: the operand moves by the signed offset in units of the operand size
      const bitsOp = d.opSize * 8;
      const off = BigInt.asIntN(bitsOp, s.getReg(d.reg));
      const step = off >= 0n ? off / BigInt(bitsOp) : -((-off + BigInt(bitsOp) - 1n) / BigInt(bitsOp));
      ea += step * BigInt(d.opSize);
    }
    ea = BigInt.asUintN(width, ea);
    const seg = u.segment === I.Register.None ? -1 : ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'].indexOf(I.Register[u.segment]!);
    if (is64) {
      if (seg === SEG_FS || seg === SEG_GS) {
        const sg = s.seg[seg]!;
        ea += (BigInt(sg.baseHi >>> 0) << 32n) | BigInt(sg.baseLo >>> 0);
      }
      return ea & MASK64;
    }
    if (seg < 0) return null;
    return BigInt.asUintN(32, ea + BigInt(s.seg[seg]!.baseLo >>> 0));
  }
}

function isString(d: Insn): boolean {
  const h = T.entryHandler(d.entry);
  return h === T.H_MOVS || h === T.H_CMPS || h === T.H_STOS || h === T.H_LODS || h === T.H_SCAS || h === T.H_INS || h === T.H_OUTS;
}

/** The masked count of a shift/rotate is 0 (the destination is then not written to memory). */
function shiftCountZero(d: Insn, s: CpuState): boolean {
  const h = T.entryHandler(d.entry);
  const arg = T.entryArg(d.entry);
  const cl = Number(s.getReg(RCX) & 0xffn);
  let count: number;
  if (h === T.H_SHIFT_GRP2) count = arg === 0 ? d.immLo & 0xff : arg === 1 ? 1 : cl;
  else count = arg === 0 ? d.immLo & 0xff : cl;
  return (count & (d.opSize === 8 ? 63 : 31)) === 0;
}

function copyState(from: CpuState, to: CpuState): void {
  to.gpr.set(from.gpr);
  to.ripLo = from.ripLo;
  to.ripHi = from.ripHi;
  to.rflags = from.rflags;
  for (let i = 0; i < 6; i++) {
    const a = from.seg[i]!,
      b = to.seg[i]!;
    b.selector = a.selector;
    b.baseLo = a.baseLo;
    b.baseHi = a.baseHi;
    b.limit = a.limit;
    b.attr = a.attr;
  }
  to.cr0 = from.cr0;
  to.cr4 = from.cr4;
  to.efer = from.efer;
  to.xcr0 = from.xcr0;
}

function hexOf(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, Math.min(n, b.length)), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Replay one case with a trace (`npm run fuzz -- --only x86emu --seed S --case I`). */
export function x86emuFuzzCase(seed: number, index: number, log: (line: string) => void = () => {}): { finding: string | null } {
  const oracle = new EmulatorOracle();
  const finding = oracle.check(makeCase(seed, index), log);
  return { finding: finding === null ? null : `${finding} (seed ${seed}, case ${index})` };
}

/** The campaign: as many cases as fit in `budgetMs`; cases = emulated instructions. */
export function runX86emuFuzz(budgetMs: number, seed: number): { cases: number; seconds: number; findings: string[] } & Record<string, unknown> {
  const t0 = Date.now();
  const deadline = t0 + budgetMs;
  const oracle = new EmulatorOracle();
  const findings: string[] = [];
  let cases = 0;
  // At least one batch, however late the start (a loaded machine can spend the budget on set-up).
  do {
    for (let k = 0; k < 500; k++, cases++) {
      let f: string | null;
      try {
        f = oracle.check(makeCase(seed, cases));
      } catch (e) {
        f = `the campaign itself threw: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (f !== null && findings.length < 1000) findings.push(`${f} (seed ${seed}, case ${cases})`);
    }
  } while (Date.now() < deadline);
  const seconds = (Date.now() - t0) / 1000;
  const st = oracle.stats;
  return {
    cases,
    seconds,
    findings,
    casesPerSecond: Math.round(cases / seconds),
    accessesCompared: oracle.compared,
    decodedByBoth: st.bothValid,
    icedOnlyValid: st.icedOnly,
    outcomes: oracle.outcomes,
  };
}
