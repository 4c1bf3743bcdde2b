// Bad-input property tests, classes H (string-op confinement), J (privilege and architectural
// gating) and M (determinism with poisoned scratch) from docs/bad-inputs.md.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessContext } from '../../src/bus/access.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDI, RDX, RSI } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { FlatOps, hex } from './helpers.js';

const DEV_BASE = 0xfed00000;
const DEV_LEN = 0x300;

class StrictDevice {
  violations = 0;
  accesses = 0;
  read(off: number, size: number, _c: AccessContext): number {
    this.check(off, size);
    return off & 0xff;
  }
  write(off: number, size: number, _v: number, _c: AccessContext): void {
    this.check(off, size);
  }
  private check(off: number, size: number): void {
    this.accesses++;
    if (off < 0 || off + size > DEV_LEN) this.violations++;
  }
}

describe('class H: REP string operations stay inside the claimed range and resume exactly', () => {
  it('random REP MOVS/STOS/LODS/INS/OUTS around a device: no out-of-range access, architectural count', () => {
    const emu = new X86Emulator();
    fc.assert(
      fc.property(
        fc.constantFrom('f3 a4', 'f3 66 a5', 'f3 a5', 'f3 48 a5', 'f3 aa', 'f3 ab', 'f3 ac', 'f3 6c', 'f3 6f', 'f3 66 6d'),
        fc.integer({ min: -0x40, max: DEV_LEN + 0x40 }),
        fc.integer({ min: 0, max: 0x300 }),
        fc.boolean(),
        fc.boolean(),
        (insn, start, count, df, devIsDst) => {
          const mmio = new MmioBus();
          const ports = new PortBus();
          mmio.addRam(0, new Uint8Array(0x10000));
          const dev = new StrictDevice();
          mmio.register(DEV_BASE, DEV_LEN, dev, { owner: 'strict', sizes: 1 | 2 | 4 | 8 });
          const ops = new BusEmulateOps(mmio, ports);
          const s = new CpuState().setLongMode();
          if (df) s.rflags |= 0x400;
          const devAddr = DEV_BASE + start;
          s.setReg(RSI, devIsDst ? 0x8000 : devAddr)
            .setReg(RDI, devIsDst ? devAddr : 0x8000)
            .setReg(RCX, count)
            .setReg(RDX, 0x80);
          let guard = 0;
          while (s.getReg(RCX) !== 0n && guard++ < 20) {
            const r = emu.emulate(s, ops, { insnBytes: hex(insn) });
            expect(r.kind).toBe('executed');
          }
          expect(s.getReg(RCX)).toBe(0n);
          expect(dev.violations).toBe(0);
          const size = insn.includes('48')
            ? 8
            : insn.includes('66')
              ? 2
              : insn.endsWith('a4') || insn.endsWith('aa') || insn.endsWith('ac') || insn.endsWith('6c')
                ? 1
                : 4;
          const step = BigInt(df ? -size * count : size * count);
          const usesSi = /a4|a5|ac|6f|6e/.test(insn);
          const usesDi = !/ac|6f|6e/.test(insn);
          if (usesSi) expect(s.getReg(RSI)).toBe(BigInt(devIsDst ? 0x8000 : devAddr) + step);
          if (usesDi) expect(s.getReg(RDI)).toBe(BigInt(devIsDst ? devAddr : 0x8000) + step);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('class J: privilege and architectural gating', () => {
  it('port I/O at CPL 0-3 × IOPL 0-3 × bitmap: allowed exactly when CPL ≤ IOPL or the bitmap permits; no side effect otherwise', () => {
    const emu = new X86Emulator();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.constantFrom('ee', 'ef', 'ec', 'e6 80', 'e4 71', '66 ed', 'f3 6e', '6c', 'f3 6d'),
        fc.constantFrom('long', 'prot32', 'v86', 'real'),
        (cpl, iopl, bitmap, insn, mode) => {
          const s = new CpuState();
          if (mode === 'long') s.setLongMode(cpl);
          else if (mode === 'prot32') s.setProtectedMode(32, cpl);
          else if (mode === 'v86') s.setV86Mode(iopl);
          else s.setRealMode();
          s.rflags |= iopl << 12;
          s.setReg(RDX, 0x70).setReg(RCX, 2).setReg(RSI, 0x100).setReg(RDI, 0x200);
          const m = new FlatOps();
          m.permitted = bitmap;
          const r = emu.emulate(s, m, { insnBytes: hex(insn) });
          const effCpl = mode === 'real' ? 0 : mode === 'v86' ? 3 : cpl;
          const allowed = mode === 'real' || (mode !== 'v86' && effCpl <= iopl) || bitmap;
          if (allowed) expect(r.kind).toBe('executed');
          else {
            expect(r).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
            expect(m.log).toHaveLength(0);
            expect(s.getRip()).toBe(0n);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
  it('SIMD gating is checked before any operand access', () => {
    const emu = new X86Emulator();
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(1, 3, 7),
        fc.constantFrom('0f 11 00', '66 0f 7f 00', 'f3 0f 6f 00', 'c5 fe 7f 00', 'c5 f8 11 00', '66 0f d6 00', 'd9 00'),
        (ts, em, osfxsr, osxsave, xcr0, insn) => {
          const s = new CpuState().setLongMode().setReg(RAX, 0x100);
          s.cr0 = (s.cr0 & ~0xc) | (ts ? 8 : 0) | (em ? 4 : 0);
          s.cr4 = (s.cr4 & ~((1 << 9) | (1 << 18))) | (osfxsr ? 1 << 9 : 0) | (osxsave ? 1 << 18 : 0);
          s.xcr0 = xcr0;
          const m = new FlatOps();
          const r = emu.emulate(s, m, { insnBytes: hex(insn) });
          const vex = insn.startsWith('c5');
          const x87 = insn.startsWith('d9');
          let expected: number | null;
          if (x87) expected = ts || em ? 7 : null;
          else if (vex) expected = !osxsave || (xcr0 & 6) !== 6 ? 6 : ts ? 7 : null;
          else expected = em || !osfxsr ? 6 : ts ? 7 : null;
          if (expected !== null) {
            expect(r).toMatchObject({ kind: 'fault', vector: expected });
            expect(m.log).toHaveLength(0);
          } else expect(r.kind).not.toBe('fault');
        },
      ),
      { numRuns: 300 },
    );
  });
  it('32-bit code reads registers at 32 bits and 32-bit writes zero-extend (XSA-454)', () => {
    const s = new CpuState().setProtectedMode(32).setReg(RAX, 0xffffffff00000010n).setReg(RCX, 0xdead00000000beefn);
    const m = new FlatOps();
    const emu = new X86Emulator();
    emu.emulate(s, m, { insnBytes: hex('89 08') }); // mov [eax], ecx: address 0x10, not 0xffffffff00000010
    expect(m.u32(0x10)).toBe(0xbeef);
  });
});

describe('class M: results depend only on guest-visible state', () => {
  it('two emulators, one with poisoned scratch, produce identical state and memory', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 15 }), fc.bigUint64Array({ minLength: 16, maxLength: 16 }), (bytes, regs) => {
        const a = new X86Emulator();
        const b = new X86Emulator();
        // poison b's scratch buffers through a throwaway run with garbage data
        const poison = new FlatOps(0x1000);
        poison.mem.fill(0xcc);
        const ps = new CpuState().setLongMode().setReg(RSI, 0).setReg(RDI, 0x100).setReg(RCX, 64);
        b.emulate(ps, poison, { insnBytes: hex('f3 a4') });
        b.emulate(ps, poison, { insnBytes: hex('c5 fe 6f 00') });
        const run = (e: X86Emulator) => {
          const s = new CpuState().setLongMode();
          for (let i = 0; i < 16; i++) s.setReg(i, regs[i]! & 0xfffn);
          s.setReg(RCX, 3);
          const m = new FlatOps(0x2000);
          const r = e.emulate(s, m, { insnBytes: bytes });
          return {
            r: JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
            gpr: Array.from(s.gpr),
            rip: s.getRip(),
            fl: s.rflags,
            vec: Array.from(s.vec),
            mem: Buffer.from(m.mem).toString('hex'),
          };
        };
        expect(run(b)).toEqual(run(a));
      }),
      { numRuns: 300 },
    );
  });
});
