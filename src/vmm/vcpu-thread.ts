// A vCPU on its own thread (SMP): KVM_RUN blocks the thread that calls it, so vCPUs 1..N−1 of a
// multi-vCPU VM get a worker thread each that does nothing but KVM_RUN (vCPU 0 runs on the
// device-model thread itself). Xen's ioreq model: after every exit the worker posts it (state
// EXITED, doorbell, and a kick if the device-model thread is inside KVM_RUN) and waits; the
// device-model thread (the platform's only thread) serves the exit through the kvm_run page,
// prepares the next entry and lets the worker go again. Only that thread touches the platform.
import { Worker } from 'node:worker_threads';
import { HANDOFF_POLL_NS, MAX_CREDIT, MISS_COST, PROBE_EVERY } from './handoff-poll.js';
import { NATIVE_LAYOUT, type NativeKvmPages, releaseWorkerPages } from './kvm/native-run.js';

/** Slots of a vCPU's control block (Int32Array over a SharedArrayBuffer). */
export const CTL = Object.freeze({
  STATE: 0,
  RESULT: 1,
  TID: 2,
  /** NMIs the device model mailed to a running worker; the worker hands them to KVM itself (KVM_NMI). */
  NMIS: 3,
  /** 1: the next kick wants the exit posted (the device model has work for the entry); 0: a kick only delivers NMIs. */
  POST: 4,
  /** 1: KVM_NMI was issued since KVM_RUN last returned from the guest (KvmVcpu.nmiSinceExit, kept by the vCPU's owner). */
  NMI_SINCE_EXIT: 5,
  /** µs from the worker's wake-up to the exit it posted last (its guest ran about that long). */
  RUN_US: 6,
  SIZE: 7,
});
/** ctl[STATE]: who owns the vCPU. */
export const VCPU_THREAD = Object.freeze({
  /** The device model owns it (serving an exit, or the vCPU is halted). */
  PARKED: 0,
  /** The worker owns it: in KVM_RUN or about to be. */
  GO: 1,
  /** KVM_RUN returned; ctl[RESULT] is 0 or −errno; the device model must serve it. */
  EXITED: 2,
  QUIT: 3,
});

// After posting an exit a worker polls for its vCPU back up to HANDOFF_POLL_NS before sleeping on
// the futex, by the same credit policy as the device model's poll (handoff-poll.ts): an exit the
// device model serves at once (a port or MMIO access) then costs no wake-up on either side. Linux's
// TSC refinement needs a device read on any CPU to complete within 50,000 TSC cycles
// (arch/x86/kernel/tsc.c, tsc_read_refs' SMI_TRESHOLD, ~20 µs here).

// Plain JavaScript (a worker runs it without a TypeScript loader); the worker's whole job.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const lib = koffi.load('libc.so.6');
const ioctl = lib.func('ioctl', 'int', ['int', 'unsigned long', 'unsigned long']);
const gettid = lib.func('gettid', 'int', []);
const sigtimedwait = lib.func('sigtimedwait', 'int', ['void *', 'void *', 'void *']);
const tgkill = lib.func('tgkill', 'int', ['int', 'int', 'int']);
const ctl = new Int32Array(workerData.ctl);
const door = new Int32Array(workerData.door);
const kick = new Uint8Array(workerData.kickSet);
const zero = new Uint8Array(16);
const { fd, KVM_RUN, KVM_NMI, pid, mainTid, signo, native } = workerData;
// KVM_RUN as the VMM's generated code (src/vmm/kvm/native-run.ts), bound in this thread: no
// argument, −errno returned, the host clock read as it returns (native.data's timespecs), so a
// worker's exit costs neither ioctl's marshalling nor a performance.now(). Else libc's ioctl.
let runNative = null, clockNow = null, runTime = null, clockTime = null;
if (native !== null) {
  const proto = koffi.proto('int hvmdev_worker_no_arg_int(void)');
  runNative = koffi.decode(native.code, proto);
  clockNow = koffi.decode(native.code + ${NATIVE_LAYOUT.clockCodeAt}n, proto);
  const words = new Int32Array(koffi.view(native.data, 64));
  words[${NATIVE_LAYOUT.fd / 4}] = fd;
  runTime = words.subarray(${NATIVE_LAYOUT.runTime / 4}, ${NATIVE_LAYOUT.runTime / 4 + 4});
  clockTime = words.subarray(${NATIVE_LAYOUT.clockTime / 4}, ${NATIVE_LAYOUT.clockTime / 4 + 4});
}
/** µs from timespec a to timespec b ([sec low, sec high, nsec]). */
const usBetween = (a, b) => ((b[0] - a[0]) + (b[1] - a[1]) * 4294967296) * 1e6 + (b[2] - a[2]) / 1000;
const PARKED = ${VCPU_THREAD.PARKED}, GO = ${VCPU_THREAD.GO}, EXITED = ${VCPU_THREAD.EXITED}, QUIT = ${VCPU_THREAD.QUIT};
Atomics.store(ctl, ${CTL.TID}, gettid());
Atomics.notify(ctl, ${CTL.TID});
// performance.now() (ms) until which a parked worker polls its state instead of sleeping on it;
// polling adapts as the device model's does (handoff-poll.ts): credit for a poll that saw GO,
// less for one that timed out, and with none left only every 32nd post polls.
let pollUntil = 0, pollCredit = ${MAX_CREDIT}, posts = 0;
for (;;) {
  let s;
  while ((s = Atomics.load(ctl, ${CTL.STATE})) !== GO) {
    if (s === QUIT) process.exit(0);
    if (pollUntil !== 0) {
      for (let k = 0; k < 64 && Atomics.load(ctl, ${CTL.STATE}) === s; k++);
      if (performance.now() < pollUntil) continue;
      pollUntil = 0;
      pollCredit -= ${MISS_COST};
    }
    Atomics.wait(ctl, ${CTL.STATE}, s);
  }
  if (pollUntil !== 0) {
    pollUntil = 0;
    if (pollCredit < ${MAX_CREDIT}) pollCredit = Math.max(1, pollCredit + 1);
  }
  let result = 0;
  let started = 0;
  if (runNative !== null) clockNow();
  else started = performance.now();
  for (;;) {
    result = runNative !== null ? runNative() : ioctl(fd, KVM_RUN, 0) < 0 ? -koffi.errno() : 0;
    if (result === 0) ctl[${CTL.NMI_SINCE_EXIT}] = 0;
    if (result === -4) while (sigtimedwait(kick, null, zero) > 0);
    // NMIs mailed while this vCPU ran: this thread owns it, so it hands them to KVM right here.
    for (let n = Atomics.exchange(ctl, ${CTL.NMIS}, 0); n > 0; n--) {
      ioctl(fd, KVM_NMI, 0);
      ctl[${CTL.NMI_SINCE_EXIT}] = 1;
    }
    // A kick that only brought NMIs needs no device model: straight back into the guest.
    if (result !== -4 || Atomics.exchange(ctl, ${CTL.POST}, 0) !== 0 || Atomics.load(ctl, ${CTL.STATE}) !== GO) break;
  }
  ctl[${CTL.RESULT}] = result;
  const runUs = runNative !== null ? usBetween(clockTime, runTime) : (performance.now() - started) * 1000;
  ctl[${CTL.RUN_US}] = Math.min(0x7fffffff, Math.round(runUs));
  Atomics.compareExchange(ctl, ${CTL.STATE}, GO, EXITED);
  Atomics.add(door, 0, 1);
  Atomics.notify(door, 0);
  // The device-model thread may be in KVM_RUN for vCPU 0: kick it so it serves this exit.
  if (Atomics.load(door, 1) !== 0) tgkill(pid, mainTid, signo);
  if (pollCredit > 0 || ++posts % ${PROBE_EVERY} === 0) pollUntil = performance.now() + ${HANDOFF_POLL_NS / 1e6};
}
`;

export interface VcpuThreadOptions {
  readonly koffiPath: string;
  readonly fd: number;
  readonly kvmRun: number;
  readonly kvmNmi: number;
  /** Int32 [0]: doorbell (bumped after every posted exit); [1]: 1 while the device-model thread is in KVM_RUN. */
  readonly door: SharedArrayBuffer;
  readonly kickSet: Uint8Array;
  readonly pid: number;
  readonly mainTid: number;
  readonly signo: number;
  /** This worker's own generated KVM_RUN and clock (kvm/native-run.ts workerPages), or null for libc's ioctl. */
  readonly native: NativeKvmPages | null;
}

/** The device-model side of one vCPU worker. */
export class VcpuThread {
  readonly ctl: Int32Array;
  readonly worker: Worker;
  /** Exits the device-model thread served for this worker (kicks included), and that count at the last slice end. */
  served = 0;
  servedAtSliceEnd = 0;
  private exited: Promise<void>;
  private native: NativeKvmPages | null;

  constructor(opts: VcpuThreadOptions) {
    this.native = opts.native;
    const ctl = new SharedArrayBuffer(CTL.SIZE * 4);
    this.ctl = new Int32Array(ctl);
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        koffiPath: opts.koffiPath,
        fd: opts.fd,
        KVM_RUN: opts.kvmRun,
        KVM_NMI: opts.kvmNmi,
        ctl,
        door: opts.door,
        kickSet: opts.kickSet,
        pid: opts.pid,
        mainTid: opts.mainTid,
        signo: opts.signo,
        native: opts.native,
      },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Waits (blocking, bounded) until the worker published its thread id; returns it. */
  waitReady(timeoutMs = 10_000): number {
    const deadline = Date.now() + timeoutMs;
    while (Atomics.load(this.ctl, CTL.TID) === 0 && Date.now() < deadline) Atomics.wait(this.ctl, CTL.TID, 0, 50);
    return Atomics.load(this.ctl, CTL.TID);
  }

  get tid(): number {
    return this.ctl[CTL.TID]!;
  }
  get state(): number {
    return Atomics.load(this.ctl, CTL.STATE);
  }
  get result(): number {
    return this.ctl[CTL.RESULT]!;
  }
  /** µs the worker ran from its last go() to the exit it posted (read after park()). */
  get lastRunUs(): number {
    return this.ctl[CTL.RUN_US]!;
  }
  /** KvmVcpu.nmiSinceExit as the worker left it (read after park()). */
  get nmiSinceExit(): boolean {
    return this.ctl[CTL.NMI_SINCE_EXIT] !== 0;
  }
  /** The device model takes the vCPU; returns the NMIs mailed too late for the worker to hand over. */
  park(): number {
    Atomics.store(this.ctl, CTL.STATE, VCPU_THREAD.PARKED);
    Atomics.store(this.ctl, CTL.POST, 0);
    return Atomics.exchange(this.ctl, CTL.NMIS, 0);
  }
  /** Mails `n` NMIs to the running worker (the caller kicks it). */
  mailNmis(n: number): void {
    Atomics.add(this.ctl, CTL.NMIS, n);
  }
  /** The next kick must bring the exit to the device model. */
  wantPost(): void {
    Atomics.store(this.ctl, CTL.POST, 1);
  }
  /** Hands the vCPU to the worker; `nmiSinceExit` is KvmVcpu.nmiSinceExit as the device model leaves it. */
  go(nmiSinceExit: boolean): void {
    this.ctl[CTL.NMI_SINCE_EXIT] = nmiSinceExit ? 1 : 0;
    Atomics.store(this.ctl, CTL.STATE, VCPU_THREAD.GO);
    Atomics.notify(this.ctl, CTL.STATE);
  }

  /** Asks the worker to end (the caller kicks it out of KVM_RUN) and waits for it. */
  async quit(): Promise<void> {
    Atomics.store(this.ctl, CTL.STATE, VCPU_THREAD.QUIT);
    Atomics.notify(this.ctl, CTL.STATE);
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await this.exited;
    clearTimeout(timer);
    // The thread has ended: its generated KVM_RUN may serve the next worker.
    if (this.native !== null) releaseWorkerPages(this.native);
    this.native = null;
  }
}
