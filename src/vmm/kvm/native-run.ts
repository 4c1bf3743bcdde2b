// A vCPU's KVM_RUN as a few bytes of x86-64 machine code the VMM writes itself at run time (no
// compiler, nothing installed), called through koffi with no arguments. Measured on the PVM host
// (docs/vmm.md, "Exit path"): what JS adds to an exit is mostly cold code after the kernel, and the
// two largest pieces were koffi's marshalling of ioctl's three arguments and errno, and the host
// clock read after every exit (`performance.now()` validates its receiver through a generic
// internal helper: ~0.2–0.3 µs cold). The generated function makes the ioctl system call itself,
// then reads CLOCK_MONOTONIC through libc's clock_gettime (the vDSO: no system call) into a
// buffer the VMM reads as plain memory, and returns 0 or −errno. Optional: where the code cannot
// be generated (another architecture, a host that refuses executable mappings, or
// HVMDEV_NATIVE_RUN=0) the VMM calls libc's ioctl and reads performance.now(), as before.
import { KVM } from './abi.js';
import type { Libc } from './ffi.js';

/** x86-64 Linux system call number of ioctl. */
const SYS_IOCTL = 16;
const CLOCK_MONOTONIC = 1;
const PROT_READ = 1;
const PROT_WRITE = 2;
const PROT_EXEC = 4;
const MAP_PRIVATE = 2;
const MAP_ANONYMOUS = 0x20;
const PAGE = 4096;
/** The data page: the vCPU fd run() enters, then the two timespecs. */
const DATA_FD = 0;
const DATA_RUN_TIME = 16;
const DATA_CLOCK_TIME = 32;

/**
 * The generated functions of this thread. One set per thread, shared by every vCPU and VM (the
 * vCPU is named in `vcpuFd`, not in the code): V8 then sees one call target at each call site,
 * whatever VMs the process creates, and calls koffi's function by its fast path.
 */
export interface NativeKvm {
  /** KVM_RUN on the calling thread for the vCPU whose fd is in vcpuFd[0]: 0, or −errno (−EINTR after a kick). */
  readonly run: () => number;
  /** The vCPU fd run() enters (one int32). */
  readonly vcpuFd: Int32Array;
  /**
   * struct timespec of CLOCK_MONOTONIC read right after the last run() returned, as int32 words:
   * [tv_sec low, tv_sec high, tv_nsec, 0].
   */
  readonly runTime: Int32Array;
  /** Reads CLOCK_MONOTONIC into clockTime (returns 0). */
  readonly now: () => number;
  /** The timespec now() fills, laid out as runTime. */
  readonly clockTime: Int32Array;
}

/** Why native code is not used here, or null when it may be. */
export function nativeRunUnavailable(): string | null {
  if (process.arch !== 'x64' || process.platform !== 'linux') return `the generated KVM_RUN is x86-64 Linux code; this is ${process.arch} ${process.platform}`;
  if (process.env['HVMDEV_NATIVE_RUN'] === '0') return 'HVMDEV_NATIVE_RUN=0';
  return null;
}

/** Little-endian bytes of a 32-bit value. */
function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Little-endian bytes of a 64-bit address. */
function le64(v: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 8n; i++) out.push(Number((v >> (8n * i)) & 0xffn));
  return out;
}

/**
 * `clock_gettime(CLOCK_MONOTONIC, timespec)`: mov edi, 1; movabs rsi, timespec; movabs rax,
 * clock_gettime; call rax. The caller pushed rbx, so the stack is 16-byte aligned at the call.
 */
function clockCall(timespec: bigint, clockGettime: bigint): number[] {
  return [0xbf, ...le32(CLOCK_MONOTONIC), 0x48, 0xbe, ...le64(timespec), 0x48, 0xb8, ...le64(clockGettime), 0xff, 0xd0];
}

/**
 * The machine code of `int run(void)`, the data page at `data`:
 * push rbx; movabs rax, data; mov edi, [rax] (the vCPU fd); mov esi, KVM_RUN; xor edx, edx;
 * mov eax, SYS_ioctl; syscall; mov ebx, eax; clock_gettime(CLOCK_MONOTONIC, data + 16);
 * mov eax, ebx; pop rbx; ret. The system call returns −errno itself (no libc errno to fetch).
 */
export function runCode(data: bigint, clockGettime: bigint): number[] {
  return [
    0x53,
    0x48,
    0xb8,
    ...le64(data + BigInt(DATA_FD)),
    0x8b,
    0x38,
    0xbe,
    ...le32(KVM.RUN),
    0x31,
    0xd2,
    0xb8,
    ...le32(SYS_IOCTL),
    0x0f,
    0x05,
    0x89,
    0xc3,
    ...clockCall(data + BigInt(DATA_RUN_TIME), clockGettime),
    0x89,
    0xd8,
    0x5b,
    0xc3,
  ];
}

/** The machine code of `int now(void)`: push rbx; clock_gettime(CLOCK_MONOTONIC, data + 32); xor eax, eax; pop rbx; ret. */
export function clockCode(data: bigint, clockGettime: bigint): number[] {
  return [0x53, ...clockCall(data + BigInt(DATA_CLOCK_TIME), clockGettime), 0x31, 0xc0, 0x5b, 0xc3];
}

/** Offset of now() in the code page (after run()). */
const CLOCK_CODE_AT = 128;

let cachedFor: Libc | null = null;
let cached: NativeKvm | null = null;

/**
 * This thread's generated KVM_RUN and clock (made once per libc binding, kept for the thread's
 * life: two pages), or null when this host cannot have them or HVMDEV_NATIVE_RUN=0 (read at each
 * call: a VM created meanwhile uses libc's ioctl and performance.now()).
 */
export function nativeKvm(libc: Libc): NativeKvm | null {
  if (nativeRunUnavailable() !== null) return null;
  if (cachedFor !== libc) {
    cached = emit(libc);
    cachedFor = libc;
  }
  return cached;
}

/**
 * Where a set of generated functions lives (process-wide addresses, so another thread can bind
 * them: a vCPU worker gets one set of its own). run() is at `code`, now() at `code + 128`; the data
 * page holds the vCPU fd (int32 at 0), run()'s timespec (at 16) and now()'s (at 32).
 */
export interface NativeKvmPages {
  readonly code: bigint;
  readonly data: bigint;
}

/** Offsets a thread binding NativeKvmPages needs (the vCPU worker's source is plain JS). */
export const NATIVE_LAYOUT = Object.freeze({ clockCodeAt: CLOCK_CODE_AT, fd: DATA_FD, runTime: DATA_RUN_TIME, clockTime: DATA_CLOCK_TIME });

/**
 * Maps two pages, writes run() and now() into the first and makes it read+execute only (the data
 * page stays read+write); null when the host refuses.
 */
function emitPages(libc: Libc): NativeKvmPages | null {
  const sym = libc.dlsym(null, 'clock_gettime');
  if (sym === null) return null;
  const clockGettime = libc.koffi.address(sym);
  const pages = libc.mmap(null, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages === null) return null;
  const code = libc.koffi.address(pages);
  const data = code + BigInt(PAGE);
  const text = new Uint8Array(libc.koffi.view(pages, PAGE));
  text.set(runCode(data, clockGettime), 0);
  text.set(clockCode(data, clockGettime), CLOCK_CODE_AT);
  if (libc.mprotect(pages, PAGE, PROT_READ | PROT_EXEC) !== 0) {
    libc.munmap(pages, 2 * PAGE);
    return null;
  }
  return { code, data };
}

/** run() and now() of `pages` as koffi functions of no arguments (koffi takes a pointer as a bigint address). */
let noArgInt: unknown = null;

function bind(libc: Libc, pages: NativeKvmPages): NativeKvm {
  // Declared once per thread: koffi refuses a second type of the same name.
  noArgInt ??= libc.koffi.proto('int hvmdev_no_arg_int(void)');
  const proto = noArgInt;
  const bytes = libc.koffi.view(pages.data, PAGE);
  return {
    run: libc.koffi.decode(pages.code, proto) as () => number,
    vcpuFd: new Int32Array(bytes, DATA_FD, 1),
    runTime: new Int32Array(bytes, DATA_RUN_TIME, 4),
    now: libc.koffi.decode(pages.code + BigInt(CLOCK_CODE_AT), proto) as () => number,
    clockTime: new Int32Array(bytes, DATA_CLOCK_TIME, 4),
  };
}

function emit(libc: Libc): NativeKvm | null {
  const pages = emitPages(libc);
  return pages === null ? null : bind(libc, pages);
}

/** Sets made for vCPU workers and free again (a worker that quit gives its set back). */
const workerPool: NativeKvmPages[] = [];

/**
 * A set of generated functions for one vCPU worker thread (it binds them itself, with
 * NATIVE_LAYOUT), or null where the main thread's could not be had; give it back with
 * releaseWorkerPages when the worker has quit.
 */
export function workerPages(libc: Libc): NativeKvmPages | null {
  if (nativeKvm(libc) === null) return null;
  return workerPool.pop() ?? emitPages(libc);
}

/** A worker's set, free again (its thread has ended). */
export function releaseWorkerPages(pages: NativeKvmPages): void {
  workerPool.push(pages);
}
