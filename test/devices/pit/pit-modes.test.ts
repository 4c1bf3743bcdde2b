// 8254 datasheet behaviour, mode by mode, with exact CLK-edge timing: a count written at edge K is
// loaded at edge K+1 (that edge does not decrement); edge n happens at floor(n·1e9/1193182) ns.
import { describe, expect, it } from 'vitest';
import { edgeNs, makePit } from './harness.js';

describe('8254 mode 0: interrupt on terminal count', () => {
  it('counts down from the loaded count and raises OUT/IRQ0 N+1 edges after the write', () => {
    const r = makePit('xen');
    r.out(0x43, 0x30); // ch0, LSB then MSB, mode 0, binary
    r.out(0x40, 1000 & 0xff);
    r.out(0x40, 1000 >> 8);
    r.clock.advance(100_000); // 119 edges: the first loads, 118 decrement
    expect(r.latched(0)).toBe(1000 - 118);
    expect(r.irq).toEqual([]);
    r.clock.advanceTo(edgeNs(1001) - 1);
    expect(r.pit.out(0)).toBe(false);
    r.clock.advanceTo(edgeNs(1001));
    expect(r.pit.out(0)).toBe(true);
    expect(r.irq).toEqual([[edgeNs(1001), true]]);
    // The counter keeps counting through zero (0xFFFF, ...) and OUT stays high.
    r.clock.advanceTo(edgeNs(1003));
    expect(r.latched(0)).toBe(0xfffe);
    r.clock.advance(200_000_000);
    expect(r.irq).toHaveLength(1);
  });

  it('writing the first byte of a word count stops counting and drops OUT at once', () => {
    const r = makePit('xen');
    r.out(0x43, 0x30);
    r.out(0x40, 10);
    r.out(0x40, 0);
    r.clock.advanceTo(edgeNs(20));
    expect(r.pit.out(0)).toBe(true);
    r.out(0x40, 0x34); // LSB of a new count
    expect(r.pit.out(0)).toBe(false);
    expect(r.irq.at(-1)).toEqual([edgeNs(20), false]);
    const held = r.latched(0);
    r.clock.advanceTo(edgeNs(40));
    expect(r.latched(0)).toBe(held); // not counting between the two bytes
    r.out(0x40, 0x12); // MSB: 0x1234 loads at the next edge
    r.clock.advanceTo(edgeNs(41 + 10));
    expect(r.latched(0)).toBe(0x1234 - 10);
  });

  it('count 0 means 65536 in binary and 10000 in BCD', () => {
    const r = makePit('xen');
    r.out(0x43, 0x30);
    r.out(0x40, 0);
    r.out(0x40, 0);
    r.clock.advanceTo(edgeNs(1));
    expect(r.latched(0)).toBe(0);
    r.clock.advanceTo(edgeNs(2));
    expect(r.latched(0)).toBe(0xffff);
    r.clock.advanceTo(edgeNs(65537) - 1);
    expect(r.pit.out(0)).toBe(false);
    r.clock.advanceTo(edgeNs(65537));
    expect(r.pit.out(0)).toBe(true);

    const b = makePit('xen');
    b.out(0x43, 0x31); // BCD
    b.out(0x40, 0);
    b.out(0x40, 0);
    b.clock.advanceTo(edgeNs(2));
    expect(b.latched(0)).toBe(0x9999);
    b.clock.advanceTo(edgeNs(10001) - 1);
    expect(b.pit.out(0)).toBe(false);
    b.clock.advanceTo(edgeNs(10001));
    expect(b.pit.out(0)).toBe(true);
  });

  it('BCD counting reads decimal digits', () => {
    const r = makePit('xen');
    r.out(0x43, 0x31);
    r.out(0x40, 0x00);
    r.out(0x40, 0x10); // 1000 decimal
    r.clock.advance(100_000); // 118 decrements
    expect(r.latched(0)).toBe(0x0882);
  });
});

describe('8254 mode 2: rate generator', () => {
  // QEMU reports the same edges one ns earlier (3432837, 3433675, 6865675, …): its timer
  // deadlines round down, while an edge is visible from the first whole ns after it.
  it('OUT low for one CLK at the end of each period', () => {
    // IRQ0 following OUT0 (irq0Pulse 'out0'); the Xen profiles' periodic pulse is pit-irq0-pulse.test.ts.
    const r = makePit('xen', { params: { irq0Pulse: 'out0' } });
    r.out(0x43, 0x34);
    r.out(0x40, 0x00);
    r.out(0x40, 0x10); // 4096
    r.clock.advance(100_000);
    expect(r.latched(0)).toBe(4096 - 118);
    r.clock.advanceTo(10_300_000);
    // Initial high (raise counted at programming), then low at edge 4096, high at 4097, ...
    expect(r.irq).toEqual([
      [0, true],
      [3432838, false],
      [3433676, true],
      [6865676, false],
      [6866514, true],
      [10298513, false],
      [10299351, true],
    ]);
    expect(r.irq.map(([t]) => t).slice(1)).toEqual([4096, 4097, 8192, 8193, 12288, 12289].map(edgeNs));
  });

  it('a new count takes effect at the end of the current period', () => {
    const r = makePit('qemu'); // no 100 µs IRQ clamp, so IRQ0 follows OUT0 at this short period
    r.out(0x43, 0x34);
    r.out(0x40, 200);
    r.out(0x40, 0); // load at edge 1, periods end at 201, 401, ...
    r.clock.advanceTo(edgeNs(50));
    r.out(0x40, 100);
    r.out(0x40, 0);
    r.out(0x43, 0xe2); // read-back status of ch0: NULL COUNT until the reload
    expect(r.inb(0x40) & 0x40).toBe(0x40);
    expect(r.latched(0)).toBe(200 - 49);
    r.clock.advanceTo(edgeNs(201));
    expect(r.latched(0)).toBe(100);
    r.out(0x43, 0xe2);
    expect(r.inb(0x40) & 0x40).toBe(0);
    r.irq.length = 0;
    r.clock.advanceTo(edgeNs(402));
    expect(r.irq.map(([t]) => t)).toEqual([300, 301, 400, 401].map(edgeNs));
  });

  it('Xen clamps a periodic IRQ0 below 100 µs to 100 µs; the counter stays exact; QEMU does not clamp', () => {
    const x = makePit('xen');
    x.out(0x43, 0x34);
    x.out(0x40, 10);
    x.out(0x40, 0);
    x.clock.advance(1_000_000);
    const rises = x.irq.filter(([, l]) => l).map(([t]) => t);
    expect(rises).toEqual([0, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000, 800_000, 900_000, 1_000_000]);
    expect(x.latched(0)).toBe(10 - ((1193 - 1) % 10)); // edge 1193 at 1 ms, k = 1192

    const q = makePit('qemu');
    q.out(0x43, 0x34);
    q.out(0x40, 10);
    q.out(0x40, 0);
    q.irq.length = 0;
    q.clock.advance(1_000_000);
    expect(q.irq.filter(([, l]) => l).map(([t]) => t)).toEqual(Array.from({ length: 119 }, (_, i) => edgeNs(11 + 10 * i)));
  });
});

describe('8254 mode 3: square wave', () => {
  it('even count: OUT high N/2 edges, low N/2 edges; CE decrements by two', () => {
    const r = makePit('xen', { params: { irq0Pulse: 'out0' } }); // IRQ0 following OUT0
    r.out(0x43, 0x36);
    r.out(0x40, 0x00);
    r.out(0x40, 0x20); // 8192
    r.clock.advanceTo(edgeNs(11));
    expect(r.latched(0)).toBe(8192 - 20);
    r.clock.advanceTo(edgeNs(16000));
    expect(r.irq).toEqual([
      [0, true],
      [edgeNs(4097), false],
      [edgeNs(8193), true],
      [edgeNs(12289), false],
    ]);
  });

  it('odd count: high (N+1)/2, low (N-1)/2; CE N, N-1, N-3, ... then N, N-3, ...', () => {
    const r = makePit('qemu');
    r.out(0x43, 0x96); // ch2, LSB only, mode 3
    r.out(0x42, 5);
    r.out(0x61, 1); // gate on: loads at the next edge
    const K0 = Math.floor((r.clock.now * 1193182) / 1e9);
    const seen: Array<[number, boolean]> = [];
    for (let k = 0; k < 10; k++) {
      r.clock.advanceTo(edgeNs(K0 + 1 + k));
      r.out(0x43, 0x80); // latch ch2
      seen.push([r.inb(0x42), (r.inb(0x61) & 0x20) !== 0]);
    }
    expect(seen).toEqual([
      [5, true],
      [4, true],
      [2, true],
      [5, false],
      [2, false],
      [5, true],
      [4, true],
      [2, true],
      [5, false],
      [2, false],
    ]);
  });

  it('mode 7 aliases mode 3 (and 6 aliases 2), and read-back reports the bits as written', () => {
    const r = makePit('xen');
    r.out(0x43, 0x3e); // mode bits 111
    r.out(0x40, 4);
    r.out(0x40, 0);
    r.clock.advanceTo(edgeNs(3));
    expect(r.pit.out(0)).toBe(false); // high for edges 1-2, low for 3-4
    r.out(0x43, 0xe2);
    expect(r.inb(0x40)).toBe(0x3e);
  });
});

describe('8254 modes 1, 4, 5 and gate semantics (channel 2 through port 0x61)', () => {
  it('mode 1: OUT low from the edge after the gate trigger for N edges; retriggerable', () => {
    const r = makePit('xen');
    r.out(0x43, 0xb2); // ch2, word, mode 1
    r.out(0x42, 100);
    r.out(0x42, 0);
    expect((r.inb(0x61) & 0x20) !== 0).toBe(true); // OUT high until triggered
    r.clock.advanceTo(edgeNs(10));
    r.out(0x61, 1); // trigger at edge 10 → load at 11
    expect(r.pit.out(2)).toBe(true);
    r.clock.advanceTo(edgeNs(11));
    expect(r.pit.out(2)).toBe(false);
    r.clock.advanceTo(edgeNs(110));
    expect(r.pit.out(2)).toBe(false);
    r.clock.advanceTo(edgeNs(111));
    expect(r.pit.out(2)).toBe(true);
    // Gate low does not stop mode 1; the count keeps wrapping.
    r.out(0x61, 0);
    r.clock.advanceTo(edgeNs(113));
    r.out(0x43, 0x80);
    const v = r.inb(0x42) | (r.inb(0x42) << 8);
    expect(v).toBe(0x10000 - 2);
  });

  it('mode 4: one-CLK low strobe N+1 edges after the write; gate low suspends counting', () => {
    const r = makePit('xen');
    r.out(0x61, 1);
    const K0 = Math.floor((r.clock.now * 1193182) / 1e9);
    r.out(0x43, 0xb8); // ch2, word, mode 4
    r.out(0x42, 50);
    r.out(0x42, 0);
    r.clock.advanceTo(edgeNs(K0 + 20)); // k = 19
    r.out(0x61, 0); // suspend with CE = 31
    r.clock.advanceTo(edgeNs(K0 + 500));
    r.out(0x43, 0x80);
    expect(r.inb(0x42) | (r.inb(0x42) << 8)).toBe(31);
    r.out(0x61, 1); // resume: next edges decrement
    const K1 = K0 + 500;
    r.clock.advanceTo(edgeNs(K1 + 30));
    expect(r.pit.out(2)).toBe(true);
    r.clock.advanceTo(edgeNs(K1 + 31));
    expect(r.pit.out(2)).toBe(false);
    r.clock.advanceTo(edgeNs(K1 + 32));
    expect(r.pit.out(2)).toBe(true);
    r.clock.advanceTo(edgeNs(K1 + 70000));
    expect(r.pit.out(2)).toBe(true); // one strobe only
  });

  it('mode 5: strobe N edges after the load that follows the gate trigger', () => {
    const r = makePit('xen');
    r.out(0x43, 0x9a); // ch2, LSB, mode 5
    r.out(0x42, 8);
    r.clock.advanceTo(edgeNs(100));
    r.out(0x61, 1); // trigger → load at 101
    r.clock.advanceTo(edgeNs(108));
    expect(r.pit.out(2)).toBe(true);
    r.clock.advanceTo(edgeNs(109));
    expect(r.pit.out(2)).toBe(false);
    r.clock.advanceTo(edgeNs(110));
    expect(r.pit.out(2)).toBe(true);
  });

  it('mode 2 gate: low forces OUT high and stops; rising reloads on the next edge', () => {
    const r = makePit('xen');
    r.out(0x61, 1);
    const K0 = Math.floor((r.clock.now * 1193182) / 1e9);
    r.out(0x43, 0xb4); // ch2 word mode 2
    r.out(0x42, 10);
    r.out(0x42, 0);
    r.clock.advanceTo(edgeNs(K0 + 10)); // k = 9 = N-1: OUT low
    expect(r.pit.out(2)).toBe(false);
    r.out(0x61, 0);
    expect(r.pit.out(2)).toBe(true);
    r.clock.advanceTo(edgeNs(K0 + 40));
    r.out(0x61, 1); // reload at K0+41
    r.clock.advanceTo(edgeNs(K0 + 44));
    r.out(0x43, 0x80);
    expect(r.inb(0x42) | (r.inb(0x42) << 8)).toBe(10 - 3);
  });
});
