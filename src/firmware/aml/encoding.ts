// AML primitive encodings (ACPI 6.x §20.2): package lengths, names, integers, strings.
import { FirmwareError } from '../errors.js';

/** Encoded AML bytes of one term or data object. */
export class AmlTerm {
  constructor(readonly bytes: readonly number[]) {}
}

/** A value where AML data goes: a ready term, an integer (shortest encoding) or a string. */
export type AmlValue = AmlTerm | number | bigint | string;

/**
 * PkgLength (§20.2.4) for a body of `bodyLength` bytes: the encoded length counts its own bytes.
 * One byte holds up to 63; otherwise bits 7:6 give the count of following bytes, bits 3:0 the low nibble.
 */
export function pkgLength(bodyLength: number): number[] {
  for (let extra = 0; extra <= 3; extra++) {
    const total = bodyLength + 1 + extra;
    if (extra === 0 && total < 0x40) return [total];
    if (extra > 0 && total < 2 ** (4 + 8 * extra)) {
      const out = [(extra << 6) | (total & 0x0f)];
      for (let i = 0; i < extra; i++) out.push((total >>> (4 + 8 * i)) & 0xff);
      return out;
    }
  }
  throw new FirmwareError(`AML package of ${bodyLength} bytes is larger than PkgLength can encode (2^28 bytes)`);
}

/** Opcode + PkgLength + body, for the length-prefixed terms (Scope, Device, Method, Buffer, Package). */
export function withPkgLength(opcode: readonly number[], body: readonly number[]): number[] {
  return [...opcode, ...pkgLength(body.length), ...body];
}

const SEG_CHARS = /^[A-Z_][A-Z0-9_]{0,3}$/;

/** A NameSeg: 1–4 characters (A–Z, 0–9, _; not starting with a digit), padded with '_'. */
export function nameSeg(seg: string): number[] {
  if (!SEG_CHARS.test(seg)) throw new FirmwareError(`AML name segment '${seg}' must be 1–4 of A–Z, 0–9, _ (not starting with a digit)`);
  const s = seg.padEnd(4, '_');
  return [...s].map((c) => c.charCodeAt(0));
}

/**
 * A NameString (§20.2.2): an optional root '\' or parent '^' prefixes, then segments joined by '.'
 * (one segment plain, two with DualNamePrefix, more with MultiNamePrefix).
 */
export function nameString(path: string): number[] {
  const out: number[] = [];
  let rest = path;
  if (rest.startsWith('\\')) {
    out.push(0x5c);
    rest = rest.slice(1);
  }
  while (rest.startsWith('^')) {
    out.push(0x5e);
    rest = rest.slice(1);
  }
  if (rest === '') return [...out, 0x00]; // NullName
  const segs = rest.split('.');
  if (segs.length === 2) out.push(0x2e);
  else if (segs.length > 2) out.push(0x2f, segs.length);
  for (const s of segs) out.push(...nameSeg(s));
  return out;
}

/** An integer in its shortest form (§20.2.3): Zero, One, Byte/Word/DWord/QWord constants. */
export function integer(value: number | bigint): number[] {
  const v = BigInt(value);
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new FirmwareError(`AML integer ${v} must be 0 to 2^64 − 1`);
  if (v === 0n) return [0x00];
  if (v === 1n) return [0x01];
  const le = (n: number): number[] => Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
  if (v <= 0xffn) return [0x0a, ...le(1)];
  if (v <= 0xffffn) return [0x0b, ...le(2)];
  if (v <= 0xffff_ffffn) return [0x0c, ...le(4)];
  return [0x0e, ...le(8)];
}

/** A String (§20.2.3): StringPrefix, ASCII characters 0x01–0x7F, NUL. */
export function string(text: string): number[] {
  const out = [0x0d];
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (c.length !== 1 || code < 1 || code > 0x7f) throw new FirmwareError(`AML string '${text}' must be ASCII without NUL`);
    out.push(code);
  }
  out.push(0x00);
  return out;
}

/**
 * EISAID("PNP0A03") (§19.6.35): three letters compressed to 5 bits each and four hex digits, as a
 * DWord constant in little-endian byte order of the big-endian ID (what iasl emits).
 */
export function eisaIdValue(id: string): number {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new FirmwareError(`EISA ID '${id}' must be three letters A–Z and four hex digits`);
  const l = (i: number) => id.charCodeAt(i) - 0x40;
  const hi = (l(0) << 10) | (l(1) << 5) | l(2);
  const product = parseInt(id.slice(3), 16);
  const be = [hi >> 8, hi & 0xff, product >> 8, product & 0xff];
  return (be[0]! | (be[1]! << 8) | (be[2]! << 16) | (be[3]! << 24)) >>> 0;
}

/** An AmlValue's bytes. */
export function valueBytes(v: AmlValue): readonly number[] {
  if (v instanceof AmlTerm) return v.bytes;
  if (typeof v === 'string') return string(v);
  return integer(v);
}
