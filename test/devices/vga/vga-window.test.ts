import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext, HOST_ACCESS } from '../../../src/bus/access.js';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { VgaWindow } from '../../../src/devices/vga/vga-window.js';
import { VgaParamsError, XEN_VGA_WINDOW_PARAMS, type VgaWriteSink } from '../../../src/devices/vga/params.js';

class Sink implements VgaWriteSink {
  readonly writes: [number, number, number | bigint][] = [];
  write(a: number, s: 1 | 2 | 4, v: number): void {
    this.writes.push([a, s, v]);
  }
  write64(a: number, v: bigint): void {
    this.writes.push([a, 8, v]);
  }
}

function rig() {
  const mmio = new MmioBus({ widthPolicy: 'reject', unclaimedRead: 'ones' });
  const sink = new Sink();
  const vga = new VgaWindow(mmio, XEN_VGA_WINDOW_PARAMS, sink);
  return { mmio, sink, vga };
}

const STRING = accessContext(0, true);

describe('legacy VGA window (Xen stdvga accept filter)', () => {
  it('forwards single direct writes of every size with their physical address', () => {
    const { mmio, sink } = rig();
    mmio.write(0xa0000, 1, 0x41);
    mmio.write(0xb8000, 2, 0x0741);
    mmio.write(0xbfffc, 4, 0xdeadbeef);
    mmio.write64(0xb8008, 0x0102030405060708n);
    expect(sink.writes).toEqual([
      [0xa0000, 1, 0x41],
      [0xb8000, 2, 0x0741],
      [0xbfffc, 4, 0xdeadbeef],
      [0xb8008, 8, 0x0102030405060708n],
    ]);
  });

  it('does not claim reads: they read as unclaimed memory (all-ones under Xen)', () => {
    const { mmio, sink, vga } = rig();
    mmio.write(0xb8000, 2, 0x0741);
    expect(mmio.read(0xb8000, 2)).toBe(0xffff);
    expect(mmio.read(0xa0000, 4)).toBe(0xffffffff);
    expect(mmio.read64(0xa0000)).toBe(0xffff_ffff_ffff_ffffn);
    expect(vga.unclaimedAccesses).toBe(3);
    expect(sink.writes.length).toBe(1);
  });

  it('does not claim string-instruction writes (REP or not)', () => {
    const { mmio, sink, vga } = rig();
    mmio.write(0xb8000, 2, 0x0741, STRING);
    mmio.write64(0xb8000, 1n, STRING);
    expect(sink.writes).toEqual([]);
    expect(vga.unclaimedAccesses).toBe(2);
    mmio.write(0xb8000, 2, 0x0741, HOST_ACCESS);
    expect(vga.forwardedWrites).toBe(1);
  });

  it('does not claim writes that straddle the window end', () => {
    const { mmio, sink } = rig();
    mmio.write(0xbfffe, 4, 0x11223344);
    mmio.write(0x9fffe, 4, 0x11223344);
    expect(sink.writes).toEqual([]);
  });

  it('other profiles answer reads as their unclaimed memory (QEMU: 0)', () => {
    const mmio = new MmioBus({ widthPolicy: 'split', unclaimedRead: 'zero' });
    new VgaWindow(mmio, XEN_VGA_WINDOW_PARAMS, new Sink());
    expect(mmio.read(0xa0000, 4)).toBe(0);
  });

  it('refuses a malformed window with a typed error', () => {
    expect(() => new VgaWindow(new MmioBus(), { base: 0xa0000, size: 0 }, new Sink())).toThrow(VgaParamsError);
  });

  it('random guest accesses never throw and only single direct writes inside the window are forwarded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ addr: fc.integer({ min: 0x9fff0, max: 0xc0010 }), size: fc.constantFrom(1, 2, 4, 8), write: fc.boolean(), str: fc.boolean() }), {
          maxLength: 50,
        }),
        (ops) => {
          const { mmio, sink } = rig();
          let expected = 0;
          for (const o of ops) {
            const ctx = accessContext(0, o.str);
            if (o.write) {
              if (o.size === 8) mmio.write64(o.addr, 5n, ctx);
              else mmio.write(o.addr, o.size as 1 | 2 | 4, 5, ctx);
              if (!o.str && o.addr >= 0xa0000 && o.addr + o.size <= 0xc0000) expected++;
            } else if (o.size === 8) mmio.read64(o.addr, ctx);
            else mmio.read(o.addr, o.size as 1 | 2 | 4, ctx);
          }
          expect(sink.writes.length).toBe(expected);
          for (const [a, s] of sink.writes) expect(a >= 0xa0000 && a + s <= 0xc0000).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('snapshot is empty and restore accepts only an object', () => {
    const { vga } = rig();
    expect(vga.snapshot()).toEqual({});
    vga.restore({});
    expect(() => vga.restore(null)).toThrow();
  });
});
