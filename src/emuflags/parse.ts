/** Parsing flags from names/numbers and formatting them back. */
import { EMU_FLAGS } from './flags.js';
import { FlagParseError } from './errors.js';

/**
 * Emulation flags as a caller may give them to `parseFlags`: a uint32 bitmap, a string of names and
 * numbers (`'lapic,ioapic'`, `'LAPIC|XEN_X86_EMU_VPCI'`, `'0x411'`, `'1041'`, `'none'`), or a list of
 * names and numbers OR-ed together.
 */
export type FlagsInput = string | number | readonly (string | number)[];

const VALID_NAMES: readonly string[] = EMU_FLAGS.map((f) => f.name);
const UINT32_MAX = 0xffff_ffff;

function parseToken(token: string, input: string): number {
  if (/^0x[0-9a-f]+$/i.test(token) || /^[0-9]+$/.test(token)) {
    const value = Number(token);
    if (!Number.isSafeInteger(value) || value > UINT32_MAX) {
      throw new FlagParseError(token, input, VALID_NAMES, `flags value ${token} does not fit in 32 bits`);
    }
    return value;
  }
  // ASCII only: toUpperCase() maps 'ı' (dotless i) and 'ſ' (long s) to I and S, so `lapıc` would pass as LAPIC.
  if (!/^[A-Za-z0-9_]+$/.test(token)) throw new FlagParseError(token, input, VALID_NAMES);
  const upper = token.toUpperCase();
  if (upper === 'NONE') return 0;
  const short = upper.startsWith('XEN_X86_EMU_') ? upper.slice('XEN_X86_EMU_'.length) : upper;
  const flag = EMU_FLAGS.find((f) => f.name === short);
  if (flag === undefined) throw new FlagParseError(token, input, VALID_NAMES);
  return flag.value;
}

function parseValue(value: number, input: string): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new FlagParseError(String(value), input, VALID_NAMES, `flags value ${String(value)} is not a uint32`);
  }
  return value;
}

/**
 * Parse emulation flags. Accepts a number, a string of tokens separated by `,`, `|` or whitespace
 * (each a short name like `lapic`, a full name like `XEN_X86_EMU_LAPIC`, `none`, or a hex/decimal
 * number), or an array of such parts. The result is the OR of all parts, a uint32.
 * @throws FlagParseError naming the bad token and listing valid names.
 */
export function parseFlags(input: FlagsInput): number {
  if (typeof input === 'number') return parseValue(input, String(input));
  const parts: readonly (string | number)[] = typeof input === 'string' ? [input] : input;
  const whole = parts.map(String).join(' ');
  let result = 0;
  let tokens = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      result = (result | parseValue(part, whole)) >>> 0;
      tokens++;
      continue;
    }
    for (const token of part.split(/[,|\s]+/)) {
      if (token === '') continue;
      result = (result | parseToken(token, whole)) >>> 0;
      tokens++;
    }
  }
  if (tokens === 0) {
    throw new FlagParseError('', whole, VALID_NAMES, 'no emulation flags given (use NONE or 0 for none)');
  }
  return result;
}

/** Xen's `%#x`: `0x` prefix, lower case, but plain `0` for zero (Xen's vsnprintf drops the prefix for 0). */
export function formatHexC(flags: number): string {
  const v = flags >>> 0;
  return v === 0 ? '0' : `0x${v.toString(16)}`;
}

/** Canonical hex for humans, always prefixed and at least 3 digits: `0x001`, `0x411`, `0x000`. */
export function formatHex(flags: number): string {
  return `0x${(flags >>> 0).toString(16).toUpperCase().padStart(3, '0')}`;
}

/** How `formatFlags` writes a bitmap's names. */
export interface FormatOptions {
  /** `short` (default) → `LAPIC|IOAPIC`, `full` → `XEN_X86_EMU_LAPIC|XEN_X86_EMU_IOAPIC`. */
  readonly style?: 'short' | 'full';
  /** Separator, default `|`. */
  readonly separator?: string;
}

/**
 * Names of the set flags joined by `|` (`NONE` for 0). Bits outside the 11 known flags are appended
 * as one hex number, so `parseFlags(formatFlags(x)) === x` for every uint32.
 */
export function formatFlags(flags: number, options: FormatOptions = {}): string {
  const v = flags >>> 0;
  const style = options.style ?? 'short';
  const sep = options.separator ?? '|';
  const names: string[] = [];
  let known = 0;
  for (const f of EMU_FLAGS) {
    if ((v & f.value) !== 0) {
      names.push(style === 'full' ? `XEN_X86_EMU_${f.name}` : f.name);
      known |= f.value;
    }
  }
  const unknown = (v & ~known) >>> 0;
  if (unknown !== 0) names.push(`0x${unknown.toString(16)}`);
  return names.length === 0 ? 'NONE' : names.join(sep);
}

/** `0x411 (LAPIC|IOAPIC|VPCI)`. */
export function formatFlagsWithHex(flags: number): string {
  return `${formatHex(flags)} (${formatFlags(flags)})`;
}
