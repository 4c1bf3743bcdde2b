// Every mode × access mode × BCD against the naive edge-by-edge reference (reference-8254.ts):
// CE (read through the counter latch in the programmed access mode) and OUT (read-back status)
// after every CLK edge for several periods, with GATE dropped and raised part way.
import { describe, expect, it } from 'vitest';
import { edgeNs, makePit } from './harness.js';
import { ReferenceCounter } from './reference-8254.js';

const toBcd = (v: number) => parseInt(String(v), 16);

interface Case {
  mode: number;
  rw: 1 | 2 | 3;
  bcd: boolean;
  raw: number; // count register as written
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const mode of [0, 1, 2, 3, 4, 5]) {
    for (const bcd of [false, true]) {
      out.push({ mode, rw: 1, bcd, raw: bcd ? 0x07 : 7 });
      out.push({ mode, rw: 1, bcd, raw: bcd ? 0x12 : 12 });
      out.push({ mode, rw: 2, bcd, raw: 0x0100 }); // MSB only: 256 binary, 100 BCD
      out.push({ mode, rw: 3, bcd, raw: bcd ? 0x0025 : 0x0019 });
      out.push({ mode, rw: 3, bcd, raw: 0 }); // 65536 / 10000
    }
  }
  return out;
}

describe('8254 matrix against an edge-by-edge reference', () => {
  for (const c of cases()) {
    const value = c.bcd ? parseInt(c.raw.toString(16), 10) || 10000 : c.raw || 0x10000;
    it(`mode ${c.mode}, RW ${c.rw}, ${c.bcd ? 'BCD' : 'binary'}, count ${c.raw.toString(16)}`, () => {
      const r = makePit('xen');
      const triggered = c.mode === 1 || c.mode === 5;
      if (!triggered) r.out(0x61, 1); // gate high before the count for modes 0, 2, 3, 4
      r.out(0x43, 0x80 | (c.rw << 4) | (c.mode << 1) | (c.bcd ? 1 : 0));
      if (c.rw !== 2) r.out(0x42, c.raw & 0xff);
      if (c.rw !== 1) r.out(0x42, c.raw >> 8);
      const ref = new ReferenceCounter(c.mode, c.bcd, value);
      if (triggered) {
        ref.gate = false;
        r.out(0x61, 1);
        ref.setGate(true);
      }
      const span = Math.min(3 * value + 6, 400);
      const gateLowAt = Math.floor(span / 2);
      let lastReads: string[] = [];
      for (let k = 1; k <= span; k++) {
        r.clock.advanceTo(edgeNs(k));
        ref.edge();
        if (k === gateLowAt) {
          r.out(0x61, 0);
          ref.setGate(false);
        }
        if (k === gateLowAt + 5) {
          r.out(0x61, 1);
          ref.setGate(true);
        }
        r.out(0x43, 0xc8); // read-back: latch count and status of counter 2
        const status = r.inb(0x42);
        let ce = r.inb(0x42);
        if (c.rw === 3) ce |= r.inb(0x42) << 8;
        const want = c.bcd ? toBcd(ref.ce) : ref.ce;
        const wantRead = c.rw === 1 ? want & 0xff : c.rw === 2 ? (want >> 8) & 0xff : want;
        lastReads = [`k=${k}`, `ce=${ce.toString(16)}`, `want=${wantRead.toString(16)}`];
        expect({ k, ce, out: (status & 0x80) !== 0 }, lastReads.join(' ')).toEqual({ k, ce: wantRead, out: ref.out });
      }
    });
  }
});
