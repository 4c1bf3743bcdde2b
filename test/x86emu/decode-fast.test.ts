// The decoder's fast paths (issue 14, fourth to seventh pass: decode-fast.ts, decode-fast64.ts)
// against the general decoder: random byte strings, every mode, short buffers; whenever the fast path
// decodes, every field of the record must equal the general decoder's (the record is scrambled first,
// so a field it forgot shows), and decode() must always answer as the general decoder does, also
// into one record reused across all the different forms (a field left over from the previous decode
// shows). 64-bit mode, which has a path of its own, gets a test of its own with VEX forms.
import { describe, expect, it } from 'vitest';
import { decodeFast } from '../../src/x86emu/decoder/decode-fast.js';
import { decode, decodeGeneral } from '../../src/x86emu/decoder/decode.js';
import { DEC_OK, Insn } from '../../src/x86emu/insn.js';
import { REFERENCE_CPU, withFeatures, type CpuFeatures } from '../../src/x86emu/features.js';
import type { CpuMode } from '../../src/x86emu/modes.js';
import { Rng } from '../../bench/xorshift32.js';

/** The record's own fields (its small fields packed into four words: insn.ts). */
const FIELDS = Object.keys(new Insn()) as (keyof Insn)[];
/** ... and every field as the executors read it (the accessors), for the messages. */
const VIEW = [...FIELDS, ...Object.getOwnPropertyNames(Insn.prototype).filter((k) => k !== 'constructor')];
const PREFIXES = [0x66, 0x66, 0xf2, 0xf3, 0xf3, 0xf0, 0xf0, 0x48, 0x41, 0x4c, 0x67, 0x2e, 0x65, 0xc5];
/** 0F opcodes of the MMIO kind: MOVDQA/MOVDQU/MOVAPS stores and loads, CMPXCHG, XADD, MOVZX/MOVSX, MOVNTI, BT group, SETcc, CMOVcc. */
const OPS_0F = [0x7f, 0x6f, 0x29, 0x28, 0x11, 0x10, 0xb1, 0xb0, 0xc1, 0xc0, 0xb6, 0xb7, 0xbe, 0xbf, 0xc3, 0xba, 0xab, 0x94, 0x44, 0xd6, 0x7e, 0xe7, 0xc7];

/** Every field to a value no decode produces (a boolean to the string 'x'). */
function scramble(d: Insn): void {
  const r = d as unknown as Record<string, unknown>;
  for (const k of FIELDS) r[k] = typeof r[k] === 'boolean' ? 'x' : 0x5a5a;
}

function fields(d: Insn): Record<string, unknown> {
  const r = d as unknown as Record<string, unknown>;
  return Object.fromEntries(VIEW.map((k) => [k, r[k]]));
}

function same(a: Insn, b: Insn): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  for (const k of FIELDS) if (x[k] !== y[k]) return false;
  return true;
}

describe('x86emu decoder: one-byte fast path', () => {
  it('decodes exactly what the general decoder decodes (random bytes, every mode)', () => {
    const g = new Rng(0xdec0de01);
    const fast = new Insn();
    const viaDecode = new Insn();
    const general = new Insn();
    const reused = new Insn(); // never scrambled: decode() after decode() of other forms
    const buf = new Uint8Array(16);
    let taken = 0;
    let mem = 0;
    let second = 0; // with 66/F2/F3/F0 or in the 0F map
    const N = 50_000;
    for (let n = 0; n < N; n++) {
      const mode = (g.next() % 7) as CpuMode;
      for (let i = 0; i < 16; i++) buf[i] = g.next() & 0xff;
      if (g.next() % 2 === 0) {
        if (g.next() % 2 === 0) buf[0] = 0x40 | (g.next() & 15); // REX (INC/DEC outside 64-bit mode)
        if (g.next() % 4 === 0) buf[1] = [0x89, 0x8b, 0x88, 0x8a, 0xc7, 0xc6, 0xf7, 0x81][g.next() & 7]!;
      } else {
        // the second level: prefixes (66 F2 F3 F0 and REX, and some the fast path leaves alone), the 0F map
        let j = 0;
        const n = g.next() % 4;
        for (; j < n; j++) buf[j] = PREFIXES[g.next() % PREFIXES.length]!;
        if (g.next() % 3 !== 0) buf[j++] = 0x0f;
        if (g.next() % 3 === 0) buf[j] = OPS_0F[g.next() % OPS_0F.length]!;
      }
      const avail = g.next() % 5 === 0 ? 1 + (g.next() % 6) : 16;
      scramble(general);
      const want = decodeGeneral(general, buf, avail, mode, REFERENCE_CPU);
      scramble(fast);
      const st = decodeFast(fast, buf, avail, mode, REFERENCE_CPU);
      if (st >= 0) {
        taken++;
        if (fast.hasMem) mem++;
        if (fast.map === 1 || fast.pp !== 0 || fast.lock) second++;
        if (st !== want || !same(fast, general)) {
          expect({ st, ...fields(fast) }, `mode ${mode} bytes ${Array.from(buf.subarray(0, avail))}`).toEqual({ st: want, ...fields(general) });
        }
      } else if (st !== -1) expect(st).toBe(-1);
      scramble(viaDecode);
      const got = decode(viaDecode, buf, avail, mode, REFERENCE_CPU);
      if (got !== want || (want === DEC_OK && !same(viaDecode, general))) {
        expect({ got, ...fields(viaDecode) }, `mode ${mode} bytes ${Array.from(buf.subarray(0, avail))}`).toEqual({ got: want, ...fields(general) });
      }
      const again = decode(reused, buf, avail, mode, REFERENCE_CPU);
      if (again !== want || (want === DEC_OK && !same(reused, general))) {
        expect({ again, ...fields(reused) }, `reused record, mode ${mode} bytes ${Array.from(buf.subarray(0, avail))}`).toEqual({
          again: want,
          ...fields(general),
        });
      }
    }
    expect(taken).toBeGreaterThan(N / 10);
    expect(mem).toBeGreaterThan(N / 20);
    expect(second).toBeGreaterThan(N / 20);
  });

  it('64-bit mode: every lane (no prefix, REX, 66/F2/F3/F0 and 0F, VEX) decodes what the general decoder decodes', () => {
    const g = new Rng(0x64dec0de);
    const noAvx = withFeatures(REFERENCE_CPU, { avx: false });
    const fast = new Insn();
    const general = new Insn();
    const reused = new Insn();
    const buf = new Uint8Array(16);
    const taken = [0, 0, 0]; // no prefix or REX alone / legacy prefixes or 0F / VEX
    const VEX_OPS = [0x10, 0x11, 0x28, 0x29, 0x2b, 0x6f, 0x7f, 0xe7, 0x12, 0x7e, 0xd6, 0x58];
    const N = 60_000;
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < 16; i++) buf[i] = g.next() & 0xff;
      const lane = g.next() % 3;
      if (lane === 0) {
        if (g.next() % 2 === 0) buf[0] = 0x40 | (g.next() & 15);
        if (g.next() % 3 === 0) buf[buf[0]! >>> 4 === 4 ? 1 : 0] = [0x89, 0x8b, 0x88, 0x8a, 0xc7, 0xc6, 0xf7, 0x81, 0x63, 0xa4, 0x90][g.next() % 11]!;
      } else if (lane === 1) {
        let j = 0;
        const np = g.next() % 5;
        for (; j < np; j++) buf[j] = PREFIXES[g.next() % PREFIXES.length]!;
        if (g.next() % 3 !== 0) buf[j++] = 0x0f;
        if (g.next() % 2 === 0) buf[j] = OPS_0F[g.next() % OPS_0F.length]!;
      } else {
        // VEX: C5 or C4 (mostly map 0F), the executed moves and some neighbours, random R/X/B, vvvv, L, W, pp
        const c4 = g.next() % 2 === 0;
        buf[0] = c4 ? 0xc4 : 0xc5;
        let j = 2;
        if (c4) {
          buf[1] = (buf[1]! & 0xe0) | (g.next() % 5 === 0 ? g.next() & 31 : 1);
          if (g.next() % 2 === 0) buf[2] = (buf[2]! & 0x83) | 0x78; // vvvv = 1111b
          j = 3;
        } else if (g.next() % 2 === 0) buf[1] = (buf[1]! & 0x87) | 0x78;
        buf[j] = VEX_OPS[g.next() % VEX_OPS.length]!;
      }
      const avail = g.next() % 6 === 0 ? 1 + (g.next() % 7) : 16;
      const f: CpuFeatures = g.next() % 10 === 0 ? noAvx : REFERENCE_CPU;
      scramble(general);
      const want = decodeGeneral(general, buf, avail, 6, f);
      scramble(fast);
      const st = decodeFast(fast, buf, avail, 6, f);
      const where = `lane ${lane} bytes ${Array.from(buf.subarray(0, avail))} avx ${f.avx}`;
      if (st >= 0) {
        taken[fast.encoding === 1 ? 2 : fast.pp !== 0 || fast.lock || fast.map === 1 ? 1 : 0]!++;
        if (st !== want || !same(fast, general)) expect({ st, ...fields(fast) }, where).toEqual({ st: want, ...fields(general) });
      } else if (st !== -1) expect(st).toBe(-1);
      const again = decode(reused, buf, avail, 6, f);
      if (again !== want || (want === DEC_OK && !same(reused, general))) {
        expect({ again, ...fields(reused) }, `reused record, ${where}`).toEqual({ again: want, ...fields(general) });
      }
    }
    for (const t of taken) expect(t).toBeGreaterThan(N / 30);
  });

  it('takes the MMIO forms an exit handler sees', () => {
    const d = new Insn();
    const forms: [number[], CpuMode][] = [
      [[0x89, 0x48, 0x30], 6], // mov [rax+0x30], ecx
      [[0x8b, 0x02], 6], // mov eax, [rdx]
      [[0x48, 0x8b, 0x04, 0xc8], 6], // mov rax, [rax+rcx*8]
      [[0x48, 0xc7, 0x84, 0x88, 0, 1, 0, 0, 0x78, 0x56, 0x34, 0x12], 6], // mov qword [rax+rcx*4+0x100], 0x12345678
      [[0x8b, 0x05, 0x10, 0, 0, 0], 6], // mov eax, [rip+0x10]
      [[0x88, 0x07], 3], // mov [edi], al (32-bit)
      [[0x8b, 0x46, 0x02], 2], // mov ax, [bp+2] (16-bit)
      [[0x66, 0x89, 0x02], 6], // mov [rdx], ax
      [[0x66, 0x0f, 0x7f, 0x00], 6], // movdqa [rax], xmm0
      [[0xf3, 0xa4], 6], // rep movsb
      [[0xf0, 0x0f, 0xb1, 0x11], 6], // lock cmpxchg [rcx], edx
      [[0x0f, 0xb6, 0x02], 6], // movzx eax, byte [rdx]
      [[0x48, 0x48, 0x8b, 0x02], 6], // REX counts when last
      [[0xf3, 0x0f, 0x6f, 0x46, 0x10], 3], // movdqu xmm0, [esi+0x10] (32-bit)
      [[0xc5, 0xfe, 0x7f, 0x00], 6], // vmovdqu [rax], ymm0
      [[0xc4, 0x41, 0x79, 0x29, 0x0c, 0x24], 6], // vmovapd [r12], xmm9
      [[0xc5, 0xf8, 0x11, 0x40, 0x08], 6], // vmovups [rax+8], xmm0
    ];
    for (const [bytes, mode] of forms) {
      const b = Uint8Array.from(bytes);
      expect(decodeFast(d, b, b.length, mode, REFERENCE_CPU), bytes.join(' ')).toBe(DEC_OK);
      expect(d.length).toBe(b.length);
    }
    // other prefixes, maps, special opcodes and illegal LOCKs go to the general decoder
    for (const bytes of [
      [0x67, 0x89, 0x02], // address-size prefix
      [0x65, 0x8b, 0x02], // segment override
      [0x0f, 0x38, 0xf0, 0x02], // 0F38
      [0xff, 0x10], // group 5
      [0xf0, 0x89, 0x02], // LOCK MOV: #UD, decided by the general decoder
      [0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x02], // more than 5 prefixes
      [0xf3, 0xf3, 0xf3, 0xf3, 0x48, 0x81, 0x84, 0x88, 0, 1, 0, 0, 0x78, 0x56, 0x34, 0x12], // 16 bytes: #GP
    ]) {
      expect(decodeFast(d, Uint8Array.from(bytes), bytes.length, 6, REFERENCE_CPU), bytes.join(' ')).toBe(-1);
    }
  });
});
