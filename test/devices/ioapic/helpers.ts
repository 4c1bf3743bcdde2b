// Shared set-up for IO-APIC tests: real buses and fabric, a fake APIC bus that records messages.
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import type { ApicMessage, ApicMessageSink } from '../../../src/irq/apic-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric, XEN_ISA_TO_GSI } from '../../../src/irq/fabric.js';
import { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import { QEMU_PC_IOAPIC_PARAMS, XEN_IOAPIC_PARAMS, type IoapicParams } from '../../../src/devices/ioapic/params.js';

export class RecordingApicBus implements ApicMessageSink {
  readonly messages: ApicMessage[] = [];
  deliverApicMessage(msg: ApicMessage): void {
    this.messages.push({ ...msg });
  }
  take(): ApicMessage[] {
    return this.messages.splice(0);
  }
}

export const BASE = 0xfec00000;
export const IOREGSEL = BASE;
export const IOWIN = BASE + 0x10;
export const EOI = BASE + 0x40;

export interface Rig {
  mmio: MmioBus;
  fabric: InterruptFabric;
  bus: RecordingApicBus;
  ioapic: Ioapic;
  /** Indirect register read. */
  rd(index: number): number;
  /** Indirect register write. */
  wr(index: number, value: number): void;
  /** Program redirection entry `pin` (low, then high). */
  rte(pin: number, low: number, high?: number): void;
}

export function makeRig(profile: 'xen' | 'qemu' = 'xen', override: Partial<IoapicParams> = {}): Rig {
  const qemu = profile === 'qemu';
  const mmio = new MmioBus(qemu ? { widthPolicy: 'split', unclaimedRead: 'zero' } : undefined);
  const fabric = new InterruptFabric({ gsiCount: 48, isaToGsi: qemu ? IDENTITY_ISA_TO_GSI : XEN_ISA_TO_GSI });
  const bus = new RecordingApicBus();
  const params = { ...(qemu ? QEMU_PC_IOAPIC_PARAMS : XEN_IOAPIC_PARAMS), ...override };
  const ioapic = new Ioapic(mmio, fabric, bus, params);
  const base = params.base;
  const rd = (index: number) => {
    mmio.write(base, 4, index);
    return mmio.read(base + 0x10, 4);
  };
  const wr = (index: number, value: number) => {
    mmio.write(base, 4, index);
    mmio.write(base + 0x10, 4, value);
  };
  const rte = (pin: number, low: number, high = 0) => {
    wr(0x11 + 2 * pin, high);
    wr(0x10 + 2 * pin, low);
  };
  return { mmio, fabric, bus, ioapic, rd, wr, rte };
}

/** The message an entry should produce. */
export function msg(fields: Partial<ApicMessage> & { vector: number }): ApicMessage {
  return {
    deliveryMode: 0,
    logical: false,
    destination: 0,
    levelTriggered: false,
    assert: true,
    shorthand: 0,
    source: -1,
    ...fields,
  };
}
