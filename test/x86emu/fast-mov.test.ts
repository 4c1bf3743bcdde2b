// The emulator's fast paths against its general path (issue 14, fourth pass): random MOV r/m ↔ reg
// and MOV r/m, imm forms (every size, prefixes, segment overrides, RIP-relative and 16/32/64-bit
// addressing, page-crossing and unaligned addresses, RAM, devices, open bus, a RAM range ending
// inside a page) run on two identical machines, one with `fastPaths` and one without; registers,
// RIP, flags, the outcome, every device access in order, the adapter's counters and RAM must agree.
// Instructions are supplied or fetched from RAM (the in-place fetch), with identity or paging-style
// translation, with an MMIO backend (which the fast path declines) and with the bus tracing.
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { BusEmulateOps, type BusOpsOptions } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RFLAGS_AC, SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../../src/x86emu/cpu-state.js';
import { type EmulateContext, type InsnWindow, X86EMUL_DECLINED, X86EMUL_OKAY } from '../../src/x86emu/ops.js';
import { type EmulateResult, X86Emulator } from '../../src/x86emu/emulator.js';
import { Rng } from '../../bench/xorshift32.js';
import { HalvesDevice, LogDevice } from './log-device.js';

/** Counts what the fast-path callbacks answered. */
class CountingOps extends BusEmulateOps {
  scalarDone = 0;
  scalarDeclined = 0;
  windows = 0;
  override scalarAccess(linLo: number, linHi: number, size: number, write: boolean, v: Int32Array, ctxt: EmulateContext): number {
    const st = super.scalarAccess(linLo, linHi, size, write, v, ctxt);
    if (st === X86EMUL_DECLINED) this.scalarDeclined++;
    else this.scalarDone++;
    return st;
  }
  override insnWindow(linLo: number, linHi: number, max: number, out: InsnWindow, ctxt: EmulateContext): number {
    const n = super.insnWindow(linLo, linHi, max, out, ctxt);
    if (n > 0) this.windows++;
    return n;
  }
}

type Variant = 'identity' | 'paging' | 'backend' | 'trace';

const RAM_END = 0x20000;
const RAM2 = 0x30000; // a RAM range of 0x800 bytes, ending inside its page where a device starts

function machine(variant: Variant) {
  const log: string[] = [];
  const mmio = new MmioBus();
  const ram = new Uint8Array(RAM_END);
  const ram2 = new Uint8Array(0x800);
  mmio.addRam(0, ram);
  mmio.addRam(RAM2, ram2);
  mmio.register(RAM_END, 0x1000, new LogDevice('a', log), { owner: 'a' }); // right after RAM
  mmio.register(RAM_END + 0x1000, 0x100, new LogDevice('dw', log), { owner: 'dw', sizes: 4, aligned: true }); // then open bus
  mmio.register(RAM2 + 0x800, 0x800, new LogDevice('b', log), { owner: 'b' });
  mmio.register(0xfee00000, 0x1000, new HalvesDevice('hv', log), { owner: 'hv' });
  mmio.register(0x1_0000_2000, 0x1000, new LogDevice('hi', log), { owner: 'hi' });
  if (variant === 'trace') mmio.setTrace((t) => log.push(`trace ${t.dir} ${t.addr.toString(16)} ${t.size}`));
  const opts: BusOpsOptions =
    variant === 'paging'
      ? {
          // page 2 and every 16th page (by a hash of its number) are not present; pages 5 and 6 are
          // swapped (an instruction crossing from page 4 continues in physical page 6); the rest
          // map to themselves
          translate: (lo: number, hi: number, write: boolean, ctxt: EmulateContext) => {
            const page = lo >>> 12;
            if ((page === 2 && hi === 0) || Math.imul(page ^ hi, 0x9e3779b1) >>> 28 === 5) {
              ctxt.event.pageFault(write ? 6 : 4, lo, hi);
              return -1;
            }
            const swap = hi === 0 && (page === 5 || page === 6) ? (page === 5 ? 0x1000 : -0x1000) : 0;
            return hi * 0x1_0000_0000 + lo + swap;
          },
        }
      : variant === 'backend'
        ? {
            mmioBackend: (phys, size, write, data, ctx) => {
              log.push(`backend ${write ? 'w' : 'r'}${size} ${phys.toString(16)}`);
              if (write) mmio.writeBytes(phys, data.subarray(0, size), ctx);
              else mmio.readBytes(phys, data.subarray(0, size), ctx);
              return X86EMUL_OKAY;
            },
          }
        : {};
  const ops = new CountingOps(mmio, new PortBus(), opts);
  return { log, ram, ram2, ops, emu: new X86Emulator(), s: new CpuState() };
}

const OPCODES = [0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7];
const PREFIXES = [0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf2, 0xf3];

/** One random case: mode and state set up in `s`, the instruction bytes returned. */
function randomCase(rnd: () => number, s: CpuState): { bytes: Uint8Array; fetched: boolean } {
  const pick = <T>(xs: readonly T[]): T => xs[rnd() % xs.length]!;
  const modeKind = rnd() % 6;
  const cpl = rnd() % 4 === 0 ? 3 : 0;
  if (modeKind <= 1) s.setLongMode(cpl);
  else if (modeKind === 2) {
    s.setLongMode(cpl);
    const cs = s.seg[SEG_CS]!;
    cs.attr = (cs.attr & ~(1 << 13)) | (1 << 14); // compatibility mode, 32-bit code
  } else if (modeKind === 3) s.setProtectedMode(32, cpl);
  else if (modeKind === 4) s.setProtectedMode(16, cpl);
  else s.setRealMode();
  const is64 = modeKind <= 1;
  if (cpl === 3 && rnd() % 2 === 0) {
    s.cr0 |= 1 << 18; // CR0.AM
    s.rflags |= RFLAGS_AC;
  }
  // segment bases, limits and types outside 64-bit mode; FS/GS bases in it
  if (!is64) {
    for (const i of [SEG_ES, SEG_SS, SEG_DS, SEG_FS, SEG_GS]) {
      const sg = s.seg[i]!;
      if (rnd() % 3 === 0) sg.baseLo = pick([0x1000, RAM_END - 0x100, 0xfee00000 - 0x10]);
      if (rnd() % 5 === 0) sg.limit = pick([0xfff, 0x1ffff, 0xffff]);
      if (rnd() % 8 === 0) sg.attr = (sg.attr & ~0xf) | 1; // read-only data: writes #GP/#SS
    }
  } else {
    s.seg[SEG_FS]!.set(0, pick([0, 0xfee00000, 0x1_0000_0000, 0x7fff_ffff_f000]), 0xffffffff, s.seg[SEG_FS]!.attr);
    s.seg[SEG_GS]!.set(0, pick([0, RAM_END - 8, 0x1_0000_2000]), 0xffffffff, s.seg[SEG_GS]!.attr);
  }
  // registers near the interesting places (page and range edges, devices), or anything
  const near = [0x1000, RAM_END, RAM_END + 0x1000, RAM2 + 0x800, 0xfee00000, 0x2000, 0x1ffe];
  for (let r = 0; r < 16; r++) {
    const k = rnd() % 3 === 0 ? -(rnd() % 16) : rnd() % 16;
    const choice = rnd() % 10;
    let v: bigint;
    if (choice < 6) v = BigInt(pick(near) + k);
    else if (choice === 6) v = BigInt(rnd() % 64);
    else if (choice === 7 && is64) v = BigInt(0x1_0000_2000 + k);
    else if (choice === 8 && is64) v = pick([0x7fff_ffff_fff0n, 0xffff_8000_0000_0000n, 0x8000_0000_0000_0000n]);
    else v = (BigInt(rnd()) << 32n) | BigInt(rnd());
    s.setReg(r, v);
  }
  // the instruction
  const b: number[] = [];
  const nPre = rnd() % 4 === 0 ? 0 : rnd() % 3;
  for (let i = 0; i < nPre; i++) b.push(pick(PREFIXES));
  if (is64 && rnd() % 2 === 0) b.push(0x40 | (rnd() & 15));
  const op = pick(OPCODES);
  b.push(op);
  const mod = rnd() % 8 === 0 ? 3 : rnd() % 3;
  const reg = op >= 0xc6 && rnd() % 8 !== 0 ? 0 : rnd() & 7;
  b.push((mod << 6) | (reg << 3) | (rnd() & 7));
  for (let i = 0; i < 12; i++) {
    const c = rnd() % 10;
    b.push(c < 4 ? rnd() & 15 : c < 6 ? 0 : c < 7 ? 0xff - (rnd() & 15) : rnd() & 0xff);
  }
  // RIP: ordinary, or near the end of a page so the instruction crosses it
  const ip = pick([0x1100 + (rnd() % 0x100), 0x2000 - 1 - (rnd() % 15), 0x5000 - (rnd() % 8)]);
  s.ripLo = ip;
  s.ripHi = 0;
  if (!is64 && modeKind !== 5 && rnd() % 4 === 0) s.seg[SEG_CS]!.baseLo = 0x1000;
  return { bytes: Uint8Array.from(b), fetched: rnd() % 2 === 0 };
}

function outcome(r: EmulateResult): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v));
}

function runDifferential(variant: Variant, seed: number, cases: number) {
  const fast = machine(variant);
  const slow = machine(variant);
  slow.emu.fastPaths = false;
  const gF = new Rng(seed);
  const gS = new Rng(seed);
  const rndF = () => gF.next();
  const rndS = () => gS.next();
  for (let c = 0; c < cases; c++) {
    for (const m of [fast, slow]) {
      const rnd = m === fast ? rndF : rndS;
      const { bytes, fetched } = randomCase(rnd, m.s);
      const cs = m.s.seg[SEG_CS]!;
      const at = cs.baseLo + m.s.ripLo;
      m.ram.set(bytes.subarray(0, Math.min(bytes.length, RAM_END - at)), at);
      const vcpu = c % 3;
      const res = m.emu.emulate(m.s, m.ops, fetched ? { vcpu } : { insnBytes: bytes, vcpu });
      (m as { last?: string }).last = outcome(res);
    }
    const where = `${variant} seed ${seed} case ${c}`;
    expect((fast as { last?: string }).last, where).toBe((slow as { last?: string }).last);
    expect(Array.from(fast.s.gpr), where).toEqual(Array.from(slow.s.gpr));
    expect([fast.s.ripLo, fast.s.ripHi, fast.s.rflags], where).toEqual([slow.s.ripLo, slow.s.ripHi, slow.s.rflags]);
    expect(fast.log.length, where).toBe(slow.log.length);
    expect(fast.log.at(-1), where).toBe(slow.log.at(-1));
    if (c % 64 === 63) {
      expect(fast.log, where).toEqual(slow.log);
      expect(Buffer.compare(fast.ram, slow.ram), where).toBe(0);
      expect(Buffer.compare(fast.ram2, slow.ram2), where).toBe(0);
    }
  }
  expect(fast.log).toEqual(slow.log);
  expect(Buffer.compare(fast.ram, slow.ram)).toBe(0);
  expect(Buffer.compare(fast.ram2, slow.ram2)).toBe(0);
  expect(fast.ops.stats).toEqual(slow.ops.stats);
  expect(slow.ops.scalarDone + slow.ops.scalarDeclined + slow.ops.windows).toBe(0);
  return fast.ops;
}

describe('x86emu fast paths: the same as the general path', () => {
  it('identity translation: random MOV forms, RAM and devices, supplied and fetched', () => {
    const ops = runDifferential('identity', 0x5eed0001, 6000);
    expect(ops.scalarDone).toBeGreaterThan(1500); // the fast path was taken ...
    expect(ops.scalarDeclined).toBeGreaterThan(10); // ... and declined page-crossing accesses
    expect(ops.windows).toBeGreaterThan(1000); // instruction bytes read in place
  });

  it('paging-style translation with not-present pages', () => {
    const ops = runDifferential('paging', 0x5eed0002, 4000);
    expect(ops.scalarDone).toBeGreaterThan(1000);
  });

  it('an MMIO backend (the replay cache) and a tracing bus', () => {
    const b = runDifferential('backend', 0x5eed0003, 2000);
    expect(b.scalarDeclined).toBeGreaterThan(100);
    const t = runDifferential('trace', 0x5eed0004, 2000);
    expect(t.scalarDone).toBeGreaterThan(500);
  });
});

describe('x86emu fast paths: an adapter subclass that overrides the general callbacks', () => {
  it('keeps getting read/write and insnFetch calls (the fast paths decline for it)', () => {
    const calls: string[] = [];
    class Wrapped extends BusEmulateOps {
      override read(linLo: number, linHi: number, size: number, dst: Uint8Array, ctxt: EmulateContext): number {
        calls.push(`read ${size}`);
        return super.read(linLo, linHi, size, dst, ctxt);
      }
      override insnFetch(linLo: number, linHi: number, dst: Uint8Array, max: number, ctxt: EmulateContext): number {
        calls.push('fetch');
        return super.insnFetch(linLo, linHi, dst, max, ctxt);
      }
    }
    const mmio = new MmioBus();
    const ram = new Uint8Array(0x10000);
    mmio.addRam(0, ram);
    const ops = new Wrapped(mmio, new PortBus());
    const s = new CpuState().setLongMode();
    ram.set([0x8b, 0x02], 0x1000); // mov eax, [rdx]
    ram.set([0x78, 0x56, 0x34, 0x12], 0x2000);
    s.setReg(2, 0x2000);
    s.ripLo = 0x1000;
    const r = new X86Emulator().emulate(s, ops);
    expect(r.kind).toBe('executed');
    expect(s.getReg(0)).toBe(0x12345678n);
    expect(calls).toEqual(['fetch', 'read 4']);
    expect(ops.scalarAccess(0x2000, 0, 4, false, new Int32Array(2), { vcpu: 0, stringOp: false } as EmulateContext)).toBe(X86EMUL_DECLINED);
  });
});
