// Shared set-up for the LAPIC tests: real buses, fabric and clock; a recording PIC stand-in.
import { accessContext } from '../../../src/bus/access.js';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import type { EoiListener } from '../../../src/irq/apic-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { ApicRouter } from '../../../src/devices/lapic/apic-router.js';
import { XEN_LAPIC_PARAMS, type LapicParams } from '../../../src/devices/lapic/params.js';
import type { ExtIntSource } from '../../../src/irq/ext-int-source.js';

export const BASE = 0xfee00000;

export class FakePic implements ExtIntSource {
  acks = 0;
  vector = 0x20;
  acknowledgeExtInt(): number {
    this.acks++;
    return this.vector;
  }
}

export class RecordingEoi implements EoiListener {
  readonly vectors: number[] = [];
  onEoi(vector: number): void {
    this.vectors.push(vector);
  }
}

export function makePlatform(vcpus = 1, params: LapicParams = XEN_LAPIC_PARAMS) {
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  const clock = new VirtualClock();
  const pic = new FakePic();
  const router = new ApicRouter(mmio, fabric, clock, params, vcpus, pic);
  const eoi = new RecordingEoi();
  router.addEoiListener(eoi);
  const rd = (off: number, vcpu = 0, size: 1 | 2 | 4 = 4) => mmio.read(BASE + off, size, accessContext(vcpu));
  const wr = (off: number, value: number, vcpu = 0, size: 1 | 2 | 4 = 4) => mmio.write(BASE + off, size, value, accessContext(vcpu));
  const lapic = (i = 0) => router.lapics[i]!;
  /** Software-enable the LAPIC with spurious vector 0xFF. */
  const enable = (vcpu = 0) => wr(0xf0, 0x1ff, vcpu);
  return { mmio, fabric, clock, pic, router, eoi, rd, wr, lapic, enable };
}

/** Enters x2APIC mode on `vcpu` through IA32_APIC_BASE. */
export function toX2apic(router: ApicRouter, vcpu = 0): void {
  const l = router.lapics[vcpu]!;
  const r = l.writeMsr(0x1b, l.apicBase | 0x400n);
  if (r.kind !== 'ok') throw new Error('x2APIC enable refused');
}
