import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BusOverlapError, BusRangeError } from '../../src/bus/errors.js';
import { HOST_ACCESS, type AccessContext, type PortAccessSize } from '../../src/bus/access.js';
import { MAX_PHYS_ADDR, MmioBus } from '../../src/bus/mmio-bus.js';
import type { IoHandler } from '../../src/bus/handler.js';
import { RecordingDevice } from './helpers.js';

const QEMU_MMIO = { widthPolicy: 'split', unclaimedRead: 'zero' } as const;

/** A device with a 64-bit register file that implements 8-byte accesses itself. */
class Wide implements IoHandler {
  readonly regs = new BigUint64Array(128);
  read(offset: number, size: PortAccessSize): number {
    return Number((this.regs[offset >> 3]! >> BigInt((offset & 7) * 8)) & ((1n << BigInt(size * 8)) - 1n));
  }
  write(offset: number, size: PortAccessSize, value: number): void {
    const shift = BigInt((offset & 7) * 8);
    const mask = ((1n << BigInt(size * 8)) - 1n) << shift;
    const i = offset >> 3;
    this.regs[i] = (this.regs[i]! & ~mask) | ((BigInt(value >>> 0) << shift) & mask);
  }
  read64(offset: number, _ctx: AccessContext): bigint {
    return this.regs[offset >> 3]!;
  }
  write64(offset: number, value: bigint): void {
    this.regs[offset >> 3] = value;
  }
}

describe('MmioBus', () => {
  it('64-bit values are exact through read64/write64, at addresses above 4 GiB', () => {
    const bus = new MmioBus();
    const dev = new Wide();
    const base = 0x80_0000_0000;
    bus.register(base, 32, dev, { owner: 'bar', aligned: true });
    bus.write64(base + 8, 0xfedcba9876543210n);
    expect(bus.read64(base + 8)).toBe(0xfedcba9876543210n);
    expect(bus.read(base + 12, 4)).toBe(0xfedcba98);
    expect(bus.read64(base + 4)).toBe(0xffff_ffff_ffff_ffffn); // misaligned, Xen: all-ones
  });

  it('without 8-byte support, Xen rejects an 8-byte access and QEMU splits it into two dwords', () => {
    const xen = new MmioBus();
    const qemu = new MmioBus(QEMU_MMIO);
    for (const bus of [xen, qemu]) {
      const dev = new RecordingDevice(16, -1);
      bus.register(0xfee00000, 16, dev, { owner: 'dev', sizes: 4 });
    }
    expect(xen.read64(0xfee00000)).toBe(0xffff_ffff_ffff_ffffn);
    expect(qemu.read64(0xfee00000)).toBe(0x0706050403020100n);
  });

  it('unclaimed memory reads all-ones (Xen) or zero (QEMU) at every size', () => {
    const xen = new MmioBus();
    const qemu = new MmioBus(QEMU_MMIO);
    expect(xen.read(0xe0000000, 4)).toBe(0xffffffff);
    expect(xen.read(0xe0000000, 1)).toBe(0xff);
    expect(xen.read64(0xe0000000)).toBe(0xffff_ffff_ffff_ffffn);
    expect(qemu.read(0xe0000000, 4)).toBe(0);
    expect(qemu.read64(0xe0000000)).toBe(0n);
  });

  it('an access straddling the end of a device range never reaches the device beyond it', () => {
    const bus = new MmioBus(QEMU_MMIO);
    const dev = new RecordingDevice(4, -1);
    bus.register(0x1000, 4, dev, { owner: 'dev' });
    expect(bus.read(0x1002, 4)).toBe(0x00000302);
    expect(dev.log.every((a) => a.offset + a.size <= 4)).toBe(true);
    const xen = new MmioBus();
    const dev2 = new RecordingDevice(4, -1);
    xen.register(0x1000, 4, dev2, { owner: 'dev' });
    expect(xen.read(0x1002, 4)).toBe(0xffffffff);
    expect(dev2.log).toEqual([]);
  });

  it('guest RAM is served from its bytes, little-endian, beside devices', () => {
    const bus = new MmioBus();
    const ram = new Uint8Array(0x2000);
    bus.addRam(0, ram);
    bus.register(0x2000, 0x100, new RecordingDevice(0x100, 0x5a), { owner: 'dev' });
    bus.write(0x10, 4, 0x11223344);
    expect([...ram.subarray(0x10, 0x14)]).toEqual([0x44, 0x33, 0x22, 0x11]);
    bus.write64(0x20, 0x0102030405060708n);
    expect(bus.read(0x20, 2)).toBe(0x0708);
    const buf = new Uint8Array(4);
    bus.readBytes(0x1ffe, buf);
    expect([...buf]).toEqual([0, 0, 0x5a, 0x5a]);
    bus.writeBytes(0x1fff, Uint8Array.from([1, 2]));
    expect(ram[0x1fff]).toBe(1);
    expect(bus.ramView(0x10, 4)).toEqual(Uint8Array.from([0x44, 0x33, 0x22, 0x11]));
    expect(bus.ramView(0x1ffe, 4)).toBeNull();
  });

  it('overlap errors name both owners; ranges must be inside the 52-bit physical space', () => {
    const bus = new MmioBus();
    bus.register(0xfec00000, 0x100, new RecordingDevice(1), { owner: 'ioapic' });
    expect(() => bus.register(0xfec000f0, 0x20, new RecordingDevice(1), { owner: 'bar' })).toThrow(
      /bar\/bar \[0xfec000f0\.\.0xfec0010f\] overlaps ioapic\/ioapic/,
    );
    expect(() => bus.register(0xfebffff0, 0x11, new RecordingDevice(1), { owner: 'x' })).toThrow(BusOverlapError);
    expect(() => bus.register(MAX_PHYS_ADDR - 1, 2, new RecordingDevice(1), { owner: 'x' })).toThrow(BusRangeError);
    expect(() => bus.register(1.5, 2, new RecordingDevice(1), { owner: 'x' })).toThrow(BusRangeError);
    bus.register(0xfec00100, 0x100, new RecordingDevice(1), { owner: 'adjacent' });
  });

  it('moving a region (a PCI BAR) changes where it decodes; a refused move changes nothing', () => {
    const bus = new MmioBus();
    const dev = new RecordingDevice(0x1000, 7);
    const bar = bus.register(0xe0000000, 0x1000, dev, { owner: 'nic', name: 'BAR0' });
    bus.register(0xe0100000, 0x1000, new RecordingDevice(1), { owner: 'other' });
    bar.move(0xe0200000);
    expect(bus.read(0xe0000000, 1)).toBe(0xff);
    expect(bus.read(0xe0200010, 1)).toBe(7);
    expect(() => bar.move(0xe0100800)).toThrow(BusOverlapError);
    expect(bus.read(0xe0200010, 1)).toBe(7);
    expect(bus.read(0xe0100000, 1)).toBe(0);
    expect(bus.list().map((r) => r.owner)).toEqual(['other', 'nic']);
  });

  it('finds the right region among 1,000 (binary search and last-hit cache agree with a scan)', () => {
    const bus = new MmioBus();
    const bases: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const base = 0xc0000000 + i * 0x20000;
      bases.push(base);
      const dev = new RecordingDevice(1, i & 0xff);
      bus.register(base, 0x10000, { read: () => i, write: () => undefined }, { owner: `d${i}` });
      void dev;
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 0x1ffff }), (i, off) => {
        const v = bus.read(bases[i]! + off, 4);
        expect(v).toBe(off + 4 <= 0x10000 ? i : 0xffffffff);
      }),
      { numRuns: 500 },
    );
  });

  it('lookup agrees with a linear scan for ranges sharing chunks and pages, and above 4 GiB', () => {
    const bus = new MmioBus();
    const ranges: { base: number; end: number; id: number }[] = [];
    const add = (base: number, length: number) => {
      const id = ranges.length;
      bus.register(base, length, { read: () => id, write: () => undefined }, { owner: `r${id}` });
      ranges.push({ base, end: base + length, id });
    };
    for (let i = 0; i < 16; i++) add(0xfec00000 + i * 0x100, 0x80); // 16 in one page
    for (let i = 0; i < 8; i++) add(0xfed00000 + i * 0x2000, 0x1000); // 8 in one 64 KiB chunk
    add(0xfedf0000, 0x30000); // crosses chunk boundaries
    add(0xffffe000, 0x800); // part of the second-to-last page below 4 GiB
    add(0xfffff800, 0x800); // up to exactly 4 GiB
    add(0x1_0000_0000, 0x1000); // first page above 4 GiB
    const scan = (a: number) => ranges.find((r) => a >= r.base && a < r.end)?.id ?? 0xffffffff;
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0xfec00000, max: 0xfee00000 }), fc.integer({ min: 0xffffe000, max: 0x1_0000_2000 })), (a) => {
        const aligned = a - (a % 4);
        const v = bus.read(aligned, 1);
        expect(v).toBe(scan(aligned) === 0xffffffff ? 0xff : scan(aligned) & 0xff);
      }),
      { numRuns: 2000 },
    );
  });

  it('a tracer sees the device accesses read and write serve inline, with the values the device saw', () => {
    const bus = new MmioBus();
    const dev = new RecordingDevice(0x100, -1);
    bus.register(0xfeb0_0000, 0x100, dev, { owner: 'nic' });
    bus.read(0xfeb0_0004, 4); // before tracing: not seen
    const seen: string[] = [];
    bus.setTrace((e) => seen.push(`${e.dir} ${e.addr.toString(16)}/${e.size}=${e.value.toString(16)} ${e.owner}`));
    expect(bus.read(0xfeb0_0010, 2)).toBe(0x1110);
    bus.write(0xfeb0_0020, 1, 0x1ab);
    bus.setTrace(null);
    bus.read(0xfeb0_0030, 1);
    expect(seen).toEqual(['read feb00010/2=1110 nic', 'write feb00020/1=ab nic']);
    expect(dev.log.map((l) => `${l.dir}${l.offset.toString(16)}`)).toEqual(['r4', 'r10', 'w20', 'r30']);
  });

  it('property: random accesses never throw and stay in range, on both policies', () => {
    const xen = new MmioBus();
    const qemu = new MmioBus(QEMU_MMIO);
    for (const bus of [xen, qemu]) {
      bus.addRam(0, new Uint8Array(0x1000));
      bus.register(0x1000, 0x400, new Wide(), { owner: 'hpet', sizes: 4 | 8, aligned: true });
      bus.register(0x1400, 0x10, new RecordingDevice(0x10), { owner: 'byte', sizes: 1 });
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x2000 }), fc.constantFrom(1, 2, 4, 8), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (addr, size, value) => {
        for (const bus of [xen, qemu]) {
          if (size === 8) {
            bus.write64(addr, value, HOST_ACCESS);
            const v = bus.read64(addr);
            expect(v >= 0n && v < 1n << 64n).toBe(true);
          } else {
            bus.write(addr, size as 1 | 2 | 4, Number(value & 0xffffffffn));
            const v = bus.read(addr, size as 1 | 2 | 4);
            expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * size)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
