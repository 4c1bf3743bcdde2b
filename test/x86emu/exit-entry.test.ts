// X86Emulator.emulateMmioExit (issue 14, fifth pass) against emulate: two identical machines run
// the same random sequence of steps, one through the exit entry and one through emulate. A step is
// an instruction at one of a few sites (MOV forms, which the entry remembers, and others, which it
// hands on), supplied or fetched; or a change of what a remembered site depends on: the mode (CR0,
// EFER, CS.L/D, RFLAGS.VM), the CPL, CS/SS attributes, CS base and limit, the code bytes (rewritten
// in RAM or supplied differently: self-modifying code must miss), the RIP, the translation of the
// code page, data segments, alignment checking, registers, and the device regions (moved, removed,
// added back). After every step the outcome, registers, RIP, flags and the decode record must agree,
// and the device log (every access in order) and RAM are compared as the run goes.
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import type { Region } from '../../src/bus/region.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { copyInsn } from '../../src/x86emu/exit-site.js';
import { BusEmulateOps, type BusOpsOptions } from '../../src/x86emu/bus-adapter.js';
import {
  CpuState,
  RAX,
  CR0_AM,
  RFLAGS_AC,
  RFLAGS_VM,
  SA_DB,
  SA_DPL_SHIFT,
  SA_L,
  SEG_CS,
  SEG_DS,
  SEG_ES,
  SEG_FS,
  SEG_GS,
  SEG_SS,
} from '../../src/x86emu/cpu-state.js';
import type { EmulateContext } from '../../src/x86emu/ops.js';
import { type EmulateResult, X86Emulator } from '../../src/x86emu/emulator.js';
import { Insn } from '../../src/x86emu/insn.js';
import { Rng } from '../../bench/xorshift32.js';
import { LogDevice } from './log-device.js';

/** What the xen-hvm LAPIC's version register reads (docs/x86emu.md's generations example). */
const LAPIC_VERSION = 0x50014n;
import { createPlatform } from '../../src/platform/create-platform.js';

/**
 * How the twins translate and what generations the exit twin's caller keeps: `paging` a translate
 * callback (the code page and one device page remapped by steps); `tgen` the caller keeps
 * BusEmulateOps.translationGeneration and bumps it on every remap; `mgen` it keeps
 * CpuState.modeGeneration and bumps it on every write of a mode input.
 */
interface Variant {
  readonly paging: boolean;
  readonly tgen: boolean;
  readonly mgen: boolean;
}

const RAM_SIZE = 0x20000;
/** Device ranges: three pages and one of 0x100 bytes inside a page (sub-page regions). */
const DEV_BASES = [0xfed00000, 0xfee00000, 0x20000, 0xfed01080];
const DEV_SIZES = [0x1000, 0x1000, 0x1000, 0x100];
/** The device page the paging variant remaps (linear 0xFED00000 → physical devPage). */
const REMAPPED_DEV_PAGE = 0xfed00;
/** Instruction sites (RIP values; outside 64-bit mode offsets from the CS base). */
const SITES = [0x1100, 0x1180, 0x11c0, 0x1ffe, 0x2100, 0x4ffc, 0x8000];

function machine(variant: Variant) {
  const log: string[] = [];
  const mmio = new MmioBus();
  const ram = new Uint8Array(RAM_SIZE);
  mmio.addRam(0, ram);
  const devs = DEV_BASES.map((b, i) => new LogDevice(`d${i}`, log));
  const regions: (Region | null)[] = DEV_BASES.map((b, i) => mmio.register(b, DEV_SIZES[i]!, devs[i]!, { owner: `d${i}` }));
  // the paging variant: linear page 1 maps to physical page `codePage`, linear page 0xFED00 to `devPage`
  const paging = { codePage: 1, devPage: REMAPPED_DEV_PAGE };
  const opts: BusOpsOptions = variant.paging
    ? {
        translate: (lo: number, hi: number, write: boolean, ctxt: EmulateContext) => {
          const page = lo >>> 12;
          if (hi === 0 && page === 3) {
            ctxt.event.pageFault(write ? 6 : 4, lo, hi);
            return -1;
          }
          if (hi === 0 && page === 1) return paging.codePage * 0x1000 + (lo & 0xfff);
          if (hi === 0 && page === REMAPPED_DEV_PAGE) return paging.devPage * 0x1000 + (lo & 0xfff);
          return hi * 0x1_0000_0000 + lo;
        },
      }
    : {};
  const ops = new BusEmulateOps(mmio, new PortBus(), opts);
  return { log, mmio, ram, devs, regions, paging, ops, emu: new X86Emulator(), s: new CpuState().setLongMode(), variant, exit: false, last: '' };
}
type Machine = ReturnType<typeof machine>;

const MOV_OPS = [0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7];
const PREFIXES = [0x66, 0x67, 0x26, 0x36, 0x64, 0x65, 0xf3];
/** Other instructions at a site: ALU on memory, MOVS, OUT, a register MOV, MOVZX, an invalid opcode. */
const OTHERS = [[0x01, 0x08], [0x83, 0x00, 0x05], [0xa4], [0xe6, 0x80], [0x89, 0xc8], [0x0f, 0xb6, 0x02], [0x0f, 0x0b]];

function randomInsn(rnd: () => number): number[] {
  if (rnd() % 6 === 0) return [...OTHERS[rnd() % OTHERS.length]!, 0x90, 0x90, 0x90, 0x90];
  const b: number[] = [];
  const nPre = rnd() % 3 === 0 ? rnd() % 3 : 0;
  for (let i = 0; i < nPre; i++) b.push(PREFIXES[rnd() % PREFIXES.length]!);
  if (rnd() % 3 === 0) b.push(0x40 | (rnd() & 15));
  const op = MOV_OPS[rnd() % MOV_OPS.length]!;
  b.push(op);
  const mod = rnd() % 10 === 0 ? 3 : rnd() % 3;
  const reg = op >= 0xc6 && rnd() % 8 !== 0 ? 0 : rnd() & 7;
  b.push((mod << 6) | (reg << 3) | (rnd() & 7));
  for (let i = 0; i < 12; i++) {
    const c = rnd() % 10;
    b.push(c < 4 ? rnd() & 15 : c < 6 ? 0 : c < 7 ? 0xff - (rnd() & 15) : rnd() & 0xff);
  }
  return b;
}

/** A step: applied to both machines alike (all randomness drawn before). */
type Step = (m: Machine) => void;

/** The caller wrote a mode input: a caller keeping CpuState.modeGeneration bumps it. */
function modeWritten(m: Machine): void {
  if (m.variant.mgen) m.s.modeGeneration++;
}

/** The translation changed: a caller keeping BusEmulateOps.translationGeneration bumps it. */
function translationChanged(m: Machine): void {
  if (m.variant.tgen) m.ops.translationGeneration++;
}

interface Run {
  /** Per site: the instruction bytes last written or supplied there. */
  code: number[][];
  /** Instruction bytes supplied with the exit (else fetched). */
  supplied: boolean;
}

function setMode(s: CpuState, kind: number, cpl: number): void {
  if (kind === 0) s.setLongMode(cpl);
  else if (kind === 1) {
    s.setLongMode(cpl);
    const cs = s.seg[SEG_CS]!;
    cs.attr = (cs.attr & ~SA_L) | SA_DB; // compatibility mode
  } else if (kind === 2) s.setProtectedMode(32, cpl);
  else if (kind === 3) s.setProtectedMode(16, cpl);
  else if (kind === 4) s.setRealMode();
  else s.setV86Mode(3);
}

/** A random step (drawing from `rnd` once, so both machines get the same). */
function randomStep(rnd: () => number, run: Run, stats: { insns: number }): Step {
  const pick = <T>(xs: readonly T[]): T => xs[rnd() % xs.length]!;
  const k = rnd() % 100;
  if (k < 2) {
    // the VMM switches between supplied bytes (decode assists) and fetching
    const to = !run.supplied;
    return () => {
      run.supplied = to;
    };
  }
  if (k < 8) {
    // one mode input alone: CR0.PE, EFER.LMA, RFLAGS.VM, SS.DPL (the CPL), CS.D
    const which = rnd() % 6;
    const dpl = rnd() % 2 === 0 ? 3 : rnd() & 3;
    return (m) => {
      if (which === 0) m.s.cr0 = (m.s.cr0 ^ 1) >>> 0;
      else if (which === 1) m.s.efer ^= 1 << 10;
      else if (which === 2) m.s.rflags ^= RFLAGS_VM;
      else if (which === 3 || which === 5) {
        const ss = m.s.seg[SEG_SS]!;
        ss.attr = (ss.attr & ~(3 << SA_DPL_SHIFT)) | (dpl << SA_DPL_SHIFT);
        m.s.cr0 = (m.s.cr0 | CR0_AM) >>> 0; // alignment checking follows the CPL
        m.s.rflags |= RFLAGS_AC;
      } else m.s.seg[SEG_CS]!.attr ^= SA_DB;
      modeWritten(m);
    };
  }
  if (k < 77) {
    // an instruction at a site, at the current RIP most of the time (a driver's loop), else another
    const site = rnd() % 4 === 0 ? rnd() % SITES.length : -1;
    const supplied = run.supplied;
    const vcpu = rnd() % 8 === 0 ? 1 : 0;
    const regs: [number, number, number][] = [];
    // a few registers near device ranges and RAM; now and then all sixteen near the device pages
    const all = rnd() % 6 === 0;
    const nRegs = all ? 16 : rnd() % 3;
    for (let i = 0; i < nRegs; i++) {
      const near = all ? [0xfed00000, 0xfee00000, 0xfed01080] : [0xfed00000, 0xfee00000, 0x20000, 0x1000, 0x2ff8, 0x1fff0, 0xffe, 0xfed01070, 0xfed01100];
      regs.push([all ? i : rnd() % 16, (pick(near) + (rnd() % 64) - 8) >>> 0, !all && rnd() % 8 === 0 ? 0xffff8000 : 0]);
    }
    stats.insns++;
    return (m) => {
      if (site >= 0) {
        m.s.ripLo = SITES[site]!;
        m.s.ripHi = 0;
      }
      for (const [r, lo, hi] of regs) {
        m.s.gpr[2 * r] = lo;
        m.s.gpr[2 * r + 1] = hi;
      }
      const idx = SITES.indexOf(m.s.ripLo);
      const bytes = Uint8Array.from(idx >= 0 ? run.code[idx]! : [0x90]);
      const r = (m as { exit?: boolean }).exit
        ? m.emu.emulateMmioExit(m.s, m.ops, supplied ? bytes : undefined, vcpu)
        : m.emu.emulate(m.s, m.ops, supplied ? { insnBytes: bytes, vcpu } : { vcpu });
      (m as { last?: string }).last = outcome(r);
      // a driver's loop: the same site again unless the instruction went elsewhere
      if (r.kind === 'executed' || r.kind === 'fault') {
        m.s.ripLo = idx >= 0 ? SITES[idx]! : m.s.ripLo;
        m.s.ripHi = 0;
      }
    };
  }
  if (k < 81) {
    // rewrite a site's code (in RAM, and what is supplied from now on)
    const site = rnd() % SITES.length;
    const fresh = rnd() % 2 === 0;
    const pos = rnd() % 4;
    // a byte that keeps the instruction short-running (a random one can make a REP string op of 2^64 elements)
    const val = [0x00, 0x05, 0x0f, 0x40, 0x48, 0x66, 0x67, 0x88, 0x89, 0x8b, 0x90, 0xc7, 0xff][rnd() % 13]!;
    const insn = randomInsn(rnd);
    let code: number[] | null = null; // made once, for the first machine
    return (m) => {
      if (code === null) {
        code = fresh ? insn : run.code[site]!.slice();
        if (!fresh) code[pos] = val;
        run.code[site] = code;
      }
      const at = SITES[site]! + (m.s.seg[SEG_CS]!.baseLo >>> 0);
      const phys = m.paging.codePage !== 1 && at >>> 12 === 1 ? m.paging.codePage * 0x1000 + (at & 0xfff) : at;
      for (let i = 0; i < code.length && phys + i < RAM_SIZE; i++) m.ram[phys + i] = code[i]!;
    };
  }
  if (k < 84) {
    const kind = rnd() % 6;
    const cpl = rnd() % 3 === 0 ? 3 : 0;
    // (the set*Mode helpers bump a kept modeGeneration themselves)
    return (m) => setMode(m.s, kind, cpl);
  }
  if (k < 87) {
    // CS / SS attributes, base, limit
    const which = rnd() % 5;
    const v = rnd();
    return (m) => {
      const cs = m.s.seg[SEG_CS]!;
      const ss = m.s.seg[SEG_SS]!;
      if (which === 0) cs.baseLo = v % 2 === 0 ? 0 : 0x1000;
      else if (which === 1) cs.limit = v % 2 === 0 ? 0xffff : 0x1100 + (v % 0x100);
      else if (which === 2) cs.attr ^= v % 2 === 0 ? SA_DB : SA_L;
      else if (which === 3) ss.attr = (ss.attr & ~(3 << SA_DPL_SHIFT)) | ((v & 3) << SA_DPL_SHIFT);
      else ss.attr ^= 1 << 1; // SS writable bit
      modeWritten(m);
    };
  }
  if (k < 89) {
    const ac = rnd() % 2 === 0;
    const am = rnd() % 2 === 0;
    const vm = rnd() % 8 === 0;
    return (m) => {
      m.s.rflags = (m.s.rflags & ~(RFLAGS_AC | RFLAGS_VM)) | (ac ? RFLAGS_AC : 0) | (vm ? RFLAGS_VM : 0);
      m.s.cr0 = am ? (m.s.cr0 | CR0_AM) >>> 0 : (m.s.cr0 & ~CR0_AM) >>> 0;
      m.s.rflags ^= 1; // CF: flags the entry does not depend on
      modeWritten(m);
    };
  }
  if (k < 92) {
    // data segments
    const i = pick([SEG_ES, SEG_DS, SEG_FS, SEG_GS, SEG_SS]);
    const base = pick([0, 0x1000, 0xfed00000 - 0x800, 0x1_0000_0000]);
    const limit = pick([0xffffffff, 0xffff, 0xfff]);
    const ro = rnd() % 6 === 0;
    return (m) => {
      const sg = m.s.seg[i]!;
      sg.set(sg.selector, base, limit, ro ? (sg.attr & ~0xf) | 1 : (sg.attr & ~0xf) | 3);
      if (i === SEG_SS) modeWritten(m);
    };
  }
  if (k < 96) {
    // a device region moves, is removed, or comes back (a BAR write)
    const d = rnd() % DEV_BASES.length;
    const to = pick([0xfed00000, 0xfec00000, 0xfee00000, 0x20000, 0xfeb00000, 0x1_0000_2000, 0xfed01080, 0xfed00f80]);
    const remove = rnd() % 4 === 0;
    return (m) => {
      const r = m.regions[d];
      if (r !== null && remove) {
        m.mmio.removeRegion(r);
        m.regions[d] = null;
      } else if (r === null) {
        const len = DEV_SIZES[d]!;
        if (m.mmio.list().every((x) => x.end <= to || x.base >= to + len)) m.regions[d] = m.mmio.register(to, len, m.devs[d]!, { owner: `d${d}` });
      } else if (m.mmio.list().every((x) => x === r || x.end <= to || x.base >= to + r.length)) m.mmio.moveRegion(r, to);
    };
  }
  if (k < 97) {
    // the code page's translation changes (paging variant), or a copy of it is made there first
    const page = pick([1, 6, 7]);
    return (m) => {
      if (page !== 1) m.ram.copyWithin(page * 0x1000, m.paging.codePage * 0x1000, m.paging.codePage * 0x1000 + 0x1000);
      m.paging.codePage = page;
      translationChanged(m);
    };
  }
  if (k < 99) {
    // the device page's translation changes (paging variant): linear 0xFED00000 to another device page
    const page = pick([REMAPPED_DEV_PAGE, 0xfee00, 0xfec00, 0xfed01]);
    return (m) => {
      m.paging.devPage = page;
      translationChanged(m);
    };
  }
  // RIP anywhere (incl. high and non-canonical values)
  const lo = pick([...SITES, 0xfffffffe, 0xfff0]);
  const hi = pick([0, 0, 0, 0x7fff, 0x8000, 0xffff8000]);
  return (m) => {
    m.s.ripLo = lo;
    m.s.ripHi = hi;
  };
}

function outcome(r: EmulateResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v));
}

function insnFields(d: Insn): string {
  return JSON.stringify(d);
}

function runDifferential(variant: Variant, seed: number, steps: number) {
  const exit = machine(variant);
  const general = machine(variant);
  exit.exit = true;
  // the reference: emulate without its fast paths (no MOV shortcut, no remembered device page)
  general.emu.fastPaths = false;
  if (variant.mgen) for (const m of [exit, general]) m.s.modeGeneration = 0;
  if (variant.tgen) for (const m of [exit, general]) m.ops.translationGeneration = 0;
  const g = new Rng(seed);
  const rnd = () => g.next();
  const init: number[][] = SITES.map(() => randomInsn(rnd));
  const run: Run = { code: init.map((c) => c.slice()), supplied: false };
  for (const m of [exit, general]) {
    for (let i = 0; i < SITES.length; i++) m.ram.set(init[i]!.slice(0, RAM_SIZE - SITES[i]!), SITES[i]!);
    m.s.ripLo = SITES[0]!;
  }
  const stats = { insns: 0 };
  const sig = (m: Machine) =>
    `${(m as { last?: string }).last} ${m.s.gpr.join(',')} rip ${m.s.ripHi}:${m.s.ripLo} fl ${m.s.rflags} log ${m.log.length} ${m.log.at(-1)}`;
  let checked = 0;
  for (let c = 0; c < steps; c++) {
    const step = randomStep(rnd, run, stats);
    step(exit);
    step(general);
    const where = `${variant} seed ${seed} step ${c}`;
    const a = sig(exit);
    const b = sig(general);
    if (a !== b) expect(a, where).toBe(b);
    if (c % 100 === 99 || c === steps - 1) {
      expect(insnFields(exit.emu.lastInsn), where).toBe(insnFields(general.emu.lastInsn));
      expect(exit.log.slice(checked), where).toEqual(general.log.slice(checked));
      checked = general.log.length;
      expect(Buffer.compare(exit.ram, general.ram), where).toBe(0);
    }
  }
  expect(exit.ops.stats).toEqual(general.ops.stats);
  return { stats, exit };
}

describe('X86Emulator.emulateMmioExit: the same as emulate', () => {
  const IDENTITY: Variant = { paging: false, tgen: false, mgen: false };
  const PAGING: Variant = { paging: true, tgen: false, mgen: false };

  it('identity translation: random steps (instructions, mode/CS/SS/code/RIP/segment/region changes)', () => {
    const { stats, exit } = runDifferential(IDENTITY, 0xe1170001, 4000);
    expect(stats.insns).toBeGreaterThan(2000);
    expect(exit.emu.exitStats.hits).toBeGreaterThan(400); // the sites were used ...
    expect(exit.emu.exitStats.misses).toBeGreaterThan(400); // ... and missed when something changed
  });

  it('identity translation, the caller keeping CpuState.modeGeneration (bumped on every mode-input write)', () => {
    const { exit } = runDifferential({ ...IDENTITY, mgen: true }, 0xe1170003, 4000);
    expect(exit.emu.exitStats.hits).toBeGreaterThan(400);
  });

  it('paging-style translation: the code page and a device page remapped, a not-present page (no translation generation kept)', () => {
    const { exit } = runDifferential(PAGING, 0xe1170002, 2000);
    expect(exit.emu.exitStats.hits).toBeGreaterThan(150);
  });

  it('paging-style translation, the caller keeping BusEmulateOps.translationGeneration and CpuState.modeGeneration', () => {
    const { exit } = runDifferential({ paging: true, tgen: true, mgen: true }, 0xe1170004, 3000);
    expect(exit.emu.exitStats.hits).toBeGreaterThan(300);
  });
});

describe('X86Emulator.emulateMmioExit: the remembered site', () => {
  function setup() {
    const log: string[] = [];
    const mmio = new MmioBus();
    const ram = new Uint8Array(0x10000);
    mmio.addRam(0, ram);
    const dev = new LogDevice('dev', log);
    const region = mmio.register(0xfed00000, 0x1000, dev, { owner: 'dev' });
    let windows = 0;
    class Counting extends BusEmulateOps {
      override insnWindow(...a: Parameters<BusEmulateOps['insnWindow']>): number {
        windows++;
        return super.insnWindow(...a);
      }
    }
    const ops = new Counting(mmio, new PortBus());
    const emu = new X86Emulator();
    const s = new CpuState().setLongMode();
    s.setReg(0, 0xfed00000).setReg(1, 0x1234);
    ram.set([0x89, 0x48, 0x30], 0x1000); // mov [rax+0x30], ecx
    s.setRip(0x1000);
    return { log, mmio, ram, region, ops, emu, s, windows: () => windows };
  }

  it('a hit skips the decode (the decode cache is not asked) and does the access', () => {
    const t = setup();
    const cache = (t.emu as unknown as { decoded: { hits: number; misses: number } }).decoded;
    for (let i = 0; i < 3; i++) {
      t.s.setRip(0x1000);
      t.s.setReg(1, 0x100 + i);
      expect(t.emu.emulateMmioExit(t.s, t.ops)).toEqual({ kind: 'executed', length: 3, complete: true });
      expect(t.s.getRip()).toBe(0x1003n);
    }
    expect(cache.misses + cache.hits).toBe(1); // decoded once, then served by the site
    expect(t.windows()).toBe(3); // the bytes are fetched (translated and compared) every time
    expect(t.log).toEqual(['dev w4 30=100 c0', 'dev w4 30=101 c0', 'dev w4 30=102 c0']);
  });

  it('self-modifying code: changed bytes at the same RIP are decoded again', () => {
    const t = setup();
    t.emu.emulateMmioExit(t.s, t.ops);
    t.ram[0x1000] = 0x8b; // now mov ecx, [rax+0x30]
    t.s.setRip(0x1000);
    expect(t.emu.emulateMmioExit(t.s, t.ops).kind).toBe('executed');
    expect(t.log).toEqual(['dev w4 30=1234 c0', 'dev r4 30 c0']);
    expect(t.emu.lastInsn.opcode).toBe(0x8b);
  });

  it('a moved region: the access goes where the region is now', () => {
    const t = setup();
    t.emu.emulateMmioExit(t.s, t.ops);
    t.mmio.moveRegion(t.region, 0xfec00000);
    t.s.setRip(0x1000);
    t.emu.emulateMmioExit(t.s, t.ops); // 0xfed00030: open bus now
    t.s.setRip(0x1000);
    t.s.setReg(0, 0xfec00000);
    t.emu.emulateMmioExit(t.s, t.ops);
    expect(t.log).toEqual(['dev w4 30=1234 c0', 'dev w4 30=1234 c0']);
  });

  it('a mode change misses: the same bytes in 32-bit mode take another length', () => {
    const t = setup();
    t.ram.set([0x48, 0x89, 0x08], 0x1000); // 64-bit: mov [rax], rcx; 32-bit: dec eax; mov [eax], ecx
    t.emu.emulateMmioExit(t.s, t.ops);
    expect(t.s.getRip()).toBe(0x1003n);
    t.s.setProtectedMode(32);
    t.s.setRip(0x1000);
    expect(t.emu.emulateMmioExit(t.s, t.ops)).toEqual({ kind: 'executed', length: 1, complete: true });
    expect(t.log).toEqual(['dev w8n 0=1234']);
  });

  it('a CPL change misses: at CPL 3 with CR0.AM and RFLAGS.AC a misaligned store is #AC', () => {
    const t = setup();
    t.s.setReg(0, 0xfed00001); // [rax+0x30] misaligned
    t.emu.emulateMmioExit(t.s, t.ops);
    t.s.cr0 = (t.s.cr0 | CR0_AM) >>> 0;
    t.s.rflags |= RFLAGS_AC;
    t.s.setRip(0x1000);
    expect(t.emu.emulateMmioExit(t.s, t.ops).kind).toBe('executed'); // CPL 0: no alignment check
    const ss = t.s.seg[SEG_SS]!;
    ss.attr |= 3 << SA_DPL_SHIFT;
    t.s.setRip(0x1000);
    expect(t.emu.emulateMmioExit(t.s, t.ops)).toEqual({ kind: 'fault', vector: 17, errorCode: 0 });
    expect(t.log).toEqual(['dev w4 31=1234 c0', 'dev w4 31=1234 c0']);
  });

  it('copyInsn copies every field of the decode record', () => {
    const src = new Insn();
    const r = src as unknown as Record<string, unknown>;
    let n = 1;
    for (const k of Object.keys(src)) r[k] = typeof r[k] === 'boolean' ? true : n++;
    const dst = new Insn();
    copyInsn(dst, src);
    expect(dst).toEqual(src);
  });
});

describe('X86Emulator.emulateMmioExit: the docs/x86emu.md example', () => {
  it('runs as written', () => {
    const platform = createPlatform({ profile: 'xen-hvm' });
    const emu = new X86Emulator(); // one per vCPU: it keeps that vCPU's instruction sites
    const ops = new BusEmulateOps(platform.mmio, platform.ports);
    const state = new CpuState().setLongMode();
    const readHpetId = new Uint8Array([0x8b, 0x00]); // mov eax, [rax]: the HPET's capabilities and ID
    const results: string[] = [];
    for (let exit = 0; exit < 3; exit++) {
      // each exit: the VMM fills the state from the vCPU (here RIP and RAX) and passes the bytes it has
      state.setRip(0x1000).setReg(RAX, 0xfed00000);
      const r = emu.emulateMmioExit(state, ops, readHpetId, 0);
      results.push(JSON.stringify(r));
    }
    expect(results).toEqual(Array(3).fill('{"kind":"executed","length":2,"complete":true}'));
    expect(state.getReg(RAX)).toBe(0x8086a201n); // vendor 8086, legacy routing, 64-bit counter, 3 timers, revision 1
    expect(state.getRip()).toBe(0x1002n);
    expect(emu.exitStats).toEqual({ hits: 2, misses: 1 }); // decoded once
  });
  it('runs the generations example as written', () => {
    const platform = createPlatform({ profile: 'xen-hvm' });
    const mapping = { physical: 0xfed00000 }; // where the guest maps virtual 0xffe00000 (a stand-in for its page tables)
    const translations: number[] = [];
    const ops = new BusEmulateOps(platform.mmio, platform.ports, {
      translate: (lo, hi) => {
        translations.push(lo);
        return hi === 0 && lo >>> 12 === 0xffe00 ? mapping.physical + (lo & 0xfff) : hi * 2 ** 32 + lo;
      },
    });
    ops.translationGeneration = 0; // promise: +1 when the guest's mappings change
    const state = new CpuState();
    state.modeGeneration = 0; // promise: +1 on every write of a mode input
    state.setLongMode(); // (the helper adds the 1 itself)
    expect(state.modeGeneration).toBe(1);
    const emu = new X86Emulator();
    const read = new Uint8Array([0x8b, 0x00]); // mov eax, [rax]
    for (let exit = 0; exit < 3; exit++) {
      state.setRip(0x1000).setReg(RAX, 0xffe00000);
      emu.emulateMmioExit(state, ops, read, 0); // translated once, then the remembered page
    }
    expect(state.getReg(RAX)).toBe(0x8086a201n); // the HPET's capabilities and ID
    expect(translations).toEqual([0xffe00000]);
    mapping.physical = 0xfee00000; // the guest maps the LAPIC there instead ...
    ops.translationGeneration++; // ... and the VMM says so (a CR3 write, INVLPG)
    state.setRip(0x1000).setReg(RAX, 0xffe00030);
    emu.emulateMmioExit(state, ops, read, 0); // the same site, the new translation
    expect(state.getReg(RAX)).toBe(BigInt(platform.mmio.read(0xfee00030, 4))); // the LAPIC's version register
    expect(state.getReg(RAX)).toBe(LAPIC_VERSION);
    expect(emu.exitStats).toEqual({ hits: 3, misses: 1 });
  });
});
