// Kicking a vCPU out of KVM_RUN, as QEMU does: one real-time signal is blocked on every thread
// outside KVM_RUN and unblocked inside it (KVM_SET_SIGNAL_MASK), so a signal sent at any time
// either interrupts KVM_RUN (EINTR) or stays pending and makes the next KVM_RUN return at once;
// after the exit the thread drains it with sigtimedwait. No handler ever runs, so nothing races.
// Deadlines reach the main thread through a POSIX timer that sends the same signal to it only
// (SIGEV_THREAD_ID).
import { KvmCallError } from './kvm/errors.js';
import { CLOCK_MONOTONIC, SI_TIMER, SIG_BLOCK, SIGEV_THREAD_ID, sigset, type Libc } from './kvm/ffi.js';

/** SIGRTMIN + this: clear of glibc's own (SIGRTMIN−2, SIGRTMIN−1) and of what Node uses. */
const KICK_SIGNAL_OFFSET = 6;

export class KickSignal {
  readonly signo: number;
  readonly pid: number;
  private readonly set: Uint8Array;
  private readonly zeroTimeout = new Uint8Array(16);
  /** siginfo_t of the kick drain() took (128 bytes; si_code at byte 8). */
  private readonly info = new Uint8Array(128);
  private readonly infoView = new DataView(this.info.buffer);

  /** Blocks the kick signal on the calling thread (threads it creates later inherit the mask). */
  constructor(private readonly libc: Libc) {
    this.signo = libc.sigrtmin() + KICK_SIGNAL_OFFSET;
    this.pid = libc.getpid();
    this.set = sigset(this.signo);
    if (libc.pthreadSigmask(SIG_BLOCK, this.set, null) !== 0) throw new KvmCallError('pthread_sigmask', libc.errno());
  }

  /** The signal mask for KVM_RUN (kernel sigset, 8 bytes): the thread's mask without the kick signal. */
  runMask(): Uint8Array {
    const old = new Uint8Array(128);
    this.libc.pthreadSigmask(SIG_BLOCK, null, old);
    const bit = this.signo - 1;
    old[bit >> 3]! &= ~(1 << (bit & 7));
    return old.subarray(0, 8);
  }

  /**
   * Consumes one pending kick on the calling thread (after KVM_RUN returned EINTR): one
   * sigtimedwait, not a loop until it finds none (a second call per kick, measured in the vmexit
   * cpuid loop). Real-time signals can queue; a second kick still pending makes the next KVM_RUN
   * return at once, and that return drains it. Returns true when the kick was the deadline timer's
   * expiry (si_code SI_TIMER), false for a tgkill (a worker's post) or no kick at all (another
   * signal interrupted KVM_RUN): then the timer is still armed as it was.
   */
  drain(): boolean {
    if (this.libc.sigtimedwait(this.set, this.info, this.zeroTimeout) < 0) return false;
    return this.infoView.getInt32(8, true) === SI_TIMER;
  }

  /** Kicks thread `tid` out of KVM_RUN (or makes its next KVM_RUN return at once). */
  kick(tid: number): void {
    this.libc.tgkill(this.pid, tid, this.signo);
  }
}

/** A one-shot CLOCK_MONOTONIC timer that kicks one thread (the one that runs a vCPU). */
export class DeadlineKicker {
  private readonly id: bigint;
  private readonly spec = new Uint8Array(32);
  private readonly specView = new DataView(this.spec.buffer);
  /** Host time (ns, performance.now scale) the timer is armed for, or −1. */
  armedFor = -1;

  constructor(
    private readonly libc: Libc,
    private readonly signal: KickSignal,
    tid: number,
  ) {
    const sev = new Uint8Array(64);
    const dv = new DataView(sev.buffer);
    dv.setInt32(8, signal.signo, true);
    dv.setInt32(12, SIGEV_THREAD_ID, true);
    dv.setInt32(16, tid, true);
    const idBuf = new Uint8Array(8);
    if (libc.timerCreate(CLOCK_MONOTONIC, sev, idBuf) !== 0) throw new KvmCallError('timer_create', libc.errno());
    this.id = new DataView(idBuf.buffer).getBigUint64(0, true);
  }

  /** Arms the timer to fire after `delayNs` (≥ 1 µs), for host time `at`. */
  arm(delayNs: number, at: number): void {
    const d = Math.max(1000, Math.floor(delayNs));
    const dv = this.specView;
    // it_value {tv_sec, tv_nsec} as two int64 whose high halves stay 0 (delays below 68 years).
    dv.setUint32(16, Math.floor(d / 1e9), true);
    dv.setUint32(24, d % 1e9, true);
    this.libc.timerSettime(this.id, 0, this.spec, null);
    this.armedFor = at;
  }

  /**
   * Before an entry: arms the timer for host time `at` (`now`: the platform clock, on the same
   * scale as `clock.hostNs()`) unless it is armed for it already. A timer that went
   * off while its thread was out of KVM_RUN left its signal pending, and once the timer is re-armed
   * that signal is stale: Linux drops it when it is taken, but until then it makes the next KVM_RUN
   * return at once with EINTR (an entry and an exit for nothing, then a drain that finds no kick).
   * So it is taken first: one sigtimedwait instead of a KVM_RUN.
   */
  armBeforeEntry(at: number, now: number, clock: { hostNs(): number }): void {
    if (this.armedFor === at && at > now) return;
    const host = clock.hostNs();
    if (this.armedFor >= 0 && this.armedFor <= host) this.signal.drain();
    this.arm(at - host, at);
  }

  close(): void {
    this.libc.timerDelete(this.id);
  }
}
