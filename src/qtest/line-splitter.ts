// Splits a byte stream into qtest command lines ('\n'-terminated, as QEMU's qtest reads them) with a
// cap on the length of one line: a longer line is dropped as it arrives (never accumulated) and
// reported as its length only, so no client can make the server hold more than the cap.

/** A line that exceeded the cap; only its length is kept. */
export interface OverlongLine {
  readonly overlong: number;
}

export type SplitLine = string | OverlongLine;

export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Bytes of the current line dropped so far (> 0: the line is overlong). */
  private dropped = 0;

  constructor(readonly maxLineBytes: number) {}

  /** Feeds a chunk; returns the lines it completes. */
  push(chunk: Buffer): SplitLine[] {
    const lines: SplitLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      lines.push(this.take(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
    return lines;
  }

  /** The input ended: the last line, if it had no newline. */
  end(): SplitLine | null {
    return this.partBytes > 0 || this.dropped > 0 ? this.take(Buffer.alloc(0)) : null;
  }

  private keep(piece: Buffer): void {
    if (this.dropped > 0 || this.partBytes + piece.length > this.maxLineBytes) {
      this.dropped += this.partBytes + piece.length;
      this.parts = [];
      this.partBytes = 0;
      return;
    }
    // Copy: the chunk's memory belongs to the stream (and may be a slice of a larger pool).
    this.parts.push(Buffer.from(piece));
    this.partBytes += piece.length;
  }

  private take(last: Buffer): SplitLine {
    this.keep(last);
    const dropped = this.dropped;
    const text = dropped > 0 ? null : Buffer.concat(this.parts, this.partBytes).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    this.dropped = 0;
    return text ?? { overlong: dropped };
  }
}
