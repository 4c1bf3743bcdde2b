// The adapter's allocation-free paths (issue 14): a remembered region per access kind, dispatch to
// the region it found, 8-byte MMIO in two halves, and REP MOVS between RAM and a device in batches.
// Each test checks what the device and RAM see against the element-by-element rules.
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDI, RDX, RSI } from '../../src/x86emu/cpu-state.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { hex } from './helpers.js';
import { countingValue, HalvesDevice, LogDevice } from './log-device.js';

function machine() {
  const mmio = new MmioBus();
  const ram = new Uint8Array(0x40000);
  mmio.addRam(0, ram);
  const big = new LogDevice('big', [], countingValue);
  const halves = new HalvesDevice('hv', [], countingValue);
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
    expect(m.s.getReg(RAX)).toBe(0x11ffeeddddccbbb2n); // 0x11ffeedd_ddccbbaa + offset 8
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 89 0a') }).kind).toBe('executed'); // mov [rdx], rcx
    m.s.setReg(RDX, 0xfed00010);
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 8b 02') }).kind).toBe('executed');
    expect(m.s.getReg(RAX)).toBe(0x8877665544332212n); // the device's first read
    expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 89 0a') }).kind).toBe('executed');
    expect(m.halves.log).toEqual(['hv r8h 8', 'hv w8h 8=1234567:89abcdef']);
    expect(m.big.log).toEqual(['big r8n 10', 'big w8n 10=123456789abcdef']);
  });

  it('while the bus traces, 8-byte and smaller accesses go through the bus and are recorded', () => {
    const m = machine();
    const traced: string[] = [];
    m.mmio.setTrace((e) => traced.push(`${e.dir} ${e.addr.toString(16)} ${e.size}`));
    m.s.setReg(RDX, 0xfee00008).setReg(RCX, 5);
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('48 8b 02') });
    m.emu.emulate(m.s, m.ops, { insnBytes: hex('89 0a') }); // mov [rdx], ecx
    expect(traced).toEqual(['read fee00008 8', 'write fee00008 4']);
    expect(m.halves.log).toEqual(['hv r8n 8', 'hv w4 8=5 c0']);
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
    expect(m.big.log).toEqual(['big w4 20=7 c0', 'big w4 24=7 c0']);
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
      expect(m.halves.log).toEqual([0, 1, 2, 3, 4].map((k) => `hv ${w} ${(0x100 + k * size).toString(16)}=${val(k)}${size === 8 ? '' : ' c0s'}`));
      // backwards (DF=1): 3 elements device → RAM, the last element first
      m.halves.log.length = 0;
      m.s.rflags |= 0x400;
      m.s.setReg(RSI, 0xfee00200).setReg(RDI, 0x3100).setReg(RCX, 3);
      expect(m.emu.emulate(m.s, m.ops, { insnBytes: hex(`f3 ${op}`) })).toMatchObject({ kind: 'executed', complete: true });
      expect([m.s.getReg(RSI), m.s.getReg(RDI), m.s.getReg(RCX)]).toEqual([0xfee00200n - BigInt(3 * size), 0x3100n - BigInt(3 * size), 0n]);
      const r = size === 8 ? 'r8h' : `r${size}`;
      expect(m.halves.log).toEqual([0, 1, 2].map((k) => `hv ${r} ${(0x200 - k * size).toString(16)}${size === 8 ? '' : ' c0s'}`));
      const got = Array.from(m.ram.subarray(0x3100 - 2 * size, 0x3100 + size));
      const expected: number[] = [];
      for (let k = 2; k >= 0; k--) {
        for (let b = 0; b < size; b++) {
          const lo = 0xddccbbaa + 0x200 - k * size; // HalvesDevice: 0x11ffeedd_ddccbbaa + offset
          expected.push(size === 8 ? (b < 4 ? (lo >>> (8 * b)) & 0xff : (0x11ffeedd >>> (8 * (b - 4))) & 0xff) : (0xa0 + k) & 0xff);
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
    expect(dev.log).toEqual(['d w1 e=1 c0s', 'd w1 f=2 c0s']);
    expect(mmio.unclaimedAccesses).toBe(2);
    expect(s.getReg(RCX)).toBe(0n);
  });
  for (const toDevice of [true, false]) {
    it(`rep movsd ${toDevice ? 'RAM → device' : 'device → RAM'}: a device access that moves its region sends the rest of the batch where the bus says`, () => {
      const mmio = new MmioBus();
      const ram = new Uint8Array(0x10000);
      mmio.addRam(0, ram);
      const log: string[] = [];
      const dev = new LogDevice('d', log, countingValue);
      const region = mmio.register(0xfed00000, 0x1000, dev, { owner: 'd' });
      // the third access moves the device away (a BAR write); the remaining elements find open bus
      const move = (): void => {
        if (log.length === 3) region.move(0xfec00000);
      };
      const inner = { read: dev.read.bind(dev), write: dev.write.bind(dev) };
      dev.read = (o, sz, c) => {
        const v = inner.read(o, sz, c);
        move();
        return v;
      };
      dev.write = (o, sz, v, c) => {
        inner.write(o, sz, v, c);
        move();
      };
      const ops = new BusEmulateOps(mmio, new PortBus());
      for (let i = 0; i < 24; i++) ram[0x100 + i] = i + 1;
      const s = new CpuState().setLongMode().setReg(RCX, 6);
      if (toDevice) s.setReg(RSI, 0x100).setReg(RDI, 0xfed00000);
      else s.setReg(RSI, 0xfed00000).setReg(RDI, 0x100);
      expect(new X86Emulator().emulate(s, ops, { insnBytes: hex('f3 a5') }).kind).toBe('executed');
      expect(s.getReg(RCX)).toBe(0n);
      if (toDevice) expect(log).toEqual(['d w4 0=4030201 c0s', 'd w4 4=8070605 c0s', 'd w4 8=c0b0a09 c0s']);
      else {
        expect(log).toEqual(['d r4 0 c0s', 'd r4 4 c0s', 'd r4 8 c0s']);
        // three device values, then three unclaimed reads (all-ones)
        expect(Array.from(ram.subarray(0x100, 0x118))).toEqual([...[0xa0, 0xa1, 0xa2].flatMap((b) => [b, b, b, b]), ...Array(12).fill(0xff)]);
      }
      expect(mmio.unclaimedAccesses).toBe(3);
    });
  }

  it('rep movsb into a page with two device ranges: each element goes to the range it falls in', () => {
    const mmio = new MmioBus();
    const ram = new Uint8Array(0x10000);
    mmio.addRam(0, ram);
    const log: string[] = [];
    mmio.register(0xfed00000, 0x2, new LogDevice('a', log), { owner: 'a' });
    mmio.register(0xfed00002, 0x2, new LogDevice('b', log), { owner: 'b' });
    ram.set([1, 2, 3, 4], 0x100);
    const s = new CpuState().setLongMode().setReg(RSI, 0x100).setReg(RDI, 0xfed00000).setReg(RCX, 4);
    expect(new X86Emulator().emulate(s, new BusEmulateOps(mmio, new PortBus()), { insnBytes: hex('f3 a4') }).kind).toBe('executed');
    expect(log).toEqual(['a w1 0=1 c0s', 'a w1 1=2 c0s', 'b w1 0=3 c0s', 'b w1 1=4 c0s']);
  });
});

describe('x86emu bus adapter: the remembered device page (scalarAccess)', () => {
  /** A machine whose translate callback is counted and maps linear page 0xFED00 to `map.page`. */
  function paged() {
    const mmio = new MmioBus();
    const ram = new Uint8Array(0x10000);
    mmio.addRam(0, ram);
    const log: string[] = [];
    const a = mmio.register(0xfed00000, 0x1000, new LogDevice('a', log), { owner: 'a' });
    mmio.register(0xfee00000, 0x80, new LogDevice('b', log), { owner: 'b' });
    mmio.register(0xfee00080, 0x80, new LogDevice('c', log), { owner: 'c' });
    const map = { page: 0xfed00, translations: 0 };
    const ops = new BusEmulateOps(mmio, new PortBus(), {
      translate: (lo, hi) => {
        map.translations++;
        return lo >>> 12 === 0xfed00 && hi === 0 ? map.page * 0x1000 + (lo & 0xfff) : hi * 0x1_0000_0000 + lo;
      },
    });
    const s = new CpuState().setLongMode().setReg(RCX, 7);
    const emu = new X86Emulator();
    const store = (addr: number): void => {
      s.setReg(RDX, addr);
      expect(emu.emulate(s, ops, { insnBytes: hex('89 0a') }).kind).toBe('executed'); // mov [rdx], ecx
    };
    const load = (addr: number): void => {
      s.setReg(RDX, addr);
      expect(emu.emulate(s, ops, { insnBytes: hex('8b 02') }).kind).toBe('executed'); // mov eax, [rdx]
    };
    return { mmio, log, a, map, ops, store, load };
  }

  it('without a translation generation the callback translates every access', () => {
    const m = paged();
    m.store(0xfed00010);
    m.store(0xfed00014);
    m.map.page = 0xfee00; // remapped, nobody told: still exact
    m.store(0xfed00018);
    expect(m.map.translations).toBe(3);
    expect(m.log).toEqual(['a w4 10=7 c0', 'a w4 14=7 c0', 'b w4 18=7 c0']);
  });

  it('with a translation generation: translated once per page and direction, again after a bump', () => {
    const m = paged();
    m.ops.translationGeneration = 0;
    m.store(0xfed00010);
    m.store(0xfed00014);
    expect(m.map.translations).toBe(1);
    m.load(0xfed00020); // a read is translated for itself
    expect(m.map.translations).toBe(2);
    m.map.page = 0xfee00;
    m.ops.translationGeneration++;
    m.load(0xfed00084); // now c's range
    m.load(0xfed00004); // b's range, in the same page
    m.load(0xfed00088); // c's again, past b's end
    expect(m.log).toEqual(['a w4 10=7 c0', 'a w4 14=7 c0', 'a r4 20 c0', 'c r4 4 c0', 'b r4 4 c0', 'c r4 8 c0']);
  });

  it('a region moved (the bus generation) is not used from the remembered page', () => {
    const m = paged();
    m.ops.translationGeneration = 0;
    m.store(0xfed00010);
    m.a.move(0xfec00000);
    m.store(0xfed00014); // open bus now
    m.map.page = 0xfec00;
    m.ops.translationGeneration++;
    m.store(0xfed00018);
    expect(m.log).toEqual(['a w4 10=7 c0', 'a w4 18=7 c0']);
    expect(m.mmio.unclaimedAccesses).toBe(1);
  });
});
