// A per-emulator (so per-vCPU) cache of decoded instructions, keyed by their bytes and the CPU mode.
// A VMM's MMIO exits come from a few instruction sites (a driver's readl/writel), so the same bytes
// are decoded again and again; a hit replaces the decode by a hash of the first bytes and a compare
// of the instruction's bytes. The key is exactly what the decode depends on: the decoder reads the
// bytes [0, length) and nothing past them, so the same bytes in the same mode (and the emulator's
// fixed features) with at least `length` bytes available decode to the same record. Only DEC_OK
// results are kept; a record is never written after its decode (executors only read it), so handing
// it out is safe. The bytes are read where they are (the exit's buffer or the fetch buffer): a copy
// first would cost more than the compare (and byte stores read back as words stall the CPU).
import { decode } from './decoder/decode.js';
import type { CpuFeatures } from './features.js';
import { DEC_OK, Insn } from './insn.js';
import type { CpuMode } from './modes.js';

const SLOT_BITS = 6;
const SLOTS = 1 << SLOT_BITS;
const KEY_BYTES = 16;

export class DecodeCache {
  /** The record of the last decode (a cached one on a hit); valid until the next decode. */
  insn: Insn;
  /** Decodes served from the cache / decoded (tests and benchmarks read them). */
  hits = 0;
  misses = 0;
  private readonly records: Insn[] = [];
  /** Per slot: the instruction's bytes. */
  private readonly keys = new Uint8Array(SLOTS * KEY_BYTES);
  /** Per slot: the instruction's length (0: empty) and the mode it was decoded in. */
  private readonly lengths = new Uint8Array(SLOTS);
  private readonly modes = new Int8Array(SLOTS);

  /** `buf` is the emulator's fetch buffer (decoded from on a miss). */
  constructor(
    private readonly buf: Uint8Array,
    private readonly features: CpuFeatures,
  ) {
    for (let i = 0; i < SLOTS; i++) this.records.push(new Insn());
    this.insn = this.records[0]!;
  }

  /** decode() of src[0, avail): {@link decodeAt} at 0. */
  decode(src: Uint8Array, avail: number, mode: CpuMode): number {
    return this.decodeAt(src, 0, avail, mode);
  }

  /**
   * decode() of src[at, at + avail) in `mode` into `this.insn`; returns the DEC_* status. On a miss
   * the bytes are first copied into the fetch buffer (unless they are in it) and decoded from there.
   */
  decodeAt(src: Uint8Array, at: number, avail: number, mode: CpuMode): number {
    // The slot: a hash of the first bytes that are there (at most four: a prefix, REX, opcode, ModRM).
    let h = mode;
    if (avail > 0) h ^= src[at]! << 8;
    if (avail > 1) h ^= src[at + 1]! << 16;
    if (avail > 2) h ^= src[at + 2]! << 24;
    if (avail > 3) h ^= src[at + 3]!;
    const slot = Math.imul(h, 0x9e3779b1) >>> (32 - SLOT_BITS);
    const len = this.lengths[slot]!;
    const rec = this.records[slot]!;
    this.insn = rec;
    if (len !== 0 && len <= avail && this.modes[slot] === mode) {
      const keys = this.keys;
      const k = slot * KEY_BYTES;
      let i = 0;
      while (i < len && keys[k + i] === src[at + i]) i++;
      if (i === len) {
        this.hits++;
        return DEC_OK;
      }
    }
    this.misses++;
    const buf = this.buf;
    if (src !== buf || at !== 0) for (let i = 0; i < avail; i++) buf[i] = src[at + i]!;
    const st = decode(rec, buf, avail, mode, this.features);
    if (st !== DEC_OK) {
      this.lengths[slot] = 0;
      return st;
    }
    const n = rec.length;
    const keys = this.keys;
    const k = slot * KEY_BYTES;
    for (let i = 0; i < n; i++) keys[k + i] = buf[i]!;
    this.lengths[slot] = n;
    this.modes[slot] = mode;
    return DEC_OK;
  }
}
