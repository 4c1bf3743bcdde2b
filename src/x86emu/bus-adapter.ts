// A ready X86EmulateOps that routes memory to an MmioBus and ports to a PortBus, the way Xen's HVM
// emulation does (xen/arch/x86/hvm/emulate.c): linear accesses are split at 4 KiB page boundaries,
// RAM is copied directly, and MMIO is issued in power-of-two chunks of at most 8 bytes (16 → 8+8,
// 6 → 4+2). Completed MMIO chunks are kept in a per-vCPU cache (3 entries × 64 bytes); when an
// instruction is re-executed after RETRY, completed chunks are replayed instead of re-issued, so a
// device never sees a write twice. A replayed write with different data is refused (Xen crashes
// the domain there).
import { accessContext, type AccessContext } from '../bus/access.js';
import type { MmioBus } from '../bus/mmio-bus.js';
import type { PortBus } from '../bus/port-bus.js';
import {
  X86EMUL_EXCEPTION, X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type EmulateContext, type X86EmulateOps,
} from './ops.js';

export const PAGE_SIZE = 4096;
export const MMIO_CACHE_ENTRIES = 3;
export const MMIO_CACHE_BYTES = 64;
const TWO32 = 0x1_0000_0000;
/** Physical addresses at or above 2^52 do not exist: open bus. */
const PHYS_LIMIT_HI = 0x100000;

/**
 * Optional per-chunk MMIO backend (e.g. an asynchronous device model). It performs one chunk of
 * 1, 2, 4 or 8 bytes at a physical address (data little-endian in/out of `data[0..size)`) and
 * returns X86EMUL_OKAY or X86EMUL_RETRY (come back later). Default: the MmioBus, which never retries.
 */
export type MmioChunkBackend = (phys: number, size: 1 | 2 | 4 | 8, write: boolean, data: Uint8Array, ctx: AccessContext) => number;

/** Linear → physical translation for one page piece: returns the physical address, or -1 after recording a fault. */
export type Translate = (linLo: number, linHi: number, write: boolean, ctxt: EmulateContext) => number;

export interface BusOpsOptions {
  /** Paging: default identity (linear == physical). */
  readonly translate?: Translate;
  readonly mmioBackend?: MmioChunkBackend;
  /** TSS I/O bitmap check (CPL > IOPL or v8086). Default: deny. */
  readonly ioPermitted?: (port: number, size: number) => boolean;
}

class CacheEntry {
  used = false;
  linLo = 0;
  linHi = 0;
  write = false;
  /** Completed bytes. */
  size = 0;
  readonly data = new Uint8Array(MMIO_CACHE_BYTES);
}

/** Counters for tests and tracing. */
export interface BusOpsStats {
  mmioChunks: number;
  replayedChunks: number;
}

export class BusEmulateOps implements X86EmulateOps {
  private readonly cache: CacheEntry[] = [];
  private readonly chunkBuf = new Uint8Array(8);
  private readonly chunkView = new DataView(this.chunkBuf.buffer);
  private readonly elem = new Uint8Array(8);
  readonly stats: BusOpsStats = { mmioChunks: 0, replayedChunks: 0 };

  constructor(readonly mmio: MmioBus, readonly ports: PortBus, private readonly opts: BusOpsOptions = {}) {
    for (let i = 0; i < MMIO_CACHE_ENTRIES; i++) this.cache.push(new CacheEntry());
  }

  // ---- memory -------------------------------------------------------------------------------
  read(linLo: number, linHi: number, size: number, dst: Uint8Array, ctxt: EmulateContext): number {
    return this.access(linLo, linHi, size, dst, false, ctxt);
  }

  write(linLo: number, linHi: number, size: number, src: Uint8Array, ctxt: EmulateContext): number {
    return this.access(linLo, linHi, size, src, true, ctxt);
  }

  /** Like Xen's HVM cmpxchg: the emulator already compared; this is a plain write of `neu`. */
  cmpxchg(linLo: number, linHi: number, size: number, _old: Uint8Array, neu: Uint8Array, _lock: boolean, ctxt: EmulateContext): number {
    return this.access(linLo, linHi, size, neu, true, ctxt);
  }

  insnFetch(linLo: number, linHi: number, dst: Uint8Array, max: number, ctxt: EmulateContext): number {
    // Fetch byte-range by page so a fault on the second page only matters if those bytes are needed.
    let done = 0;
    while (done < max) {
      const lo = (linLo + done) >>> 0;
      const hi = (linHi + (linLo + done > 0xffffffff ? 1 : 0)) >>> 0;
      const n = Math.min(max - done, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
      const phys = this.phys(lo, hi, false, ctxt);
      if (phys < 0) return done;
      const view = this.mmio.ramView(phys, n);
      if (view !== null) dst.set(view, done);
      else this.mmio.readBytes(phys, dst.subarray(done, done + n), accessContext(ctxt.vcpu));
      done += n;
    }
    return done;
  }

  private phys(linLo: number, linHi: number, write: boolean, ctxt: EmulateContext): number {
    if (this.opts.translate !== undefined) return this.opts.translate(linLo, linHi, write, ctxt);
    return linHi >= PHYS_LIMIT_HI ? TWO32 * PHYS_LIMIT_HI : linHi * TWO32 + linLo;
  }

  /**
   * Split at page boundaries; RAM directly, MMIO in chunks through the cache. Every page the access
   * touches is translated before the first byte is read or written (the order of Xen's
   * linear_write / hvmemul_linear_mmio_access): when the second page faults, neither RAM nor a device
   * has seen any part of the access, so the restarted instruction is not a second, partial one.
   */
  private access(linLo: number, linHi: number, size: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    const lo0 = linLo >>> 0;
    const n0 = Math.min(size, PAGE_SIZE - (lo0 & (PAGE_SIZE - 1)));
    const p0 = this.phys(lo0, linHi, write, ctxt);
    if (p0 < 0) return X86EMUL_EXCEPTION; // translate recorded the fault
    if (n0 === size) return this.piece(linLo, linHi, 0, p0, n0, buf, write, ctxt);
    if (size - n0 > PAGE_SIZE) return this.accessMany(linLo, linHi, size, buf, write, ctxt);
    const lo1 = (lo0 + n0) >>> 0;
    const hi1 = (linHi + (lo0 + n0 > 0xffffffff ? 1 : 0)) >>> 0;
    const p1 = this.phys(lo1, hi1, write, ctxt);
    if (p1 < 0) return X86EMUL_EXCEPTION;
    const st = this.piece(linLo, linHi, 0, p0, n0, buf, write, ctxt);
    if (st !== X86EMUL_OKAY) return st;
    return this.piece(linLo, linHi, n0, p1, size - n0, buf, write, ctxt);
  }

  /** An access over more than two pages (not produced by the emulator, whose accesses are ≤ 64 bytes). */
  private accessMany(linLo: number, linHi: number, size: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    const phys: number[] = [];
    for (let off = 0; off < size;) {
      const lo = (linLo + off) >>> 0;
      const hi = (linHi + (linLo + off > 0xffffffff ? 1 : 0)) >>> 0;
      const p = this.phys(lo, hi, write, ctxt);
      if (p < 0) return X86EMUL_EXCEPTION;
      phys.push(p);
      off += Math.min(size - off, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
    }
    for (let off = 0, k = 0; off < size; k++) {
      const n = Math.min(size - off, PAGE_SIZE - (((linLo + off) >>> 0) & (PAGE_SIZE - 1)));
      const st = this.piece(linLo, linHi, off, phys[k]!, n, buf, write, ctxt);
      if (st !== X86EMUL_OKAY) return st;
      off += n;
    }
    return X86EMUL_OKAY;
  }

  /** One translated piece of an access: bytes [off, off + n) of `buf` at physical `phys`. */
  private piece(linLo: number, linHi: number, off: number, phys: number, n: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    const view = this.mmio.ramView(phys, n);
    if (view !== null) {
      if (write) view.set(buf.subarray(off, off + n));
      else buf.set(view, off);
      return X86EMUL_OKAY;
    }
    return this.mmioPiece(linLo, linHi, off, phys, n, buf, write, ctxt);
  }

  /** Xen's hvmemul_phys_mmio_access: chunk = largest power of two ≤ min(size, 8), shrinking for the tail. */
  private mmioPiece(linLo: number, linHi: number, bufOff: number, phys: number, n: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    // Only a backend that can answer RETRY needs the replay cache; the synchronous bus never does.
    const entry = this.opts.mmioBackend !== undefined ? this.cacheEntry(linLo, linHi, write) : null;
    let chunk = n < 8 ? n : 8;
    while ((chunk & (chunk - 1)) !== 0) chunk &= chunk - 1;
    let done = 0;
    const ctx = accessContext(ctxt.vcpu, ctxt.stringOp);
    while (done < n) {
      while (chunk > n - done) chunk >>= 1;
      const pos = bufOff + done; // position within the whole access (the cache's coordinate)
      if (entry !== null && pos + chunk <= entry.size) {
        // Completed before a RETRY: replay, never re-issue.
        this.stats.replayedChunks++;
        if (write) {
          for (let i = 0; i < chunk; i++) if (entry.data[pos + i] !== buf[pos + i]) return X86EMUL_UNHANDLEABLE;
        } else for (let i = 0; i < chunk; i++) buf[pos + i] = entry.data[pos + i]!;
      } else {
        const st = this.chunk(phys + done, chunk as 1 | 2 | 4 | 8, write, buf, pos, ctx);
        if (st !== X86EMUL_OKAY) return st;
        if (entry !== null && pos + chunk <= MMIO_CACHE_BYTES) {
          for (let i = 0; i < chunk; i++) entry.data[pos + i] = buf[pos + i]!;
          if (pos + chunk > entry.size) entry.size = pos + chunk;
        }
      }
      done += chunk;
    }
    return X86EMUL_OKAY;
  }

  private chunk(phys: number, size: 1 | 2 | 4 | 8, write: boolean, buf: Uint8Array, pos: number, ctx: AccessContext): number {
    this.stats.mmioChunks++;
    const backend = this.opts.mmioBackend;
    if (backend !== undefined) {
      const c = this.chunkBuf;
      for (let i = 0; i < size; i++) c[i] = write ? buf[pos + i]! : 0xff;
      const st = backend(phys, size, write, c, ctx);
      if (st === X86EMUL_OKAY && !write) for (let i = 0; i < size; i++) buf[pos + i] = c[i]!;
      return st;
    }
    const bus = this.mmio;
    if (size === 8) {
      const v = this.chunkView;
      if (write) {
        for (let i = 0; i < 8; i++) this.chunkBuf[i] = buf[pos + i]!;
        bus.write64(phys, v.getBigUint64(0, true), ctx);
      } else {
        v.setBigUint64(0, bus.read64(phys, ctx), true);
        for (let i = 0; i < 8; i++) buf[pos + i] = this.chunkBuf[i]!;
      }
      return X86EMUL_OKAY;
    }
    if (write) {
      const val = size === 1 ? buf[pos]! : size === 2 ? buf[pos]! | (buf[pos + 1]! << 8)
        : (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
      bus.write(phys, size, val, ctx);
    } else {
      const val = bus.read(phys, size, ctx);
      buf[pos] = val & 0xff;
      if (size > 1) {
        buf[pos + 1] = (val >>> 8) & 0xff;
        if (size > 2) {
          buf[pos + 2] = (val >>> 16) & 0xff;
          buf[pos + 3] = val >>> 24;
        }
      }
    }
    return X86EMUL_OKAY;
  }

  /** The cache entry for this access (found or newly taken); null when the cache is full. */
  private cacheEntry(linLo: number, linHi: number, write: boolean): CacheEntry | null {
    let free: CacheEntry | null = null;
    for (let i = 0; i < MMIO_CACHE_ENTRIES; i++) {
      const c = this.cache[i]!;
      if (c.used && c.linLo === linLo && c.linHi === linHi && c.write === write) return c;
      if (!c.used && free === null) free = c;
    }
    if (free !== null) {
      free.used = true;
      free.linLo = linLo;
      free.linHi = linHi;
      free.write = write;
      free.size = 0;
    }
    return free;
  }

  /** End of an emulation: keep the cache only when the instruction will be retried. */
  done(status: number, _ctxt: EmulateContext): void {
    if (status === X86EMUL_RETRY) return;
    const c = this.cache;
    for (let i = 0; i < MMIO_CACHE_ENTRIES; i++) c[i]!.used = false;
  }

  // ---- ports --------------------------------------------------------------------------------
  readIo(port: number, size: 1 | 2 | 4, dst: Uint8Array, ctxt: EmulateContext): number {
    const v = this.ports.read(port & 0xffff, size, accessContext(ctxt.vcpu, ctxt.stringOp));
    dst[0] = v & 0xff;
    dst[1] = (v >>> 8) & 0xff;
    dst[2] = (v >>> 16) & 0xff;
    dst[3] = v >>> 24;
    return X86EMUL_OKAY;
  }

  writeIo(port: number, size: 1 | 2 | 4, value: number, ctxt: EmulateContext): number {
    this.ports.write(port & 0xffff, size, value, accessContext(ctxt.vcpu, ctxt.stringOp));
    return X86EMUL_OKAY;
  }

  ioPermitted(port: number, size: number): boolean {
    return this.opts.ioPermitted?.(port, size) ?? false;
  }

  // ---- string batches (truncated at page boundaries, like Xen's rep handling) ---------------
  /** Elements of `size` that fit before the page boundary in the direction of travel. */
  private static pageReps(lo: number, size: number, back: boolean, want: number): number {
    const inPage = lo & (PAGE_SIZE - 1);
    const room = back ? Math.floor(inPage / size) + 1 : Math.floor((PAGE_SIZE - inPage) / size);
    return Math.max(1, Math.min(want, room));
  }

  repMovs(sLo: number, sHi: number, dLo: number, dHi: number, size: number, back: boolean, ctxt: EmulateContext): number {
    const n = Math.min(BusEmulateOps.pageReps(sLo, size, back, ctxt.reps), BusEmulateOps.pageReps(dLo, size, back, ctxt.reps));
    const step = back ? -size : size;
    // RAM to RAM without overlap: one copy.
    const sp = this.phys(back ? sLo - (n - 1) * size : sLo, sHi, false, ctxt);
    const dp = this.phys(back ? dLo - (n - 1) * size : dLo, dHi, true, ctxt);
    if (sp >= 0 && dp >= 0) {
      const sv = this.mmio.ramView(sp, n * size), dv = this.mmio.ramView(dp, n * size);
      if (sv !== null && dv !== null && (sp + n * size <= dp || dp + n * size <= sp)) {
        dv.set(sv);
        ctxt.reps = n;
        return X86EMUL_OKAY;
      }
    }
    const e = this.elem;
    for (let k = 0; k < n; k++) {
      let st = this.read((sLo + k * step) >>> 0, sHi, size, e, ctxt);
      if (st === X86EMUL_OKAY) st = this.write((dLo + k * step) >>> 0, dHi, size, e, ctxt);
      if (st !== X86EMUL_OKAY) {
        ctxt.reps = k;
        return k > 0 ? X86EMUL_OKAY : st;
      }
    }
    ctxt.reps = n;
    return X86EMUL_OKAY;
  }

  repStos(dLo: number, dHi: number, size: number, value: Uint8Array, back: boolean, ctxt: EmulateContext): number {
    const n = BusEmulateOps.pageReps(dLo, size, back, ctxt.reps);
    const step = back ? -size : size;
    for (let k = 0; k < n; k++) {
      const st = this.write((dLo + k * step) >>> 0, dHi, size, value, ctxt);
      if (st !== X86EMUL_OKAY) {
        ctxt.reps = k;
        return k > 0 ? X86EMUL_OKAY : st;
      }
    }
    ctxt.reps = n;
    return X86EMUL_OKAY;
  }

  repOuts(sLo: number, sHi: number, port: number, size: 1 | 2 | 4, back: boolean, ctxt: EmulateContext): number {
    const n = BusEmulateOps.pageReps(sLo, size, back, ctxt.reps);
    const step = back ? -size : size;
    const e = this.elem;
    const ctx = accessContext(ctxt.vcpu, true);
    for (let k = 0; k < n; k++) {
      const st = this.read((sLo + k * step) >>> 0, sHi, size, e, ctxt);
      if (st !== X86EMUL_OKAY) {
        ctxt.reps = k;
        return k > 0 ? X86EMUL_OKAY : st;
      }
      this.ports.write(port & 0xffff, size, (e[0]! | (e[1]! << 8) | (e[2]! << 16) | (e[3]! << 24)) >>> 0, ctx);
    }
    ctxt.reps = n;
    return X86EMUL_OKAY;
  }

  repIns(port: number, size: 1 | 2 | 4, dLo: number, dHi: number, back: boolean, ctxt: EmulateContext): number {
    const n = BusEmulateOps.pageReps(dLo, size, back, ctxt.reps);
    const step = back ? -size : size;
    const e = this.elem;
    const ctx = accessContext(ctxt.vcpu, true);
    for (let k = 0; k < n; k++) {
      const v = this.ports.read(port & 0xffff, size, ctx);
      e[0] = v & 0xff; e[1] = (v >>> 8) & 0xff; e[2] = (v >>> 16) & 0xff; e[3] = v >>> 24;
      const st = this.write((dLo + k * step) >>> 0, dHi, size, e, ctxt);
      if (st !== X86EMUL_OKAY) {
        ctxt.reps = k;
        return k > 0 ? X86EMUL_OKAY : st;
      }
    }
    ctxt.reps = n;
    return X86EMUL_OKAY;
  }
}

