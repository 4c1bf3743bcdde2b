// The emulator entry point: fetch at CS:RIP (or take the exit's instruction bytes), decode, dispatch
// to an executor, and commit RIP only when the instruction completed. Every outcome is a value:
// executed, an architectural fault, unimplemented, retry, or unhandleable; nothing throws.
import { CR0_EM, CR0_TS, type CpuState, SEG_CS } from './cpu-state.js';
import { Emu, canonical } from './core.js';
import { DecodeCache } from './decode-cache.js';
import { MAX_INSN_LENGTH } from './decoder/decode.js';
import * as T from './decoder/tables.js';
import { REFERENCE_CPU, type CpuFeatures } from './features.js';
import { EXIT_SITE_BITS, ExitSite, copyInsn, exitSiteSlot, sameBytes } from './exit-site.js';
import { execMovFast } from './fast-mov.js';
import * as In from './insn.js';
import type { Insn } from './insn.js';
import * as Md from './modes.js';
import { currentCpl, currentMode, modeBits } from './modes.js';
import * as Ops from './ops.js';
import { InsnWindow, type X86EmulateOps } from './ops.js';
import * as A from './exec/arith.js';
import { execCrc32 } from './exec/crc32.js';
import { execIn, execOut } from './exec/io.js';
import { execLarLsl } from './exec/lar-lsl.js';
import * as M from './exec/mov.js';
import { execMovnti, execSse } from './exec/sse.js';
import { execString } from './exec/string.js';

/** Outcome of one emulate() call. */
export type EmulateResult =
  /** Done; `complete` is false when a REP run stopped after a batch with RIP left on the instruction. */
  | {
      readonly kind: 'executed';
      /** Instruction length in bytes (1–15). */
      readonly length: number;
      /** False when a REP string instruction stopped after a batch: RIP stays, run it again. */
      readonly complete: boolean;
    }
  /** Deliver this exception to the guest (nothing else was committed; for REP, completed elements are). */
  | {
      readonly kind: 'fault';
      /** Exception vector (VEC_*). */
      readonly vector: number;
      /** The error code to push, or null for a vector without one. */
      readonly errorCode: number | null;
      /** For #PF: the faulting linear address, to load into CR2 on injection. */
      readonly cr2?: bigint;
    }
  /** Decoded fine but not emulated here: a named, clean refusal (the VMM decides what to do). */
  | {
      readonly kind: 'unimplemented';
      /** The form, e.g. `0F 05` or `66 0F 58 /r`. */
      readonly what: string;
      /** Instruction length in bytes. */
      readonly length: number;
    }
  /** A callback asked to come back later; re-run emulate() with `retrying: true`. */
  | { readonly kind: 'retry' }
  /** A callback could not perform an access and gave no fault. */
  | {
      readonly kind: 'unhandleable';
      /** What could not be done (for a log line). */
      readonly reason: string;
    };

/** Per-call options of `X86Emulator.emulate`. */
export interface EmulateOptions {
  /** vCPU index passed to callbacks (default 0). */
  readonly vcpu?: number;
  /** Instruction bytes already available (e.g. from the VM-exit information); fetched otherwise. */
  readonly insnBytes?: Uint8Array;
  /** Set when re-executing an instruction that returned 'retry'. */
  readonly retrying?: boolean;
}

// Local copies of the constants: an imported binding read in optimized code carries a TDZ check
// (see decoder/decode.ts).
const { VEC_GP, VEC_NM, VEC_UD, X86EMUL_EXCEPTION, X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, X86EMUL_UNIMPLEMENTED } = Ops;
const { DEC_FETCH, DEC_OK, DEC_TOO_LONG, ENC_LEGACY } = In;
const { MODE_LONG64 } = Md;

type Exec = (e: Emu) => number;

/** fetchAndDecode: ops.insnWindow not asked yet. */
const NO_WINDOW = -2;
/** Where the decoded bytes came from: supplied with the call, read in place (insnWindow), copied (insnFetch). */
const SRC_SUPPLIED = 0,
  SRC_WINDOW = 1,
  SRC_COPIED = 2;

const HANDLERS: Exec[] = new Array<Exec>(T.H_COUNT).fill((e) => e.unimplemented(''));
HANDLERS[T.H_ALU_EG] = A.execAluEG;
HANDLERS[T.H_ALU_AI] = A.execAluAI;
HANDLERS[T.H_GRP1] = A.execGrp1;
HANDLERS[T.H_TEST_EG] = A.execTestEG;
HANDLERS[T.H_TEST_AI] = A.execTestAI;
HANDLERS[T.H_XCHG_EG] = M.execXchgEG;
HANDLERS[T.H_XCHG_AX] = M.execXchgAx;
HANDLERS[T.H_MOV_EG] = M.execMovEG;
HANDLERS[T.H_LEA] = M.execLea;
HANDLERS[T.H_POP_EV] = M.execPopEv;
HANDLERS[T.H_MOV_MOFFS] = M.execMovMoffs;
for (const h of [T.H_MOVS, T.H_CMPS, T.H_STOS, T.H_LODS, T.H_SCAS, T.H_INS, T.H_OUTS]) HANDLERS[h] = execString;
HANDLERS[T.H_MOV_RI] = M.execMovRI;
HANDLERS[T.H_SHIFT_GRP2] = A.execShift;
HANDLERS[T.H_MOV_EI] = M.execMovEI;
HANDLERS[T.H_IN] = execIn;
HANDLERS[T.H_OUT] = execOut;
HANDLERS[T.H_GRP3] = A.execGrp3;
HANDLERS[T.H_GRP4] = A.execGrp4;
HANDLERS[T.H_GRP5] = A.execGrp5;
HANDLERS[T.H_PUSH_R] = M.execPushR;
HANDLERS[T.H_POP_R] = M.execPopR;
HANDLERS[T.H_PUSH_I] = M.execPushI;
HANDLERS[T.H_IMUL3] = (e) => A.execImul(e, true);
HANDLERS[T.H_MOVSXD] = M.execMovsxd;
HANDLERS[T.H_CBW] = M.execCbw;
HANDLERS[T.H_CWD] = M.execCwd;
HANDLERS[T.H_FLAGOP] = M.execFlagOp;
HANDLERS[T.H_INCDEC_R] = A.execIncDecR;
HANDLERS[T.H_X87] = execX87;
HANDLERS[T.H_NOP] = M.execNop;
HANDLERS[T.H_CMOV] = M.execCmov;
HANDLERS[T.H_SETCC] = M.execSetcc;
HANDLERS[T.H_BT] = A.execBt;
HANDLERS[T.H_BT_GRP8] = A.execBtGrp8;
HANDLERS[T.H_SHLD] = (e) => A.execShxd(e, true);
HANDLERS[T.H_SHRD] = (e) => A.execShxd(e, false);
HANDLERS[T.H_IMUL2] = (e) => A.execImul(e, false);
HANDLERS[T.H_CMPXCHG] = A.execCmpxchg;
HANDLERS[T.H_MOVZX] = (e) => M.execMovx(e, false);
HANDLERS[T.H_MOVSX] = (e) => M.execMovx(e, true);
HANDLERS[T.H_POPCNT] = A.execPopcnt;
HANDLERS[T.H_BSF] = (e) => A.execBitScan(e, false);
HANDLERS[T.H_BSR] = (e) => A.execBitScan(e, true);
HANDLERS[T.H_XADD] = A.execXadd;
HANDLERS[T.H_GRP9] = A.execGrp9;
HANDLERS[T.H_BSWAP] = M.execBswap;
HANDLERS[T.H_MOVNTI] = execMovnti;
HANDLERS[T.H_SSE] = execSse;
HANDLERS[T.H_MOVBE] = M.execMovbe;
HANDLERS[T.H_LAHF_SAHF] = M.execLahfSahf;
HANDLERS[T.H_MOV_FROM_SREG] = M.execMovFromSreg;
HANDLERS[T.H_CRC32] = execCrc32;
HANDLERS[T.H_LAR_LSL] = execLarLsl;

/** x87 escape: #NM when CR0.EM or CR0.TS is set (XSA-190), otherwise not emulated. */
function execX87(e: Emu): number {
  if ((e.state.cr0 & (CR0_EM | CR0_TS)) !== 0) return e.fault(VEC_NM);
  return e.unimplemented('x87 instruction');
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const MAP_PREFIX = ['', '0F ', '0F 38 ', '0F 3A '];

/** A short name for an instruction (for 'unimplemented'; built only on that path). */
export function describeInsn(d: Insn): string {
  const enc = d.encoding === ENC_LEGACY ? '' : d.encoding === 1 ? 'VEX ' : 'EVEX/XOP ';
  const pre = d.encoding === ENC_LEGACY ? (d.pp === 1 ? '66 ' : d.pp === 2 ? 'F3 ' : d.pp === 3 ? 'F2 ' : '') : '';
  const grp = d.hasModrm ? ` /${d.regRaw}` : '';
  return `${enc}${pre}${MAP_PREFIX[d.map]}${HEX[d.opcode]}${grp}`;
}

/** An x86 instruction emulator for one vCPU (reuse it: it owns the preallocated decode record and scratch). */
export class X86Emulator {
  private readonly e: Emu;
  private readonly fetchBuf = new Uint8Array(16);
  /** Decoded instructions by their bytes (a VMM's exits repeat a few instruction sites). */
  private readonly decoded: DecodeCache;
  private readonly executed = { kind: 'executed' as const, length: 0, complete: true };
  /** Where insnWindow found the instruction bytes in guest RAM. */
  private readonly window = new InsnWindow();
  /**
   * The fast paths (MOV through ops.scalarAccess, instruction bytes read in place through
   * ops.insnWindow). False: every instruction takes the general path (the differential tests
   * compare the two).
   */
  fastPaths = true;
  /** emulateMmioExit calls served by a remembered site / handed to emulate's steps (since construction). */
  readonly exitStats = { hits: 0, misses: 0 };
  /** The exit entry's instruction sites (see exit-site.ts). */
  private readonly sites: ExitSite[] = Array.from({ length: 1 << EXIT_SITE_BITS }, () => new ExitSite());
  /** Where the last decode's bytes came from (SRC_*), the supplied bytes, the fetch room and address. */
  private source = SRC_SUPPLIED;
  private supplied: Uint8Array | null = null;
  private room = 0;
  private fetchLo = 0;
  private fetchHi = 0;
  private static readonly RETRY = Object.freeze({ kind: 'retry' as const });

  /** @param features The CPU whose instruction set it decodes (default REFERENCE_CPU). */
  constructor(readonly features: CpuFeatures = REFERENCE_CPU) {
    this.e = new Emu(features);
    this.decoded = new DecodeCache(this.fetchBuf, features);
  }

  /** The last decoded instruction (valid until the next call). */
  get lastInsn(): Insn {
    return this.e.insn;
  }

  /**
   * Emulate one instruction at CS:RIP against `state` and `ops`. The returned 'executed' object is
   * reused by the next call; copy what you keep.
   */
  emulate(state: CpuState, ops: X86EmulateOps, opts?: EmulateOptions): EmulateResult {
    this.begin(state, ops, opts?.vcpu ?? 0, opts?.retrying ?? false);
    return this.finish(this.fetchAndDecode(opts?.insnBytes, NO_WINDOW), null);
  }

  /**
   * The entry for a VMM's MMIO exit: what {@link emulate} does (with `retrying` false), faster when
   * the instruction is a MOV with a memory operand at a site this emulator has seen. It keeps the
   * last instruction sites (RIP, where the bytes came from and the bytes, the mode inputs CR0, EFER,
   * RFLAGS.VM, CS/SS attributes, CS base and limit, the decode record and the next RIP); when all
   * are the same again the instruction goes straight to its memory access (effective address,
   * segment checks and the access itself computed afresh, by the same code emulate runs). Anything
   * else (another instruction, changed bytes or mode, `ops.readSegment`, an instruction `emulate`
   * faults on before executing) is handed to `emulate`'s own steps: the outcome, the state and every
   * callback call are the same as emulate's (test/x86emu/exit-entry.test.ts compares them).
   * @param insnBytes the instruction bytes from the exit, or undefined to fetch them at CS:RIP
   * @param vcpu the vCPU index passed to the callbacks (default 0)
   */
  emulateMmioExit(state: CpuState, ops: X86EmulateOps, insnBytes?: Uint8Array, vcpu = 0): EmulateResult {
    const ripLo = state.ripLo | 0;
    const ripHi = state.ripHi | 0;
    const site = this.sites[exitSiteSlot(ripLo, ripHi)]!;
    const e = this.e;
    if (site.ops !== ops || site.ripLo !== ripLo || site.ripHi !== ripHi || site.fetched !== (insnBytes === undefined) || !site.sameMode(state)) {
      this.exitStats.misses++;
      this.begin(state, ops, vcpu, false);
      return this.finish(this.fetchAndDecode(insnBytes, NO_WINDOW), site);
    }
    // the general entry's context reset, with the mode and CPL the site recorded
    this.resetContext(state, ops, vcpu, false);
    e.mode = site.mode;
    e.is64 = site.is64;
    e.cpl = site.cpl;
    const d = site.insn;
    const len = d.length;
    if (insnBytes !== undefined) {
      if (insnBytes.length < len || !sameBytes(site.bytes, insnBytes, 0, len) || !this.fastPaths || ops.readSegment !== undefined) {
        this.exitStats.misses++;
        return this.finish(this.fetchAndDecode(insnBytes, NO_WINDOW), site);
      }
    } else {
      if (!this.fastPaths || ops.insnWindow === undefined || ops.readSegment !== undefined) {
        this.exitStats.misses++;
        return this.finish(this.fetchAndDecode(undefined, NO_WINDOW), site);
      }
      const w = this.window;
      const n = ops.insnWindow(site.fetchLo, site.fetchHi, site.room, w, e);
      // the bytes changed (self-modifying code), or the page is no longer RAM: decode what the fetch found
      if (n < len || !sameBytes(site.bytes, w.bytes, w.offset, len)) {
        this.exitStats.misses++;
        return this.finish(this.fetchAndDecode(undefined, n), site);
      }
    }
    this.exitStats.hits++;
    e.insn = d;
    e.nextRipLo = site.nextRipLo;
    e.nextRipHi = site.nextRipHi;
    const code = execMovFast(e, site.handler);
    if (code === X86EMUL_OKAY) {
      state.ripLo = site.nextRipLo;
      state.ripHi = site.nextRipHi;
      ops.done?.(code, e);
      // result(), inlined for the common outcome (a MOV never leaves RIP on the instruction)
      const ex = this.executed;
      ex.length = d.length;
      ex.complete = true;
      return ex;
    }
    ops.done?.(code, e);
    return this.result(code);
  }

  /** The per-instruction context reset, mode and CPL. */
  private begin(state: CpuState, ops: X86EmulateOps, vcpu: number, retrying: boolean): void {
    const e = this.e;
    this.resetContext(state, ops, vcpu, retrying);
    const mode = currentMode(state);
    e.mode = mode;
    e.is64 = mode === MODE_LONG64;
    e.cpl = currentCpl(state, mode);
  }

  /** The per-instruction context reset without mode and CPL (the exit entry takes those from its site). */
  private resetContext(state: CpuState, ops: X86EmulateOps, vcpu: number, retrying: boolean): void {
    const e = this.e;
    e.state = state;
    e.ops = ops;
    e.vcpu = vcpu;
    e.retrying = retrying;
    e.event.clear();
    e.segLoaded = 0;
    e.stringOp = false;
    e.keepRip = false;
    e.reps = 0;
    e.reason = '';
  }

  /**
   * After the decode (`code`): next RIP, dispatch, commit, `done` and the result. With `site`, a MOV
   * the exit entry can repeat is recorded there first.
   */
  private finish(code: number, site: ExitSite | null): EmulateResult {
    const e = this.e;
    const state = e.state;
    const ops = e.ops;
    if (code === X86EMUL_OKAY) {
      const d = e.insn;
      // next RIP, wrapped to the instruction-pointer width (XSA-186)
      const s = (state.ripLo >>> 0) + d.length;
      if (e.is64) {
        e.nextRipLo = s >>> 0;
        e.nextRipHi = ((state.ripHi >>> 0) + (s > 0xffffffff ? 1 : 0)) >>> 0;
        // A non-canonical RIP is never committed (XSA-170): an instruction that ends at the top of
        // the canonical lower half (next RIP 0x0000_8000_0000_0000) is #GP(0) before it executes.
        if (!canonical(e.nextRipHi)) code = e.gp0();
      } else {
        e.nextRipLo = modeBits(e.mode) === 16 ? s & 0xffff : s >>> 0;
        e.nextRipHi = 0;
      }
      if (code === X86EMUL_OKAY) {
        const h = (d.entry >>> 16) & 0xff; // entryHandler(), inlined
        if (d.hasMem && (h === T.H_MOV_EG || (h === T.H_MOV_EI && d.regRaw === 0)) && ops.scalarAccess !== undefined && this.fastPaths) {
          if (site !== null) this.record(site, h);
          code = execMovFast(e, h);
        } else code = HANDLERS[h]!(e);
        if (code === X86EMUL_OKAY && !e.keepRip) {
          state.ripLo = e.nextRipLo;
          state.ripHi = e.nextRipHi;
        }
      }
    }
    ops.done?.(code, e); // the same X86EMUL_* vocabulary the callbacks use
    return this.result(code);
  }

  /** Keeps the instruction about to run (decoded from supplied bytes or in place) as an exit site. */
  private record(site: ExitSite, handler: number): void {
    const e = this.e;
    const src = this.source;
    if (src === SRC_COPIED || e.ops.readSegment !== undefined) {
      site.ops = null;
      return;
    }
    const s = e.state;
    const d = e.insn;
    site.ops = e.ops;
    site.ripLo = s.ripLo | 0;
    site.ripHi = s.ripHi | 0;
    site.keepMode(s);
    site.fetched = src === SRC_WINDOW;
    site.room = this.room;
    site.fetchLo = this.fetchLo;
    site.fetchHi = this.fetchHi;
    const from = src === SRC_WINDOW ? this.window.bytes : this.supplied!;
    const at = src === SRC_WINDOW ? this.window.offset : 0;
    for (let i = 0; i < d.length; i++) site.bytes[i] = from[at + i]!;
    copyInsn(site.insn, d);
    site.handler = handler;
    site.mode = e.mode;
    site.is64 = e.is64;
    site.cpl = e.cpl;
    site.nextRipLo = e.nextRipLo;
    site.nextRipHi = e.nextRipHi;
  }

  /**
   * Get the instruction bytes (the caller's, or fetched at CS:RIP) and decode them. Both sources are
   * held to the same bounds: RIP canonical (64-bit) or within the CS limit, and no byte beyond the
   * canonical lower half or the CS limit; a decoder that needs such a byte gets #GP(0). `win` is
   * what ops.insnWindow already answered for these bytes (the exit entry asked), or NO_WINDOW.
   */
  private fetchAndDecode(bytes: Uint8Array | undefined, win: number): number {
    const e = this.e;
    const room = this.fetchRoom();
    if (room < 0) return e.gp0();
    this.room = room;
    let st: number;
    if (bytes !== undefined) {
      // read in place: the decode cache copies them only to decode
      this.source = SRC_SUPPLIED;
      this.supplied = bytes;
      st = this.decoded.decodeAt(bytes, 0, Math.min(bytes.length, MAX_INSN_LENGTH, room), e.mode);
    } else {
      this.source = SRC_WINDOW;
      st = this.fetchInPlace(room, win);
      if (st < 0) {
        this.source = SRC_COPIED;
        st = this.decoded.decodeAt(this.fetchBuf, 0, this.fetch(room), e.mode);
      }
    }
    e.insn = this.decoded.insn;
    if (st === DEC_OK) {
      e.event.clear(); // a fetch fault on bytes the instruction does not have is not delivered
      return X86EMUL_OKAY;
    }
    if (st === DEC_TOO_LONG) return e.gp0();
    if (st === DEC_FETCH) {
      if (e.event.pending) return X86EMUL_EXCEPTION; // the fetch fault on a byte the decoder needed
      if (e.insn.length >= room) return e.gp0(); // beyond the CS limit or the canonical boundary
      e.reason =
        bytes !== undefined ? 'instruction bytes given to emulate() are incomplete' : 'insnFetch returned fewer bytes than asked without recording a fault';
      return X86EMUL_UNHANDLEABLE;
    }
    return e.fault(VEC_UD);
  }

  /**
   * How many instruction bytes may exist at CS:RIP (at most 15), or -1 when RIP itself is outside
   * (non-canonical, or beyond the CS limit). Offsets are uint32: EIP ≥ 2^31 is an ordinary offset.
   */
  private fetchRoom(): number {
    const e = this.e;
    const s = e.state;
    if (e.is64) {
      const hi = s.ripHi >>> 0;
      if (!canonical(hi)) return -1;
      // stop at the end of the canonical lower half
      const lo = s.ripLo >>> 0;
      if (hi === 0x7fff && lo > 0xffffffff - MAX_INSN_LENGTH) return 0x1_0000_0000 - lo;
      return MAX_INSN_LENGTH;
    }
    const cs = e.segment(SEG_CS);
    const limit = cs.limit >>> 0;
    const ipMax = modeBits(e.mode) === 16 ? 0xffff : 0xffffffff;
    const ip = (s.ripLo & ipMax) >>> 0;
    if (ip > limit) return -1;
    // bytes up to the CS limit; the instruction pointer wraps at 16/32 bits and continues at offset 0
    const first = Math.min(MAX_INSN_LENGTH, limit - ip + 1);
    if (first < MAX_INSN_LENGTH && ip + first - 1 === ipMax) return first + Math.min(MAX_INSN_LENGTH - first, limit + 1);
    return first;
  }

  /**
   * Decode the bytes at CS:RIP where they lie in guest RAM (ops.insnWindow), without copying them
   * into the fetch buffer: a decode-cache hit compares them in place. Returns the DEC_* status, or
   * -1 when the copying fetch must do it (no window, a page that is not RAM, an instruction pointer
   * that wraps, or an instruction that goes on past the page: only the copying fetch crosses pages).
   */
  private fetchInPlace(room: number, win: number): number {
    const e = this.e;
    const ops = e.ops;
    if (ops.insnWindow === undefined || !this.fastPaths) return -1;
    const s = e.state;
    let lo: number;
    let hi = 0;
    if (e.is64) {
      lo = s.ripLo | 0;
      hi = s.ripHi | 0;
    } else {
      const ipMax = modeBits(e.mode) === 16 ? 0xffff : 0xffffffff;
      const ip = (s.ripLo & ipMax) >>> 0;
      if (room > ipMax - ip + 1) return -1; // wraps at 64 KiB / 4 GiB: two fetches
      lo = (e.segment(SEG_CS).baseLo + ip) | 0;
    }
    this.fetchLo = lo;
    this.fetchHi = hi;
    const w = this.window;
    const n = win === NO_WINDOW ? ops.insnWindow(lo, hi, room, w, e) : win;
    if (n < 0) return -1;
    const st = this.decoded.decodeAt(w.bytes, w.offset, n, e.mode);
    if (st === DEC_FETCH && n < room && !e.event.pending) return -1; // needs the next page
    return st;
  }

  /** Fetch up to `room` bytes at CS:RIP; returns the count (a fault on a later byte is left in the event). */
  private fetch(room: number): number {
    const e = this.e;
    const s = e.state;
    const buf = this.fetchBuf;
    if (e.is64) return e.ops.insnFetch(s.ripLo | 0, s.ripHi | 0, buf, room, e);
    const cs = e.segment(SEG_CS);
    const ipMax = modeBits(e.mode) === 16 ? 0xffff : 0xffffffff;
    const ip = (s.ripLo & ipMax) >>> 0;
    const first = Math.min(room, ipMax - ip + 1);
    let n = e.ops.insnFetch((cs.baseLo + ip) | 0, 0, buf, first, e);
    if (n === first && first < room) n += e.ops.insnFetch(cs.baseLo | 0, 0, buf.subarray(first), room - first, e);
    return n;
  }

  private result(code: number): EmulateResult {
    const e = this.e;
    switch (code) {
      case X86EMUL_OKAY:
        this.executed.length = e.insn.length;
        this.executed.complete = !e.keepRip;
        return this.executed;
      case X86EMUL_EXCEPTION: {
        const ev = e.event;
        const vector = ev.vector < 0 ? VEC_GP : ev.vector;
        const errorCode = ev.errorCode < 0 ? null : ev.errorCode;
        if (vector === 14) return { kind: 'fault', vector, errorCode, cr2: (BigInt(ev.cr2Hi) << 32n) | BigInt(ev.cr2Lo) };
        return { kind: 'fault', vector, errorCode };
      }
      case X86EMUL_RETRY:
        return X86Emulator.RETRY;
      case X86EMUL_UNIMPLEMENTED:
        return { kind: 'unimplemented', what: e.reason === '' ? describeInsn(e.insn) : `${e.reason} (${describeInsn(e.insn)})`, length: e.insn.length };
      default:
        return { kind: 'unhandleable', reason: e.reason || 'unhandleable' };
    }
  }
}
