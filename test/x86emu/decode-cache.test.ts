// The decode cache (issue 14): a record served from the cache equals a fresh decode of the same
// bytes in the same mode, whatever bytes sit past `avail` (in the exit's buffer or the fetch
// buffer), and instructions that share a prefix (so a slot) but differ further on are never confused.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../bench/xorshift32.js';
import { DecodeCache } from '../../src/x86emu/decode-cache.js';
import { decode } from '../../src/x86emu/decoder/decode.js';
import { REFERENCE_CPU } from '../../src/x86emu/features.js';
import { DEC_OK, Insn } from '../../src/x86emu/insn.js';
import { type CpuMode, MODE_COMPAT16, MODE_LONG64, MODE_PROT16, MODE_PROT32, MODE_REAL } from '../../src/x86emu/modes.js';

const hex = (h: string): number[] => h.split(' ').map((x) => parseInt(x, 16));

/** Instruction sites a driver's MMIO accessors produce, plus pairs that share their first 8-11 bytes. */
const SITES = [
  '89 48 30',
  '8b 1a',
  '8b 02',
  '48 8b 04 c8',
  '66 89 02',
  '88 41 07',
  'c7 00 01 00 00 00',
  '48 c7 84 88 00 01 00 00 78 56 34 12',
  '48 c7 84 88 00 01 00 00 78 56 34 13', // differs from the one above in its last byte only
  '48 c7 84 88 00 01 00 00 79 56 34 12',
  '8b 80 00 03 00 00',
  '8b 80 00 03 00 01', // same first 4 bytes, other displacement
  'f3 a5',
  '66 0f 7f 00',
  'f0 0f b1 11',
  '0f 0b', // #UD: never cached
  'c4', // incomplete
].map(hex);

const MODES: CpuMode[] = [MODE_LONG64, MODE_PROT32, MODE_PROT16, MODE_REAL, MODE_COMPAT16];

const FIELDS = Object.keys(new Insn()) as (keyof Insn)[];

/** The first field where two records differ, or '' when they are equal. */
function differs(a: Insn, b: Insn): string {
  for (const f of FIELDS) if (a[f] !== b[f]) return `${f}: ${a[f]} vs ${b[f]}`;
  return '';
}

describe('x86emu decode cache', () => {
  it('answers what a fresh decode answers, over repeated sites, modes, stale tail bytes and short buffers', () => {
    const rng = new Rng(1412);
    const fetchBuf = new Uint8Array(16);
    const cache = new DecodeCache(fetchBuf, REFERENCE_CPU);
    const fresh = new Insn();
    const given = new Uint8Array(16);
    const copy = new Uint8Array(16);
    for (let i = 0; i < 6_000; i++) {
      const site = SITES[rng.next() % SITES.length]!;
      const mode = MODES[rng.next() % 8 < 5 ? 0 : rng.next() % MODES.length]!;
      // The bytes come from the fetch buffer or from the exit's own buffer (the fetch buffer then
      // holds whatever was there); past the site: the same following code (a fetch reads on) or
      // stale junk, and sometimes fewer bytes than needed.
      const src = rng.next() % 2 === 0 ? fetchBuf : given;
      const junk = rng.next() % 2 === 0;
      for (let k = 0; k < 16; k++) src[k] = junk ? rng.next() & 0xff : 0x90;
      src.set(site, 0);
      const avail = rng.next() % 4 === 0 ? rng.next() % 16 : rng.next() % 2 === 0 ? site.length : 15;
      copy.set(src);
      const st = cache.decode(src, avail, mode);
      const want = decode(fresh, copy, avail, mode, REFERENCE_CPU);
      const where = `${site.map((b) => b.toString(16)).join(' ')} mode ${mode} avail ${avail}`;
      expect(st, where).toBe(want);
      if (want === DEC_OK) expect(differs(cache.insn, fresh), where).toBe('');
      else expect(cache.insn.length, where).toBe(fresh.length);
    }
    expect(cache.hits).toBeGreaterThan(1_500);
    expect(cache.misses).toBeGreaterThan(100);
  });

  it('tells apart instructions that differ only in their last byte (same slot)', () => {
    const buf = new Uint8Array(16);
    const cache = new DecodeCache(buf, REFERENCE_CPU);
    for (let round = 0; round < 3; round++) {
      for (const [site, imm] of [
        [SITES[7]!, 0x12345678],
        [SITES[8]!, 0x13345678],
      ] as const) {
        buf.fill(0);
        buf.set(site, 0);
        expect(cache.decode(buf, site.length, MODE_LONG64)).toBe(DEC_OK);
        expect(cache.insn.immLo >>> 0).toBe(imm);
        expect(cache.insn.length).toBe(12);
      }
    }
    expect(cache.misses).toBe(6); // the two alternate in one slot: every decode a miss, none a stale hit
  });
});
