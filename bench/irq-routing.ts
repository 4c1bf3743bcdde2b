// Interrupt routing at scale (issue 14): a unicast interrupt to vCPU 0 (IO-APIC edge, MSI, fixed
// IPI), taken (INTA) and EOI'd, on a 128-vCPU platform against the same on a 1-vCPU platform, in
// interleaved rounds (min and median). With routing by index the ratio stays near 1; a scan of
// every LAPIC per message made it 11-14x.
import { accessContext } from '../src/bus/access.js';
import { MmioBus } from '../src/bus/mmio-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import { encodeMsi } from '../src/irq/msi.js';
import { VirtualClock } from '../src/time/clock.js';
import { ApicRouter } from '../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../src/devices/lapic/params.js';
import { NO_EXT_INT_SOURCE } from '../src/irq/ext-int-source.js';
import { Ioapic } from '../src/devices/ioapic/ioapic.js';
import { XEN_IOAPIC_PARAMS } from '../src/devices/ioapic/params.js';
import { interleaved, QUICK, round, type BenchRecord } from './harness.js';

const EOI = 0xfee000b0;

/** A platform of `vcpus` LAPICs and one IO-APIC; GSI 20 edge → vector 0x51 at APIC ID 0. */
function platform(vcpus: number) {
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const router = new ApicRouter(mmio, fabric, new VirtualClock(), XEN_LAPIC_PARAMS, vcpus, NO_EXT_INT_SOURCE);
  const ioapic = new Ioapic(mmio, fabric, router, XEN_IOAPIC_PARAMS);
  router.addEoiListener(ioapic);
  const cpu0 = accessContext(0);
  for (let v = 0; v < vcpus; v++) mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v)); // software-enable every LAPIC
  mmio.write(0xfec00000, 4, 0x10 + 2 * 20);
  mmio.write(0xfec00010, 4, 0x51);
  const line = fabric.sourceLine('bench-edge', 20);
  const lapic = router.lapics[0]!;
  const msi = encodeMsi({ destination: 0, vector: 0x52 });
  return {
    ioapicEdge: (n: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        line.raise();
        s += lapic.acknowledge() ?? 0;
        mmio.write(EOI, 4, 0, cpu0);
        line.lower();
      }
      return s;
    },
    msi: (n: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        fabric.sendMsi(msi);
        s += lapic.acknowledge() ?? 0;
        mmio.write(EOI, 4, 0, cpu0);
      }
      return s;
    },
    ipi: (n: number): number => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        mmio.write(0xfee00300, 4, 0x53, cpu0); // fixed, physical, destination APIC ID 0 (ICR high 0)
        s += lapic.acknowledge() ?? 0;
        mmio.write(EOI, 4, 0, cpu0);
      }
      return s;
    },
  };
}

export function benchIrqRouting(): BenchRecord[] {
  const one = platform(1);
  const many = platform(128);
  const m = interleaved(
    {
      ioapic1: one.ioapicEdge,
      ioapic128: many.ioapicEdge,
      msi1: one.msi,
      msi128: many.msi,
      ipi1: one.ipi,
      ipi128: many.ipi,
    },
    2_000,
    QUICK ? 61 : 201,
  ); // short rounds: on a loaded machine some fall between preemptions
  const row = (what: string, a: { min: number; median: number }, b: { min: number; median: number }): BenchRecord => ({
    case: `unicast ${what} to vCPU 0, taken and EOI'd: 128 vCPUs vs 1`,
    ns128: b.min,
    ns128Median: b.median,
    ns1: a.min,
    ratio: round(b.min / a.min),
    target: 1.2,
  });
  return [row('IO-APIC edge', m.ioapic1, m.ioapic128), row('MSI', m.msi1, m.msi128), row('fixed IPI', m.ipi1, m.ipi128)];
}
