// IO-APIC and PIC benchmarks: an IO-APIC register read through the MMIO bus and directly, and full
// interrupt cycles (line assert → message/INT → acknowledge → EOI → line deassert) through the
// IO-APIC and through the 8259A pair, against a direct call of the same bookkeeping.
// Cycles run twice: with a stand-in LAPIC (one bit array, no priority logic: the IO-APIC's/PIC's
// own share) and with the real APIC router and LAPIC (the whole path the target is about).
import { HOST_ACCESS, accessContext } from '../src/bus/access.js';
import { VirtualClock } from '../src/time/clock.js';
import { ApicRouter } from '../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../src/devices/lapic/params.js';
import { MmioBus } from '../src/bus/mmio-bus.js';
import { PortBus } from '../src/bus/port-bus.js';
import type { ApicMessage, ApicMessageSink } from '../src/irq/apic-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import { Ioapic } from '../src/devices/ioapic/ioapic.js';
import { XEN_IOAPIC_PARAMS } from '../src/devices/ioapic/params.js';
import { PicPair } from '../src/devices/pic/pic-pair.js';
import { XEN_PIC_PARAMS } from '../src/devices/pic/params.js';
import { measure, QUICK, round } from './harness.js';

/** ICW1–ICW4 for both 8259s: vector bases 0x08 and 0x70, slave on IRQ 2, 8086 mode. */
const PIC_INIT = [
  [0x20, 0x11],
  [0x21, 0x08],
  [0x21, 0x04],
  [0x21, 0x01],
  [0xa0, 0x11],
  [0xa1, 0x70],
  [0xa1, 0x02],
  [0xa1, 0x01],
] as const;

/** The least a LAPIC must do: latch the vector, hand it out on INTA, tell the IO-APIC on EOI. */
class StandInLapic implements ApicMessageSink {
  readonly irr = new Uint8Array(256);
  readonly tmr = new Uint8Array(256);
  pending = -1;
  ioapic: Ioapic | null = null;
  deliverApicMessage(msg: ApicMessage): void {
    this.irr[msg.vector] = 1;
    this.tmr[msg.vector] = msg.levelTriggered ? 1 : 0;
    this.pending = msg.vector;
  }
  ack(): number {
    const v = this.pending;
    this.pending = -1;
    if (v >= 0) this.irr[v] = 0;
    return v;
  }
  eoi(vector: number): void {
    if (this.tmr[vector] !== 0 && this.ioapic !== null) this.ioapic.onEoi(vector);
  }
}

/** The message the edge cycles' IO-APIC entry sends (fixed, physical, vector 0x50 to APIC ID 0): the direct baselines hand it over themselves. */
const EDGE_0X50: ApicMessage = {
  vector: 0x50,
  deliveryMode: 0,
  logical: false,
  destination: 0,
  levelTriggered: false,
  assert: true,
  shorthand: 0,
  source: -1,
};

/** Writes the low half of the IO-APIC redirection entry of `gsi` through IOREGSEL/IOWIN. */
function programRte(mmio: MmioBus, gsi: number, low: number): void {
  mmio.write(0xfec00000, 4, 0x10 + 2 * gsi);
  mmio.write(0xfec00010, 4, low);
}

const OPS = QUICK ? 20_000 : 200_000;

export function benchIoapic(): Array<Record<string, number | string>> {
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const lapic = new StandInLapic();
  const ioapic = new Ioapic(mmio, fabric, lapic, XEN_IOAPIC_PARAMS);
  lapic.ioapic = ioapic;
  const ports = new PortBus();
  const pic = new PicPair(ports, fabric, XEN_PIC_PARAMS);
  const out: Array<Record<string, number | string>> = [];

  // Register read: IOREGSEL = version, then IOWIN reads.
  mmio.write(0xfec00000, 4, 1);
  const viaBus = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) s += mmio.read(0xfec00010, 4);
    return s;
  }, OPS * 5);
  const direct = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) s += ioapic.read(0x10, 4, HOST_ACCESS);
    return s;
  }, OPS * 5);
  out.push({
    case: 'ioapic IOWIN read via MMIO bus',
    ns: round(viaBus.nsPerOp),
    directNs: round(direct.nsPerOp),
    ratio: round(viaBus.nsPerOp / direct.nsPerOp),
  });

  // Edge cycle through the IO-APIC: GSI 20 edge, vector 0x50.
  programRte(mmio, 20, 0x50);
  const edgeLine = fabric.sourceLine('bench-edge', 20);
  const edge = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      edgeLine.raise();
      s += lapic.ack();
      lapic.eoi(0x50);
      edgeLine.lower();
    }
    return s;
  }, OPS);
  const directCycle = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      lapic.deliverApicMessage(EDGE_0X50);
      s += lapic.ack();
      lapic.eoi(0x50);
    }
    return s;
  }, OPS);
  out.push({
    case: 'edge cycle: assert→IO-APIC→ack→EOI→deassert',
    ns: round(edge.nsPerOp),
    directNs: round(directCycle.nsPerOp),
    ratio: round(edge.nsPerOp / directCycle.nsPerOp),
    targetNs: 200,
  });

  // Level cycle: GSI 21 level, vector 0x51; EOI reaches the IO-APIC (Remote-IRR).
  programRte(mmio, 21, 0x8051);
  const levelLine = fabric.sourceLine('bench-level', 21);
  const level = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      levelLine.raise();
      s += lapic.ack();
      levelLine.lower();
      lapic.eoi(0x51);
    }
    return s;
  }, OPS);
  out.push({
    case: 'level cycle: assert→ack→deassert→EOI (Remote-IRR)',
    ns: round(level.nsPerOp),
    directNs: round(directCycle.nsPerOp),
    ratio: round(level.nsPerOp / directCycle.nsPerOp),
    targetNs: 200,
  });

  // PIC cycle: ISA IRQ 1 edge → INT → INTA → non-specific EOI (port write) → deassert.
  for (const [p, v] of PIC_INIT) ports.write(p, 1, v);
  const irq1 = fabric.isaLine(1);
  const picCycle = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      irq1.raise();
      s += pic.acknowledgeExtInt();
      ports.write(0x20, 1, 0x20);
      irq1.lower();
    }
    return s;
  }, OPS);
  out.push({ case: 'PIC cycle: IRQ1 assert→INT→INTA→EOI port write→deassert', ns: round(picCycle.nsPerOp), targetNs: 200 });
  out.push(...benchWithRealLapic());
  return out;
}

/** The same cycles through the real APIC router and LAPIC (vCPU 0, Xen parameters). */
function benchWithRealLapic(): Array<Record<string, number | string>> {
  const mmio = new MmioBus();
  const ports = new PortBus();
  const fabric = new InterruptFabric();
  const pic = new PicPair(ports, fabric, XEN_PIC_PARAMS);
  const router = new ApicRouter(mmio, fabric, new VirtualClock(), XEN_LAPIC_PARAMS, 1, pic);
  const ioapic = new Ioapic(mmio, fabric, router, XEN_IOAPIC_PARAMS);
  router.addEoiListener(ioapic);
  const lapic = router.lapics[0]!;
  const cpu0 = accessContext(0);
  mmio.write(0xfee000f0, 4, 0x1ff, cpu0); // software-enable
  const out: Array<Record<string, number | string>> = [];

  programRte(mmio, 20, 0x50);
  const edgeLine = fabric.sourceLine('bench-edge', 20);
  const edge = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      edgeLine.raise();
      s += lapic.acknowledge()!;
      mmio.write(0xfee000b0, 4, 0, cpu0); // EOI register write, as the guest does it
      edgeLine.lower();
    }
    return s;
  }, OPS);
  const direct = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      router.deliverApicMessage(EDGE_0X50);
      s += lapic.acknowledge()!;
      mmio.write(0xfee000b0, 4, 0, cpu0);
    }
    return s;
  }, OPS);
  out.push({
    case: 'real LAPIC: edge assert→IO-APIC→router→LAPIC→INTA→EOI (MMIO)→deassert',
    ns: round(edge.nsPerOp),
    directNs: round(direct.nsPerOp),
    ratio: round(edge.nsPerOp / direct.nsPerOp),
    targetNs: 200,
  });

  programRte(mmio, 21, 0x8051);
  const levelLine = fabric.sourceLine('bench-level', 21);
  const level = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      levelLine.raise();
      s += lapic.acknowledge()!;
      levelLine.lower();
      mmio.write(0xfee000b0, 4, 0, cpu0); // broadcast to the IO-APIC: Remote-IRR cleared
    }
    return s;
  }, OPS);
  out.push({
    case: 'real LAPIC: level cycle with EOI broadcast (Remote-IRR)',
    ns: round(level.nsPerOp),
    directNs: round(direct.nsPerOp),
    ratio: round(level.nsPerOp / direct.nsPerOp),
    targetNs: 200,
  });

  mmio.write(0xfee00350, 4, 0x700, cpu0); // LINT0 ExtINT
  for (const [p, v] of PIC_INIT) ports.write(p, 1, v);
  const irq1 = fabric.isaLine(1);
  const picCycle = measure((ops) => {
    let s = 0;
    for (let i = 0; i < ops; i++) {
      irq1.raise();
      s += lapic.acknowledge()!;
      ports.write(0x20, 1, 0x20);
      irq1.lower();
    }
    return s;
  }, OPS);
  out.push({ case: 'real LAPIC: IRQ1 → PIC → LINT0 ExtINT → INTA → PIC EOI → deassert', ns: round(picCycle.nsPerOp), targetNs: 200 });
  return out;
}
