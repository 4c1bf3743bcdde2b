// A device for the x86emu tests that logs every access in order, into a log it may share with other
// devices (so one array shows the order across devices): `<name> r<size> <offset> c<vcpu>[s]` for a
// read, `<name> w<size> <offset>=<value> c<vcpu>[s]` for a write (s: from a string instruction),
// `r8n`/`w8n` for the bigint 8-byte entry points and, on a HalvesDevice, `r8h`/`w8h` for the
// two-halves ones. Offsets and values in hex.
import type { AccessContext } from '../../src/bus/access.js';

/** What the n-th read (from 1) of a device returns for (offset, size): any uint32, not masked to the size. */
export type ReadValue = (n: number, off: number, size: number) => number;

/** The default: a different value for every read, wider than the access (the adapter keeps only `size` bytes). */
export const hashedValue: ReadValue = (n, off, size) => Math.imul(0x9e3779b1, n + off * 7 + size) >>> 0;

/** 0xA0A0A0A0 for the first read, 0xA1A1A1A1 for the second, …: every byte names the read. */
export const countingValue: ReadValue = (n) => Math.imul(0x9f + n, 0x01010101) >>> 0;

export class LogDevice {
  /** Reads and 8-byte reads so far (the n of ReadValue). */
  private n = 0;
  constructor(
    readonly name: string,
    /** Where the accesses go (pass one array to several devices for one ordered log). */
    readonly log: string[] = [],
    private readonly value: ReadValue = hashedValue,
  ) {}
  read(off: number, size: number, ctx: AccessContext): number {
    const v = this.value(++this.n, off, size);
    this.log.push(`${this.name} r${size} ${off.toString(16)} c${ctx.vcpu}${ctx.stringOp ? 's' : ''}`);
    return v;
  }
  write(off: number, size: number, value: number, ctx: AccessContext): void {
    this.log.push(`${this.name} w${size} ${off.toString(16)}=${value.toString(16)} c${ctx.vcpu}${ctx.stringOp ? 's' : ''}`);
  }
  /** 0x8877665544332211 + n for the n-th read. */
  read64(off: number, _ctx: AccessContext): bigint {
    this.log.push(`${this.name} r8n ${off.toString(16)}`);
    return 0x8877665544332211n + BigInt(++this.n);
  }
  write64(off: number, value: bigint, _ctx: AccessContext): void {
    this.log.push(`${this.name} w8n ${off.toString(16)}=${value.toString(16)}`);
  }
}

/** A LogDevice that also takes 8-byte accesses as two uint32 halves (no bigint). */
export class HalvesDevice extends LogDevice {
  /** Reads 0x11FFEEDD_DDCCBBAA + offset (in the low half). */
  read64Halves(off: number, out: Uint32Array, _ctx: AccessContext): void {
    this.log.push(`${this.name} r8h ${off.toString(16)}`);
    out[0] = 0xddccbbaa + off;
    out[1] = 0x11ffeedd;
  }
  write64Halves(off: number, lo: number, hi: number, _ctx: AccessContext): void {
    this.log.push(`${this.name} w8h ${off.toString(16)}=${hi.toString(16)}:${lo.toString(16)}`);
  }
}
