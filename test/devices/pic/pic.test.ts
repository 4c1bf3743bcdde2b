import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { PicConfigError, XEN_PIC_PARAMS } from '../../../src/devices/pic/params.js';
import { PicPair } from '../../../src/devices/pic/pic-pair.js';
import { makePic } from './helpers.js';

const readIrr = (r: ReturnType<typeof makePic>, port: number) => {
  r.out(port, 0x0a);
  return r.inb(port);
};
const readIsr = (r: ReturnType<typeof makePic>, port: number) => {
  r.out(port, 0x0b);
  return r.inb(port);
};

describe('8259A registers and initialization', () => {
  it('resets with IRR, ISR, IMR and ELCR 0 (the hidden cascade bit is not shown)', () => {
    const r = makePic('xen');
    expect(r.inb(0x20)).toBe(0);
    expect(r.inb(0x21)).toBe(0);
    expect(r.inb(0xa0)).toBe(0);
    expect(r.inb(0xa1)).toBe(0);
    expect(r.inb(0x4d0)).toBe(0);
    expect(r.inb(0x4d1)).toBe(0);
    expect(r.pic.master.elcr).toBe(0x04);
    expect(r.pic.intOutput).toBe(false);
  });

  it('ICW1–ICW4 then OCW1: IMR reads back; ICW1 clears IMR, ISR and edge requests', () => {
    const r = makePic('xen');
    r.init();
    r.out(0x21, 0xfa);
    r.out(0xa1, 0x5a);
    expect(r.inb(0x21)).toBe(0xfa);
    expect(r.inb(0xa1)).toBe(0x5a);
    r.out(0x21, 0x00);
    r.irq(1, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    r.irq(3, true);
    expect(readIsr(r, 0x20)).toBe(0x02);
    expect(readIrr(r, 0x20)).toBe(0x08);
    r.out(0x21, 0xff);
    r.out(0x20, 0x11); // ICW1 again
    expect(r.inb(0x21)).toBe(0x00);
    expect(readIsr(r, 0x20)).toBe(0x00);
    expect(readIrr(r, 0x20)).toBe(0x00); // the edge-sense latch is reset
  });

  it('single mode without ICW4 skips ICW3 and ICW4', () => {
    const r = makePic('xen');
    r.out(0x20, 0x12); // SNGL, no IC4
    r.out(0x21, 0x20); // ICW2
    r.out(0x21, 0x3c); // already OCW1
    expect(r.inb(0x21)).toBe(0x3c);
    r.out(0x21, 0x00);
    r.irq(4, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x24);
  });

  it('ELCR: writable masks 0xF8/0xDE; a 16-bit access at 0x4D0 covers both under Xen', () => {
    const r = makePic('xen');
    r.out(0x4d0, 0xff);
    r.out(0x4d1, 0xff);
    expect(r.inb(0x4d0)).toBe(0xf8);
    expect(r.inb(0x4d1)).toBe(0xde);
    expect(r.pic.master.elcr).toBe(0xfc);
    r.ports.write(0x4d0, 2, 0x0820);
    expect(r.ports.read(0x4d0, 2)).toBe(0x0820);
    expect(r.inb(0x4d1)).toBe(0x08);
    expect(r.ports.read(0x4d1, 2)).toBe(0xffff); // straddles the end: not claimed whole
    expect(r.ports.read(0x4d0, 4)).toBe(0xffffffff);
  });

  it('QEMU: ELCR has no hidden cascade bit; one byte-wide register each', () => {
    const r = makePic('qemu');
    r.out(0x4d0, 0xff);
    expect(r.inb(0x4d0)).toBe(0xf8);
    expect(r.pic.master.elcr).toBe(0xf8);
  });

  it('Xen: the ports are byte-only, other widths read all-ones and are dropped', () => {
    const r = makePic('xen');
    r.init();
    r.out(0x21, 0x5a);
    expect(r.ports.read(0x20, 2)).toBe(0xffff);
    expect(r.ports.read(0x21, 4)).toBe(0xffffffff);
    r.ports.write(0x21, 2, 0x1234);
    expect(r.inb(0x21)).toBe(0x5a);
  });

  it('QEMU: wider accesses split into bytes (inw 0x20 = IRR | IMR << 8)', () => {
    const r = makePic('qemu');
    r.out(0x21, 0x5a);
    expect(r.ports.read(0x20, 2)).toBe(0x5a00);
    expect(r.ports.read(0x21, 2)).toBe(0xff5a);
    r.ports.write(0x21, 2, 0x1234);
    expect(r.inb(0x21)).toBe(0x34);
  });
});

describe('8259A interrupt cycle', () => {
  it('edge IRQ1: IRR, INT, INTA → vector 0x09, ISR, non-specific EOI', () => {
    const r = makePic('xen');
    r.init();
    r.irq(1, true);
    expect(readIrr(r, 0x20)).toBe(0x02);
    expect(r.edges).toEqual([true]);
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    expect(r.edges).toEqual([true, false]);
    expect(readIrr(r, 0x20)).toBe(0x00);
    expect(readIsr(r, 0x20)).toBe(0x02);
    r.out(0x20, 0x20);
    expect(readIsr(r, 0x20)).toBe(0x00);
    expect(r.pic.intOutput).toBe(false); // line still high: an edge was consumed
  });

  it('fully nested priority: the lowest-numbered request wins', () => {
    const r = makePic('xen');
    r.init();
    r.irq(3, true);
    r.irq(1, true);
    r.irq(6, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    expect(r.pic.intOutput).toBe(false); // IRQ3 and IRQ6 are below IRQ1 in service
    r.out(0x20, 0x20);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0b);
    r.out(0x20, 0x20);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0e);
  });

  it('a request below the one in service waits for the EOI', () => {
    const r = makePic('xen');
    r.init();
    r.irq(1, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    r.irq(4, true);
    expect(r.pic.intOutput).toBe(false);
    r.irq(0, true);
    expect(r.pic.intOutput).toBe(true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x08);
    expect(readIsr(r, 0x20)).toBe(0x03);
    r.out(0x20, 0x20); // EOI clears IR0 (highest in service)
    expect(readIsr(r, 0x20)).toBe(0x02);
    expect(r.pic.intOutput).toBe(false);
    r.out(0x20, 0x20);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0c);
  });

  it('masked requests stay in IRR and are never acknowledged: spurious IR7 instead (bad-inputs 19)', () => {
    const r = makePic('xen');
    r.init();
    r.out(0x21, 0x02);
    r.irq(1, true);
    expect(readIrr(r, 0x20)).toBe(0x02);
    expect(r.pic.intOutput).toBe(false);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0f);
    expect(readIsr(r, 0x20)).toBe(0x00);
    r.out(0x21, 0x00);
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
  });

  it('an edge dropped before INTA: Xen forgets it (spurious IR7), QEMU keeps it latched', () => {
    const x = makePic('xen');
    x.init();
    x.irq(5, true);
    x.irq(5, false);
    expect(x.pic.intOutput).toBe(false);
    expect(x.pic.acknowledgeExtInt()).toBe(0x0f);
    const q = makePic('qemu');
    q.init();
    q.irq(5, true);
    q.irq(5, false);
    expect(q.pic.intOutput).toBe(true);
    expect(q.pic.acknowledgeExtInt()).toBe(0x0d);
  });

  it('cascade: IRQ10 through IR2, vector 0x72, both ISRs, EOI slave then master', () => {
    const r = makePic('xen');
    r.init();
    r.irq(10, true);
    expect(readIrr(r, 0x20)).toBe(0x04);
    expect(readIrr(r, 0xa0)).toBe(0x04);
    expect(r.pic.acknowledgeExtInt()).toBe(0x72);
    expect(readIsr(r, 0x20)).toBe(0x04);
    expect(readIsr(r, 0xa0)).toBe(0x04);
    r.irq(9, true); // higher on the slave, but IR2 is in service on the master
    expect(r.pic.intOutput).toBe(false);
    r.out(0xa0, 0x20);
    r.out(0x20, 0x20);
    expect(r.pic.acknowledgeExtInt()).toBe(0x71);
  });

  it('special fully nested mode lets a higher slave IRQ through while IR2 is in service', () => {
    const r = makePic('xen');
    r.init(0x11);
    r.irq(10, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x72);
    r.irq(11, true);
    expect(r.pic.intOutput).toBe(false); // lower on the slave: the slave's own ISR blocks it
    r.irq(9, true);
    expect(r.pic.intOutput).toBe(true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x71);
    r.irq(3, true); // a lower master IRQ is still blocked by IR2 in service (datasheet, Xen)
    r.out(0xa0, 0x20);
    r.out(0xa0, 0x20);
    expect(r.pic.intOutput).toBe(true); // IRQ11 now: the slave asks again through IR2
    expect(r.pic.acknowledgeExtInt()).toBe(0x73);
  });

  it('spurious IR15: the master acknowledges IR2, the slave has nothing (QEMU latched cascade edge)', () => {
    const r = makePic('qemu');
    r.init();
    r.irq(10, true);
    r.out(0xa1, 0x04); // mask IRQ10 on the slave: its INT drops, the master's IR2 edge stays latched
    expect(r.pic.acknowledgeExtInt()).toBe(0x77);
    expect(readIsr(r, 0x20)).toBe(0x04);
    expect(readIsr(r, 0xa0)).toBe(0x00);
  });

  it('level-triggered IRQ (ELCR): re-requests after EOI while held, drops with the line', () => {
    const r = makePic('xen');
    r.init();
    r.out(0x4d1, 0x08); // IRQ11 level
    r.irq(11, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x73);
    expect(readIrr(r, 0xa0)).toBe(0x08); // level request stays in IRR
    r.out(0xa0, 0x20);
    r.out(0x20, 0x20);
    expect(r.pic.intOutput).toBe(true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x73);
    r.irq(11, false);
    expect(readIrr(r, 0xa0)).toBe(0x00);
    r.out(0xa0, 0x20);
    r.out(0x20, 0x20);
    expect(r.pic.intOutput).toBe(false);
  });
});

describe('8259A OCW2/OCW3 modes', () => {
  it('auto-EOI leaves ISR clear; rotate on AEOI makes the serviced IRQ lowest', () => {
    const r = makePic('xen');
    r.init(0x03);
    r.out(0x20, 0x80); // rotate in AEOI mode: set
    r.irq(0, true);
    r.irq(1, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x08);
    expect(readIsr(r, 0x20)).toBe(0);
    r.irq(0, false);
    r.irq(0, true); // IRQ0 again, now lowest
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    expect(r.pic.acknowledgeExtInt()).toBe(0x08);
  });

  it('set priority (OCW2 0xC0|n) makes IRn lowest; specific rotate and specific EOI', () => {
    const r = makePic('xen');
    r.init();
    r.out(0x20, 0xc4); // IR4 lowest → IR5 highest
    for (const n of [1, 3, 5, 6]) r.irq(n, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0d);
    r.out(0x20, 0x65); // specific EOI IR5
    expect(readIsr(r, 0x20)).toBe(0);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0e);
    r.out(0x20, 0xe6); // specific EOI IR6 + rotate: IR6 lowest → IR7 highest, then 0, 1...
    expect(r.pic.acknowledgeExtInt()).toBe(0x09);
    r.out(0x20, 0xa0); // non-specific EOI + rotate: IR1 lowest → IR2.. 3 next
    expect(r.pic.acknowledgeExtInt()).toBe(0x0b);
  });

  it('special mask mode: a masked IRQ in service does not block lower ones', () => {
    const r = makePic('xen');
    r.init();
    r.irq(3, true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0b);
    r.irq(5, true);
    expect(r.pic.intOutput).toBe(false);
    r.out(0x21, 0x08);
    r.out(0x20, 0x68); // OCW3: set special mask mode
    expect(r.pic.intOutput).toBe(true);
    expect(r.pic.acknowledgeExtInt()).toBe(0x0d);
    r.out(0x20, 0x20); // Xen: non-specific EOI skips the masked IR3 → clears IR5
    expect(readIsr(r, 0x20)).toBe(0x08);
    r.out(0x20, 0x48); // reset special mask mode
    r.out(0x20, 0x63);
    expect(readIsr(r, 0x20)).toBe(0);
  });

  it('poll mode: datasheet word 0x80|level (QEMU) and Xen’s cascaded IRQ number', () => {
    const q = makePic('qemu');
    q.init();
    q.irq(10, true);
    q.out(0x20, 0x0c);
    expect(q.inb(0x20)).toBe(0x82);
    q.out(0xa0, 0x0c);
    expect(q.inb(0xa0)).toBe(0x82);
    q.out(0xa0, 0x0c);
    expect(q.inb(0xa0)).toBe(0x00);
    expect(q.inb(0xa0)).toBe(0x00); // poll is one-shot: back to IRR
    const x = makePic('xen');
    x.init();
    x.irq(10, true);
    x.out(0x20, 0x0c);
    expect(x.inb(0x21)).toBe(10); // either port: the poll read acknowledges through the cascade
    expect(readIsr(x, 0xa0)).toBe(0x04);
    x.out(0x20, 0x0c);
    expect(x.inb(0x20)).toBe(0xff);
  });

  it('Xen holds INT low during initialization; QEMU does not', () => {
    const x = makePic('xen');
    x.init();
    x.irq(1, true);
    expect(x.pic.intOutput).toBe(true);
    x.out(0x20, 0x19); // ICW1 (LTIM set, ignored): IRR kept only for level inputs
    expect(x.pic.intOutput).toBe(false);
    x.out(0x4d0, 0x08);
    x.out(0x21, 0x08);
    x.irq(3, true);
    expect(x.pic.intOutput).toBe(false);
    x.out(0x21, 0x04);
    x.out(0x21, 0x01);
    expect(x.pic.intOutput).toBe(true);
    const q = makePic('qemu');
    q.out(0x20, 0x11);
    q.irq(3, true);
    expect(q.pic.intOutput).toBe(true);
  });

  it('the ISA IRQ2 line does not touch the cascade input', () => {
    const r = makePic('xen');
    r.init();
    r.irq(2, true);
    expect(readIrr(r, 0x20)).toBe(0);
  });

  it('reset drops the INT line and state; bad options are refused', () => {
    const r = makePic('xen');
    r.init();
    r.irq(1, true);
    r.pic.reset();
    expect(r.edges).toEqual([true, false]);
    expect(r.inb(0x21)).toBe(0);
    const ports = new PortBus();
    const fabric = new InterruptFabric();
    expect(() => new PicPair(ports, fabric, { ...XEN_PIC_PARAMS, elcrMasks: [0xfc, 0xde] })).toThrow(PicConfigError);
    expect(() => new PicPair(ports, fabric, { ...XEN_PIC_PARAMS, elcrMasks: [0x1f8, 0xde] as unknown as [number, number] })).toThrow(/8-bit/);
  });
});
