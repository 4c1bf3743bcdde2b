// A busy platform (PCI host + APIC router with two LAPICs) snapshotted mid-activity: an MSI in
// service at a LAPIC, another pending in the MSI-X PBA, a level INTx asserted, BARs mapped.
// Restored into a fresh platform it behaves identically afterwards.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import type { Device } from '../../../src/device-model/device.js';
import { ApicRouter } from '../../../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { NO_EXT_INT_SOURCE } from '../../../src/irq/ext-int-source.js';
import { PciHost } from '../../../src/devices/pci/host.js';
import { XEN_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { cfgWrite } from './helpers.js';

function platform() {
  const ports = new PortBus();
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const router = new ApicRouter(mmio, fabric, new VirtualClock(), XEN_LAPIC_PARAMS, 2, NO_EXT_INT_SOURCE);
  const host = new PciHost(ports, mmio, fabric, XEN_PCI_HOST_PARAMS, null);
  const fn = host.attach(
    { device: 5 },
    {
      name: 'dev',
      vendorId: 1,
      deviceId: 3,
      classCode: 0,
      interruptPin: 1,
      bars: [{ index: 0, kind: 'mem32', size: 0x1000 }],
      capabilities: [{ kind: 'msix', vectors: 4, tableBar: 0, tableOffset: 0, pbaBar: 0, pbaOffset: 0x800 }],
    },
  );
  const other = host.attach({ device: 6 }, { name: 'legacy', vendorId: 1, deviceId: 4, classCode: 0, interruptPin: 1 });
  const devices: Device[] = [...router.devices(), host];
  return { ports, mmio, fabric, router, host, fn, other, devices };
}

function busy(p: ReturnType<typeof platform>) {
  for (const v of [0, 1]) p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v));
  cfgWrite(p.ports, 0, 5, 0, 0x10, 4, 0xfd000000);
  cfgWrite(p.ports, 0, 5, 0, 0x04, 2, 0x0006);
  for (const [e, dest, vec] of [
    [0, 0, 0x61],
    [1, 2, 0x62],
  ] as const) {
    p.mmio.write(0xfd000000 + e * 16, 4, 0xfee00000 | (dest << 12));
    p.mmio.write(0xfd000000 + e * 16 + 8, 4, vec);
    p.mmio.write(0xfd000000 + e * 16 + 12, 4, 0);
  }
  cfgWrite(p.ports, 0, 5, 0, 0x42, 2, 0x8000);
  p.fn.signalMsi(0);
  expect(p.router.lapics[0]!.acknowledge()).toBe(0x61); // in service on vCPU 0
  p.mmio.write(0xfd000000 + 16 + 12, 4, 1);
  p.fn.signalMsi(1); // pending in the PBA
  p.other.setIntx(true); // GSI 16 + ((24 + 0) & 31) = 40
}

const snap = (p: ReturnType<typeof platform>) => JSON.parse(JSON.stringify(p.devices.map((d) => d.snapshot())));

describe('busy platform snapshot (PCI + LAPICs)', () => {
  it('restores mid-activity and then behaves identically', () => {
    const a = platform();
    busy(a);
    const b = platform();
    const state = snap(a);
    b.devices.forEach((d, i) => d.restore(state[i]));
    expect(snap(b)).toEqual(state);
    expect(b.fabric.gsiLevel(40)).toBe(true);
    expect(b.mmio.read(0xfd000800, 4)).toBe(0b10);

    const trace = (p: ReturnType<typeof platform>) => {
      const out: (number | null)[] = [];
      p.mmio.write(0xfee000b0, 4, 0, accessContext(0)); // EOI the in-service vector
      p.mmio.write(0xfd000000 + 16 + 12, 4, 0); // unmask: the pending entry goes to vCPU 1
      out.push(p.router.lapics[1]!.acknowledge(), p.router.lapics[0]!.acknowledge());
      p.fn.signalMsi(0);
      out.push(p.router.lapics[0]!.acknowledge(), p.mmio.read(0xfd000800, 4));
      p.other.setIntx(false);
      out.push(p.fabric.gsiLevel(40) ? 1 : 0);
      return out;
    };
    const ta = trace(a);
    expect(ta).toEqual([0x62, null, 0x61, 0, 0]);
    expect(trace(b)).toEqual(ta);
    expect(snap(b)).toEqual(snap(a));
  });
});
