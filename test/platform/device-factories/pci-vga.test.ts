// The device classes resolve from a tsyringe container through the platform's factories (registerDeviceFactories) and the tokens the platform builder binds.
import { container } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import {
  INTERRUPT_FABRIC,
  MMIO_BUS,
  PCI_HOST,
  PCI_HOST_PARAMS,
  PLATFORM_RESET_REQUEST,
  PM_BLOCK_PLACEMENT,
  PORT_BUS,
  VGA_WINDOW_PARAMS,
  VGA_WRITE_SINK,
} from '../../../src/platform/tokens.js';
import { registerDeviceFactories } from '../../../src/platform/device-factories.js';
import type { PciHost } from '../../../src/devices/pci/host.js';
import { QEMU_PC_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { QemuPcChipset } from '../../../src/devices/pci/qemu-pc-chipset.js';
import { VgaWindow } from '../../../src/devices/vga/vga-window.js';
import { XEN_VGA_WINDOW_PARAMS, DISCARD_VGA_WRITES } from '../../../src/devices/vga/params.js';
import { cfgRead, RecordingReset } from '../../devices/pci/helpers.js';

describe('dependency injection', () => {
  it('builds the qemu-pc PCI host, its chipset and the VGA window from tokens', () => {
    const c = container.createChildContainer();
    registerDeviceFactories(c);
    const ports = new PortBus();
    const mmio = new MmioBus();
    c.registerInstance(PORT_BUS, ports);
    c.registerInstance(MMIO_BUS, mmio);
    c.registerInstance(INTERRUPT_FABRIC, new InterruptFabric());
    c.registerInstance(PCI_HOST_PARAMS, QEMU_PC_PCI_HOST_PARAMS);
    c.registerInstance(PLATFORM_RESET_REQUEST, new RecordingReset());
    const placed: (number | null)[] = [];
    c.registerInstance(PM_BLOCK_PLACEMENT, { placePmBlock: (b: number | null) => void placed.push(b) });
    c.registerInstance(VGA_WINDOW_PARAMS, XEN_VGA_WINDOW_PARAMS);
    c.registerInstance(VGA_WRITE_SINK, DISCARD_VGA_WRITES);
    const host = c.resolve<PciHost>(PCI_HOST);
    const chipset = c.resolve(QemuPcChipset);
    c.resolve(VgaWindow);
    expect(chipset.isa.fn.address.device).toBe(1);
    expect(host.functions().map((f) => f.name)).toEqual(['i440fx', 'piix3', 'piix3-ide', 'piix4-pm']);
    expect(cfgRead(ports, 0, 1, 3, 0, 4)).toBe(0x71138086);
  });
});
