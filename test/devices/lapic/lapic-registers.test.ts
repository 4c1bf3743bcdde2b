// Register page: Xen reset values (vlapic_reset/vlapic_do_init), write masks, and Xen's width rules.
import { describe, expect, test } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { QEMU_PC_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { BASE, makePlatform } from './helpers.js';

describe('reset values (Xen)', () => {
  test('every register of vCPU 0 and vCPU 3', () => {
    const { rd } = makePlatform(4);
    const expected: Record<number, number> = {
      0x20: 0,
      0x30: 0x00050014,
      0x80: 0,
      0x90: 0,
      0xa0: 0,
      0xb0: 0,
      0xc0: 0,
      0xd0: 0,
      0xe0: 0xffffffff,
      0xf0: 0xff,
      0x280: 0,
      0x300: 0,
      0x310: 0,
      0x320: 0x10000,
      0x330: 0x10000,
      0x340: 0x10000,
      0x350: 0x10000,
      0x360: 0x10000,
      0x370: 0x10000,
      0x380: 0,
      0x390: 0,
      0x3e0: 0,
    };
    for (const [off, v] of Object.entries(expected)) expect(rd(Number(off)), `offset 0x${Number(off).toString(16)}`).toBe(v);
    for (let off = 0x100; off < 0x280; off += 0x10) expect(rd(off)).toBe(0);
    expect(rd(0x20, 3)).toBe(0x06000000); // APIC ID = 2 × vCPU (Xen)
  });

  test('IA32_APIC_BASE: 0xFEE00900 on the BSP, 0xFEE00800 on APs', () => {
    const { lapic } = makePlatform(2);
    expect(lapic(0).readMsr(0x1b)).toEqual({ kind: 'ok', value: 0xfee00900n });
    expect(lapic(1).readMsr(0x1b)).toEqual({ kind: 'ok', value: 0xfee00800n });
  });

  test('qemu-pc: IDs equal the vCPU index and the BSP LINT0 is ExtINT (virtual wire)', () => {
    const { rd } = makePlatform(3, QEMU_PC_LAPIC_PARAMS);
    expect(rd(0x20, 2)).toBe(0x02000000);
    expect(rd(0x350, 0)).toBe(0x700);
    expect(rd(0x350, 1)).toBe(0x10000);
  });
});

describe('write masks', () => {
  const cases: [string, number, number, number][] = [
    // name, offset, written, read back (software-enabled APIC)
    ['ID is writable, all 32 bits', 0x20, 0xffffffff, 0xffffffff],
    ['version is read-only', 0x30, 0, 0x00050014],
    ['TPR keeps 7:0', 0x80, 0xffffffff, 0xff],
    ['APR reads 0', 0x90, 0xffffffff, 0],
    ['LDR keeps 31:24', 0xd0, 0xffffffff, 0xff000000],
    ['DFR: 27:0 read as ones', 0xe0, 0, 0x0fffffff],
    ['SVR keeps 9:0', 0xf0, 0xffffffff, 0x3ff],
    ['ICR high keeps 31:24', 0x310, 0xffffffff, 0xff000000],
    ['LVT timer: mask, status, mode, vector', 0x320, 0xffffffff, 0x710ff],
    ['LVT thermal', 0x330, 0xffffffff, 0x117ff],
    ['LVT perfmon', 0x340, 0xffffffff, 0x117ff],
    ['LVT LINT0', 0x350, 0xffffffff, 0x1f7ff],
    ['LVT LINT1', 0x360, 0xffffffff, 0x1f7ff],
    ['LVT error', 0x370, 0xffffffff, 0x110ff],
    ['TDCR keeps 0, 1, 3', 0x3e0, 0xffffffff, 0xb],
    ['TMCCT is read-only', 0x390, 0x1234, 0],
    ['ISR is read-only', 0x170, 0xffffffff, 0],
    ['IRR is read-only', 0x270, 0xffffffff, 0],
    ['reserved 0x3F0 (SELF IPI is x2APIC only)', 0x3f0, 0xffffffff, 0],
  ];
  test.each(cases)('%s', (_name, off, value, back) => {
    const { wr, rd, enable } = makePlatform();
    enable();
    wr(off, value);
    expect(rd(off)).toBe(back);
  });

  test('software disable masks every LVT, and LVT writes stay masked while disabled', () => {
    const { wr, rd, enable } = makePlatform();
    enable();
    wr(0x320, 0x40);
    wr(0x370, 0x41);
    wr(0xf0, 0xff); // clear bit 8
    expect(rd(0x320)).toBe(0x10040);
    expect(rd(0x370)).toBe(0x10041);
    wr(0x330, 0x42);
    expect(rd(0x330)).toBe(0x10042);
    enable();
    expect(rd(0x320)).toBe(0x10040); // re-enabling does not unmask
  });

  test('ICR low: delivery status never reads back set', () => {
    const { wr, rd, enable } = makePlatform();
    enable();
    wr(0x310, 0x05000000); // nobody has ID 5
    wr(0x300, 0x000010f0);
    expect(rd(0x300)).toBe(0x000000f0);
  });
});

describe('access widths (Xen: fits in one 32-bit register → served, else 0)', () => {
  test('byte and word reads extract the register bytes', () => {
    const { wr, rd, enable } = makePlatform();
    enable();
    wr(0xd0, 0xab000000);
    expect(rd(0xd3, 0, 1)).toBe(0xab);
    expect(rd(0xd2, 0, 2)).toBe(0xab00);
    expect(rd(0x30, 0, 1)).toBe(0x14);
    expect(rd(0x32, 0, 1)).toBe(0x05);
    expect(rd(0x33, 0, 2)).toBe(0); // straddles the 32-bit register: 0
    expect(rd(0x34, 0, 4)).toBe(0); // bytes 4–15 of a slot are not a register
  });

  test('byte writes merge into the register', () => {
    const { wr, rd, enable } = makePlatform();
    enable();
    wr(0x80, 0x12);
    wr(0x81, 0x34, 0, 1); // bits 15:8 are outside TPR's mask
    expect(rd(0x80)).toBe(0x12);
    wr(0xd3, 0x5a, 0, 1);
    expect(rd(0xd0)).toBe(0x5a000000);
  });

  test('8-byte accesses read 0 and are ignored', () => {
    const { mmio, rd, enable } = makePlatform();
    enable();
    expect(mmio.read64(BASE + 0x30, accessContext(0))).toBe(0n);
    mmio.write64(BASE + 0x80, 0xffn, accessContext(0));
    expect(rd(0x80)).toBe(0);
  });

  test('offsets above TDCR read 0', () => {
    const { rd } = makePlatform();
    for (const off of [0x3e4, 0x3f0, 0x400, 0xffc]) expect(rd(off)).toBe(0);
  });

  test('qemu-pc: sub-dword accesses read 0 and are dropped', () => {
    const { wr, rd } = makePlatform(1, QEMU_PC_LAPIC_PARAMS);
    expect(rd(0x30, 0, 1)).toBe(0);
    wr(0x80, 0x55, 0, 1);
    expect(rd(0x80)).toBe(0);
  });
});

describe('the window follows the accessing vCPU and its mode', () => {
  test('each vCPU sees its own LAPIC', () => {
    const { wr, rd } = makePlatform(2);
    wr(0x80, 0x20, 1);
    expect(rd(0x80, 0)).toBe(0);
    expect(rd(0x80, 1)).toBe(0x20);
  });

  test('hardware-disabled or x2APIC: unclaimed (all-ones), writes dropped', () => {
    const { rd, wr, lapic } = makePlatform(2);
    expect(lapic(0).writeMsr(0x1b, 0xfee00100n).kind).toBe('ok'); // EN = 0
    expect(rd(0x30)).toBe(0xffffffff);
    expect(rd(0x30, 0, 1)).toBe(0xff);
    expect(lapic(1).writeMsr(0x1b, 0xfee00c00n).kind).toBe('ok'); // x2APIC
    expect(rd(0x30, 1)).toBe(0xffffffff);
    wr(0x80, 0x30, 1);
    expect(lapic(1).readMsr(0x808)).toEqual({ kind: 'ok', value: 0n });
  });

  test('an access from a vCPU that does not exist reads all-ones', () => {
    const { mmio } = makePlatform(1);
    expect(mmio.read(BASE + 0x30, 4, accessContext(5))).toBe(0xffffffff);
  });
});
