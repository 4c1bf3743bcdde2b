// The decode record's packed words (insn.ts): every field read through its accessor gives back what
// was written, whatever else was written before or after (a field's bits never reach its neighbours),
// and a new record reads as the decoders' defaults.
import { describe, expect, it } from 'vitest';
import { BASE_RIP, Insn, NO_REG } from '../../src/x86emu/insn.js';
import { Rng } from '../../bench/xorshift32.js';

/** Each field and the values a decoder can give it. */
const RANGES: Record<string, readonly (number | boolean)[]> = {
  mode: [0, 1, 2, 3, 4, 5, 6],
  encoding: [0, 1, 2, 3, 4],
  map: [0, 1, 2, 3],
  opcode: Array.from({ length: 256 }, (_, i) => i),
  opSize: [1, 2, 4, 8],
  addrSize: [2, 4, 8],
  immSize: [0, 1, 2, 3, 4, 6, 8],
  lock: [false, true],
  rep: [0, 0xf2, 0xf3],
  opsizePrefix: [false, true],
  adsizePrefix: [false, true],
  segOverride: [-1, 0, 1, 2, 3, 4, 5],
  rex: [0, ...Array.from({ length: 16 }, (_, i) => 0x40 | i)],
  rexW: [false, true],
  pp: [0, 1, 2, 3],
  vexL: [0, 1, 2, 3],
  vexW: [false, true],
  vexV: Array.from({ length: 32 }, (_, i) => i),
  hasModrm: [false, true],
  mod: [0, 1, 2, 3],
  reg: Array.from({ length: 32 }, (_, i) => i),
  rm: Array.from({ length: 32 }, (_, i) => i),
  regRaw: [0, 1, 2, 3, 4, 5, 6, 7],
  hasMem: [false, true],
  base: [NO_REG, BASE_RIP, ...Array.from({ length: 16 }, (_, i) => i)],
  index: [NO_REG, ...Array.from({ length: 16 }, (_, i) => i)],
  scale: [1, 2, 4, 8],
  seg: [0, 1, 2, 3, 4, 5],
  memSize: [0, 1, 2, 4, 6, 8, 10, 16, 32, 64, 128],
  length: Array.from({ length: 16 }, (_, i) => i),
  entry: [0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678],
  dispLo: [0, -1, 0x7fffffff, -0x80000000, 0x30],
  dispHi: [0, -1, 0x7fffffff, -0x80000000],
  immLo: [0, -1, 0x7fffffff, -0x80000000, 0x12345678],
  immHi: [0, -1, 0x12345678],
  imm2: [0, 1, 0xff, 0xffff],
};
const NAMES = Object.keys(RANGES);

describe('x86emu decode record (packed words)', () => {
  it('has an accessor or a field for every name, and no other', () => {
    const own = Object.keys(new Insn());
    const accessors = Object.getOwnPropertyNames(Insn.prototype).filter((k) => k !== 'constructor');
    const words = ['opWord', 'prefixWord', 'modrmWord', 'memWord'];
    expect([...own.filter((k) => !words.includes(k)), ...accessors].sort()).toEqual([...NAMES].sort());
  });

  it('reads back every field after random writes in random order (200,000 writes)', () => {
    const g = new Rng(0x1a5e7);
    const d = new Insn();
    const want: Record<string, number | boolean> = {};
    const r = d as unknown as Record<string, number | boolean>;
    for (const k of NAMES) want[k] = r[k]!;
    for (let n = 0; n < 200_000; n++) {
      const k = NAMES[g.next() % NAMES.length]!;
      const vs = RANGES[k]!;
      const v = vs[g.next() % vs.length]!;
      r[k] = v;
      want[k] = v;
      if (n % 997 === 0 || n > 199_990) {
        const got: Record<string, number | boolean> = {};
        for (const j of NAMES) got[j] = r[j]!;
        expect(got, `after write ${n} (${k} = ${v})`).toEqual(want);
      }
    }
  });

  it('a new record reads as the defaults the decoders start from', () => {
    const d = new Insn();
    expect([d.mode, d.length, d.encoding, d.map, d.opcode, d.entry, d.lock, d.rep, d.opsizePrefix, d.adsizePrefix, d.segOverride]).toEqual([
      0,
      0,
      0,
      0,
      0,
      0,
      false,
      0,
      false,
      false,
      -1,
    ]);
    expect([d.rex, d.rexW, d.pp, d.vexL, d.vexW, d.vexV, d.hasModrm, d.mod, d.reg, d.rm, d.regRaw]).toEqual([0, false, 0, 0, false, 0, false, 0, 0, 0, 0]);
    expect([d.hasMem, d.base, d.index, d.scale, d.dispLo, d.dispHi, d.seg, d.memSize, d.opSize, d.addrSize, d.immSize, d.immLo, d.immHi, d.imm2]).toEqual([
      false,
      NO_REG,
      NO_REG,
      1,
      0,
      0,
      3,
      0,
      4,
      4,
      0,
      0,
      0,
      0,
    ]);
  });
});
