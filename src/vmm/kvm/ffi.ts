// The C library through the FFI package koffi, an optionalDependency loaded only when a VM starts:
// hvmdev installs and imports without it (no compiler at install time; macOS and Windows are fine),
// and `hvmdev run` says why it cannot run. Every system call the VMM needs is bound here, once.
import { createRequire } from 'node:module';
import { KvmUnavailableError } from './errors.js';

/** The few koffi functions used (typed locally so the build does not need koffi's types). */
interface Koffi {
  load(path: string): { func(name: string, ret: string, args: string[]): (...a: unknown[]) => unknown };
  view(ptr: unknown, len: number): ArrayBuffer;
  address(ptr: unknown): bigint;
  errno(): number;
  /** A function type from a C prototype (once per name). */
  proto(decl: string): unknown;
  /** A callable JS function from a native function pointer and its prototype. */
  decode(ptr: unknown, type: unknown): unknown;
}

/** A native pointer as koffi returns it (opaque). */
export type NativePointer = object;

export interface Libc {
  readonly koffi: Koffi;
  /** Path koffi was loaded from (vCPU worker threads load the same). */
  readonly koffiPath: string;
  open(path: string, flags: number): number;
  close(fd: number): number;
  /** ioctl with a pointer argument (a typed array's bytes or null). */
  ioctlPtr(fd: number, req: number, arg: ArrayBufferView | null): number;
  /** ioctl with an integer argument. */
  ioctlInt(fd: number, req: number, arg: number): number;
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): NativePointer | null;
  munmap(ptr: NativePointer, len: number): number;
  madvise(ptr: NativePointer, len: number, advice: number): number;
  mprotect(ptr: NativePointer, len: number, prot: number): number;
  /** dlsym: the address of `name` (handle null: RTLD_DEFAULT), or null. */
  dlsym(handle: null, name: string): NativePointer | null;
  gettid(): number;
  getpid(): number;
  tgkill(tgid: number, tid: number, sig: number): number;
  pthreadSigmask(how: number, set: Uint8Array | null, old: Uint8Array | null): number;
  /** Returns the signal taken (its siginfo_t in `info` when given), or −1 (EAGAIN: none pending). */
  sigtimedwait(set: Uint8Array, info: Uint8Array | null, timeout: Uint8Array): number;
  timerCreate(clock: number, sevp: Uint8Array, timerId: Uint8Array): number;
  timerSettime(timerId: bigint, flags: number, value: Uint8Array, old: null): number;
  timerDelete(timerId: bigint): number;
  sigrtmin(): number;
  errno(): number;
}

export const O_RDWR = 2;
export const O_CLOEXEC = 0o2000000;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const MADV_HUGEPAGE = 14;
export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;
export const CLOCK_MONOTONIC = 1;
export const SIGEV_THREAD_ID = 4;
export const EINTR = 4;
export const EAGAIN = 11;
/** siginfo_t.si_code (at byte 8) of a signal sent by a POSIX timer's expiry, and by tgkill. */
export const SI_TIMER = -2;
export const SI_TKILL = -6;

let cached: Libc | null = null;

/** Loads koffi and binds libc (once). Throws KvmUnavailableError when that is not possible here. */
export function loadLibc(): Libc {
  if (cached !== null) return cached;
  if (process.platform !== 'linux') {
    throw new KvmUnavailableError('not-linux', `hvmdev run needs Linux with /dev/kvm; this is ${process.platform}`);
  }
  const require = createRequire(import.meta.url);
  let koffi: Koffi;
  let koffiPath: string;
  try {
    koffiPath = require.resolve('koffi');
    koffi = require(koffiPath) as Koffi;
  } catch (e) {
    throw new KvmUnavailableError(
      'no-ffi',
      `the optional package koffi (the FFI that reaches /dev/kvm) is not installed or does not load here (${(e as Error).message.split('\n')[0]}); run 'npm install koffi'`,
    );
  }
  const lib = koffi.load('libc.so.6');
  const f = (name: string, ret: string, args: string[]) => lib.func(name, ret, args);
  const open = f('open', 'int', ['str', 'int']);
  const close = f('close', 'int', ['int']);
  const ioctlPtr = f('ioctl', 'int', ['int', 'unsigned long', 'void *']);
  const ioctlInt = f('ioctl', 'int', ['int', 'unsigned long', 'unsigned long']);
  const mmap = f('mmap', 'void *', ['void *', 'size_t', 'int', 'int', 'int', 'long']);
  const munmap = f('munmap', 'int', ['void *', 'size_t']);
  const madvise = f('madvise', 'int', ['void *', 'size_t', 'int']);
  const mprotect = f('mprotect', 'int', ['void *', 'size_t', 'int']);
  const dlsym = f('dlsym', 'void *', ['void *', 'str']);
  const gettid = f('gettid', 'int', []);
  const getpid = f('getpid', 'int', []);
  const tgkill = f('tgkill', 'int', ['int', 'int', 'int']);
  const pthreadSigmask = f('pthread_sigmask', 'int', ['int', 'void *', 'void *']);
  const sigtimedwait = f('sigtimedwait', 'int', ['void *', 'void *', 'void *']);
  const timerCreate = f('timer_create', 'int', ['int', 'void *', 'void *']);
  const timerSettime = f('timer_settime', 'int', ['uint64_t', 'int', 'void *', 'void *']);
  const timerDelete = f('timer_delete', 'int', ['uint64_t']);
  const sigrtmin = f('__libc_current_sigrtmin', 'int', []);
  // The bound functions go in as they are (no wrapper closure per call: the exit path calls
  // ioctl once per exit). The casts only give them their TypeScript signatures.
  cached = {
    koffi,
    koffiPath,
    open: open as Libc['open'],
    close: close as Libc['close'],
    ioctlPtr: ioctlPtr as Libc['ioctlPtr'],
    ioctlInt: ioctlInt as Libc['ioctlInt'],
    mmap: (a, len, prot, fl, fd, off) => {
      const p = mmap(a, len, prot, fl, fd, off) as NativePointer | null;
      // MAP_FAILED is (void *) -1.
      if (p === null || koffi.address(p) === 0xffff_ffff_ffff_ffffn) return null;
      return p;
    },
    munmap: munmap as Libc['munmap'],
    madvise: madvise as Libc['madvise'],
    mprotect: mprotect as Libc['mprotect'],
    dlsym: dlsym as Libc['dlsym'],
    gettid: gettid as Libc['gettid'],
    getpid: getpid as Libc['getpid'],
    tgkill: tgkill as Libc['tgkill'],
    pthreadSigmask: pthreadSigmask as Libc['pthreadSigmask'],
    sigtimedwait: sigtimedwait as Libc['sigtimedwait'],
    timerCreate: timerCreate as Libc['timerCreate'],
    timerSettime: timerSettime as Libc['timerSettime'],
    timerDelete: timerDelete as Libc['timerDelete'],
    sigrtmin: sigrtmin as Libc['sigrtmin'],
    errno: () => koffi.errno(),
  };
  return cached;
}

/** A sigset_t (glibc: 128 bytes) holding `signals`. */
export function sigset(...signals: number[]): Uint8Array {
  const s = new Uint8Array(128);
  for (const sig of signals) s[(sig - 1) >> 3]! |= 1 << ((sig - 1) & 7);
  return s;
}
