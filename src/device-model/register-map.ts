// A device's register map as data (the idea of QEMU's MemoryRegionOps tables and the datasheets'
// register tables): where each register is, how wide, which bits a read returns and a write
// changes, and its reset value. Each device derives the flat typed arrays its access path indexes
// from its table, and `hvmdev describe --registers`, the docs and the tests read the same table.

export interface RegisterSpec {
  /** Byte offset in the device's window, or the index in an indirect register file (the device's docs say which). */
  readonly offset: number;
  /** The datasheet's name ("TMICT", "GEN_CONF"). */
  readonly name: string;
  /** Bits. */
  readonly width: 32 | 64;
  /** Copies at offset + i × stride (the eight words of a vector map, one block per HPET timer). */
  readonly count?: number;
  /** Bytes (or indices) between two copies when `count` > 1. */
  readonly stride?: number;
  /** Bits a read may return set; 0n: the register reads 0 (write-only or reserved). */
  readonly readMask: bigint;
  /** Bits a guest write changes; 0n: writes change no stored bit (read-only, or a command like EOI). */
  readonly writeMask: bigint;
  /** Value after reset; null when it depends on the instance (the note says how). */
  readonly reset: bigint | null;
  /** What the masks do not say: side effects, computed values, where a profile differs. */
  readonly note: string;
}

const hex = (v: bigint, digits: number) => '0x' + v.toString(16).toUpperCase().padStart(digits, '0');

/** The offset column: `0x100`, or `0x100 + 0x10·i (i < 8)` for repeated registers. */
export function registerOffsetText(r: RegisterSpec, digits = 3): string {
  const base = hex(BigInt(r.offset), digits);
  if (r.count === undefined || r.count <= 1) return base;
  return `${base} + ${hex(BigInt(r.stride ?? 0), 2)}·i (i < ${r.count})`;
}

function maskText(v: bigint, width: number): string {
  return hex(v, width / 4);
}

/** The table's columns as text, one row per spec (the docs' table and `describe --registers` print these). */
export function registerRows(specs: readonly RegisterSpec[]): string[][] {
  return specs.map((r) => [
    registerOffsetText(r),
    r.name,
    String(r.width),
    r.reset === null ? 'per instance' : maskText(r.reset, r.width),
    maskText(r.readMask, r.width),
    maskText(r.writeMask, r.width),
    r.note,
  ]);
}

const HEADER = ['Offset', 'Register', 'Width', 'Reset', 'Read mask', 'Write mask', 'Note'];

/** The register table as a Markdown table (docs/devices/*.md hold exactly this; a test compares). */
export function registerTableMarkdown(specs: readonly RegisterSpec[]): string {
  const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [row(HEADER), row(HEADER.map(() => '---')), ...registerRows(specs).map(row)].join('\n') + '\n';
}

/** The register table as aligned plain text (`hvmdev describe --registers`). */
export function registerTableText(specs: readonly RegisterSpec[], indent = '  '): string {
  const rows = [HEADER, ...registerRows(specs)];
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => (c === HEADER.length - 1 ? 0 : r[c]!.length))));
  return (
    rows
      .map(
        (r) =>
          indent +
          r
            .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
            .join('  ')
            .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
