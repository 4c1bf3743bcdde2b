// The adapter's allocation-free paths (issue 14): a remembered region per access kind, dispatch to
// the region it found, 8-byte MMIO in two halves, and REP MOVS between RAM and a device in batches.
// Each test checks what the device and RAM see against the element-by-element rules.
import { describe, expect, it } from 'vitest';
import type { AccessContext } from '../../src/bus/access.js';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { BusEmulateOps, CpuState, RAX, RCX, RDI, RDX, RSI, X86Emulator } from '../../src/x86emu/index.js';
import { hex } from './helpers.js';

type Seen = string;

/** A device that logs every access; 8-byte accesses through halves when `halves`, else bigint. */
class LogDevice {
  readonly seen: Seen[] = [];
  next = 0;
  constructor(readonly name: string) {}
  read(off: number, size: number, ctx: AccessContext): number {
    const v = ((0xa0 + this.next++) * 0x01010101) >>> 0;
    const masked = size === 4 ? v : v & ((1 << (size * 8)) - 1);
    this.seen.push(`${this.name} r${size} ${off.toString(16)}${ctx.stringOp ? ' s' : ''}`);
    return masked;
  }
  write(off: number, size: number, value: number, ctx: AccessContext): void {
    this.seen.push(`${this.name} w${size} ${off.toString(16)}=${value.toString(16)}${ctx.stringOp ? ' s' : ''}`);
  }
  read64(off: number, _ctx: AccessContext): bigint {
    this.seen.push(`${this.name} r8n ${off.toString(16)}`);
    return 0x8877665544332211n;
  }
  write64(off: number, value: bigint, _ctx: AccessContext): void {
    this.seen.push(`${this.name} w8n ${off.toString(16)}=${value.toString(16)}`);
  }
}

class HalvesDevice extends LogDevice {
  read64Halves(off: number, out: Uint32Array, _ctx: AccessContext): void {
    this.seen.push(`${this.name} r8h ${off.toString(16)}`);
    out[0] = 0xddccbbaa;
    out[1] = 0x11ffeedd;
  }
  write64Halves(off: number, lo: number, hi: number, _ctx: AccessContext): void {
    this.seen.push(`${this.name} w8h ${off.toString(16)}=${hi.toString(16)}:${lo.toString(16)}`);
  }
}

function machine() {
  const mmio = new MmioBus();
  const ram = new Uint8Array(0x40000);
  mmio.addRam(0, ram);
  const big = new LogDevice('big');
  const halves = new HalvesDevice('hv');
  mmio.register(0xfed00000, 0x1000, big, { owner: 'big' });
  mmio.register(0xfee00000, 0x1000, halves, { owner: 'hv' });
  const ops = new BusEmulateOps(mmio, new PortBus());
  const s = new CpuState().setLongMode();
  return { mmio, ram, big, halves, ops, s, emu: new X86Emulator() };
}

describe('x86emu bus adapter: fast paths', () => {
  it('8-byte MMIO uses read64Halves/write64Halves when the device has them, read64/write64 otherwise', () => {
    const m = machine();
    m.s.setReg(RDX, 0xfee00008).setReg(RCX, 0x0123456789abcdefn);
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 8b 02') }).kind).toBe('executed'); // mov rax, [rdx]
    expect(m.s.getReg(RAX)).toBe(0x11ffeeddddccbbaan);
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 89 0a') }).kind).toBe('executed'); // mov [rdx], rcx
    m.s.setReg(RDX, 0xfed00010);
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 8b 02') }).kind).toBe('executed');
    expect(m.s.getReg(RAX)).toBe(0x8877665544332211n);
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 89 0a') }).kind).toBe('executed');
    expect(m.halves.seen).toEqual(['hv r8h 8', 'hv w8h 8=1234567:89abcdef']);
    expect(m.big.seen).toEqual(['big r8n 10', 'big w8n 10=123456789abcdef']);
  });

  it('while the bus traces, 8-byte and smaller accesses go through the bus and are recorded', () => {
    const m = machine();
    const traced: string[] = [];
    m.mmio.setTrace((e) => traced.push(`${e.dir} ${e.addr.toString(16)} ${e.size}`));
    m.s.setReg(RDX, 0xfee00008).setReg(RCX, 5);
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 8b 02') });
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') }); // mov [rdx], ecx
    expect(traced).toEqual(['read fee00008 8', 'write fee00008 4']);
    expect(m.halves.seen).toEqual(['hv r8n 8', 'hv w4 8=5']);
  });

  it('a remembered region that moved or was removed is not used: the access goes where the bus says', () => {
    const m = machine();
    const region = m.mmio.regionAt(0xfed00000)!;
    m.s.setReg(RDX, 0xfed00020).setReg(RCX, 7);
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') });
    region.move(0xfec00000);
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') }); // 0xfed00020 is unclaimed now
    m.s.setReg(RDX, 0xfec00024);
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') });
    region.remove();
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') });
    expect(m.big.seen).toEqual(['big w4 20=7', 'big w4 24=7']);
    expect(m.mmio.unclaimedAccesses).toBe(2);
    // the same for instruction fetch: RAM replaced by a device under RIP
    const code = m.mmio.regionAt(0)!;
    m.ram.set(hex('89 0a'), 0x1000);
    m.s.setReg(RDX, 0x8000);
    m.s.ripLo = 0x1000;
    expect(m.emu.emulate(m.s, m.ops).kind).toBe('executed');
    expect(m.ram[0x8000]).toBe(7);
    code.remove();
    m.s.ripLo = 0x1000;
    // the fetch now reads all-ones (FF FF ...: an invalid encoding), not the old RAM bytes
    expect(m.emu.emulate(m.s, m.ops)).toMatchObject({ kind: 'fault', vector: 6 });
  });

  for (const size of [1, 2, 4, 8] as const) {
    const op = { 1: 'a4', 2: '66 a5', 4: 'a5', 8: '48 a5' }[size];
    it(`rep movs${size} RAM → device → RAM: every element in order, forwards and backwards, registers exact`, () => {
      const m = machine();
      for (let i = 0; i < 64; i++) m.ram[0x2000 + i] = i + 1;
      // forwards: 5 elements RAM → device
      m.s.setReg(RSI, 0x2000).setReg(RDI, 0xfee00100).setReg(RCX, 5);
      expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex(`f3 ${op}`) })).toMatchObject({ kind: 'executed', complete: true });
      expect([m.s.getReg(RSI), m.s.getReg(RDI), m.s.getReg(RCX)]).toEqual([0x2000n + BigInt(5 * size), 0xfee00100n + BigInt(5 * size), 0n]);
      const val = (k: number): string => {
        let v = 0n;
        for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(k * size + b + 1);
        return size === 8 ? `${(v >> 32n).toString(16)}:${(v & 0xffffffffn).toString(16)}` : v.toString(16);
      };
      const w = size === 8 ? 'w8h' : `w${size}`;
      expect(m.halves.seen).toEqual([0, 1, 2, 3, 4].map((k) => `hv ${w} ${(0x100 + k * size).toString(16)}=${val(k)}${size === 8 ? '' : ' s'}`));
      // backwards (DF=1): 3 elements device → RAM, the last element first
      m.halves.seen.length = 0;
      m.s.rflags |= 0x400;
      m.s.setReg(RSI, 0xfee00200).setReg(RDI, 0x3100).setReg(RCX, 3);
      expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex(`f3 ${op}`) })).toMatchObject({ kind: 'executed', complete: true });
      expect([m.s.getReg(RSI), m.s.getReg(RDI), m.s.getReg(RCX)]).toEqual([0xfee00200n - BigInt(3 * size), 0x3100n - BigInt(3 * size), 0n]);
      const r = size === 8 ? 'r8h' : `r${size}`;
      expect(m.halves.seen).toEqual([0, 1, 2].map((k) => `hv ${r} ${(0x200 - k * size).toString(16)}${size === 8 ? '' : ' s'}`));
      const got = Array.from(m.ram.subarray(0x3100 - 2 * size, 0x3100 + size));
      const expected: number[] = [];
      for (let k = 2; k >= 0; k--) {
        for (let b = 0; b < size; b++) {
          expected.push(size === 8 ? [0xaa, 0xbb, 0xcc, 0xdd, 0xdd, 0xee, 0xff, 0x11][b]! : (0xa0 + k) & 0xff);
        }
      }
      expect(got).toEqual(expected);
    });
  }

  it('rep movsb from RAM into a device range that ends mid-batch: the bus decides each element (unclaimed after the end)', () => {
    const mmio = new MmioBus();
    const ram = new Uint8Array(0x10000);
    mmio.addRam(0, ram);
    const dev = new LogDevice('d');
    mmio.register(0xfee00000, 0x10, dev, { owner: 'd' });
    const ops = new BusEmulateOps(mmio, new PortBus());
    const s = new CpuState().setLongMode().setReg(RSI, 0x100).setReg(RDI, 0xfee0000e).setReg(RCX, 4);
    ram.set([1, 2, 3, 4], 0x100);
    expect(new X86Emulator().emulate(s, ops, { insnBytes: hex('f3 a4') }).kind).toBe('executed');
    expect(dev.seen).toEqual(['d w1 e=1 s', 'd w1 f=2 s']);
    expect(mmio.unclaimedAccesses).toBe(2);
    expect(s.getReg(RCX)).toBe(0n);
  });
});
