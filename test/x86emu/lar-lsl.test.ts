// LAR (0F 02) and LSL (0F 03) against hand-built GDTs and LDTs: every operand size, register and
// memory source, the selector checks (null, TI, table limits), the visibility checks (CPL, RPL,
// DPL, conforming code), the types each accepts in legacy and IA-32e mode (SDM Vol. 2A tables),
// G scaling, ZF the only flag changed, the destination untouched on failure, and the faults of the
// descriptor read. The Linux-user-selector values at the end were measured on this host's CPU
// (tools/cpu-vectors/lar-lsl.c).
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RBX, RCX, SA_UNUSABLE, SEG_CS } from '../../src/x86emu/cpu-state.js';
import type { EmulateContext } from '../../src/x86emu/ops.js';
import { FlatOps, run } from './helpers.js';

const GDT = 0x2000;
const LDT = 0x3000;
const ZF = 0x40;
/** RFLAGS with CF, PF, AF, SF, DF, OF and bit 1 set: everything LAR/LSL must leave alone around ZF. */
const FLAGS_NO_ZF = 0x0c97;
const JUNK = 0xdeadbeefcafef00dn;

/**
 * An 8-byte descriptor from `flags` in the layout of the access byte (bits 7:0: P, DPL, S, type)
 * and the flags nibble (bits 15:12: G, D/B, L, AVL), a base and a 20-bit limit.
 */
function desc(flags: number, base: number, limit: number): bigint {
  const lo = (limit & 0xffff) | ((base & 0xffff) << 16);
  const hi = ((base >>> 16) & 0xff) | ((flags & 0xf0ff) << 8) | (limit & 0xf0000) | (base & 0xff000000);
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** The GDT by selector (index × 8); index 0 holds a valid-looking descriptor, which a null selector must still not reach. */
const ENTRIES: Record<number, bigint> = {
  0x00: desc(0xc093, 0, 0xfffff),
  0x08: desc(0xa09b, 0, 0xfffff), // 64-bit code, DPL 0, G
  0x10: desc(0xc093, 0, 0xfffff), // data, DPL 0, G, D/B
  0x18: desc(0x40f3, 0x12345678, 0x5abcd), // data, DPL 3, byte granular
  0x20: desc(0x40f5, 0, 0x1001), // Linux's per-CPU segment: DPL 3, read-only, limit = node << 12 | cpu (node 1, CPU 1)
  0x28: desc(0x4093, 0, 0xffff), // data, DPL 0
  0x30: desc(0x409f, 0, 0x1ffff), // conforming code, DPL 0
  0x38: desc(0xc093, 0, 0x12), // data, DPL 0, G: limit 0x12 pages
  0x40: desc(0x0089, 0x5000, 0x67), // available 32/64-bit TSS (16 bytes in IA-32e mode: 0x40 and 0x48)
  0x48: 0n,
  0x50: desc(0x008e, 0, 0), // interrupt gate
  0x58: desc(0x00ec, 0, 0), // call gate, DPL 3
  0x60: desc(0x0082, 0x3000, 0x1f), // LDT
  0x68: desc(0x0081, 0x6000, 0x2b), // available 16-bit TSS
  0x70: desc(0x00e5, 0, 0), // task gate, DPL 3
  0x78: desc(0x008b, 0x5000, 0x67), // busy 32/64-bit TSS
  0x80: desc(0x4013, 0, 0xfff), // data, DPL 0, not present
};
const GDT_LIMIT = 0x88 - 1;

function machine(): { s: CpuState; m: FlatOps } {
  const m = new FlatOps();
  for (const [sel, d] of Object.entries(ENTRIES)) m.setU64(GDT + Number(sel), d);
  m.setU64(LDT, desc(0x40f3, 0, 0x333)); // LDT entry 0 (selector 4: TI = 1 is not a null selector)
  m.setU64(LDT + 8, desc(0x40f3, 0, 0x777));
  const s = new CpuState().setLongMode();
  s.gdtrBaseLo = GDT;
  s.gdtrLimit = GDT_LIMIT;
  s.ldtr.set(0x60, LDT, 0xf, 0x82);
  s.rflags = FLAGS_NO_ZF;
  return { s, m };
}

/** LSL/LAR reg, reg with the selector in RCX and RAX preset to JUNK; returns [RAX, ZF]. */
function probe(s: CpuState, m: FlatOps, bytes: string, sel: number | bigint): [bigint, boolean] {
  s.setReg(RAX, JUNK).setReg(RCX, sel);
  const r = run(s, m, bytes);
  expect(r.kind).toBe('executed');
  expect(s.rflags & ~ZF).toBe(FLAGS_NO_ZF); // no other flag changes
  return [s.getReg(RAX), (s.rflags & ZF) !== 0];
}

const LSL32 = '0f 03 c1'; // lsl eax, ecx
const LSL16 = '66 0f 03 c1'; // lsl ax, cx
const LSL64 = '48 0f 03 c1'; // lsl rax, rcx
const LAR32 = '0f 02 c1';
const LAR16 = '66 0f 02 c1';
const LAR64 = '48 0f 02 c1';

describe('x86emu LSL', () => {
  it('loads the byte-granular limit at each operand size: 32 and 64 zero-extend, 16 keeps bits 63:16', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL32, 0x1b)).toEqual([0x5abcdn, true]);
    expect(probe(s, m, LSL64, 0x1b)).toEqual([0x5abcdn, true]);
    expect(probe(s, m, LSL16, 0x1b)).toEqual([0xdeadbeefcafeabcdn, true]);
  });
  it('scales a page-granular limit: (limit << 12) | 0xFFF', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL32, 0x38)).toEqual([0x12fffn, true]);
    expect(probe(s, m, LSL64, 0x10)).toEqual([0xffffffffn, true]);
    expect(probe(s, m, LSL16, 0x38)).toEqual([0xdeadbeefcafe2fffn, true]);
  });
  it("reads Linux's CPU number: lsl rax, rax of the per-CPU segment (the instruction that stopped the 2-vCPU boot)", () => {
    const { s, m } = machine();
    s.setReg(RAX, 0x23); // __CPUNODE_SEG: index 4, RPL 3
    expect(run(s, m, '48 0f 03 c0')).toMatchObject({ kind: 'executed', length: 4 });
    expect(s.getReg(RAX)).toBe(0x1001n);
    expect(s.rflags & ZF).toBe(ZF);
    expect(s.getRip()).toBe(4n);
  });
  it('uses only bits 15:0 of a register source', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL32, 0xffff_ffff_ffff_0020n)).toEqual([0x1001n, true]);
  });
  it('reads a 16-bit memory source, then the 8-byte descriptor at GDTR.base + index × 8', () => {
    const { s, m } = machine();
    m.setU32(0x1000, 0xffff0018);
    s.setReg(RBX, 0x1000).setReg(RAX, JUNK);
    expect(run(s, m, '0f 03 03')).toMatchObject({ kind: 'executed', length: 3 }); // lsl eax, [rbx]
    expect(s.getReg(RAX)).toBe(0x5abcdn);
    expect(m.log).toEqual([
      { kind: 'r', addr: 0x1000, size: 2 },
      { kind: 'r', addr: GDT + 0x18, size: 8 },
    ]);
  });
  it('a null selector (0-3) clears ZF without reading the GDT; the destination keeps all 64 bits', () => {
    const { s, m } = machine();
    s.rflags |= ZF;
    for (const sel of [0, 1, 2, 3]) {
      expect(probe(s, m, LSL32, sel)).toEqual([JUNK, false]);
      expect(probe(s, m, LAR32, sel)).toEqual([JUNK, false]);
    }
    expect(m.log).toEqual([]);
  });
  it('a descriptor beyond the GDT limit, wholly or in part, clears ZF without a read', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL64, 0x88)).toEqual([JUNK, false]);
    expect(probe(s, m, LSL64, 0xfff8)).toEqual([JUNK, false]);
    s.gdtrLimit = 0x83; // entry 0x80 ends at 0x87
    expect(probe(s, m, LSL64, 0x80)).toEqual([JUNK, false]);
    s.gdtrLimit = 0x87;
    expect(probe(s, m, LSL64, 0x80)).toEqual([0xfffn, true]); // not present: LSL does not check P
    expect(m.log).toEqual([{ kind: 'r', addr: GDT + 0x80, size: 8 }]);
  });
  it('TI = 1 reads the LDT (index 0 there is not null); beyond its limit or with an unusable LDTR, ZF = 0', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL32, 0x04)).toEqual([0x333n, true]);
    expect(probe(s, m, LSL32, 0x0f)).toEqual([0x777n, true]);
    expect(probe(s, m, LSL32, 0x17)).toEqual([JUNK, false]); // offset 0x10 > LDT limit 0xF
    expect(m.log.map((a) => a.addr)).toEqual([LDT, LDT + 8]);
    s.ldtr.attr |= SA_UNUSABLE;
    expect(probe(s, m, LSL32, 0x0f)).toEqual([JUNK, false]);
    s.ldtr.attr = 0x02; // not present
    expect(probe(s, m, LSL32, 0x0f)).toEqual([JUNK, false]);
  });
  it('visibility: CPL and RPL must not exceed the DPL, except for conforming code', () => {
    const { s, m } = machine();
    expect(probe(s, m, LSL32, 0x28)).toEqual([0xffffn, true]);
    expect(probe(s, m, LSL32, 0x2b)).toEqual([JUNK, false]); // RPL 3 > DPL 0
    expect(probe(s, m, LSL32, 0x33)).toEqual([0x1ffffn, true]); // conforming code: RPL ignored
    s.setLongMode(3);
    s.gdtrBaseLo = GDT;
    s.gdtrLimit = GDT_LIMIT;
    s.rflags = FLAGS_NO_ZF;
    expect(probe(s, m, LSL32, 0x28)).toEqual([JUNK, false]); // CPL 3 > DPL 0
    expect(probe(s, m, LSL32, 0x30)).toEqual([0x1ffffn, true]); // conforming code: CPL ignored
    expect(probe(s, m, LSL32, 0x18)).toEqual([0x5abcdn, true]); // DPL 3 at CPL 3, RPL 0
  });
});

describe('x86emu LAR', () => {
  it('loads bits 23:8 of the high dword (32/64: 0x00FFFF00, 16: 0xFF00), ZF = 1', () => {
    const { s, m } = machine();
    expect(probe(s, m, LAR32, 0x1b)).toEqual([0x0045f300n, true]); // limit 19:16 = 5 in bits 19:16
    expect(probe(s, m, LAR64, 0x08)).toEqual([0x00af9b00n, true]);
    expect(probe(s, m, LAR16, 0x1b)).toEqual([0xdeadbeefcafef300n, true]);
    expect(probe(s, m, LAR32, 0x80)).toEqual([0x00401300n, true]); // not present: LAR does not check P
  });
  it('applies the same selector and visibility checks', () => {
    const { s, m } = machine();
    expect(probe(s, m, LAR32, 0x2b)).toEqual([JUNK, false]);
    expect(probe(s, m, LAR32, 0x33)).toEqual([0x00419f00n, true]); // limit bits 19:16 = 1
    expect(probe(s, m, LAR32, 0x88)).toEqual([JUNK, false]);
  });
});

/** System types by selector (all DPL 0 except the DPL-3 gates) and whether LAR / LSL accept them per mode. */
const SYSTEM: [string, number, { lar: boolean; lsl: boolean }, { lar: boolean; lsl: boolean }][] = [
  ['available 32/64-bit TSS', 0x40, { lar: true, lsl: true }, { lar: true, lsl: true }],
  ['busy 32/64-bit TSS', 0x78, { lar: true, lsl: true }, { lar: true, lsl: true }],
  ['LDT', 0x60, { lar: true, lsl: true }, { lar: false, lsl: true }],
  ['available 16-bit TSS', 0x68, { lar: true, lsl: true }, { lar: false, lsl: false }],
  ['call gate', 0x58, { lar: true, lsl: false }, { lar: true, lsl: false }],
  ['task gate', 0x70, { lar: true, lsl: false }, { lar: false, lsl: false }],
  ['interrupt gate', 0x50, { lar: false, lsl: false }, { lar: false, lsl: false }],
];

describe('x86emu LAR/LSL: system descriptor types (SDM Vol. 2A, "Segment and Gate Types")', () => {
  const limitOf = (sel: number) => {
    const d = ENTRIES[sel]!;
    return BigInt(Number(d & 0xffffn) | Number((d >> 32n) & 0xf0000n));
  };
  const rightsOf = (sel: number) => (ENTRIES[sel]! >> 32n) & 0x00ffff00n;
  it.each(SYSTEM)('%s: protected mode', (_name, sel, legacy) => {
    const { s, m } = machine();
    s.setProtectedMode(32);
    s.rflags = FLAGS_NO_ZF;
    expect(probe(s, m, LAR32, sel)).toEqual(legacy.lar ? [rightsOf(sel), true] : [JUNK, false]);
    expect(probe(s, m, LSL32, sel)).toEqual(legacy.lsl ? [limitOf(sel), true] : [JUNK, false]);
  });
  it.each(SYSTEM)('%s: 64-bit mode', (_name, sel, _legacy, ia32e) => {
    const { s, m } = machine();
    expect(probe(s, m, LAR64, sel)).toEqual(ia32e.lar ? [rightsOf(sel), true] : [JUNK, false]);
    expect(probe(s, m, LSL64, sel)).toEqual(ia32e.lsl ? [limitOf(sel), true] : [JUNK, false]);
  });
  it('compatibility mode follows the IA-32e table (the LDT: LSL yes, LAR no)', () => {
    const { s, m } = machine();
    s.seg[SEG_CS]!.attr = (s.seg[SEG_CS]!.attr & ~(1 << 13)) | (1 << 14); // CS.L = 0, D = 1
    expect(probe(s, m, LAR32, 0x60)).toEqual([JUNK, false]);
    expect(probe(s, m, LSL32, 0x60)).toEqual([0x1fn, true]);
    expect(probe(s, m, LAR32, 0x68)).toEqual([JUNK, false]);
  });
});

describe('x86emu LAR/LSL: modes and faults', () => {
  it('#UD in real and virtual-8086 mode; executes in 16-bit protected mode', () => {
    const { s, m } = machine();
    s.setRealMode();
    expect(run(s, m, '0f 03 c1')).toEqual({ kind: 'fault', vector: 6, errorCode: null });
    s.setV86Mode();
    expect(run(s, m, '0f 02 c1')).toEqual({ kind: 'fault', vector: 6, errorCode: null });
    s.setProtectedMode(16);
    s.rflags = FLAGS_NO_ZF;
    expect(probe(s, m, '0f 03 c1', 0x1b)).toEqual([0xdeadbeefcafeabcdn, true]); // 16-bit code: 0F 03 C1 is lsl ax, cx
    expect(probe(s, m, '66 0f 03 c1', 0x1b)).toEqual([0x5abcdn, true]); // 66: lsl eax, ecx
  });
  it('LOCK is #UD', () => {
    const { s, m } = machine();
    expect(run(s, m, 'f0 0f 03 c1')).toEqual({ kind: 'fault', vector: 6, errorCode: null });
  });
  it('a descriptor read that faults delivers the #PF and commits nothing', () => {
    const { s, m } = machine();
    s.gdtrBaseLo = 0x1fff0; // entry 0x18 at 0x20008, beyond FlatOps' 128 KiB
    s.setReg(RAX, JUNK).setReg(RCX, 0x18);
    s.setRip(0x100);
    expect(run(s, m, LSL32)).toEqual({ kind: 'fault', vector: 14, errorCode: 0, cr2: 0x20008n });
    expect(s.getReg(RAX)).toBe(JUNK);
    expect(s.getRip()).toBe(0x100n);
    expect(s.rflags).toBe(FLAGS_NO_ZF);
  });
  it('a non-canonical GDT entry address in 64-bit mode is #GP(0)', () => {
    const { s, m } = machine();
    s.gdtrBaseLo = 0xfffffff8;
    s.gdtrBaseHi = 0x00007fff; // entry 0x18 at 0x0000_8000_0000_0010
    s.setReg(RCX, 0x18);
    expect(run(s, m, LSL32)).toEqual({ kind: 'fault', vector: 13, errorCode: 0 });
  });
  it('outside IA-32e mode the GDT address wraps at 4 GiB and GDTR.base bits 63:32 are ignored', () => {
    const { s, m } = machine();
    s.setProtectedMode(32);
    s.rflags = FLAGS_NO_ZF;
    m.setU64(0x10, desc(0x40f3, 0, 0x4321));
    s.gdtrBaseLo = 0xfffffff8; // + 0x18 wraps to linear 0x10
    s.gdtrBaseHi = 0x1234;
    expect(probe(s, m, LSL32, 0x18)).toEqual([0x4321n, true]);
    expect(m.log).toEqual([{ kind: 'r', addr: 0x10, size: 8 }]);
  });
  it('the descriptor read is flagged as a system access, the memory operand is not', () => {
    const { s, m } = machine();
    const seen: boolean[] = [];
    const read = m.read.bind(m);
    m.read = (lo: number, hi: number, size: number, dst: Uint8Array, ctxt: EmulateContext) => {
      seen.push(ctxt.systemAccess);
      return read(lo, hi, size, dst, ctxt);
    };
    m.setU32(0x1000, 0x18);
    s.setLongMode(3);
    s.gdtrBaseLo = GDT;
    s.gdtrLimit = GDT_LIMIT;
    s.setReg(RBX, 0x1000);
    expect(run(s, m, '0f 02 03')).toMatchObject({ kind: 'executed' });
    expect(seen).toEqual([false, true]);
    expect(s.getReg(RAX)).toBe(0x0045f300n);
  });
});

describe('x86emu LAR/LSL: the values this host CPU gives for Linux user selectors (CPL 3)', () => {
  // Linux's x86-64 GDT (arch/x86/include/asm/segment.h layout): __USER32_CS 0x23, __USER_DS 0x2b,
  // __USER_CS 0x33, the per-CPU segment 0x7b (CPU 0, node 0), __KERNEL_DS 0x18 (DPL 0).
  const HOST_GDT: Record<number, bigint> = {
    0x10: desc(0xa09b, 0, 0xfffff),
    0x18: desc(0xc093, 0, 0xfffff),
    0x20: desc(0xc0fb, 0, 0xfffff),
    0x28: desc(0xc0f3, 0, 0xfffff),
    0x30: desc(0xa0fb, 0, 0xfffff),
    0x78: desc(0x40f5, 0, 0),
  };
  // [selector, LAR r64, LSL r64, LAR r16 over JUNK], from tools/cpu-vectors/lar-lsl.c on the AMD EPYC host
  // (0x7b: its limit is the CPU the process ran on, 0 here).
  const MEASURED: [number, bigint, bigint, bigint][] = [
    [0x23, 0xcffb00n, 0xffffffffn, 0xdeadbeefcafefb00n],
    [0x2b, 0xcff300n, 0xffffffffn, 0xdeadbeefcafef300n],
    [0x33, 0xaffb00n, 0xffffffffn, 0xdeadbeefcafefb00n],
    [0x7b, 0x40f500n, 0n, 0xdeadbeefcafef500n],
    [0x13, JUNK, JUNK, JUNK], // DPL 0 from CPL 3: ZF = 0, nothing written (also not bits 63:32 by a 32-bit LAR)
  ];
  it.each(MEASURED)('selector %s', (sel, lar, lsl, lar16) => {
    const m = new FlatOps();
    for (const [o, d] of Object.entries(HOST_GDT)) m.setU64(GDT + Number(o), d);
    const s = new CpuState().setLongMode(3);
    s.gdtrBaseLo = GDT;
    s.gdtrLimit = 0x7f;
    s.rflags = FLAGS_NO_ZF;
    expect(probe(s, m, LAR64, sel)).toEqual([lar, lar !== JUNK]);
    expect(probe(s, m, LSL64, sel)).toEqual([lsl, lsl !== JUNK]);
    expect(probe(s, m, LAR16, sel)[0]).toBe(lar16);
    expect(probe(s, m, LAR32, sel)[0]).toBe(lar);
  });
});
