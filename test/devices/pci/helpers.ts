// Shared test scaffolding: real buses, fabric and host, with a fake MSI target and reset sink.
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric, IDENTITY_ISA_TO_GSI } from '../../../src/irq/fabric.js';
import type { MsiMessage, MsiTarget } from '../../../src/irq/msi.js';
import { PciHost } from '../../../src/devices/pci/host.js';
import type { PlatformResetRequest } from '../../../src/devices/pci/mechanism1.js';
import { QEMU_PC_PCI_HOST_PARAMS, XEN_PCI_HOST_PARAMS, type PciHostParams } from '../../../src/devices/pci/params.js';

export class RecordingMsiTarget implements MsiTarget {
  readonly messages: MsiMessage[] = [];
  deliverMsi(msg: MsiMessage): void {
    this.messages.push(msg);
  }
}

export class RecordingReset implements PlatformResetRequest {
  readonly requests: ('hard' | 'soft')[] = [];
  requestReset(kind: 'hard' | 'soft'): void {
    this.requests.push(kind);
  }
}

export interface Rig {
  ports: PortBus;
  mmio: MmioBus;
  fabric: InterruptFabric;
  host: PciHost;
  msi: RecordingMsiTarget;
  reset: RecordingReset;
}

export function xenRig(params: PciHostParams = XEN_PCI_HOST_PARAMS): Rig {
  const ports = new PortBus({ widthPolicy: 'reject', unclaimedRead: 'ones' });
  const mmio = new MmioBus({ widthPolicy: 'reject', unclaimedRead: 'ones' });
  const fabric = new InterruptFabric();
  const msi = new RecordingMsiTarget();
  fabric.setMsiTarget(msi);
  const reset = new RecordingReset();
  const host = new PciHost(ports, mmio, fabric, params, reset);
  return { ports, mmio, fabric, host, msi, reset };
}

export function qemuRig(params: PciHostParams = QEMU_PC_PCI_HOST_PARAMS): Rig {
  const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
  const mmio = new MmioBus({ widthPolicy: 'split', unclaimedRead: 'zero' });
  const fabric = new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  const msi = new RecordingMsiTarget();
  fabric.setMsiTarget(msi);
  const reset = new RecordingReset();
  const host = new PciHost(ports, mmio, fabric, params, reset);
  return { ports, mmio, fabric, host, msi, reset };
}

/** CONFIG_ADDRESS for (bus, device, function, register). */
export function cfgAddr(bus: number, dev: number, fn: number, reg: number): number {
  return (0x80000000 | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;
}

/** Config read through 0xCF8/0xCFC at the right byte lane. */
export function cfgRead(ports: PortBus, bus: number, dev: number, fn: number, reg: number, size: 1 | 2 | 4): number {
  ports.write(0xcf8, 4, cfgAddr(bus, dev, fn, reg));
  return ports.read(0xcfc + (reg & 3), size);
}

export function cfgWrite(ports: PortBus, bus: number, dev: number, fn: number, reg: number, size: 1 | 2 | 4, value: number): void {
  ports.write(0xcf8, 4, cfgAddr(bus, dev, fn, reg));
  ports.write(0xcfc + (reg & 3), size, value);
}
