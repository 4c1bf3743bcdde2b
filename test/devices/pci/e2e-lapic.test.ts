// MSI and MSI-X written by the guest through config space and BARs, delivered to the LAPICs by the
// real APIC router (src/devices/lapic).
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { ApicRouter } from '../../../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { NO_EXT_INT_SOURCE } from '../../../src/irq/ext-int-source.js';
import { PciHost } from '../../../src/devices/pci/host.js';
import { XEN_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { cfgWrite, RecordingReset } from './helpers.js';

function platform() {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const router = new ApicRouter(mmio, fabric, new VirtualClock(), XEN_LAPIC_PARAMS, 2, NO_EXT_INT_SOURCE);
  const host = new PciHost(ports, mmio, fabric, XEN_PCI_HOST_PARAMS, new RecordingReset());
  for (const v of [0, 1]) mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v)); // software-enable both LAPICs
  return { ports, mmio, router, host };
}

describe('MSI end to end (Xen: APIC IDs 0 and 2)', () => {
  it('an MSI programmed through config space reaches vCPU 1 with its vector', () => {
    const p = platform();
    const fn = p.host.attach(
      { device: 4 },
      {
        name: 'm',
        vendorId: 1,
        deviceId: 2,
        classCode: 0,
        capabilities: [{ kind: 'msi', vectors: 2 }],
      },
    );
    // MSI at 0x40: control 0x42, address 0x44, upper 0x48, data 0x4c.
    cfgWrite(p.ports, 0, 4, 0, 0x44, 4, 0xfee02000); // destination APIC ID 2 = vCPU 1
    cfgWrite(p.ports, 0, 4, 0, 0x4c, 2, 0x0062);
    cfgWrite(p.ports, 0, 4, 0, 0x04, 2, 0x0004);
    cfgWrite(p.ports, 0, 4, 0, 0x42, 2, 0x0011); // enable, 2 vectors
    fn.signalMsi(1);
    expect(p.router.lapics[1]!.acknowledge()).toBe(0x63);
    expect(p.router.lapics[0]!.acknowledge()).toBeNull();
  });

  it('an MSI-X entry written through the BAR reaches vCPU 0', () => {
    const p = platform();
    const fn = p.host.attach(
      { device: 5 },
      {
        name: 'x',
        vendorId: 1,
        deviceId: 3,
        classCode: 0,
        bars: [{ index: 2, kind: 'mem64', size: 0x4000 }],
        capabilities: [{ kind: 'msix', vectors: 4, tableBar: 2, tableOffset: 0x2000, pbaBar: 2, pbaOffset: 0x3000 }],
      },
    );
    cfgWrite(p.ports, 0, 5, 0, 0x18, 4, 0xfd000000);
    cfgWrite(p.ports, 0, 5, 0, 0x1c, 4, 0);
    cfgWrite(p.ports, 0, 5, 0, 0x04, 2, 0x0006);
    const entry = 0xfd002000 + 2 * 16;
    p.mmio.write64(entry, 0xfee00000n);
    p.mmio.write(entry + 8, 4, 0x0071);
    p.mmio.write(entry + 12, 4, 0);
    cfgWrite(p.ports, 0, 5, 0, 0x42, 2, 0x8000);
    fn.signalMsi(2);
    expect(p.router.lapics[0]!.acknowledge()).toBe(0x71);
  });
});
