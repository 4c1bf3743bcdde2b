// A per-emulator (so per-vCPU) cache of decoded instructions, keyed by their bytes and the CPU mode.
// A VMM's MMIO exits come from a few instruction sites (a driver's readl/writel), so the same bytes
// are decoded again and again; a hit replaces the decode by a hash and four masked word compares.
// The key is exactly what the decode depends on: the decoder reads the bytes [0, length) and
// nothing past them, so the same bytes in the same mode (and the emulator's fixed features) with at
// least `length` bytes available decode to the same record. Only DEC_OK results are kept; a record
// is never written after its decode (executors only read it), so handing it out is safe.
import { decode } from './decoder/decode.js';
import type { CpuFeatures } from './features.js';
import { DEC_OK, Insn } from './insn.js';
import type { CpuMode } from './modes.js';

const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;

/** MASKS[n * 4 + k]: word k of a 16-byte buffer with its first n bytes set (host byte order). */
const MASKS = (() => {
  const m = new Int32Array(17 * 4);
  const bytes = new Uint8Array(16);
  const words = new Int32Array(bytes.buffer);
  for (let n = 0; n <= 16; n++) {
    bytes.fill(0);
    bytes.fill(0xff, 0, n);
    for (let k = 0; k < 4; k++) m[n * 4 + k] = words[k]!;
  }
  return m;
})();

export class DecodeCache {
  /** The record of the last decode (a cached one on a hit); valid until the next decode. */
  insn: Insn;
  /** Decodes served from the cache / decoded (tests and benchmarks read them). */
  hits = 0;
  misses = 0;
  private readonly records: Insn[] = [];
  /** Per slot: the instruction's bytes as four words, masked to its length. */
  private readonly keys = new Int32Array(SLOTS * 4);
  /** Per slot: the instruction's length (0: empty) and the mode it was decoded in. */
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly modes = new Int8Array(SLOTS);
  private readonly words: Int32Array;

  /** `buf` is the emulator's fetch buffer: 16 bytes at a 4-aligned offset, read as four words. */
  constructor(
    private readonly buf: Uint8Array,
    private readonly features: CpuFeatures,
  ) {
    if (buf.length !== 16 || buf.byteOffset % 4 !== 0) throw new RangeError('DecodeCache: the fetch buffer must be 16 bytes, 4-aligned');
    this.words = new Int32Array(buf.buffer, buf.byteOffset, 4);
    for (let i = 0; i < SLOTS; i++) this.records.push(new Insn());
    this.insn = this.records[0]!;
  }

  /** decode() of buf[0, avail) in `mode` into `this.insn`; returns the DEC_* status. */
  decode(avail: number, mode: CpuMode): number {
    const w = this.words;
    // The slot: a hash of the first eight bytes, those beyond `avail` masked off (they may be stale).
    const a = avail < 8 ? avail * 4 : 32;
    const slot = Math.imul((w[0]! & MASKS[a]!) ^ Math.imul(w[1]! & MASKS[a + 1]!, 0x85ebca6b) ^ mode, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const len = this.lengths[slot]!;
    const rec = this.records[slot]!;
    this.insn = rec;
    if (len !== 0 && len <= avail && this.modes[slot] === mode) {
      const keys = this.keys;
      const k = slot * 4;
      const m = len * 4;
      if (
        ((w[0]! ^ keys[k]!) & MASKS[m]!) === 0 &&
        ((w[1]! ^ keys[k + 1]!) & MASKS[m + 1]!) === 0 &&
        ((w[2]! ^ keys[k + 2]!) & MASKS[m + 2]!) === 0 &&
        ((w[3]! ^ keys[k + 3]!) & MASKS[m + 3]!) === 0
      ) {
        this.hits++;
        return DEC_OK;
      }
    }
    this.misses++;
    const st = decode(rec, this.buf, avail, mode, this.features);
    if (st !== DEC_OK) {
      this.lengths[slot] = 0;
      return st;
    }
    const keys = this.keys;
    const k = slot * 4;
    const m = rec.length * 4;
    keys[k] = w[0]! & MASKS[m]!;
    keys[k + 1] = w[1]! & MASKS[m + 1]!;
    keys[k + 2] = w[2]! & MASKS[m + 2]!;
    keys[k + 3] = w[3]! & MASKS[m + 3]!;
    this.lengths[slot] = rec.length;
    this.modes[slot] = mode;
    return DEC_OK;
  }
}
