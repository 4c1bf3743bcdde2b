// Where an instruction may be: the CS limit with uint32 offsets (EIP ≥ 2^31), the canonical boundary
// in 64-bit mode (XSA-170), for fetched bytes and for bytes handed over as `insnBytes` (issue 10 items 3, 4).
import { describe, expect, it } from 'vitest';
import { CpuState, RAX, RCX, SEG_CS } from '../../src/x86emu/cpu-state.js';
import { X86EMUL_EXCEPTION, X86EMUL_OKAY, type EmulateContext, type X86EmulateOps } from '../../src/x86emu/ops.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { hex } from './helpers.js';

/** Sparse 64-bit linear memory: bytes anywhere, every access logged; unmapped bytes fault. */
class SparseOps implements X86EmulateOps {
  readonly bytes = new Map<bigint, number>();
  readonly log: string[] = [];
  private static addr(lo: number, hi: number, i: number): bigint {
    return BigInt.asUintN(64, ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) + BigInt(i));
  }
  place(at: bigint, s: string): this {
    hex(s).forEach((b, i) => this.bytes.set(BigInt.asUintN(64, at + BigInt(i)), b));
    return this;
  }
  read(lo: number, hi: number, size: number, dst: Uint8Array): number {
    for (let i = 0; i < size; i++) dst[i] = this.bytes.get(SparseOps.addr(lo, hi, i)) ?? 0;
    this.log.push(`r ${SparseOps.addr(lo, hi, 0).toString(16)} ${size}`);
    return X86EMUL_OKAY;
  }
  write(lo: number, hi: number, size: number, src: Uint8Array): number {
    for (let i = 0; i < size; i++) this.bytes.set(SparseOps.addr(lo, hi, i), src[i]!);
    this.log.push(`w ${SparseOps.addr(lo, hi, 0).toString(16)} ${size}`);
    return X86EMUL_OKAY;
  }
  cmpxchg(lo: number, hi: number, size: number, _o: Uint8Array, n: Uint8Array): number {
    return this.write(lo, hi, size, n);
  }
  insnFetch(lo: number, hi: number, dst: Uint8Array, max: number, c: EmulateContext): number {
    this.log.push(`f ${SparseOps.addr(lo, hi, 0).toString(16)} ${max}`);
    for (let i = 0; i < max; i++) {
      const a = SparseOps.addr(lo, hi, i);
      const b = this.bytes.get(a);
      if (b === undefined) {
        c.event.pageFault(0x10, Number(a & 0xffffffffn), Number(a >> 32n));
        return i;
      }
      dst[i] = b;
    }
    return max;
  }
  readIo(_p: number, size: number, dst: Uint8Array): number {
    dst.fill(0xff, 0, size);
    return X86EMUL_OKAY;
  }
  writeIo(): number {
    return X86EMUL_OKAY;
  }
}

const emu = new X86Emulator();
const GP0 = { kind: 'fault', vector: 13, errorCode: 0 };

function prot32(eip: number, csLimit: number): CpuState {
  const s = new CpuState().setProtectedMode(32).setRip(eip).setReg(RAX, 0x1000).setReg(RCX, 0x55aa);
  s.seg[SEG_CS]!.limit = csLimit;
  return s;
}

describe('x86emu: CS limit with EIP ≥ 2^31 (issue 10 item 3)', () => {
  it('CS limit 0xFFFF, EIP 0x80000000: #GP(0) before any fetch, fetched or given', () => {
    const m = new SparseOps().place(0x80000000n, '89 08');
    const s = prot32(0x80000000, 0xffff);
    expect(emu.emulate(s, m)).toEqual(GP0);
    expect(emu.emulate(s, m, { insnBytes: hex('89 08') })).toEqual(GP0);
    expect(m.log).toEqual([]);
    expect(s.getRip()).toBe(0x80000000n);
  });
  it('an instruction that crosses the CS limit above 2^31 is #GP(0); one ending at the limit runs', () => {
    const m = new SparseOps().place(0x8000fffen, '89 08 89 08');
    expect(emu.emulate(prot32(0x8000ffff, 0x8000ffff), m)).toEqual(GP0);
    expect(emu.emulate(prot32(0x8000ffff, 0x8000ffff), m, { insnBytes: hex('89 08') })).toEqual(GP0);
    expect(m.log.filter((l) => l[0] !== 'f')).toEqual([]);
    const s = prot32(0x8000fffe, 0x8000ffff);
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'executed', length: 2 });
    expect(s.getRip()).toBe(0x80010000n);
  });
  it('flat CS, EIP 0xFFFFFFFF: no spurious #GP; the instruction wraps to offset 0 and EIP to 1', () => {
    const m = new SparseOps().place(0xffffffffn, '89').place(0n, '08');
    const s = prot32(0xffffffff, 0xffffffff);
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'executed', length: 2 });
    expect(s.getRip()).toBe(1n);
    expect(m.log).toContain('w 1000 4');
    const g = prot32(0xffffffff, 0xffffffff);
    expect(emu.emulate(g, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'executed', length: 2 });
    expect(g.getRip()).toBe(1n);
  });
  it('a segment limit ≥ 2^31 on data accesses is compared unsigned', () => {
    const m = new SparseOps();
    const s = prot32(0x100, 0xffffffff).setReg(RAX, 0xfffffffc);
    s.seg[3]!.limit = 0x7fffffff; // DS ends at 2 GiB − 1
    expect(emu.emulate(s, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    s.seg[3]!.limit = 0xffffffff;
    expect(emu.emulate(s, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'executed' });
    // a VMM that copies a signed 32-bit VMCS field: -1 is the flat limit, not "below every offset"
    s.seg[3]!.limit = -1;
    s.seg[SEG_CS]!.limit = -1;
    s.setRip(0x80000000);
    expect(emu.emulate(s, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'executed' });
    expect(m.log).toEqual(['w fffffffc 4', 'w fffffffc 4']);
  });
});

describe('x86emu: a non-canonical RIP is never committed (XSA-170, issue 10 item 4)', () => {
  const long = (rip: bigint): CpuState => new CpuState().setLongMode().setRip(rip).setReg(RAX, 0x1000).setReg(RCX, 7);
  it.each([
    ['ends exactly at the boundary (1 byte)', 0x7fff_ffff_ffffn, '90'],
    ['ends exactly at the boundary (2 bytes)', 0x7fff_ffff_fffen, '89 08'],
    ['straddles the boundary', 0x7fff_ffff_ffffn, '89 08'],
    ['straddles it with a long instruction', 0x7fff_ffff_fff8n, '48 c7 80 00 01 00 00 78 56 34 12'],
  ])('an instruction that %s: #GP(0), nothing written, RIP kept (fetched and given)', (_what, rip, bytes) => {
    for (const given of [false, true]) {
      const m = new SparseOps().place(rip, bytes);
      const s = long(rip);
      expect(emu.emulate(s, m, given ? { insnBytes: hex(bytes) } : undefined)).toEqual(GP0);
      expect(s.getRip()).toBe(rip);
      expect(m.log.filter((l) => l[0] !== 'f')).toEqual([]);
      // never a fetch at or beyond the boundary
      for (const l of m.log) expect(BigInt('0x' + l.split(' ')[1]!) + BigInt(l.split(' ')[2]!)).toBeLessThanOrEqual(0x8000_0000_0000n);
    }
  });
  it('a non-canonical RIP with insnBytes is #GP(0), as when fetched', () => {
    for (const rip of [0x8000_0000_0000n, 0xffff_7fff_ffff_fff0n]) {
      const m = new SparseOps();
      expect(emu.emulate(long(rip), m, { insnBytes: hex('89 08') })).toEqual(GP0);
      expect(emu.emulate(long(rip), m)).toEqual(GP0);
      expect(m.log).toEqual([]);
    }
  });
  it('ending one byte before the boundary runs; the upper half and the 2^64 wrap are canonical', () => {
    const m = new SparseOps().place(0x7fff_ffff_fffdn, '89 08');
    const s = long(0x7fff_ffff_fffdn);
    expect(emu.emulate(s, m)).toMatchObject({ kind: 'executed', length: 2 });
    expect(s.getRip()).toBe(0x7fff_ffff_ffffn);
    const u = long(0xffff_8000_0000_0000n);
    expect(emu.emulate(u, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'executed' });
    expect(u.getRip()).toBe(0xffff_8000_0000_0002n);
    const w = long(0xffff_ffff_ffff_ffffn);
    expect(emu.emulate(w, m, { insnBytes: hex('89 08') })).toMatchObject({ kind: 'executed' });
    expect(w.getRip()).toBe(1n);
  });
  it('a callback status is never mistaken: EXCEPTION without a recorded fault is #GP(0)', () => {
    const m = new SparseOps();
    m.write = () => X86EMUL_EXCEPTION;
    expect(emu.emulate(long(0x1000n), m, { insnBytes: hex('89 08') })).toEqual(GP0);
  });
});

describe('x86emu: the bytes decide, never the exit reason (bad-inputs 78, CVE-2011-1780)', () => {
  it('an MMIO exit whose bytes were rewritten to IN, MOV CR0 or a far jump: checked as what was fetched', () => {
    // vCPU A exited on `mov [rax], ecx`; vCPU B rewrote the bytes before A's emulator fetched them
    for (const [bytes, expected] of [
      ['ec', { kind: 'fault', vector: 13, errorCode: 0 }], // IN AL, DX at CPL 3 with IOPL 0 and no bitmap: #GP before any port access
      ['0f 22 c0', { kind: 'unimplemented' }], // MOV CR0, EAX: not performed
      ['ff 28', { kind: 'unimplemented' }], // JMP FAR [rax]: no segment load
      ['0f 01 10', { kind: 'unimplemented' }], // LGDT [rax]
    ] as const) {
      const m = new SparseOps().place(0x1000n, bytes);
      const s = new CpuState().setLongMode(3).setRip(0x1000).setReg(RAX, 0x2000);
      const cr0 = s.cr0;
      let ports = 0;
      m.readIo = () => {
        ports++;
        return X86EMUL_OKAY;
      };
      expect(emu.emulate(s, m)).toMatchObject(expected);
      expect([ports, s.getRip(), s.cr0]).toEqual([0, 0x1000n, cr0]);
      expect(m.log.filter((l) => l[0] !== 'f')).toEqual([]);
    }
  });
});
