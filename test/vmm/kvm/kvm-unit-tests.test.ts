// Acceptance: the kvm-unit-tests (third-party guests from ../shared/guests) on KVM with hvmdev as
// the whole platform, on the profile they target (qemu-pc) and on xen-hvm. unittests.cfg gives
// each test's vCPUs and CPU features. Every case must PASS, except the ones listed in
// HOST_FAILURES for this kind of host, each with the reason it is outside hvmdev (docs/vmm.md), and
// the cases bounded by host time (TIMING_CASES) when the run itself shows that a thread of the VM
// waited for a CPU for a good part of the guest's window (cpu-wait.ts).
// Each guest is bounded by a timeout; a guest that runs out of time must still have produced only
// passing cases up to that point (a loaded host can slow `apic` past its bound). `apic` runs with
// its NMI stress loops shortened (apic-nmi-loops.ts), so it reaches its end. Skipped with one
// visible line when KVM or the guests are not here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMultibootGuest } from '../../../src/vmm/guest.js';
import { detectHostKind } from '../../../src/vmm/kvm/host-kind.js';
import type { CpuFeatureOverrides } from '../../../src/vmm/vm.js';
import type { ProfileName } from '../../../src/platform/profiles.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { KUT, kutAvailable } from './kut-files.js';
import { shortenApicNmiLoops } from './apic-nmi-loops.js';
import { CPU_WAIT_AVAILABLE, CpuWaitTimeline } from './cpu-wait.js';
import { QEMU_PC_LAPIC_PARAMS, XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { type ExcusedFailure, IPI_DETAIL, type Line, baseName, excusedTimingFailures } from './timing-excuses.js';

interface KutCase {
  readonly name: string;
  readonly file: string;
  readonly smp: number;
  readonly cpu?: CpuFeatureOverrides;
  readonly append?: string;
  /** Seconds of wall time the guest gets (the hard bound). */
  readonly timeout: number;
  /**
   * A bound that follows progress instead of the clock alone: the run is stopped `seconds` after
   * its start if at least `pass` cases have passed by then, else as soon as they have (at the
   * latest at `timeout`). A slow host then still gets to those cases, and a quick one runs on.
   */
  readonly progressBound?: { readonly seconds: number; readonly pass: number };
  /** Passing cases the run must at least produce (all of them when it finishes). */
  readonly minPass: number;
  /**
   * Measured on a PVM host (this project's machines): the run ends with its summary and exactly
   * these counts (a run with a progressBound: when it ends before the bound stops it). Absent: the
   * run may reach its bound.
   */
  readonly pvm?: { readonly pass: number; readonly fail: number; readonly skip: number };
  /** The image as the test runs it (default: the shared binary as it is). */
  readonly image?: (bytes: Uint8Array) => Uint8Array;
  /** How the run ends when it is not the summary (debug-exit 1/0/38), e.g. an unhandled exception under Xen. */
  readonly end?: { readonly stop: string; readonly summary: false };
  /** Only on these profiles (default: both). */
  readonly profiles?: readonly ProfileName[];
  /** Where xen-hvm deliberately differs (the Xen source that says so): what the run does there instead. */
  readonly xen?: Partial<Pick<KutCase, 'smp' | 'timeout' | 'minPass' | 'pvm' | 'end' | 'progressBound'>> & { readonly why: string };
}

// unittests.cfg: [hpet_read_test], [smptest] smp=2, [smptest3] smp=3, [ioapic] smp=4 +x2apic,
// [eventinj], [tsc] -cpu max, [x2apic] smp=2 +x2apic,+tsc-deadline, [xapic] smp=2 -x2apic.
/** Iterations of each of apic's three NMI loops (stock 30,000 / 100,000 / 100,000). */
const APIC_NMI_LOOPS = 100;
/** PASS lines xapic prints before its logical-mode IPIs to multiple targets (both profiles; 1 SKIP among them: x2apic). */
const XAPIC_PASS_BEFORE_MULTI_TARGET_IPIS = 19;

const CASES: readonly KutCase[] = [
  { name: 'hpet_read_test', file: 'hpet_read_test', smp: 1, timeout: 30, minPass: 1, pvm: { pass: 1, fail: 0, skip: 1 } },
  { name: 'smptest', file: 'smptest', smp: 2, timeout: 30, minPass: 1, pvm: { pass: 1, fail: 0, skip: 0 } },
  { name: 'smptest3', file: 'smptest', smp: 3, timeout: 30, minPass: 1, pvm: { pass: 1, fail: 0, skip: 0 } },
  // 8 vCPUs: INIT/SIPI bring-up of 7 APs and an IPI to each (worker threads, wake-ups). Not a Xen
  // difference: on xen-hvm (APIC IDs 0, 2, …, 14) it passes too.
  { name: 'smptest8', file: 'smptest', smp: 8, timeout: 60, minPass: 1, pvm: { pass: 1, fail: 0, skip: 0 } },
  {
    name: 'ioapic',
    file: 'ioapic',
    smp: 4,
    cpu: { x2apic: true },
    timeout: 60,
    minPass: 29,
    pvm: { pass: 29, fail: 1, skip: 0 },
    // Xen's APIC IDs are 2 × vCPU (xen/arch/x86/hvm/vlapic.c vlapic_reset): with 2 or more vCPUs the
    // test's physical destination 1 reaches no CPU and the guest waits for that interrupt forever,
    // as it would under Xen. With 1 vCPU it skips the cross-CPU cases and runs to its summary.
    xen: { smp: 1, minPass: 18, pvm: { pass: 18, fail: 1, skip: 0 }, why: 'APIC ID 1 does not exist under Xen (IDs are 2 x vCPU)' },
  },
  { name: 'eventinj', file: 'eventinj', smp: 1, timeout: 30, minPass: 10, pvm: { pass: 10, fail: 3, skip: 0 } },
  { name: 'tsc', file: 'tsc', smp: 1, timeout: 30, minPass: 0, pvm: { pass: 0, fail: 0, skip: 0 } },
  // apic with its NMI stress loops at APIC_NMI_LOOPS iterations each (apic-nmi-loops.ts: stock they
  // take from minutes to hours on a PVM host), so it runs to its end. Under Xen, `relocate apic`
  // takes the #GP Xen gives (xen/arch/x86/hvm/vlapic.c guest_wrmsr_apic_base refuses to move the
  // window) and the test stops on it: "Unhandled exception 13", status 63, no summary.
  {
    name: 'x2apic',
    file: 'apic',
    smp: 2,
    cpu: { x2apic: true, tscDeadline: true },
    image: (b) => shortenApicNmiLoops(b, APIC_NMI_LOOPS),
    timeout: 60,
    minPass: 25,
    pvm: { pass: 55, fail: 1, skip: 0 },
    xen: {
      end: { stop: 'debug-exit 63', summary: false },
      pvm: { pass: 52, fail: 1, skip: 0 },
      why: 'Xen refuses to move the xAPIC window (#GP)',
    },
  },
  // xapic's logical-mode IPI cases to multiple targets (7,168 IPIs each, every one a hand-off
  // between the vCPU threads) outlast any bound npm test can give on a loaded host (30 s for the
  // flat one alone at load 8-11; the whole test 21-52 s at load 7-11, traced in docs/vmm.md). The 19
  // cases before them (apic_disable … IPI to single target using logical cluster mode) take 4-9 s
  // at that load. The bound follows progress: the run stops at 25 s once those 19 passed (it may
  // end earlier, at its summary), else as soon as they have, at the latest at 60 s; so a slow host
  // still checks all 19, and a quick one every case it reaches. Under load one of the multi-target
  // IPIs can miss its 0.41 s window (docs/vmm.md), open.
  {
    name: 'xapic',
    file: 'apic',
    smp: 2,
    cpu: { x2apic: false, tscDeadline: true },
    image: (b) => shortenApicNmiLoops(b, APIC_NMI_LOOPS),
    timeout: 60,
    progressBound: { seconds: 25, pass: XAPIC_PASS_BEFORE_MULTI_TARGET_IPIS },
    minPass: XAPIC_PASS_BEFORE_MULTI_TARGET_IPIS,
    pvm: { pass: 43, fail: 1, skip: 1 },
    xen: {
      end: { stop: 'debug-exit 63', summary: false },
      pvm: { pass: 39, fail: 1, skip: 1 },
      why: 'Xen refuses to move the xAPIC window (#GP)',
    },
  },
];

/**
 * Cases that fail for a reason outside hvmdev on a kind of host (docs/vmm.md, "Known failures").
 * PVM: pending events are looked at only at exits and between batches of about 1,024 emulated
 * ring-0 instructions (traced with kvm:kvm_emulate_insn on the Intel host, 2026-12-08), so no
 * KVM_EXIT_IRQ_WINDOW_OPEN comes inside a short STI…CLI window or right after an IRET: a second
 * pending interrupt is not taken there (ioapic simultaneous edge, eventinj vec 32/33, vec 32/int
 * $33; QEMU on this host fails the ioapic case too, with either irqchip), and eventinj's nested
 * NMI arrives a batch (~1,024 instructions) after the last exit instead of at the IRET that
 * unblocks it (on the AMD host it even came before the IRET, nmi.pending 1 → 0 with nmi.masked
 * 1). pvm-interrupt-window.test.ts checks these host behaviours wherever the suite runs: if a PVM
 * host changes, it fails first.
 * Any host without an in-kernel LAPIC: KVM answers KVM_HC_SEND_IPI with −KVM_ENOSYS.
 * (apic's APIC-timer mode-change cases and logical-mode IPIs are bounded by host time: TIMING_CASES.)
 */
const HOST_FAILURES: Readonly<Record<string, readonly string[]>> = {
  any: ['PV IPIs testing'],
  pvm: ['ioapic simultaneous edge interrupts', 'vec 32/33', 'vec 32/int $33', 'NMI'],
};

/**
 * Failing cases NOT shown to be outside hvmdev: open work (issue 11), printed on every run so they
 * are never silent. None now (apic `multiple nmi` was hvmdev's: an interrupt injected with pending
 * NMIs went first; test/vmm/kvm/nmi-latch.test.ts).
 */
const NOT_YET_DIAGNOSED: readonly string[] = [];

const PROFILES: readonly ProfileName[] = ['qemu-pc', 'xen-hvm'];
/** Where run_delay cannot be read: every timing-bound failure counts as excused (and is logged so). */
const NO_EVIDENCE = { longestWaitMs: () => Number.POSITIVE_INFINITY };
/** The LAPIC bus cycle of each profile (the APIC timer's tick before the divider). */
const BUS_CYCLE_NS: Readonly<Record<string, number>> = { 'qemu-pc': QEMU_PC_LAPIC_PARAMS.busCycleNs, 'xen-hvm': XEN_LAPIC_PARAMS.busCycleNs };
const hostKind = KVM_SKIP_REASON === null ? detectHostKind() : 'unknown';
const allowed = new Set([...(HOST_FAILURES.any ?? []), ...(HOST_FAILURES[hostKind] ?? []), ...NOT_YET_DIAGNOSED]);
const missing = CASES.map((c) => c.file).filter((f) => !kutAvailable(f));
const skip = KVM_SKIP_REASON ?? (missing.length > 0 ? `kvm-unit-tests not found in ${KUT} (${missing.join(', ')})` : null);
if (skip !== null) announceKvmSkip(`kvm-unit-tests guests (${skip})`);

interface Outcome {
  readonly pass: string[];
  /** FAIL lines that report a case (the `Want N IPI(s)` details are in `ipiDetails`). */
  readonly fail: string[];
  readonly ipiDetails: string[];
  readonly skipped: string[];
  /** Failing timing-bound cases the run's own CPU-wait evidence excuses, each with that evidence. */
  readonly excused: ExcusedFailure[];
  readonly summary: boolean;
  readonly stop: string;
  readonly wallMs: number;
  /** Times the device-model thread held vCPU 0 for a worker's next exit (docs/vmm.md, "Threads"). */
  readonly holds: number;
}

async function runCase(c: KutCase, profile: ProfileName): Promise<Outcome> {
  const lines: Line[] = [];
  let line = '';
  let lineStart = 0;
  let passes = 0;
  const decoder = new TextDecoder();
  const cpuWait = new CpuWaitTimeline();
  const guest = createMultibootGuest({
    kernel: (c.image ?? ((b: Uint8Array) => b))(readFileSync(`${KUT}/${c.file}.flat`)),
    ...(c.append !== undefined ? { cmdline: c.append } : {}),
    vcpus: c.smp,
    ramBytes: 128 * 1024 * 1024,
    profile,
    ...(c.cpu !== undefined ? { cpu: c.cpu } : {}),
    testDevices: true,
    timeoutSeconds: c.timeout,
    serialOut: (b) => {
      // Called on the device-model thread at each byte the guest writes: the line's times are the guest's.
      for (const ch of decoder.decode(b, { stream: true })) {
        if (line === '') lineStart = performance.now();
        if (ch !== '\n') {
          line += ch;
          continue;
        }
        cpuWait.sampleOwn();
        lines.push({ text: line, startMs: lineStart, endMs: performance.now() });
        if (line.startsWith('PASS: ')) passes++;
        line = '';
      }
    },
  });
  const t0 = performance.now();
  const bound = c.progressBound;
  const progress =
    bound === undefined
      ? null
      : setInterval(() => {
          if (performance.now() - t0 < bound.seconds * 1000) return;
          if (passes >= bound.pass) guest.vm.stop({ kind: 'timeout', seconds: bound.seconds });
        }, 200);
  try {
    const r = await guest.vm.run();
    cpuWait.stop();
    const texts = lines.map((l) => l.text);
    // "PASS: prefix: name" → the name after the last prefix.
    const names = (tag: string) => texts.filter((l) => l.startsWith(`${tag}: `)).map((l) => l.slice(tag.length + 2));
    const fails = names('FAIL');
    return {
      pass: names('PASS'),
      fail: fails.filter((f) => !IPI_DETAIL.test(baseName(f))),
      ipiDetails: fails.filter((f) => IPI_DETAIL.test(baseName(f))),
      skipped: names('SKIP'),
      // Without schedstat (CONFIG_SCHED_INFO) there is no evidence either way: a timing-bound FAIL
      // is then excused as before this check existed, and the log line says so.
      excused: excusedTimingFailures(lines, CPU_WAIT_AVAILABLE ? cpuWait : NO_EVIDENCE, BUS_CYCLE_NS[profile] ?? 1, guest.vm.tscKhz),
      summary: texts.some((l) => l.startsWith('SUMMARY:')),
      stop: r.kind === 'debug-exit' ? `debug-exit ${r.code}` : r.kind,
      wallMs: performance.now() - t0,
      holds: guest.vm.stats().holds,
    };
  } finally {
    cpuWait.stop();
    if (progress !== null) clearInterval(progress);
    guest.vm.close();
  }
}

describe.skipIf(skip !== null)('kvm-unit-tests on hvmdev (KVM)', () => {
  for (const profile of PROFILES) {
    describe(profile, () => {
      for (const c of CASES) {
        if (c.profiles !== undefined && !c.profiles.includes(profile)) continue;
        const run: KutCase = profile === 'xen-hvm' && c.xen !== undefined ? { ...c, ...c.xen } : c;
        it(`${c.name} (${run.smp} vCPU${run.smp > 1 ? 's' : ''}${c.image !== undefined ? `, NMI loops ${APIC_NMI_LOOPS}` : ''})`, {
          timeout: (run.timeout + 30) * 1000,
        }, async () => {
          const o = await runCase(run, profile);
          console.log(
            `[kvm-unit-tests] ${profile} ${c.name}: ${o.pass.length} PASS, ${o.fail.length} FAIL, ${o.skipped.length} SKIP, ${o.stop}, ${(o.wallMs / 1000).toFixed(1)} s, ${o.holds} holds`,
          );
          for (const e of o.excused)
            console.log(
              `[kvm-unit-tests] ${profile} ${c.name}: FAIL excused by the host's load: ${e.name}${!CPU_WAIT_AVAILABLE ? ' (no schedstat here: not checked)' : e.waitedMs > 0 ? ` (a VM thread waited ${e.waitedMs.toFixed(1)} ms for a CPU; the guest's window ${e.windowMs.toFixed(1)} ms)` : ' (every Want line of its loop excused)'}`,
            );
          const undiagnosed = o.fail.filter((f) => NOT_YET_DIAGNOSED.includes(baseName(f)));
          if (undiagnosed.length > 0)
            console.log(`[kvm-unit-tests] ${profile} ${c.name}: failing, not yet diagnosed (open work): ${undiagnosed.map(baseName).join(', ')}`);
          // A timing-bound case's FAIL is excused at most as often as the evidence covers it.
          const excuses = o.excused.map((e) => e.name);
          const unexpected = [...o.fail, ...o.ipiDetails].filter((f) => {
            const name = baseName(f);
            if (allowed.has(name)) return false;
            const k = excuses.indexOf(name);
            if (k < 0) return true;
            excuses.splice(k, 1);
            return false;
          });
          expect(unexpected).toEqual([]);
          expect(o.pass.length).toBeGreaterThanOrEqual(run.minPass);
          // Every SMP test here hands IPIs to a worker that answers within microseconds of guest
          // time (an EOI, a HLT): the device-model thread waits for those exits instead of
          // re-entering vCPU 0 to spin against it.
          if (run.smp > 1) expect(o.holds).toBeGreaterThan(0);
          // A run that a progress bound may stop early (xapic) has its counts checked when it ends.
          const mayStop = run.progressBound !== undefined && o.stop === 'timeout';
          if (hostKind === 'pvm' && run.pvm !== undefined && !mayStop) {
            // Measured on this kind of host: the run ends with every case reported and at least these
            // passing, less the timing-bound failures excused above. A listed host failure is
            // timing-dependent (it passed once at load 19: eventinj 11/2), so it may pass; no case may
            // go missing and the skips are exact.
            expect(o.stop).not.toBe('timeout');
            expect(o.pass.length + o.fail.length).toBe(run.pvm.pass + run.pvm.fail);
            expect(o.pass.length + o.excused.length).toBeGreaterThanOrEqual(run.pvm.pass);
            expect(o.skipped.length).toBe(run.pvm.skip);
          }
          if (o.stop !== 'timeout' && run.end !== undefined) {
            expect({ stop: o.stop, summary: o.summary }).toEqual(run.end);
          } else if (o.stop !== 'timeout') {
            expect(o.summary).toBe(true);
            // report_summary's status: 0 all passed (debug-exit 0), 1 failures, 77 nothing ran.
            expect(o.stop).toBe(o.fail.length > 0 ? 'debug-exit 1' : o.pass.length > 0 ? 'debug-exit 0' : 'debug-exit 38');
          }
        });
      }
    });
  }
});
