// A ready X86EmulateOps that routes memory to an MmioBus and ports to a PortBus, the way Xen's HVM
// emulation does (xen/arch/x86/hvm/emulate.c): linear accesses are split at 4 KiB page boundaries,
// RAM is copied directly, and MMIO is issued in power-of-two chunks of at most 8 bytes (16 → 8+8,
// 6 → 4+2). Completed MMIO chunks are kept in a per-vCPU cache (3 entries × 64 bytes); when an
// instruction is re-executed after RETRY, completed chunks are replayed instead of re-issued, so a
// device never sees a write twice. A replayed write with different data is refused (Xen crashes
// the domain there).
import { accessContext, type AccessContext } from '../bus/access.js';
import type { IoHandler } from '../bus/handler.js';
import type { MmioBus } from '../bus/mmio-bus.js';
import type { Region } from '../bus/region.js';
import type { PortBus } from '../bus/port-bus.js';
import * as Ops from './ops.js';
import type { EmulateContext, InsnWindow, X86EmulateOps } from './ops.js';

// Local copies: an imported binding read in optimized code carries a TDZ check (see decoder/decode.ts).
const { X86EMUL_DECLINED, X86EMUL_EXCEPTION, X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE } = Ops;

/** Page size (bytes) at which the adapter splits linear accesses and truncates string batches: 4 KiB. */
export const PAGE_SIZE = 4096;
/** MMIO cache entries per adapter (per vCPU), as Xen's hvm_mmio_cache (xen/arch/x86/hvm/emulate.c). */
export const MMIO_CACHE_ENTRIES = 3;
/** Bytes one MMIO cache entry holds: the widest access the emulator makes (64). */
export const MMIO_CACHE_BYTES = 64;
const TWO32 = 0x1_0000_0000;
/** The remembered device page's handler while none is remembered (never called). */
const NO_HANDLER: IoHandler = { read: () => 0, write: () => undefined };
/** Physical addresses at or above 2^52 do not exist: open bus. */
const PHYS_LIMIT_HI = 0x100000;
/** Host byte order: a uint32 read in it and stored through a Uint32Array keeps the bytes in memory order. */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Optional per-chunk MMIO backend (e.g. an asynchronous device model). It performs one chunk of
 * 1, 2, 4 or 8 bytes at a physical address (data little-endian in/out of `data[0..size)`) and
 * returns X86EMUL_OKAY or X86EMUL_RETRY (come back later). Default: the MmioBus, which never retries.
 */
export type MmioChunkBackend = (phys: number, size: 1 | 2 | 4 | 8, write: boolean, data: Uint8Array, ctx: AccessContext) => number;

/** Linear → physical translation for one page piece: returns the physical address, or -1 after recording a fault. */
export type Translate = (linLo: number, linHi: number, write: boolean, ctxt: EmulateContext) => number;

/** How a {@link BusEmulateOps} reaches memory and decides port permissions; all optional. */
export interface BusOpsOptions {
  /** Paging: default identity (linear == physical). */
  readonly translate?: Translate;
  /** Where MMIO chunks go instead of the MmioBus (a device model that may answer RETRY); enables the MMIO cache. */
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
  /** MMIO chunks (1–8 bytes) issued to the bus or backend. */
  mmioChunks: number;
  /** MMIO chunks answered from the cache on a retried instruction instead of being issued again. */
  replayedChunks: number;
}

/**
 * The ready {@link X86EmulateOps} over a platform's MmioBus and PortBus (see the file header and
 * docs/x86emu.md, "The bus adapter"): linear accesses split at 4 KiB pages and translated before
 * any byte moves, RAM copied directly, MMIO in power-of-two chunks of at most 8 bytes, string
 * batches truncated at page boundaries. One per vCPU (it keeps that vCPU's MMIO cache). Never
 * throws; a failed translation is the fault `translate` recorded.
 */
export class BusEmulateOps implements X86EmulateOps {
  private readonly cache: CacheEntry[] = [];
  private readonly chunkBuf = new Uint8Array(8);
  private readonly scalarBuf = new Uint8Array(8);
  private readonly halves = new Uint32Array(2);
  /**
   * Physical address of the piece in progress (see translate). It travels here, not as an argument
   * or return value: an address above 2^31 passed between functions the JIT does not inline is a
   * heap-allocated number; a typed array stores the double as it is.
   */
  private readonly pa = new Float64Array(1);
  /**
   * The regions of the last data access and the last fetch: checked before a bus lookup (a region
   * object is always current: the bus moves it in place and marks it dead when removed, and live
   * regions never overlap).
   */
  private region: Region | null = null;
  private fetchRegion: Region | null = null;
  private readonly elem = new Uint8Array(8);
  /** A string batch's device region (batchDevice): base, end, direct sizes; and its handler. */
  private readonly batchRec = new Float64Array(4);
  private batchHandler: IoHandler | null = null;
  /** The last fetch buffer and a Uint32Array over its first 12 bytes (null if it is not 4-aligned). */
  private fetchDst: Uint8Array | null = null;
  private fetchWords: Uint32Array | null = null;
  /** Counters since construction. */
  readonly stats: BusOpsStats = { mmioChunks: 0, replayedChunks: 0 };
  /**
   * Whether the fast paths may stand in for this object's read/write and insnFetch: not when a
   * subclass overrides those (it may do more than move bytes, e.g. translate a fetch with execute
   * rights, as the KVM completion does) and does not override the fast path beside them.
   */
  private readonly scalarOk: boolean;
  private readonly windowOk: boolean;
  /** No translate callback: linear is physical. */
  private readonly identity: boolean;
  /**
   * The translate callback's generation, for scalarAccess's remembered device page. -1 (the
   * default): translate is called on every access. A caller that sets it to 0 or more promises to
   * add 1 whenever an answer of `translate` may change (CR3, CR0/CR4/EFER paging bits, a page-table
   * write, INVLPG); while it is unchanged, a device page translated before is not translated again.
   * Without a translate callback (linear is physical) it is not used.
   */
  translationGeneration = -1;
  /** scalarAccess's remembered device pages, direct-mapped by linear page (see rememberDevicePage). */
  private readonly devicePages: DevicePage[] = Array.from({ length: DEVICE_PAGES }, () => new DevicePage());
  private readonly devRec = new Float64Array(4);

  constructor(
    /** Guest memory: RAM and MMIO. */
    readonly mmio: MmioBus,
    /** I/O ports. */
    readonly ports: PortBus,
    private readonly opts: BusOpsOptions = {},
  ) {
    for (let i = 0; i < MMIO_CACHE_ENTRIES; i++) this.cache.push(new CacheEntry());
    const base = BusEmulateOps.prototype;
    // (with an MMIO backend the replay cache lives in the general path: scalarAccess declines)
    this.scalarOk = ((this.read === base.read && this.write === base.write) || this.scalarAccess !== base.scalarAccess) && opts.mmioBackend === undefined;
    this.identity = opts.translate === undefined;
    this.windowOk = this.insnFetch === base.insnFetch || this.insnWindow !== base.insnWindow;
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
      const hi = (linHi + ((linLo >>> 0) + done > 0xffffffff ? 1 : 0)) >>> 0;
      const n = Math.min(max - done, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
      if (!this.translate(lo, hi, false, ctxt)) return done;
      const phys = this.pa[0]!;
      let r = this.fetchRegion;
      if (r === null || !r.live || phys < r.base || phys >= r.end) {
        r = this.mmio.regionAt(phys);
        this.fetchRegion = r;
      }
      const ram = r === null ? null : r.ram;
      if (ram !== null && phys + n <= r!.end) {
        const off = phys - r!.base;
        const words = done === 0 && n >= 12 ? this.wordsOf(dst) : null;
        if (words !== null) {
          // The first 12 bytes as three uint32 reads (a third of the time of a byte loop), the rest by byte.
          const view = r!.view!;
          words[0] = view.getUint32(off, HOST_LE);
          words[1] = view.getUint32(off + 4, HOST_LE);
          words[2] = view.getUint32(off + 8, HOST_LE);
          copyBytes(dst, 12, ram, off + 12, n - 12);
        } else copyBytes(dst, done, ram, off, n);
      } else this.mmio.readBytes(phys, dst.subarray(done, done + n), accessContext(ctxt.vcpu));
      done += n;
    }
    return done;
  }

  /**
   * The emulator's in-place fetch (X86EmulateOps.insnWindow): the bytes at linear (lo, hi) when its
   * page is guest RAM, up to `max` and not past the page or the RAM range. Translates as insnFetch
   * does for its first page; -1 (nothing recorded) for a page that is not RAM.
   */
  insnWindow(linLo: number, linHi: number, max: number, out: InsnWindow, ctxt: EmulateContext): number {
    if (!this.windowOk) return -1;
    if (!this.translate(linLo, linHi, false, ctxt)) return 0; // translate recorded the fault
    const phys = this.pa[0]!;
    let r = this.fetchRegion;
    if (r === null || !r.live || phys < r.base || phys >= r.end) {
      r = this.mmio.regionAt(phys);
      this.fetchRegion = r;
    }
    if (r === null || r.ram === null) return -1;
    const inPage = PAGE_SIZE - (linLo & (PAGE_SIZE - 1));
    const n = max < inPage ? max : inPage;
    if (phys + n > r.end) return -1; // RAM ends inside the bytes: the copying fetch reads past it
    out.bytes = r.ram;
    out.offset = phys - r.base;
    return n;
  }

  /**
   * One scalar access within a page (X86EmulateOps.scalarAccess): what access() does for it (one
   * translation, RAM copied, MMIO as the single chunk mmioPiece would issue) without the byte
   * buffer, the page split and the chunk loop. Declined with an MMIO backend (its replay cache
   * lives in the general path) and for an access that crosses a page.
   */
  scalarAccess(linLo: number, linHi: number, size: number, write: boolean, v: Int32Array, ctxt: EmulateContext): number {
    const p = linLo & (PAGE_SIZE - 1);
    if (!this.scalarOk || p + size > PAGE_SIZE) return X86EMUL_DECLINED;
    // A remembered device page: no translation, no lookup, the handler called as below.
    const dp = this.devicePages[devicePageSlot(linLo, linHi)]!;
    if (
      (linLo & ~(PAGE_SIZE - 1)) === dp.pageLo &&
      (linHi | 0) === dp.pageHi &&
      this.mmio.generation === dp.busGeneration &&
      p >= dp.start &&
      p + size <= dp.end &&
      (dp.sizes & size) !== 0 &&
      (this.identity || (write === dp.write && this.translationGeneration >= 0 && this.translationGeneration === dp.translationGeneration))
    ) {
      this.stats.mmioChunks++;
      const ctx = accessContext(ctxt.vcpu, ctxt.stringOp);
      if (write) dp.handler.write(p + dp.delta, size as 1 | 2 | 4, size === 4 ? v[0]! >>> 0 : v[0]! & (size === 1 ? 0xff : 0xffff), ctx);
      else {
        const raw = dp.handler.read(p + dp.delta, size as 1 | 2 | 4, ctx);
        v[0] = size === 4 ? raw : raw & (size === 1 ? 0xff : 0xffff);
        v[1] = 0;
      }
      return X86EMUL_OKAY;
    }
    let phys: number;
    if (this.identity) {
      // translate() without a callback, inline
      const hi = linHi >>> 0;
      phys = hi >= PHYS_LIMIT_HI ? TWO32 * PHYS_LIMIT_HI : hi * TWO32 + (linLo >>> 0);
      this.pa[0] = phys;
    } else {
      if (!this.translate(linLo, linHi, write, ctxt)) return X86EMUL_EXCEPTION; // translate recorded the fault
      phys = this.pa[0]!;
    }
    let r = this.region;
    if (r === null || !r.live || phys < r.base || phys >= r.end) {
      r = this.mmio.regionAt(phys);
      this.region = r;
    }
    if (r === null) return this.scalarChunk(size, write, v, ctxt);
    const ram = r.ram;
    if (ram !== null) {
      if (phys + size > r.end) return this.scalarChunk(size, write, v, ctxt);
      const off = phys - r.base;
      if (off <= 0x3fff_ffff) return scalarRam(ram, off | 0, size, write, v);
      return scalarRam(ram, off, size, write, v);
    }
    if (size === 8 || !r.serves(phys, size) || this.mmio.tracing) return this.scalarChunk(size, write, v, ctxt);
    // The region serves the access: dispatch to its handler as chunk() does.
    this.stats.mmioChunks++;
    const h = r.handler;
    const off = phys - r.base;
    if (this.identity || this.translationGeneration >= 0) this.rememberDevicePage(linLo, linHi, write, phys, phys - p);
    const ctx = accessContext(ctxt.vcpu, ctxt.stringOp);
    if (write) h.write(off, size as 1 | 2 | 4, size === 4 ? v[0]! >>> 0 : v[0]! & (size === 1 ? 0xff : 0xffff), ctx);
    else {
      const raw = h.read(off, size as 1 | 2 | 4, ctx);
      v[0] = size === 4 ? raw : raw & (size === 1 ? 0xff : 0xffff);
      v[1] = 0;
    }
    return X86EMUL_OKAY;
  }

  /**
   * Remembers for scalarAccess the device region at `phys` within its physical page `page` (the
   * linear page of linLo, linHi), with the bus's own rule for what its handler takes directly (MmioBus.cacheEntry: no
   * RAM, alignment rule, large offsets or tracing), the bus generation and the translation
   * generation it is valid for, and the direction it was translated for.
   */
  private rememberDevicePage(linLo: number, linHi: number, write: boolean, phys: number, page: number): void {
    const rec = this.devRec;
    const dp = this.devicePages[devicePageSlot(linLo, linHi)]!;
    dp.handler = this.mmio.cacheEntry(phys, rec, 0);
    const base = rec[0]!;
    const end = rec[1]!;
    dp.pageLo = linLo & ~(PAGE_SIZE - 1);
    dp.pageHi = linHi | 0;
    dp.busGeneration = this.mmio.generation;
    dp.translationGeneration = this.translationGeneration;
    dp.write = write;
    dp.start = base > page ? base - page : 0;
    dp.end = end - page < PAGE_SIZE ? end - page : PAGE_SIZE;
    dp.delta = (page - base) | 0;
    dp.sizes = dp.end > dp.start ? rec[2]! : 0;
  }

  /** scalarAccess through chunk() and its byte buffer (8-byte MMIO, tracing, regions that do not serve the size). */
  private scalarChunk(size: number, write: boolean, v: Int32Array, ctxt: EmulateContext): number {
    const b = this.scalarBuf;
    if (write) {
      put32(b, 0, v[0]!);
      if (size === 8) put32(b, 4, v[1]!);
    }
    const st = this.chunk(0, size as 1 | 2 | 4 | 8, write, b, 0, accessContext(ctxt.vcpu, ctxt.stringOp));
    if (!write) {
      const lo = le32(b, 0);
      v[0] = size === 1 ? lo & 0xff : size === 2 ? lo & 0xffff : lo;
      v[1] = size === 8 ? le32(b, 4) : 0;
    }
    return st;
  }

  /** Words over `dst` (the emulator passes the same fetch buffer every time: made once). */
  private wordsOf(dst: Uint8Array): Uint32Array | null {
    if (dst !== this.fetchDst) {
      this.fetchDst = dst;
      this.fetchWords = dst.byteOffset % 4 === 0 && dst.length >= 12 ? new Uint32Array(dst.buffer, dst.byteOffset, 3) : null;
    }
    return this.fetchWords;
  }

  /**
   * Linear → physical into this.pa[0]; false after the translate callback recorded a fault.
   */
  private translate(lo: number, hi: number, write: boolean, ctxt: EmulateContext): boolean {
    const t = this.opts.translate;
    if (t !== undefined) {
      const p = t(lo >>> 0, hi >>> 0, write, ctxt);
      if (p < 0) return false;
      this.pa[0] = p;
      return true;
    }
    hi >>>= 0;
    this.pa[0] = hi >= PHYS_LIMIT_HI ? TWO32 * PHYS_LIMIT_HI : hi * TWO32 + (lo >>> 0);
    return true;
  }

  /**
   * Split at page boundaries; RAM directly, MMIO in chunks through the cache. Every page the access
   * touches is translated before the first byte is read or written (the order of Xen's
   * linear_write / hvmemul_linear_mmio_access): when the second page faults, neither RAM nor a device
   * has seen any part of the access, so the restarted instruction is not a second, partial one.
   * linLo/linHi may be int32 or uint32 bit patterns.
   */
  private access(linLo: number, linHi: number, size: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    linLo |= 0; // the replay cache's key: one representation
    linHi |= 0;
    const n0 = Math.min(size, PAGE_SIZE - (linLo & (PAGE_SIZE - 1)));
    if (!this.translate(linLo, linHi, write, ctxt)) return X86EMUL_EXCEPTION; // translate recorded the fault
    if (n0 === size) return this.piece(linLo, linHi, 0, n0, buf, write, ctxt);
    if (size - n0 > PAGE_SIZE) return this.accessMany(linLo, linHi, size, buf, write, ctxt);
    const p0 = this.pa[0]!;
    const lo0 = linLo >>> 0;
    const lo1 = (lo0 + n0) >>> 0;
    const hi1 = (linHi + (lo0 + n0 > 0xffffffff ? 1 : 0)) >>> 0;
    if (!this.translate(lo1, hi1, write, ctxt)) return X86EMUL_EXCEPTION;
    const p1 = this.pa[0]!;
    this.pa[0] = p0;
    const st = this.piece(linLo, linHi, 0, n0, buf, write, ctxt);
    if (st !== X86EMUL_OKAY) return st;
    this.pa[0] = p1;
    return this.piece(linLo, linHi, n0, size - n0, buf, write, ctxt);
  }

  /** An access over more than two pages (not produced by the emulator, whose accesses are ≤ 64 bytes). */
  private accessMany(linLo: number, linHi: number, size: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    const phys: number[] = [];
    const lo0 = linLo >>> 0;
    for (let off = 0; off < size; ) {
      const lo = (lo0 + off) >>> 0;
      const hi = (linHi + (lo0 + off > 0xffffffff ? 1 : 0)) >>> 0;
      if (!this.translate(lo, hi, write, ctxt)) return X86EMUL_EXCEPTION;
      phys.push(this.pa[0]!);
      off += Math.min(size - off, PAGE_SIZE - (lo & (PAGE_SIZE - 1)));
    }
    for (let off = 0, k = 0; off < size; k++) {
      const n = Math.min(size - off, PAGE_SIZE - (((lo0 + off) >>> 0) & (PAGE_SIZE - 1)));
      this.pa[0] = phys[k]!;
      const st = this.piece(linLo, linHi, off, n, buf, write, ctxt);
      if (st !== X86EMUL_OKAY) return st;
      off += n;
    }
    return X86EMUL_OKAY;
  }

  /** One translated piece of an access: bytes [off, off + n) of `buf` at physical this.pa[0]. */
  private piece(linLo: number, linHi: number, off: number, n: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
    const phys = this.pa[0]!;
    let r = this.region;
    if (r === null || !r.live || phys < r.base || phys >= r.end) {
      r = this.mmio.regionAt(phys);
      this.region = r;
    }
    const ram = r === null ? null : r.ram;
    if (ram !== null && phys + n <= r!.end) {
      // Guest RAM: copied in place (no view object per access).
      if (write) copyBytes(ram, phys - r!.base, buf, off, n);
      else copyBytes(buf, off, ram, phys - r!.base, n);
      return X86EMUL_OKAY;
    }
    return this.mmioPiece(linLo, linHi, off, n, buf, write, ctxt);
  }

  /**
   * Xen's hvmemul_phys_mmio_access: chunk = largest power of two ≤ min(size, 8), shrinking for the
   * tail. Bytes [bufOff, bufOff + n) of `buf` at physical this.pa[0].
   */
  private mmioPiece(linLo: number, linHi: number, bufOff: number, n: number, buf: Uint8Array, write: boolean, ctxt: EmulateContext): number {
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
        const st = this.chunk(done, chunk as 1 | 2 | 4 | 8, write, buf, pos, ctx);
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

  /** One MMIO chunk at physical this.pa[0] + `at`. */
  private chunk(at: number, size: 1 | 2 | 4 | 8, write: boolean, buf: Uint8Array, pos: number, ctx: AccessContext): number {
    this.stats.mmioChunks++;
    const phys = this.pa[0]! + at;
    const backend = this.opts.mmioBackend;
    if (backend !== undefined) {
      const c = this.chunkBuf;
      for (let i = 0; i < size; i++) c[i] = write ? buf[pos + i]! : 0xff;
      const st = backend(phys, size, write, c, ctx);
      if (st === X86EMUL_OKAY && !write) for (let i = 0; i < size; i++) buf[pos + i] = c[i]!;
      return st;
    }
    const bus = this.mmio;
    const r = this.region;
    if (r !== null && r.ram === null && r.serves(phys, size) && !bus.tracing) {
      // The region piece() found serves the chunk: dispatch to it as the bus would, without a second lookup.
      const h = r.handler;
      const off = phys - r.base;
      if (size === 8) {
        if (write && h.write64Halves !== undefined) {
          h.write64Halves(off, le32(buf, pos) >>> 0, le32(buf, pos + 4) >>> 0, ctx);
          return X86EMUL_OKAY;
        }
        if (!write && h.read64Halves !== undefined) {
          const hv = this.halves;
          h.read64Halves(off, hv, ctx);
          put32(buf, pos, hv[0]!);
          put32(buf, pos + 4, hv[1]!);
          return X86EMUL_OKAY;
        }
      } else if (write) {
        h.write(off, size, size === 1 ? buf[pos]! : size === 2 ? buf[pos]! | (buf[pos + 1]! << 8) : le32(buf, pos) >>> 0, ctx);
        return X86EMUL_OKAY;
      } else {
        const raw = h.read(off, size, ctx);
        buf[pos] = raw;
        if (size > 1) {
          buf[pos + 1] = raw >>> 8;
          if (size > 2) {
            buf[pos + 2] = raw >>> 16;
            buf[pos + 3] = raw >>> 24;
          }
        }
        return X86EMUL_OKAY;
      }
    }
    if (size === 8) {
      // Two uint32 halves: no bigint on the guest path.
      if (write) bus.write64Halves(phys, le32(buf, pos), le32(buf, pos + 4), ctx);
      else {
        const h = this.halves;
        bus.read64Halves(phys, h, ctx);
        put32(buf, pos, h[0]!);
        put32(buf, pos + 4, h[1]!);
      }
      return X86EMUL_OKAY;
    }
    if (write) {
      const val = size === 1 ? buf[pos]! : size === 2 ? buf[pos]! | (buf[pos + 1]! << 8) : le32(buf, pos);
      bus.write(phys, size, val, ctx);
    } else {
      const val = bus.read(phys, size, ctx);
      buf[pos] = val;
      if (size > 1) {
        buf[pos + 1] = val >>> 8;
        if (size > 2) {
          buf[pos + 2] = val >>> 16;
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
    // Without a backend nothing was cached (mmioPiece takes entries only for one).
    if (status === X86EMUL_RETRY || this.opts.mmioBackend === undefined) return;
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
    sLo >>>= 0;
    dLo >>>= 0;
    const n = Math.min(BusEmulateOps.pageReps(sLo, size, back, ctxt.reps), BusEmulateOps.pageReps(dLo, size, back, ctxt.reps));
    const step = back ? -size : size;
    const bytes = n * size;
    // Both sides lie in one page each: one translation per side for the whole batch.
    if (this.translate(back ? sLo - (n - 1) * size : sLo, sHi, false, ctxt)) {
      const sp = this.pa[0]!;
      if (this.translate(back ? dLo - (n - 1) * size : dLo, dHi, true, ctxt)) {
        const dp = this.pa[0]!;
        const sr = this.mmio.regionAt(sp);
        const sRam = sr !== null && sr.ram !== null && sp + bytes <= sr.end ? sr.ram : null;
        const dr = this.mmio.regionAt(dp);
        const dRam = dr !== null && dr.ram !== null && dp + bytes <= dr.end ? dr.ram : null;
        if (sRam !== null && dRam !== null) {
          // RAM to RAM without overlap: one copy (an overlapping move keeps element order below).
          if (sp + bytes <= dp || dp + bytes <= sp) {
            dRam.set(sRam.subarray(sp - sr!.base, sp - sr!.base + bytes), dp - dr!.base);
            ctxt.reps = n;
            return X86EMUL_OKAY;
          }
        } else if ((sRam !== null || dRam !== null) && this.opts.mmioBackend === undefined) {
          // RAM and a device: one pass, each element one device access in order, no re-translation.
          const first = back ? (n - 1) * size : 0;
          const ctx = accessContext(ctxt.vcpu, ctxt.stringOp);
          if (sRam !== null) this.ramToMmio(sRam, sp - sr!.base + first, dp + first, step, n, size, ctx);
          else this.mmioToRam(sp + first, dRam!, dp - dr!.base + first, step, n, size, ctx);
          ctxt.reps = n;
          return X86EMUL_OKAY;
        }
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

  /**
   * `n` elements of `size` from ram[off] to the bus at `phys`, both stepping by `step`. When the
   * whole batch lies in one device region whose handler takes `size` directly (what the bus's own
   * fast path would call), the elements go straight to that handler, in order, with no lookup per
   * element; a device write that changes the bus (its generation moves: a BAR moved, a region
   * removed, a tracer set) sends the remaining elements through the bus again.
   */
  private ramToMmio(ram: Uint8Array, off: number, phys: number, step: number, n: number, size: number, ctx: AccessContext): void {
    const bus = this.mmio;
    this.stats.mmioChunks += n;
    let k = 0;
    if (size !== 8 && off <= 0x3fff_ffff && off + n * size <= 0x3fff_ffff) {
      const dev = this.batchDevice(phys, step, n, size);
      if (dev >= 0) {
        const h = this.batchHandler!;
        const gen = bus.generation;
        let o = off | 0;
        let d = dev;
        while (k < n) {
          const v = size === 4 ? le32(ram, o) >>> 0 : size === 2 ? ram[o]! | (ram[o + 1]! << 8) : ram[o]!;
          h.write(d, size as 1 | 2 | 4, v, ctx);
          k++;
          o += step;
          d += step;
          if (bus.generation !== gen) break;
        }
        off += k * step;
        phys += k * step;
      }
    }
    for (; k < n; k++, off += step, phys += step) {
      if (size === 8) bus.write64Halves(phys, le32(ram, off), le32(ram, off + 4), ctx);
      else bus.write(phys, size as 1 | 2 | 4, size === 4 ? le32(ram, off) : size === 2 ? ram[off]! | (ram[off + 1]! << 8) : ram[off]!, ctx);
    }
  }

  /** `n` elements of `size` from the bus at `phys` to ram[off], both stepping by `step` (the direct handler as in ramToMmio). */
  private mmioToRam(phys: number, ram: Uint8Array, off: number, step: number, n: number, size: number, ctx: AccessContext): void {
    const bus = this.mmio;
    const hv = this.halves;
    this.stats.mmioChunks += n;
    let k = 0;
    if (size !== 8 && off <= 0x3fff_ffff && off + n * size <= 0x3fff_ffff) {
      const dev = this.batchDevice(phys, step, n, size);
      if (dev >= 0) {
        const h = this.batchHandler!;
        const gen = bus.generation;
        const mask = size === 4 ? -1 : size === 2 ? 0xffff : 0xff;
        let o = off | 0;
        let d = dev;
        while (k < n) {
          const v = h.read(d, size as 1 | 2 | 4, ctx) & mask;
          ram[o] = v;
          if (size > 1) {
            ram[o + 1] = v >>> 8;
            if (size > 2) {
              ram[o + 2] = v >>> 16;
              ram[o + 3] = v >>> 24;
            }
          }
          k++;
          o += step;
          d += step;
          if (bus.generation !== gen) break;
        }
        off += k * step;
        phys += k * step;
      }
    }
    for (; k < n; k++, off += step, phys += step) {
      if (size === 8) {
        bus.read64Halves(phys, hv, ctx);
        put32(ram, off, hv[0]!);
        put32(ram, off + 4, hv[1]!);
      } else {
        const v = bus.read(phys, size as 1 | 2 | 4, ctx);
        ram[off] = v;
        if (size > 1) {
          ram[off + 1] = v >>> 8;
          if (size > 2) {
            ram[off + 2] = v >>> 16;
            ram[off + 3] = v >>> 24;
          }
        }
      }
    }
  }

  /**
   * For a string batch of `n` elements of `size` (1, 2, 4) at `phys` stepping by `step`: when every
   * element lies in one device region whose handler the bus would call directly for `size`
   * (MmioBus.cacheEntry: no RAM, alignment rule, large offsets or tracing), keeps the handler in
   * batchHandler and returns the first element's offset in the region; else -1.
   */
  private batchDevice(phys: number, step: number, n: number, size: number): number {
    const lo = step < 0 ? phys + (n - 1) * step : phys;
    const rec = this.batchRec;
    const h = this.mmio.cacheEntry(lo, rec, 0);
    const base = rec[0]!;
    if (lo < base || lo + n * size > rec[1]! || (rec[2]! & size) === 0) return -1;
    this.batchHandler = h;
    return (phys - base) | 0;
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
      e[0] = v & 0xff;
      e[1] = (v >>> 8) & 0xff;
      e[2] = (v >>> 16) & 0xff;
      e[3] = v >>> 24;
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

/** log2 of the number of device pages BusEmulateOps.scalarAccess remembers. */
const DEVICE_PAGE_BITS = 3;
const DEVICE_PAGES = 1 << DEVICE_PAGE_BITS;

/**
 * One device page scalarAccess remembers: the linear page, the part [start, end) of it one device
 * range covers (region offset = offset in the page + delta), the sizes the range's handler takes
 * directly, and what it is valid for: the bus generation, the translation generation and the
 * direction it was translated for.
 */
class DevicePage {
  /** Linear page address, int32 halves (pageLo 1, never a page address: empty). */
  pageLo = 1;
  pageHi = 0;
  busGeneration = -1;
  translationGeneration = -1;
  write = false;
  start = 0;
  end = 0;
  delta = 0;
  sizes = 0;
  handler: IoHandler = NO_HANDLER;
}

/** The DevicePage slot of a linear address (int32 or uint32 halves): a hash of the page number. */
function devicePageSlot(linLo: number, linHi: number): number {
  return Math.imul((linLo >>> 12) ^ linHi, 0x9e3779b1) >>> (32 - DEVICE_PAGE_BITS);
}

/** Copies n bytes src[sOff..) → dst[dOff..): a loop for the short copies of one instruction, set() for long ones. */
function copyBytes(dst: Uint8Array, dOff: number, src: Uint8Array, sOff: number, n: number): void {
  if (n <= 64 && sOff <= 0x3fff_ffff && dOff <= 0x3fff_ffff) {
    // Offsets as small integers: a RAM offset computed from a double physical address indexes
    // the typed arrays about 1.5× slower.
    const s = sOff | 0;
    const d = dOff | 0;
    for (let i = 0; i < n; i++) dst[d + i] = src[s + i]!;
  } else if (n <= 64) {
    for (let i = 0; i < n; i++) dst[dOff + i] = src[sOff + i]!;
  } else dst.set(src.subarray(sOff, sOff + n), dOff);
}

/** A scalar access of guest RAM at ram[off]: v[0]/v[1] little-endian, bytes beyond `size` zero on a read. */
function scalarRam(ram: Uint8Array, off: number, size: number, write: boolean, v: Int32Array): number {
  if (write) {
    const lo = v[0]!;
    ram[off] = lo;
    if (size > 1) {
      ram[off + 1] = lo >>> 8;
      if (size > 2) {
        ram[off + 2] = lo >>> 16;
        ram[off + 3] = lo >>> 24;
        if (size > 4) put32(ram, off + 4, v[1]!);
      }
    }
  } else if (size === 1) {
    v[0] = ram[off]!;
    v[1] = 0;
  } else if (size === 2) {
    v[0] = ram[off]! | (ram[off + 1]! << 8);
    v[1] = 0;
  } else {
    v[0] = le32(ram, off);
    v[1] = size === 8 ? le32(ram, off + 4) : 0;
  }
  return X86EMUL_OKAY;
}

/** Little-endian uint32 at b[i..i+4) as an int32 bit pattern (stays a small integer in V8). */
function le32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function put32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}
