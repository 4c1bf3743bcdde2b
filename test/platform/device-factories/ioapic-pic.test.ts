// The device classes resolve from a tsyringe container through the platform's factories (registerDeviceFactories) and the tokens the platform builder binds.
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { APIC_BUS, INTERRUPT_FABRIC, IOAPIC_PARAMS, MMIO_BUS, PIC_PARAMS, PORT_BUS } from '../../../src/platform/tokens.js';
import { registerDeviceFactories } from '../../../src/platform/device-factories.js';
import { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import { QEMU_PC_IOAPIC_PARAMS } from '../../../src/devices/ioapic/params.js';
import { PicPair } from '../../../src/devices/pic/pic-pair.js';
import { QEMU_PC_PIC_PARAMS } from '../../../src/devices/pic/params.js';
import { RecordingApicBus } from '../../devices/ioapic/helpers.js';

describe('dependency injection', () => {
  it('Ioapic and PicPair resolve from a child container', () => {
    const c = container.createChildContainer();
    registerDeviceFactories(c);
    const mmio = new MmioBus();
    const ports = new PortBus();
    const fabric = new InterruptFabric();
    const bus = new RecordingApicBus();
    c.register(MMIO_BUS, { useValue: mmio });
    c.register(PORT_BUS, { useValue: ports });
    c.register(INTERRUPT_FABRIC, { useValue: fabric });
    c.register(APIC_BUS, { useValue: bus });
    c.register(IOAPIC_PARAMS, { useValue: QEMU_PC_IOAPIC_PARAMS });
    c.register(PIC_PARAMS, { useValue: QEMU_PC_PIC_PARAMS });
    const ioapic = c.resolve(Ioapic);
    const pic = c.resolve(PicPair);
    expect(ioapic.params.pins).toBe(24);
    mmio.write(0xfec00000, 4, 1);
    expect(mmio.read(0xfec00010, 4)).toBe(0x00170020);
    ports.write(0x21, 1, 0x5a);
    expect(pic.master.imr).toBe(0x5a);
  });
});
