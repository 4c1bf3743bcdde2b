// Test doubles: a flat little memory and a port log behind X86EmulateOps.
import { CpuState } from '../../src/x86emu/cpu-state.js';
import { Insn } from '../../src/x86emu/insn.js';
import { MODE_LONG64, type CpuMode } from '../../src/x86emu/modes.js';
import { REFERENCE_CPU } from '../../src/x86emu/features.js';
import { X86EMUL_OKAY, X86EMUL_EXCEPTION, type EmulateContext, type X86EmulateOps } from '../../src/x86emu/ops.js';
import { X86Emulator, type EmulateResult } from '../../src/x86emu/emulator.js';
import { decode } from '../../src/x86emu/decoder/decode.js';

export function hex(s: string): Uint8Array {
  return Uint8Array.from(
    s
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((x) => parseInt(x, 16)),
  );
}

/** The instruction record decodeHex() fills. */
export const decoded = new Insn();

/** Decodes the hex `bytes` into `decoded` on the reference CPU; returns decode()'s answer (the length, or a DEC_* code). */
export function decodeHex(bytes: string, mode: CpuMode = MODE_LONG64): number {
  const b = hex(bytes);
  return decode(decoded, b, b.length, mode, REFERENCE_CPU);
}

export interface Access {
  kind: 'r' | 'w' | 'in' | 'out';
  addr: number;
  size: number;
  value?: number;
}

/** Memory of `size` bytes at linear 0; accesses beyond raise #PF. Ports echo a pattern. */
export class FlatOps implements X86EmulateOps {
  readonly mem: Uint8Array;
  readonly log: Access[] = [];
  portValue = 0x12345678;
  permitted = false;
  constructor(size = 0x20000) {
    this.mem = new Uint8Array(size);
  }
  private ok(lo: number, hi: number, size: number, ctxt: EmulateContext): boolean {
    lo >>>= 0;
    hi >>>= 0;
    if (hi !== 0 || lo + size > this.mem.length) {
      ctxt.event.pageFault(0, lo, hi);
      return false;
    }
    return true;
  }
  read(lo: number, hi: number, size: number, dst: Uint8Array, ctxt: EmulateContext): number {
    lo >>>= 0; // the emulator passes address halves as int32 bit patterns
    if (!this.ok(lo, hi, size, ctxt)) return X86EMUL_EXCEPTION;
    dst.set(this.mem.subarray(lo, lo + size));
    this.log.push({ kind: 'r', addr: lo, size });
    return X86EMUL_OKAY;
  }
  write(lo: number, hi: number, size: number, src: Uint8Array, ctxt: EmulateContext): number {
    lo >>>= 0;
    if (!this.ok(lo, hi, size, ctxt)) return X86EMUL_EXCEPTION;
    this.mem.set(src.subarray(0, size), lo);
    this.log.push({ kind: 'w', addr: lo, size });
    return X86EMUL_OKAY;
  }
  cmpxchg(lo: number, hi: number, size: number, _old: Uint8Array, neu: Uint8Array, _l: boolean, ctxt: EmulateContext): number {
    return this.write(lo, hi, size, neu, ctxt);
  }
  insnFetch(lo: number, hi: number, dst: Uint8Array, max: number, ctxt: EmulateContext): number {
    lo >>>= 0;
    hi >>>= 0;
    if (hi !== 0 || lo >= this.mem.length) {
      ctxt.event.pageFault(0x10, lo, hi);
      return 0;
    }
    const n = Math.min(max, this.mem.length - lo);
    dst.set(this.mem.subarray(lo, lo + n));
    if (n < max) ctxt.event.pageFault(0x10, lo + n, hi);
    return n;
  }
  readIo(port: number, size: 1 | 2 | 4, dst: Uint8Array): number {
    const v = this.portValue;
    for (let i = 0; i < size; i++) dst[i] = (v >>> (8 * i)) & 0xff;
    this.log.push({ kind: 'in', addr: port, size });
    return X86EMUL_OKAY;
  }
  writeIo(port: number, size: 1 | 2 | 4, value: number): number {
    this.log.push({ kind: 'out', addr: port, size, value });
    return X86EMUL_OKAY;
  }
  ioPermitted(): boolean {
    return this.permitted;
  }
  u32(addr: number): number {
    return new DataView(this.mem.buffer).getUint32(addr, true);
  }
  setU32(addr: number, v: number): void {
    new DataView(this.mem.buffer).setUint32(addr, v >>> 0, true);
  }
  u64(addr: number): bigint {
    return new DataView(this.mem.buffer).getBigUint64(addr, true);
  }
  setU64(addr: number, v: bigint): void {
    new DataView(this.mem.buffer).setBigUint64(addr, BigInt.asUintN(64, v), true);
  }
}

export const emu = new X86Emulator();

/** Run one instruction given as hex bytes (passed as insnBytes) and return the result. */
export function run(state: CpuState, ops: X86EmulateOps, bytes: string): EmulateResult {
  const r = emu.emulate(state, ops, { insnBytes: hex(bytes) });
  return r.kind === 'executed' ? { ...r } : r;
}

export function long(): CpuState {
  return new CpuState().setLongMode();
}
