// A sparse 64-bit linear memory behind X86EmulateOps for the robustness tests: bytes anywhere in
// the 2^64 space (instruction fetches wrap at 2^64 as linear addresses do), a log of every
// callback, and #PF for bytes that were never placed.
import { X86EMUL_EXCEPTION, X86EMUL_OKAY, type EmulateContext, type X86EmulateOps } from '../../src/x86emu/ops.js';

export type Logged = [kind: 'fetch' | 'read' | 'write' | 'in' | 'out', address: bigint, size: number];

const M64 = (1n << 64n) - 1n;

export class SparseOps implements X86EmulateOps {
  readonly bytes = new Map<bigint, number>();
  readonly log: Logged[] = [];

  put(addr: bigint, data: readonly number[]): this {
    data.forEach((b, i) => this.bytes.set((addr + BigInt(i)) & M64, b));
    return this;
  }

  private at(lo: number, hi: number): bigint {
    return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }

  read(lo: number, hi: number, size: number, dst: Uint8Array, c: EmulateContext): number {
    const a = this.at(lo, hi);
    this.log.push(['read', a, size]);
    for (let i = 0; i < size; i++) {
      const b = this.bytes.get((a + BigInt(i)) & M64);
      if (b === undefined) {
        c.event.pageFault(0, lo, hi);
        return X86EMUL_EXCEPTION;
      }
      dst[i] = b;
    }
    return X86EMUL_OKAY;
  }

  write(lo: number, hi: number, size: number, src: Uint8Array, c: EmulateContext): number {
    const a = this.at(lo, hi);
    for (let i = 0; i < size; i++) {
      if (!this.bytes.has((a + BigInt(i)) & M64)) {
        c.event.pageFault(2, lo, hi);
        return X86EMUL_EXCEPTION;
      }
    }
    this.log.push(['write', a, size]);
    for (let i = 0; i < size; i++) this.bytes.set((a + BigInt(i)) & M64, src[i]!);
    return X86EMUL_OKAY;
  }

  cmpxchg(lo: number, hi: number, size: number, _old: Uint8Array, neu: Uint8Array, _lock: boolean, c: EmulateContext): number {
    return this.write(lo, hi, size, neu, c);
  }

  insnFetch(lo: number, hi: number, dst: Uint8Array, max: number, c: EmulateContext): number {
    const a = this.at(lo, hi);
    this.log.push(['fetch', a, max]);
    let n = 0;
    for (; n < max; n++) {
      const b = this.bytes.get((a + BigInt(n)) & M64);
      if (b === undefined) break;
      dst[n] = b;
    }
    if (n < max) {
      const f = (a + BigInt(n)) & M64;
      c.event.pageFault(0x10, Number(f & 0xffffffffn), Number(f >> 32n));
    }
    return n;
  }

  readIo(port: number, size: 1 | 2 | 4, dst: Uint8Array): number {
    this.log.push(['in', BigInt(port), size]);
    dst.fill(0xee, 0, size);
    return X86EMUL_OKAY;
  }

  writeIo(port: number, size: 1 | 2 | 4): number {
    this.log.push(['out', BigInt(port), size]);
    return X86EMUL_OKAY;
  }
}

export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s.split(' ').map((x) => parseInt(x, 16)));
}
