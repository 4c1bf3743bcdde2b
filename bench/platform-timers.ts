// Issue 4's platform bench: one guest second of a createPlatform platform (no LAPIC timer) with the
// PIT (channel 0, mode 2, 1193 counts ≈ 1 kHz, IRQ0 → GSI 2) and the HPET (timer 0 periodic 1 ms,
// GSI 20) firing periodic interrupts, in wall time. Target: ≤ 1 ms of wall time per guest second.
// Two guests: one that never takes an interrupt (the devices alone), and one that takes every
// interrupt as it arrives (INTA + EOI on the LAPIC, with the missed-tick acknowledgement path).
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { accessContext } from '../src/bus/access.js';
import { MmioTlb } from '../src/bus/mmio-tlb.js';
import type { Lapic } from '../src/devices/lapic/lapic.js';
import type { Hpet } from '../src/devices/hpet/hpet.js';
import { createPlatform } from '../src/platform/create-platform.js';
import type { Platform } from '../src/platform/platform.js';
import type { ProfileName } from '../src/platform/profiles.js';
import { interleaved, QUICK, round, type BenchRecord } from './harness.js';

const CTX = accessContext(0);
const SECONDS = QUICK ? 5 : 50;
const WARMUP_SECONDS = QUICK ? 10 : 50;
const WARMUP_TAKEN_SECONDS = 10;

function busyPlatform(
  profile: ProfileName,
  vcpus = 1,
  lapicTimer = false,
  pit = true,
  hpet = true,
): { p: Platform; lapic: Lapic; tlb: MmioTlb; taken: number[] } {
  const p = createPlatform({ profile, vcpus, ramBytes: 0 });
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  const w = (a: number, v: number) => p.mmio.write(a, 4, v, CTX);
  w(0xfee000f0, 0x1ff);
  if (profile === 'qemu-pc') w(0xfee00350, 0x10700); // LINT0 masked: interrupts come through the IO-APIC
  // IO-APIC: GSI 2 → 0x30, GSI 20 → 0x48 (fixed, physical APIC ID 0, edge).
  for (const [gsi, vector] of [
    [2, 0x30],
    [20, 0x48],
  ] as const) {
    w(0xfec00000, 0x11 + 2 * gsi);
    w(0xfec00010, 0);
    w(0xfec00000, 0x10 + 2 * gsi);
    w(0xfec00010, vector);
  }
  // HPET timer 0: periodic, INT_ENB, value-set, route; qemu-pc's HPET allows only GSI 2.
  const route = profile === 'qemu-pc' ? 2 : 20;
  w(0xfed00100, hpet ? 0x4c | (route << 9) : 0);
  const period = Math.round(1_000_000 / p.device<Hpet>('hpet').tickNs);
  p.mmio.write64(0xfed00108, BigInt(period), CTX);
  p.mmio.write64(0xfed00108, BigInt(period), CTX);
  w(0xfed00010, 1);
  if (pit) {
    p.ports.write(0x43, 1, 0x34);
    p.ports.write(0x40, 1, 0xa9);
    p.ports.write(0x40, 1, 0x04);
  }
  if (lapicTimer) {
    // LAPIC timer: periodic, vector 0x40, divide by 1, 1 ms.
    w(0xfee003e0, 0xb);
    w(0xfee00320, 0x20040);
    w(0xfee00380, Math.round(1_000_000 / lapic.params.busCycleNs));
  }
  return { p, lapic, tlb: new MmioTlb(p.mmio), taken: [0, 0] };
}

/**
 * Runs `guestSeconds` of a guest that takes every interrupt at once (INTA + EOI); returns interrupts
 * taken. The loop a guest and a VMM have, in one call: `VirtualClock.runUntil` runs the clock from
 * host deadline to host deadline (`nextDeadline`: a quiet event such as the PIT's fall fires on the
 * way without a stop), and at each stop the guest takes what is pending, one `takeInterrupt` (INTA)
 * per interrupt. The EOI takes the path a VMM's MMIO exit takes: the vCPU's MmioTlb (src/vmm/vcpu.ts).
 */
function takeEvery(p: Platform, lapic: Lapic, tlb: MmioTlb, guestSeconds: number): number {
  let taken = 0;
  p.clock.runUntil(p.clock.now + guestSeconds * 1e9, () => {
    // One INTA per interrupt (Lapic.takeInterrupt says whether another is pending): no INTA that finds nothing.
    for (let v = lapic.takeInterrupt(); v >= 0; v = lapic.anotherPending ? lapic.takeInterrupt() : -1) {
      taken++;
      tlb.write(0xfee000b0, 4, 0, CTX);
    }
  });
  return taken;
}

/**
 * The floor under the three-timer row: a clock timer at 3 kHz that puts a vector straight into the
 * LAPIC's IRR (no device, no fabric), taken and EOI'd by the same loop. What is left of 0.4 ms
 * after this is what the PIT, the HPET and the LAPIC timer may cost between them.
 */
function irrFloorPlatform(): { p: Platform; lapic: Lapic; tlb: MmioTlb } {
  const p = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0 });
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  p.mmio.write(0xfee000f0, 4, 0x1ff, CTX);
  const third = 1_000_000 / 3;
  p.clock.createTimer('bench.irr', () => lapic.setIrq(0x50, false)).armPeriodic(third, third);
  return { p, lapic, tlb: new MmioTlb(p.mmio) };
}

const TAKEN_CHILD_FLAG = '--platform-timers-taken-child';

/**
 * Issue 14's rows: one guest second with PIT + HPET + LAPIC timer at 1 kHz, every interrupt taken,
 * xen-hvm with 1 vCPU (target ≤ 0.4 ms wall); and PIT + HPET taken on vCPU 0 with 127 idle vCPUs
 * against 1 vCPU (target ≤ 1.2×). Min and median of interleaved rounds of one guest second.
 *
 * Measured in a fresh child process (same node flags), as a VMM process runs one xen-hvm platform:
 * in the parent, whatever ran before (benchPlatformTimers' qemu-pc loops, or every earlier module of
 * `npm run bench`) leaves type feedback on the shared device code that no VMM process has, and the
 * row's figure would depend on which modules were run with it.
 */
export function benchPlatformTimersTaken(): BenchRecord[] {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), TAKEN_CHILD_FLAG];
  if (QUICK) args.push('--quick');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`platform-timers taken child failed (status ${r.status}): ${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${TAKEN_CHILD_FLAG} `));
  if (line === undefined) throw new Error(`platform-timers taken child printed no records: ${r.stdout}`);
  return JSON.parse(line.slice(TAKEN_CHILD_FLAG.length + 1)) as BenchRecord[];
}

/** The taken rows themselves (run in the child process of benchPlatformTimersTaken). */
function measurePlatformTimersTaken(): BenchRecord[] {
  const three = busyPlatform('xen-hvm', 1, true);
  const one = busyPlatform('xen-hvm', 1);
  const many = busyPlatform('xen-hvm', 128);
  // By elimination (the fifth pass's breakdown): each timer alone, and the floor under all three.
  const pitOnly = busyPlatform('xen-hvm', 1, false, true, false);
  const hpetOnly = busyPlatform('xen-hvm', 1, false, false, true);
  const lapicOnly = busyPlatform('xen-hvm', 1, true, false, false);
  const floor = irrFloorPlatform();
  const counts = { three: 0, one: 0, many: 0, pitOnly: 0, hpetOnly: 0, lapicOnly: 0, floor: 0 };
  const rounds = QUICK ? 15 : 41;
  // Warm-up before the interleaved rounds (uncounted): 10 guest seconds of each case, so the JIT has
  // settled as in a VMM that has run a while (benchPlatformTimers warms for 50). One guest second
  // (interleaved's own warm-up) is not enough: without earlier loops in the process, d15e7d5's code
  // measured 9 % slower by min and 16 % by median.
  for (const c of [three, one, many, pitOnly, hpetOnly, lapicOnly, floor]) takeEvery(c.p, c.lapic, c.tlb, WARMUP_TAKEN_SECONDS);
  const m = interleaved(
    {
      three: (n: number) => (counts.three += takeEvery(three.p, three.lapic, three.tlb, n)),
      one: (n: number) => (counts.one += takeEvery(one.p, one.lapic, one.tlb, n)),
      many: (n: number) => (counts.many += takeEvery(many.p, many.lapic, many.tlb, n)),
      pitOnly: (n: number) => (counts.pitOnly += takeEvery(pitOnly.p, pitOnly.lapic, pitOnly.tlb, n)),
      hpetOnly: (n: number) => (counts.hpetOnly += takeEvery(hpetOnly.p, hpetOnly.lapic, hpetOnly.tlb, n)),
      lapicOnly: (n: number) => (counts.lapicOnly += takeEvery(lapicOnly.p, lapicOnly.lapic, lapicOnly.tlb, n)),
      floor: (n: number) => (counts.floor += takeEvery(floor.p, floor.lapic, floor.tlb, n)),
    },
    1,
    rounds,
  ); // one guest second per round (plus one of warm-up)
  return [
    {
      case: "xen-hvm 1 vCPU: guest second, PIT + HPET + LAPIC timer at 1 kHz, every interrupt taken (VirtualClock.runUntil from host deadline to host deadline; at each stop INTA + EOI through the vCPU's MmioTlb, as the VMM's MMIO exit)",
      wallMsMin: round(m.three.min / 1e6, 4),
      wallMsMedian: round(m.three.median / 1e6, 4),
      interruptsPerGuestSecond: round(counts.three / (rounds + 1), 1),
      targetMs: 0.4,
    },
    {
      case: 'xen-hvm 1 vCPU: the same by elimination, each timer alone at 1 kHz, and the floor (3,000 vectors a second put straight into IRR, taken and EOIed)',
      pitOnlyMsMin: round(m.pitOnly.min / 1e6, 4),
      hpetOnlyMsMin: round(m.hpetOnly.min / 1e6, 4),
      lapicTimerOnlyMsMin: round(m.lapicOnly.min / 1e6, 4),
      irrFloor3kHzMsMin: round(m.floor.min / 1e6, 4),
      interruptsPerGuestSecond: [counts.pitOnly, counts.hpetOnly, counts.lapicOnly, counts.floor].map((c) => round(c / (rounds + 1), 1)).join(' / '),
    },
    {
      case: 'xen-hvm: guest second, PIT + HPET at 1 kHz taken on vCPU 0, 128 vCPUs (127 idle) vs 1',
      wallMs128: round(m.many.min / 1e6, 4),
      wallMs1: round(m.one.min / 1e6, 4),
      ratio: round(m.many.min / m.one.min),
      target: 1.2,
    },
  ];
}

/** Best and median wall ns of `rounds` runs of `body` (each `SECONDS` guest seconds), after a warm-up. */
function timeRounds(body: (guestSeconds: number) => void, rounds = 5): { best: number; median: number } {
  body(WARMUP_SECONDS); // let the JIT settle: the first guest seconds run several times slower
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    body(SECONDS);
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0]!, median: samples[rounds >> 1]! };
}

export function benchPlatformTimers(): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    const note = profile === 'qemu-pc' ? " (QEMU's HPET route cap allows GSI 2 only: wired-OR with the PIT's IRQ0)" : '';
    // The devices alone: nobody takes the interrupts (the LAPIC's IRR coalesces them).
    {
      const { p } = busyPlatform(profile);
      let edges = 0;
      p.irq.observeGsi((gsi, level) => {
        if ((gsi === 2 || gsi === 20) && level) edges++;
      });
      let guestNs = 0;
      const t = timeRounds((n) => {
        for (let s = 0; s < n; s++) p.clock.advance(1_000_000_000);
        guestNs += n * 1e9;
      });
      out.push({
        case: `${profile}: guest second, PIT + HPET at 1 kHz, no guest${note}`,
        edgesPerGuestSecond: round(edges / (guestNs / 1e9), 1),
        wallMsPerGuestSecond: round(t.median / SECONDS / 1e6, 4),
        bestWallMsPerGuestSecond: round(t.best / SECONDS / 1e6, 4),
        speedup: round((SECONDS * 1e9) / t.median, 0),
        target: 'wallMsPerGuestSecond <= 1',
      });
    }
    // A guest that takes every interrupt as soon as it is raised: run to the next timer event,
    // then INTA + EOI until nothing is pending (the acknowledgement path runs for each).
    {
      const { p, lapic } = busyPlatform(profile);
      let taken = 0;
      let guestNs = 0;
      const t = timeRounds((n) => {
        const end = p.clock.now + n * 1e9;
        while (p.clock.now < end) {
          const next = p.clock.nextDeadline();
          p.clock.advanceTo(next === null || next > end ? end : Math.max(next, p.clock.now));
          for (let v = lapic.acknowledge(); v !== null; v = lapic.acknowledge()) {
            taken++;
            p.mmio.write(0xfee000b0, 4, 0, CTX);
          }
        }
        guestNs += n * 1e9;
      });
      out.push({
        case: `${profile}: guest second, PIT + HPET at 1 kHz, guest takes each at once (INTA + EOI)${note}`,
        interruptsPerGuestSecond: round(taken / (guestNs / 1e9), 1),
        wallMsPerGuestSecond: round(t.median / SECONDS / 1e6, 4),
        bestWallMsPerGuestSecond: round(t.best / SECONDS / 1e6, 4),
        speedup: round((SECONDS * 1e9) / t.median, 0),
        target: 'wallMsPerGuestSecond <= 1',
      });
    }
  }
  return out;
}

if (process.argv[2] === TAKEN_CHILD_FLAG) process.stdout.write(`${TAKEN_CHILD_FLAG} ${JSON.stringify(measurePlatformTimersTaken())}\n`);
