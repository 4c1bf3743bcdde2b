import { PortBus } from '../../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric, XEN_ISA_TO_GSI } from '../../../src/irq/fabric.js';
import { PicPair } from '../../../src/devices/pic/pic-pair.js';
import { QEMU_PC_PIC_PARAMS, XEN_PIC_PARAMS, type PicParams } from '../../../src/devices/pic/params.js';

export interface PicRig {
  ports: PortBus;
  fabric: InterruptFabric;
  pic: PicPair;
  /** INT output transitions seen on "pic.int". */
  edges: boolean[];
  out(port: number, value: number): void;
  inb(port: number): number;
  /** The usual PC initialization: master base 0x08, slave 0x70 on IR2, 8086 mode (+ extra ICW4 bits). */
  init(icw4Master?: number, icw4Slave?: number): void;
  irq(n: number, level: boolean): void;
}

export function makePic(profile: 'xen' | 'qemu' = 'xen', override: Partial<PicParams> = {}): PicRig {
  const qemu = profile === 'qemu';
  const ports = new PortBus(qemu ? { widthPolicy: 'split', unclaimedRead: 'ones' } : undefined);
  const fabric = new InterruptFabric({ gsiCount: 48, isaToGsi: qemu ? IDENTITY_ISA_TO_GSI : XEN_ISA_TO_GSI });
  const pic = new PicPair(ports, fabric, { ...(qemu ? QEMU_PC_PIC_PARAMS : XEN_PIC_PARAMS), ...override });
  const edges: boolean[] = [];
  fabric.namedLine('pic.int').observe((l) => edges.push(l));
  const out = (port: number, value: number) => ports.write(port, 1, value);
  const inb = (port: number) => ports.read(port, 1);
  const init = (icw4Master = 0x01, icw4Slave = 0x01) => {
    out(0x20, 0x11);
    out(0x21, 0x08);
    out(0x21, 0x04);
    out(0x21, icw4Master);
    out(0xa0, 0x11);
    out(0xa1, 0x70);
    out(0xa1, 0x02);
    out(0xa1, icw4Slave);
  };
  const irq = (n: number, level: boolean) => fabric.isaLine(n).set(level);
  return { ports, fabric, pic, edges, out, inb, init, irq };
}
