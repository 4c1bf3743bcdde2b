// F2 0F 38 F0/F1: CRC32 (SSE4.2). Accumulates the CRC-32C (Castagnoli) of the source into the low 32
// bits of the destination, bit-reflected (polynomial 0x1EDC6F41, reflected 0x82F63B78), with no
// initial or final inversion: the guest does those itself (SDM Vol. 2A "CRC32"). The source is read
// (1, 2, 4 or 8 bytes, never written); the destination is r32 (r64 with REX.W, upper half zero);
// flags are unchanged.
import type { Emu } from '../core.js';
import { entryArg } from '../decoder/tables.js';
import { VEC_UD, X86EMUL_OKAY } from '../ops.js';

/** CRC-32C byte table: CRC32C_TABLE[b] = the reflected remainder of byte b (built once). */
export const CRC32C_TABLE = new Int32Array(256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0x82f63b78 & -(c & 1));
  CRC32C_TABLE[b] = c;
}

/** Fold `bytes` little-endian bytes of `v` (a uint32 half) into `crc`. */
function fold(crc: number, v: number, bytes: number): number {
  const t = CRC32C_TABLE;
  for (let k = 0; k < bytes; k++) {
    crc = (crc >>> 8) ^ t[(crc ^ v) & 0xff]!;
    v >>>= 8;
  }
  return crc;
}

export function execCrc32(e: Emu): number {
  const d = e.insn;
  if (!e.features.sse42) return e.fault(VEC_UD);
  const srcSize = entryArg(d.entry) === 0 ? 1 : d.opSize;
  const r = e.readRm(srcSize);
  if (r !== X86EMUL_OKAY) return r;
  let crc = e.reg(d.reg, 4);
  if (srcSize === 8) crc = fold(fold(crc, e.vLo, 4), e.vHi, 4);
  else crc = fold(crc, e.vLo, srcSize);
  e.setReg(d.reg, d.rexW ? 8 : 4, crc >>> 0, 0);
  return X86EMUL_OKAY;
}
