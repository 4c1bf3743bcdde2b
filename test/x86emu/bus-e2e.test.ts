// End to end: instructions emulated against a real MmioBus/PortBus with fake devices.
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../src/bus/mmio-bus.js';
import { PortBus } from '../../src/bus/port-bus.js';
import type { AccessContext } from '../../src/bus/access.js';
import { BusEmulateOps } from '../../src/x86emu/bus-adapter.js';
import { CpuState, RAX, RCX, RDX, RSI, RDI } from '../../src/x86emu/cpu-state.js';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type X86EmulateOps } from '../../src/x86emu/ops.js';
import { X86Emulator } from '../../src/x86emu/emulator.js';
import { hex } from './helpers.js';

interface Seen {
  op: 'r' | 'w';
  off: number;
  size: number;
  value: bigint;
  stringOp: boolean;
}

class FakeDevice {
  readonly seen: Seen[] = [];
  readonly regs = new Map<number, bigint>();
  constructor(readonly length: number) {}
  read(off: number, size: number, ctx: AccessContext): number {
    if (off < 0 || off + size > this.length) throw new Error(`out of range ${off}`);
    const v = Number((this.regs.get(off) ?? 0x11223344n) & ((1n << BigInt(size * 8)) - 1n));
    this.seen.push({ op: 'r', off, size, value: BigInt(v), stringOp: ctx.stringOp });
    return v;
  }
  write(off: number, size: number, value: number, ctx: AccessContext): void {
    if (off < 0 || off + size > this.length) throw new Error(`out of range ${off}`);
    this.seen.push({ op: 'w', off, size, value: BigInt(value), stringOp: ctx.stringOp });
    this.regs.set(off, BigInt(value));
  }
  read64(off: number, ctx: AccessContext): bigint {
    const v = this.regs.get(off) ?? 0x0102030405060708n;
    this.seen.push({ op: 'r', off, size: 8, value: v, stringOp: ctx.stringOp });
    return v;
  }
  write64(off: number, value: bigint, ctx: AccessContext): void {
    this.seen.push({ op: 'w', off, size: 8, value, stringOp: ctx.stringOp });
    this.regs.set(off, value);
  }
}

function platform() {
  const mmio = new MmioBus();
  const ports = new PortBus();
  const ram = new Uint8Array(0x100000);
  mmio.addRam(0, ram);
  const dev = new FakeDevice(0x2000);
  mmio.register(0xfed00000, 0x2000, dev, { owner: 'fake', sizes: 1 | 2 | 4 | 8 });
  const port = new FakeDevice(8);
  ports.register(0x3f8, 8, port, { owner: 'uart' });
  const ops = new BusEmulateOps(mmio, ports);
  const s = new CpuState().setLongMode();
  return { mmio, ports, ram, dev, port, ops, s, emu: new X86Emulator() };
}

describe('x86emu + buses', () => {
  it('mov dword [rax+0x30], ecx and mov eax, [rdx] reach the device', () => {
    const p = platform();
    p.s.setReg(RAX, 0xfed00000).setReg(RCX, 0xcafe).setReg(RDX, 0xfed00030);
    expect(p.emu.emulate(p.s, p.ops, { insnBytes: hex('89 48 30') }).kind).toBe('executed');
    expect(p.emu.emulate(p.s, p.ops, { insnBytes: hex('8b 02') }).kind).toBe('executed');
    expect(p.dev.seen).toEqual([
      { op: 'w', off: 0x30, size: 4, value: 0xcafen, stringOp: false },
      { op: 'r', off: 0x30, size: 4, value: 0xcafen, stringOp: false },
    ]);
    expect(p.s.getReg(RAX)).toBe(0xcafen);
  });
  it('movdqu into a 64-bit register pair: two 8-byte chunks', () => {
    const p = platform();
    p.s.setReg(RAX, 0xfed00100);
    p.s.vecView(0).set(hex('01 02 03 04 05 06 07 08 11 12 13 14 15 16 17 18'));
    p.emu.emulate(p.s, p.ops, { insnBytes: hex('f3 0f 7f 00') });
    expect(p.dev.seen.map((x) => [x.op, x.off, x.size, x.value])).toEqual([
      ['w', 0x100, 8, 0x0807060504030201n],
      ['w', 0x108, 8, 0x1817161514131211n],
    ]);
  });
  it('a 6-byte access is split 4 + 2 and an access crossing a page is split at the boundary', () => {
    const p = platform();
    p.s.setReg(RAX, 0xfed00ffe).setReg(RCX, 0x44332211);
    p.emu.emulate(p.s, p.ops, { insnBytes: hex('89 08') }); // 4 bytes at ...ffe: 2 + 2 across the page
    expect(p.dev.seen.map((x) => [x.off, x.size])).toEqual([
      [0xffe, 2],
      [0x1000, 2],
    ]);
  });
  it('rep movsb of 4 KiB from RAM to the device: every byte, string-op context, registers exact', () => {
    const p = platform();
    for (let i = 0; i < 4096; i++) p.ram[0x10000 + i] = i & 0xff;
    p.s.setReg(RSI, 0x10000).setReg(RDI, 0xfed00000).setReg(RCX, 4096);
    const r = p.emu.emulate(p.s, p.ops, { insnBytes: hex('f3 a4') });
    expect(r).toMatchObject({ kind: 'executed', complete: true });
    expect(p.dev.seen).toHaveLength(4096);
    expect(p.dev.seen.every((x, i) => x.op === 'w' && x.off === i && x.size === 1 && x.value === BigInt(i & 0xff) && x.stringOp)).toBe(true);
    expect([p.s.getReg(RCX), p.s.getReg(RSI), p.s.getReg(RDI)]).toEqual([0n, 0x11000n, 0xfed01000n]);
  });
  it('rep movsb across a page boundary stays resumable and confined (class H)', () => {
    const p = platform();
    p.s.setReg(RSI, 0x10ff0).setReg(RDI, 0xfed01ff0).setReg(RCX, 0x20);
    let guard = 0;
    while (p.s.getReg(RCX) !== 0n && guard++ < 10) p.emu.emulate(p.s, p.ops, { insnBytes: hex('f3 a4') });
    // 16 bytes land in the device; the rest goes past its end (open bus), never to the handler out of range
    expect(p.dev.seen.filter((x) => x.op === 'w')).toHaveLength(16);
    expect(p.s.getReg(RDI)).toBe(0xfed02010n);
  });
  it('rep outsb to a port and rep insb from a port', () => {
    const p = platform();
    p.ram.set(hex('48 69 21'), 0x2000);
    p.s.setReg(RSI, 0x2000).setReg(RDX, 0x3f8).setReg(RCX, 3);
    expect(p.emu.emulate(p.s, p.ops, { insnBytes: hex('f3 6e') }).kind).toBe('executed');
    expect(p.port.seen.map((x) => [x.op, x.off, Number(x.value), x.stringOp])).toEqual([
      ['w', 0, 0x48, true],
      ['w', 0, 0x69, true],
      ['w', 0, 0x21, true],
    ]);
    p.s.setReg(RDI, 0x3000).setReg(RCX, 2);
    p.emu.emulate(p.s, p.ops, { insnBytes: hex('f3 6c') });
    expect(Array.from(p.ram.subarray(0x3000, 0x3002))).toEqual([0x21, 0x21]);
  });
  it('IN/OUT permission: CPL 3 above IOPL is #GP(0) before any port access', () => {
    const p = platform();
    const s = new CpuState().setLongMode(3).setReg(RDX, 0x3f8);
    expect(p.emu.emulate(s, p.ops, { insnBytes: hex('ee') })).toMatchObject({ kind: 'fault', vector: 13, errorCode: 0 });
    expect(p.port.seen).toHaveLength(0);
    s.rflags |= 3 << 12; // IOPL 3
    expect(p.emu.emulate(s, p.ops, { insnBytes: hex('ee') }).kind).toBe('executed');
    expect(p.emu.emulate(s, p.ops, { insnBytes: hex('e5 f8') }).kind).toBe('executed'); // in eax, 0xf8?
  });
  it('lock cmpxchg to MMIO: read, compare, then a plain write (Xen model)', () => {
    const p = platform();
    p.dev.regs.set(0x40, 5n);
    p.s.setReg(RAX, 5).setReg(RCX, 9).setReg(RDX, 0xfed00040);
    p.emu.emulate(p.s, p.ops, { insnBytes: hex('f0 0f b1 0a') });
    expect(p.dev.regs.get(0x40)).toBe(9n);
    expect(p.s.rflags & 0x40).toBe(0x40);
    p.emu.emulate(p.s, p.ops, { insnBytes: hex('f0 0f b1 0a') }); // now 9 != 5: loads EAX, no write
    expect(p.s.getReg(RAX)).toBe(9n);
    expect(p.dev.seen.filter((x) => x.op === 'w')).toHaveLength(1);
  });
  it('a retried instruction replays completed chunks and never re-issues device writes', () => {
    const mmio = new MmioBus();
    const ports = new PortBus();
    const writes: Array<[number, number]> = [];
    let failNext = true;
    const ops = new BusEmulateOps(mmio, ports, {
      mmioBackend: (phys, size, write, data) => {
        if (write && phys === 0xfed00108 && failNext) {
          failNext = false;
          return X86EMUL_RETRY; // the device model needs a round trip for the second chunk
        }
        if (write) writes.push([phys, size]);
        else data.fill(0xab, 0, size);
        return X86EMUL_OKAY;
      },
    });
    const s = new CpuState().setLongMode().setReg(RAX, 0xfed00100);
    const emu = new X86Emulator();
    const bytes = hex('f3 0f 7f 00');
    expect(emu.emulate(s, ops, { insnBytes: bytes }).kind).toBe('retry');
    expect(s.getRip()).toBe(0n);
    expect(emu.emulate(s, ops, { insnBytes: bytes, retrying: true }).kind).toBe('executed');
    expect(writes).toEqual([
      [0xfed00100, 8],
      [0xfed00108, 8],
    ]);
    expect(ops.stats.replayedChunks).toBe(1);
    expect(s.getRip()).toBe(4n);
  });
  it('an unhandleable outcome reaches ops.done as UNHANDLEABLE and drops the replay cache (issue 10 item 6)', () => {
    const mmio = new MmioBus();
    const ports = new PortBus();
    let device = 0x1111111111111111n; // what the device answers now
    let refuse = true;
    const reads: number[] = [];
    const ops = new BusEmulateOps(mmio, ports, {
      mmioBackend: (phys, size, write, data) => {
        if (!write && phys === 0xfed00008 && refuse) return X86EMUL_UNHANDLEABLE; // the device model gives up
        reads.push(phys);
        new DataView(data.buffer, data.byteOffset, 8).setBigUint64(0, device, true);
        return X86EMUL_OKAY;
      },
    });
    const statuses: number[] = [];
    const spy: X86EmulateOps = Object.assign(Object.create(ops) as BusEmulateOps, {
      done: (st: number, c: Parameters<NonNullable<X86EmulateOps['done']>>[1]) => {
        statuses.push(st);
        ops.done(st, c);
      },
    });
    const s = new CpuState().setLongMode().setReg(RAX, 0xfed00000);
    const emu = new X86Emulator();
    // movdqu xmm0, [rax]: chunk 0 completes (and is cached), chunk 8 is refused
    expect(emu.emulate(s, spy, { insnBytes: hex('f3 0f 6f 00') })).toMatchObject({ kind: 'unhandleable' });
    expect(statuses).toEqual([X86EMUL_UNHANDLEABLE]);
    refuse = false;
    device = 0x2222222222222222n;
    // a new instruction at the same address must see the device's current value, not the stale chunk
    expect(emu.emulate(s, spy, { insnBytes: hex('48 8b 08') }).kind).toBe('executed'); // mov rcx, [rax]
    expect(s.getReg(RCX)).toBe(0x2222222222222222n);
    expect(ops.stats.replayedChunks).toBe(0);
    expect(reads).toEqual([0xfed00000, 0xfed00000]);
    expect(statuses).toEqual([X86EMUL_UNHANDLEABLE, X86EMUL_OKAY]);
  });
  describe('a page-split access whose second page faults touches nothing (issue 10 item 5)', () => {
    /** Identity paging with two pages not present: 0x3000 (after RAM page 0x2000) and 0xfed01000 (after MMIO). */
    function faulting() {
      const p = platform();
      const ops = new BusEmulateOps(p.mmio, p.ports, {
        translate: (lo, hi, write, c) => {
          const page = (lo & ~0xfff) >>> 0;
          if (hi === 0 && (page === 0x3000 || page === 0xfed01000)) {
            c.event.pageFault(write ? 2 : 0, lo, hi);
            return -1;
          }
          return hi * 0x1_0000_0000 + lo;
        },
      });
      p.s.setReg(RCX, 0x1122334455667788n);
      p.s.vec.fill(0xee);
      return { ...p, ops };
    }
    it.each([
      ['48 89 08', 'mov [rax], rcx', 0x2ffc],
      ['f3 0f 7f 00', 'movdqu [rax], xmm0', 0x2ff8],
      ['c5 fe 7f 00', 'vmovdqu [rax], ymm0', 0x2ff0],
      ['48 87 08', 'xchg [rax], rcx (read-modify-write)', 0x2ffc],
    ])('RAM: %s (%s) → #PF with CR2 0x3000, bytes before the boundary unwritten', (bytes, _what, at) => {
      const p = faulting();
      p.ram.fill(0x5a, 0x2f00, 0x3000);
      p.s.setReg(RAX, at);
      expect(p.emu.emulate(p.s, p.ops, { insnBytes: hex(bytes) })).toMatchObject({ kind: 'fault', vector: 14, cr2: 0x3000n });
      expect([...p.ram.subarray(0x2f00, 0x3000)].every((b) => b === 0x5a)).toBe(true);
      expect(p.s.getRip()).toBe(0n);
    });
    it.each([
      ['48 89 08', 0xfed00ffc],
      ['f3 0f 7f 00', 0xfed00ff8],
      ['c5 fe 7f 00', 0xfed00ff0],
      ['48 8b 08', 0xfed00ffc],
      ['f3 0f 6f 00', 0xfed00ff8],
      ['66 89 08', 0xfed00fff],
    ])('MMIO: %s at %s → #PF with CR2 0xfed01000; the device sees no access at all', (bytes, at) => {
      const p = faulting();
      p.s.setReg(RAX, at);
      for (let round = 0; round < 2; round++) {
        // the guest restarts the instruction: still nothing
        expect(p.emu.emulate(p.s, p.ops, { insnBytes: hex(bytes) })).toMatchObject({ kind: 'fault', vector: 14, cr2: 0xfed01000n });
      }
      expect(p.dev.seen).toEqual([]);
    });
    it('the same split store with both pages present goes out whole (4 + 4 chunks)', () => {
      const p = faulting();
      p.s.setReg(RAX, 0xfed00ffc);
      const ops = new BusEmulateOps(p.mmio, p.ports);
      expect(p.emu.emulate(p.s, ops, { insnBytes: hex('48 89 08') }).kind).toBe('executed');
      expect(p.dev.seen.map((x) => [x.op, x.off, x.size, x.value])).toEqual([
        ['w', 0xffc, 4, 0x55667788n],
        ['w', 0x1000, 4, 0x11223344n],
      ]);
    });
  });
});
