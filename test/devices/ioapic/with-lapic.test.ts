// The IO-APIC and the PIC against the real LAPICs and APIC router: the whole interrupt path.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { ApicRouter } from '../../../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS } from '../../../src/devices/lapic/params.js';
import { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import { XEN_IOAPIC_PARAMS } from '../../../src/devices/ioapic/params.js';
import { PicPair } from '../../../src/devices/pic/pic-pair.js';
import { XEN_PIC_PARAMS } from '../../../src/devices/pic/params.js';

function platform(vcpus = 2) {
  const mmio = new MmioBus();
  const ports = new PortBus();
  const fabric = new InterruptFabric();
  const clock = new VirtualClock();
  const pic = new PicPair(ports, fabric, XEN_PIC_PARAMS);
  const router = new ApicRouter(mmio, fabric, clock, XEN_LAPIC_PARAMS, vcpus, pic);
  const ioapic = new Ioapic(mmio, fabric, router, XEN_IOAPIC_PARAMS);
  router.addEoiListener(ioapic);
  const lapicWrite = (vcpu: number, off: number, v: number) => mmio.write(0xfee00000 + off, 4, v, accessContext(vcpu));
  for (let v = 0; v < vcpus; v++) lapicWrite(v, 0xf0, 0x1ff); // software-enable
  const rte = (pin: number, low: number, high = 0) => {
    mmio.write(0xfec00000, 4, 0x11 + 2 * pin);
    mmio.write(0xfec00010, 4, high);
    mmio.write(0xfec00000, 4, 0x10 + 2 * pin);
    mmio.write(0xfec00010, 4, low);
  };
  return { mmio, ports, fabric, pic, router, ioapic, rte, lapicWrite, lapic: (i: number) => router.lapics[i]! };
}

describe('IO-APIC → APIC router → LAPIC', () => {
  it('level cycle: INTA, EOI broadcast clears Remote-IRR, re-delivery while asserted', () => {
    const p = platform();
    p.rte(9, 0x8039, 0x02000000); // level, fixed, physical APIC ID 2 = vCPU 1 (Xen: ID = 2 × vCPU)
    const sci = p.fabric.sourceLine('sci', 9);
    sci.raise();
    const l1 = p.lapic(1);
    expect(p.lapic(0).hasPendingInterrupt()).toBe(false);
    expect(l1.acknowledge()).toBe(0x39);
    expect(p.ioapic.remoteIrr(9)).toBe(true);
    l1.eoi(); // TMR set: the router tells the IO-APIC, the line is still high
    expect(p.ioapic.remoteIrr(9)).toBe(true);
    expect(l1.acknowledge()).toBe(0x39);
    sci.lower();
    l1.eoi();
    expect(p.ioapic.remoteIrr(9)).toBe(false);
    expect(l1.acknowledge()).toBe(null);
  });

  it('PIC through LINT0 (ExtINT): INTA returns the PIC vector', () => {
    const p = platform(1);
    p.lapicWrite(0, 0x350, 0x700); // LVT LINT0: ExtINT, unmasked (hvmloader's virtual-wire set-up)
    for (const [port, v] of [
      [0x20, 0x11],
      [0x21, 0x08],
      [0x21, 0x04],
      [0x21, 0x01],
      [0xa0, 0x11],
      [0xa1, 0x70],
      [0xa1, 0x02],
      [0xa1, 0x01],
    ] as const) {
      p.ports.write(port, 1, v);
    }
    p.fabric.isaLine(12).raise();
    expect(p.lapic(0).hasPendingInterrupt()).toBe(true);
    expect(p.lapic(0).acknowledge()).toBe(0x74);
    expect(p.pic.intOutput).toBe(false);
    p.ports.write(0xa0, 1, 0x20);
    p.ports.write(0x20, 1, 0x20);
  });

  it('Xen IRQ0 special routing: lowest priority on GSI 2 goes to vCPU 0 while the PIT runs', () => {
    let pitActive = true;
    const p = platform(2);
    p.ioapic.setIrq0Routing({ pitChannel0Active: () => pitActive, deliverToVcpu0: (m) => p.router.deliverToVcpu0(m) });
    // Flat logical, both vCPUs in the destination; vCPU 0 busy at a higher TPR so arbitration would pick vCPU 1.
    for (const v of [0, 1]) {
      p.lapicWrite(v, 0xe0, 0xffffffff);
      p.lapicWrite(v, 0xd0, (1 << v) << 24);
    }
    p.lapicWrite(0, 0x80, 0x20);
    p.rte(2, 0x30 | (1 << 8) | (1 << 11), 0x03000000);
    const irq0 = p.fabric.isaLine(0);
    irq0.pulse();
    expect(p.lapic(0).acknowledge()).toBe(0x30);
    expect(p.lapic(1).acknowledge()).toBe(null);
    p.lapic(0).eoi();
    pitActive = false;
    irq0.pulse();
    expect(p.lapic(0).acknowledge()).toBe(null);
    expect(p.lapic(1).acknowledge()).toBe(0x30);
    p.lapic(1).eoi();
    pitActive = true;
    p.rte(2, 0x30 | (1 << 8) | (1 << 11), 0x02000000); // vCPU 0 not in the destination
    irq0.pulse();
    expect(p.lapic(1).acknowledge()).toBe(0x30);
  });
});
