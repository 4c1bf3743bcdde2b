// A growable little-endian byte buffer for building firmware tables (host side, never on a guest
// access path, so plain arrays are fine).
import { FirmwareError } from './errors.js';

/** A growable little-endian byte buffer for building tables: each writer method appends and returns `this`. */
export class ByteWriter {
  private readonly bytes: number[] = [];

  get length(): number {
    return this.bytes.length;
  }

  /** Appends the low byte of `v`. */
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }

  /** Appends the low 16 bits of `v`, little-endian. */
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }

  /** Appends the low 32 bits of `v`, little-endian. */
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }

  /** A 64-bit field from a JavaScript number (exact below 2^53, which covers x86 physical addresses). */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new FirmwareError(`64-bit field value ${v} must be a whole number below 2^53`);
    return this.u32(v % 2 ** 32).u32(Math.floor(v / 2 ** 32));
  }

  /** ASCII text padded with `pad` (or cut) to exactly `width` bytes. */
  ascii(text: string, width: number, pad = 0x20): this {
    for (let i = 0; i < width; i++) this.u8(i < text.length ? text.charCodeAt(i) : pad);
    return this;
  }

  /** Appends bytes as they are (each taken modulo 256). */
  raw(data: ArrayLike<number>): this {
    for (let i = 0; i < data.length; i++) this.u8(data[i]!);
    return this;
  }

  /** Appends `n` zero bytes. */
  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.bytes.push(0);
    return this;
  }

  /** Overwrites a 32-bit field written earlier (lengths, addresses). */
  patch32(offset: number, v: number): this {
    for (let i = 0; i < 4; i++) this.bytes[offset + i] = (v >>> (8 * i)) & 0xff;
    return this;
  }

  /** A copy of the bytes written so far. */
  toArray(): number[] {
    return this.bytes.slice();
  }

  /** A copy of the bytes written so far, as a Uint8Array. */
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** The byte that makes `data[start, start+length)` sum to 0 mod 256 when stored at `at` (first zeroed). */
export function fixChecksum(data: Uint8Array, start: number, length: number, at: number): void {
  data[at] = 0;
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += data[i]!;
  data[at] = (256 - (sum & 0xff)) & 0xff;
}

/** Sum of the bytes mod 256 (0 for a table with a right checksum). */
export function byteSum(data: Uint8Array, start = 0, length = data.length - start): number {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += data[i]!;
  return sum & 0xff;
}
