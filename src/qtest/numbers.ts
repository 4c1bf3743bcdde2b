// Number parsing as QEMU's qtest server does it (qemu_strtou64 / qemu_strtoi64 with base 0):
// 0x… hexadecimal, a leading 0 octal, otherwise decimal; a leading '-' wraps modulo 2^64.
// QEMU g_assert()s (aborts) on a malformed number; we answer FAIL instead.

const U64 = 1n << 64n;

/** Parses an unsigned 64-bit number, or returns null if malformed. */
export function parseU64(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  let s = text.trim();
  let negative = false;
  if (s.startsWith('-')) {
    negative = true;
    s = s.slice(1);
  } else if (s.startsWith('+')) s = s.slice(1);
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) v = BigInt(s);
  else if (/^0[0-7]*$/.test(s)) v = s.length > 1 ? BigInt('0o' + s.slice(1)) : 0n;
  else if (/^[1-9][0-9]*$/.test(s)) v = BigInt(s);
  else return null;
  if (v >= U64) return null; // ERANGE
  return negative ? (U64 - v) % U64 : v;
}

/** Parses a signed 64-bit number, or returns null if malformed or out of range. */
export function parseI64(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  const s = text.trim();
  const negative = s.startsWith('-');
  const mag = parseU64(negative ? s.slice(1) : s);
  if (mag === null) return null;
  const v = negative ? -mag : mag;
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return null;
  return v;
}

/** `v` as qtest writes a port read's value: `0x` and at least 4 lowercase hex digits (uint32). */
export function hex4(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(4, '0');
}

/** `v` as qtest writes a 64-bit value (readq, rdmsr): `0x` and 16 lowercase hex digits, taken modulo 2^64. */
export function hex16(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}
