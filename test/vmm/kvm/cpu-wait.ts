// How long this process's threads, runnable, waited for a CPU: run_delay, the second field of
// /proc/<pid>/task/<tid>/schedstat (Linux, CONFIG_SCHED_INFO). Some kvm-unit-tests cases are
// bounded by host time (the APIC timer's period, a 10^9-TSC-cycle wait for an IPI): on a loaded
// host the VMM's threads can wait for a CPU longer than that, and the case fails with every device
// doing what the SDM says. kvm-unit-tests.test.ts excuses such a failure only with this evidence,
// measured in the run itself (docs/vmm.md, "Known failures outside hvmdev").
//
// run_delay grows when a waiting thread gets its CPU, so a wait still in progress shows in the
// first sample after it ended; samples are taken at every serial line and every SAMPLE_MS.
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';

/** How often every thread of the process is sampled while a guest runs (ms). */
const SAMPLE_MS = 50;

const buf = Buffer.alloc(128);

function readRunDelay(path: string): number | null {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    const delay = Number(buf.toString('latin1', 0, n).split(' ')[1]);
    return Number.isFinite(delay) ? delay : null;
  } catch {
    return null; // the thread ended, or no schedstat on this kernel
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The calling thread's id (/proc/thread-self is "<pid>/task/<tid>"), or −1. */
function ownTid(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return -1;
  }
}

/** True where run_delay can be read (Linux with schedstat). */
export const CPU_WAIT_AVAILABLE = readRunDelay('/proc/thread-self/schedstat') !== null;

/**
 * A timeline of run_delay per thread while a guest runs: every thread of the process every
 * SAMPLE_MS (the VMM's thread returns to the event loop at least every 20 ms), and the calling
 * thread (the VMM's device-model thread, which runs vCPU 0) whenever `sampleOwn()` is called: one
 * file read, cheap enough for every line of the guest's output.
 */
export class CpuWaitTimeline {
  /** Per thread: performance.now() (ms) and run_delay (ns) of each sample, in time order. */
  private readonly byTid = new Map<number, { ms: number[]; delay: number[] }>();
  private readonly timer: ReturnType<typeof setInterval> | null;
  private readonly tid = ownTid();

  constructor() {
    this.sampleAll();
    this.timer = CPU_WAIT_AVAILABLE ? setInterval(() => this.sampleAll(), SAMPLE_MS) : null;
  }

  /** Samples the calling thread now (e.g. at a line of the guest's output). */
  sampleOwn(): void {
    if (!CPU_WAIT_AVAILABLE) return;
    const d = readRunDelay('/proc/thread-self/schedstat');
    if (d !== null) this.add(this.tid, performance.now(), d);
  }

  /** Stops the periodic sampling and samples every thread a last time. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.sampleAll();
  }

  /**
   * The longest any one thread waited for a CPU between `fromMs` and `toMs` (performance.now()
   * ms): the growth of its run_delay from its last sample at or before `fromMs` to its first at or
   * after `toMs`. A thread without samples on both sides does not count; 0 without any.
   */
  longestWaitMs(fromMs: number, toMs: number): number {
    let longest = 0;
    for (const { ms, delay } of this.byTid.values()) {
      let i = -1;
      while (i + 1 < ms.length && ms[i + 1]! <= fromMs) i++;
      let j = i + 1;
      while (j < ms.length && ms[j]! < toMs) j++;
      if (i < 0 || j >= ms.length) continue;
      longest = Math.max(longest, (delay[j]! - delay[i]!) / 1e6);
    }
    return longest;
  }

  private sampleAll(): void {
    if (!CPU_WAIT_AVAILABLE) return;
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    const now = performance.now();
    for (const tid of tids) {
      const d = readRunDelay(`/proc/self/task/${tid}/schedstat`);
      if (d !== null) this.add(Number(tid), now, d);
    }
  }

  private add(tid: number, ms: number, delay: number): void {
    let t = this.byTid.get(tid);
    if (t === undefined) this.byTid.set(tid, (t = { ms: [], delay: [] }));
    t.ms.push(ms);
    t.delay.push(delay);
  }
}
