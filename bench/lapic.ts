// LAPIC benchmarks: an EOI write through the MMIO bus against the direct call, an edge interrupt
// from message to acknowledged vector to EOI through the router, and the full platform cycle
// (GSI assert → IO-APIC → router → LAPIC INTA → EOI write → deassert) with the real IO-APIC.
import { accessContext } from '../src/bus/access.js';
import { MmioBus } from '../src/bus/mmio-bus.js';
import type { ApicMessage } from '../src/irq/apic-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import { VirtualClock } from '../src/time/clock.js';
import { ApicRouter } from '../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../src/devices/lapic/params.js';
import { NO_EXT_INT_SOURCE } from '../src/irq/ext-int-source.js';
import { Ioapic } from '../src/devices/ioapic/ioapic.js';
import { XEN_IOAPIC_PARAMS } from '../src/devices/ioapic/params.js';
import { interleaved, measure, QUICK, round, type Measurement } from './harness.js';

/**
 * The harness's median, plus the best round: the shared CI container runs other jobs, and the best
 * of several rounds is the figure least disturbed by them (both are reported).
 */
function measureWithBest(body: (ops: number) => number, ops: number, rounds = 15): Measurement & { best: number } {
  const m = measure(body, ops, rounds);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    body(ops);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / ops);
  }
  return { ...m, best };
}

const OPS = QUICK ? 20_000 : 200_000;
const EOI = 0xfee000b0;

export function benchLapic(): Array<Record<string, number | string>> {
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const router = new ApicRouter(mmio, fabric, new VirtualClock(), XEN_LAPIC_PARAMS, 2, NO_EXT_INT_SOURCE);
  const ioapic = new Ioapic(mmio, fabric, router, XEN_IOAPIC_PARAMS);
  router.addEoiListener(ioapic);
  const cpu0 = accessContext(0);
  const lapic = router.lapics[0]!;
  mmio.write(0xfee000f0, 4, 0x1ff, cpu0); // software-enable
  const out: Array<Record<string, number | string>> = [];

  // EOI write: put vector 0x40 in service (one typed-array store), then EOI.
  const viaBus = measure((ops) => {
    for (let i = 0; i < ops; i++) {
      lapic.regs[0x12] = 1;
      lapic.vectorsWritten();
      mmio.write(EOI, 4, 0, cpu0);
    }
    return lapic.regs[0x12]!;
  }, OPS * 5);
  const direct = measure((ops) => {
    for (let i = 0; i < ops; i++) {
      lapic.regs[0x12] = 1;
      lapic.vectorsWritten();
      lapic.eoi();
    }
    return lapic.regs[0x12]!;
  }, OPS * 5);
  out.push({ case: 'LAPIC EOI write via MMIO bus', ns: round(viaBus.nsPerOp), directNs: round(direct.nsPerOp), ratio: round(viaBus.nsPerOp / direct.nsPerOp) });

  // Edge interrupt: message → router → IRR → INTA → ISR → EOI write.
  const msg: ApicMessage = { vector: 0x50, deliveryMode: 0, logical: false, destination: 0, levelTriggered: false, assert: true, shorthand: 0, source: -1 };
  const cycle = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      router.deliverApicMessage(msg);
      s += lapic.acknowledge() ?? 0;
      mmio.write(EOI, 4, 0, cpu0);
    }
    return s;
  }, OPS);
  const directCycle = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      lapic.setIrq(0x50, false);
      s += lapic.acknowledge() ?? 0;
      lapic.eoi();
    }
    return s;
  }, OPS);
  out.push({
    case: 'edge: message→router→INTA→EOI write',
    ns: round(cycle.nsPerOp),
    directNs: round(directCycle.nsPerOp),
    ratio: round(cycle.nsPerOp / directCycle.nsPerOp),
    targetNs: 200,
  });

  // Full platform cycles with the real IO-APIC: GSI 20 edge (vector 0x51), GSI 21 level (0x52).
  mmio.write(0xfec00000, 4, 0x10 + 2 * 20);
  mmio.write(0xfec00010, 4, 0x51);
  mmio.write(0xfec00000, 4, 0x10 + 2 * 21);
  mmio.write(0xfec00010, 4, 0x8052);
  const edgeLine = fabric.sourceLine('bench-edge', 20);
  const levelLine = fabric.sourceLine('bench-level', 21);
  const edge = measureWithBest((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      edgeLine.raise();
      s += lapic.acknowledge() ?? 0;
      mmio.write(EOI, 4, 0, cpu0);
      edgeLine.lower();
    }
    return s;
  }, OPS);
  out.push({
    case: 'edge: GSI assert→IO-APIC→LAPIC INTA→EOI→deassert',
    ns: round(edge.nsPerOp),
    bestNs: round(edge.best),
    directNs: round(directCycle.nsPerOp),
    ratio: round(edge.nsPerOp / directCycle.nsPerOp),
    targetNs: 200,
  });
  const level = measureWithBest((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      levelLine.raise();
      s += lapic.acknowledge() ?? 0;
      levelLine.lower();
      mmio.write(EOI, 4, 0, cpu0); // broadcast: the IO-APIC clears Remote-IRR
    }
    return s;
  }, OPS);
  out.push({
    case: 'level: GSI assert→INTA→deassert→EOI broadcast',
    ns: round(level.nsPerOp),
    bestNs: round(level.best),
    directNs: round(directCycle.nsPerOp),
    ratio: round(level.nsPerOp / directCycle.nsPerOp),
    targetNs: 200,
  });
  return out;
}

/**
 * Issue 14's MSR rows: x2APIC EOI by WRMSR (plain-number path) against xAPIC EOI by an MMIO write
 * through the bus, and arming the TSC-deadline timer (WRMSR 0x6E0); the bigint host API beside
 * each for reference. Min and median of interleaved rounds.
 */
export function benchLapicMsr(): Array<Record<string, number | string>> {
  const mmio = new MmioBus();
  const router = new ApicRouter(mmio, new InterruptFabric(), new VirtualClock(), XEN_LAPIC_PARAMS, 2, NO_EXT_INT_SOURCE);
  const x = router.lapics[0]!;
  const x2 = router.lapics[1]!;
  const cpu0 = accessContext(0);
  mmio.write(0xfee000f0, 4, 0x1ff, cpu0);
  x2.writeMsr(0x1b, 0xfee00c00n); // x2APIC mode
  x2.writeMsr(0x80f, 0x1ffn);
  x2.writeMsr(0x832, 0x40040n); // LVT timer: TSC-deadline mode, vector 0x40
  const ops = QUICK ? 20_000 : 50_000;
  const rounds = QUICK ? 15 : 41;
  const msrs = new Uint32Array(8).fill(0x6e0); // every exit here is a deadline write; the index is still read
  const m = interleaved(
    {
      xapicMmio: (n: number) => {
        for (let i = 0; i < n; i++) {
          x.regs[0x12] = 1;
          x.vectorsWritten();
          mmio.write(EOI, 4, 0, cpu0);
        }
        return x.regs[0x12]!;
      },
      x2apicWrmsr: (n: number) => {
        for (let i = 0; i < n; i++) {
          x2.regs[0x12] = 1;
          x2.vectorsWritten();
          x2.writeMsrHalves(0x80b, 0, 0);
        }
        return x2.regs[0x12]!;
      },
      x2apicWrmsrBigint: (n: number) => {
        for (let i = 0; i < n; i++) {
          x2.regs[0x12] = 1;
          x2.vectorsWritten();
          x2.writeMsr(0x80b, 0n);
        }
        return x2.regs[0x12]!;
      },
      // A VMM's WRMSR exit: the index is decoded once and 0x6E0 goes to its own entry (the row).
      deadline: (n: number) => {
        let k = 0;
        for (let i = 0; i < n; i++) {
          const msr = msrs[i & 7]!;
          k += msr === 0x6e0 ? x2.writeTscDeadlineMsr(1_000_000 + (i & 1023), 0) : x2.writeMsrHalves(msr, 0, 0);
        }
        return k;
      },
      // The generic WRMSR entry with its MSR decode (the figure of the passes before).
      deadlineGeneric: (n: number) => {
        let k = 0;
        for (let i = 0; i < n; i++) k += x2.writeMsrHalves(0x6e0, 1_000_000 + (i & 1023), 0);
        return k;
      },
      deadlineBigint: (n: number) => {
        let k = 0;
        for (let i = 0; i < n; i++) k += x2.writeMsr(0x6e0, BigInt(1_000_000 + (i & 1023))).kind.length;
        return k;
      },
    },
    ops,
    rounds,
  );
  return [
    {
      case: 'x2APIC EOI via WRMSR (plain numbers) vs xAPIC EOI via MMIO',
      ns: m.x2apicWrmsr.min,
      nsMedian: m.x2apicWrmsr.median,
      xapicNs: m.xapicMmio.min,
      ratio: round(m.x2apicWrmsr.min / m.xapicMmio.min),
      bigintApiNs: m.x2apicWrmsrBigint.min,
      target: 'ratio <= 1',
    },
    {
      case: 'TSC-deadline arm (WRMSR 0x6E0 exit: writeTscDeadlineMsr)',
      ns: m.deadline.min,
      nsMedian: m.deadline.median,
      genericWrmsrNs: m.deadlineGeneric.min,
      bigintApiNs: m.deadlineBigint.min,
      targetNs: 10,
    },
  ];
}
