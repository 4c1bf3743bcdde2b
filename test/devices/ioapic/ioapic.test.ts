import { describe, expect, it } from 'vitest';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import { IoapicConfigError, XEN_IOAPIC_PARAMS, xenDom0IoapicParams } from '../../../src/devices/ioapic/params.js';
import type { Irq0SpecialRouting } from '../../../src/irq/irq0-routing.js';
import type { ApicMessage } from '../../../src/irq/apic-bus.js';
import { BASE, EOI, IOREGSEL, IOWIN, makeRig, msg, RecordingApicBus } from './helpers.js';

const LEVEL = 1 << 15;
const MASKED = 1 << 16;
const LOGICAL = 1 << 11;
const REMOTE_IRR = 1 << 14;

describe('IO-APIC registers (82093AA §3.2)', () => {
  it('resets to ID 0, Xen version 0x002F0011, every entry masked', () => {
    const { rd, mmio } = makeRig('xen');
    expect(mmio.read(IOREGSEL, 4)).toBe(0);
    expect(rd(0x00)).toBe(0);
    expect(rd(0x01)).toBe(0x002f0011);
    expect(rd(0x02)).toBe(0);
    for (let pin = 0; pin < 48; pin++) {
      expect(rd(0x10 + 2 * pin)).toBe(0x00010000);
      expect(rd(0x11 + 2 * pin)).toBe(0);
    }
  });

  it('QEMU pc: version 0x00170020 (24 pins)', () => {
    const { rd } = makeRig('qemu');
    expect(rd(0x01)).toBe(0x00170020);
    expect(rd(0x10 + 2 * 23)).toBe(0x00010000);
    expect(rd(0x10 + 2 * 24)).toBe(0);
  });

  it('ID is 4 bits in 27:24; the arbitration register reads it; version and arbitration ignore writes', () => {
    const { rd, wr } = makeRig('xen');
    wr(0x00, 0xffffffff);
    expect(rd(0x00)).toBe(0x0f000000);
    expect(rd(0x02)).toBe(0x0f000000);
    wr(0x01, 0);
    wr(0x02, 0);
    expect(rd(0x01)).toBe(0x002f0011);
    expect(rd(0x02)).toBe(0x0f000000);
    wr(0x00, 0x05000000);
    expect(rd(0x00)).toBe(0x05000000);
  });

  it('redirection entries: Delivery Status and Remote-IRR read-only, every other bit stored', () => {
    const { rd, wr } = makeRig('xen');
    wr(0x10 + 2 * 5, 0xffffffff);
    expect(rd(0x10 + 2 * 5)).toBe(0xffffafff);
    wr(0x11 + 2 * 5, 0xffffffff);
    expect(rd(0x11 + 2 * 5)).toBe(0xffffffff);
    wr(0x10 + 2 * 5, 0);
    expect(rd(0x10 + 2 * 5)).toBe(0);
  });

  it('indices outside the table read 0 and writes are dropped (bad-inputs 12)', () => {
    const { rd, wr, ioapic } = makeRig('xen');
    for (const sel of [0x03, 0x0f, 0x10 + 2 * 48, 0x10 + 2 * 48 + 1, 0xff, 0x100, 0x7fffffff, 0xffffffff]) {
      wr(sel, 0x12345678);
      expect(rd(sel)).toBe(0);
    }
    for (let pin = 0; pin < 48; pin++) expect(ioapic.redirectionEntry(pin)).toBe(0x10000n);
  });

  it('Xen keeps all 32 bits of IOREGSEL, QEMU keeps 8', () => {
    const xen = makeRig('xen');
    xen.mmio.write(IOREGSEL, 4, 0x1ff);
    expect(xen.mmio.read(IOREGSEL, 4)).toBe(0x1ff);
    expect(xen.mmio.read(IOWIN, 4)).toBe(0); // index 0x1ff: out of range, not the alias 0xff
    const qemu = makeRig('qemu');
    qemu.mmio.write(IOREGSEL, 4, 0x1ff);
    expect(qemu.mmio.read(IOREGSEL, 4)).toBe(0xff);
  });
});

describe('IO-APIC access widths (bad-inputs 13, 14)', () => {
  it('Xen: IOWIN serves every size; narrow reads truncate, narrow writes zero-extend', () => {
    const { mmio, rd } = makeRig('xen');
    mmio.write(IOREGSEL, 4, 0x01);
    expect(mmio.read(IOWIN, 1)).toBe(0x11);
    expect(mmio.read(IOWIN, 2)).toBe(0x0011);
    expect(mmio.read64(IOWIN)).toBe(0x002f0011n);
    mmio.write(IOREGSEL, 1, 0x10);
    mmio.write(IOWIN, 1, 0x30); // the whole low half becomes 0x00000030: unmasked
    expect(rd(0x10)).toBe(0x30);
    mmio.write64(IOREGSEL, 0x11n);
    mmio.write64(IOWIN, 0xff000000n);
    expect(rd(0x11)).toBe(0xff000000);
  });

  it('Xen: other offsets in the window read 0 and ignore writes; outside the window is not claimed', () => {
    const { mmio, rd } = makeRig('xen');
    for (const off of [0x01, 0x04, 0x11, 0x20, 0x40, 0xfc]) {
      mmio.write(BASE + off, 4, 0xffffffff);
      expect(mmio.read(BASE + off, 4)).toBe(0);
    }
    expect(rd(0x00)).toBe(0);
    expect(mmio.read(BASE + 0x100, 4)).toBe(0xffffffff);
  });

  it('QEMU: IOWIN only answers 4-byte accesses; the window aliases every 0x100 bytes', () => {
    const { mmio, rd } = makeRig('qemu');
    mmio.write(IOREGSEL, 4, 0x01);
    expect(mmio.read(IOWIN, 2)).toBe(0);
    expect(mmio.read(IOWIN, 1)).toBe(0);
    expect(mmio.read(IOWIN, 4)).toBe(0x00170020);
    expect(mmio.read64(IOWIN)).toBe(0x00170020n); // split: version, then offset 0x14 reads 0
    expect(mmio.read64(IOREGSEL)).toBe(1n);
    mmio.write(IOREGSEL, 4, 0x11);
    mmio.write(IOWIN, 2, 0x1234);
    expect(rd(0x11)).toBe(0);
    expect(mmio.read(BASE + 0x100, 4)).toBe(0x11);
    expect(mmio.read(BASE + 0x110, 4)).toBe(0);
    mmio.write(BASE + 1, 1, 5); // byte 1 of IOREGSEL is not a register
    expect(mmio.read(IOREGSEL, 4)).toBe(0x11);
  });
});

describe('IO-APIC delivery', () => {
  it('edge pin: one message per rising edge while unmasked, none while masked', () => {
    const { rte, ioapic, bus } = makeRig('xen');
    rte(9, 0x31 | MASKED, 0x03000000);
    ioapic.setInput(9, true);
    ioapic.setInput(9, false);
    expect(bus.take()).toEqual([]);
    rte(9, 0x31, 0x03000000); // unmasking does not replay a masked edge
    expect(bus.take()).toEqual([]);
    ioapic.setInput(9, true);
    expect(bus.take()).toEqual([msg({ vector: 0x31, destination: 3 })]);
    ioapic.setInput(9, true); // already high: no edge
    ioapic.setInput(9, false);
    expect(bus.take()).toEqual([]);
    ioapic.setInput(9, true);
    expect(bus.take()).toHaveLength(1);
    expect(ioapic.remoteIrr(9)).toBe(false);
  });

  it('level pin: Remote-IRR, EOI re-delivers while asserted, exactly once per cycle', () => {
    const { rte, rd, ioapic, bus } = makeRig('xen');
    rte(10, 0x41 | LEVEL);
    ioapic.setInput(10, true);
    expect(bus.take()).toEqual([msg({ vector: 0x41, levelTriggered: true })]);
    expect(rd(0x10 + 20)).toBe(0x41 | LEVEL | REMOTE_IRR);
    ioapic.setInput(10, false);
    ioapic.setInput(10, true); // Remote-IRR still set: held off
    expect(bus.take()).toEqual([]);
    ioapic.onEoi(0x42); // another vector: no effect
    expect(ioapic.remoteIrr(10)).toBe(true);
    ioapic.onEoi(0x41); // still asserted: sent again
    expect(bus.take()).toEqual([msg({ vector: 0x41, levelTriggered: true })]);
    expect(ioapic.remoteIrr(10)).toBe(true);
    ioapic.setInput(10, false);
    ioapic.onEoi(0x41);
    expect(bus.take()).toEqual([]);
    expect(rd(0x10 + 20)).toBe(0x41 | LEVEL);
  });

  it('unmasking an asserted level pin delivers at once; a masked level pin never sets Remote-IRR', () => {
    const { rte, ioapic, bus } = makeRig('xen');
    rte(16, 0x51 | LEVEL | MASKED);
    ioapic.setInput(16, true);
    expect(bus.take()).toEqual([]);
    expect(ioapic.remoteIrr(16)).toBe(false);
    rte(16, 0x51 | LEVEL);
    expect(bus.take()).toEqual([msg({ vector: 0x51, levelTriggered: true })]);
    expect(ioapic.remoteIrr(16)).toBe(true);
    rte(16, 0x51 | LEVEL); // rewriting with Remote-IRR set: nothing more
    expect(bus.take()).toEqual([]);
  });

  it('level→edge clears Remote-IRR', () => {
    const { rte, ioapic, bus } = makeRig('xen');
    rte(17, 0x52 | LEVEL);
    ioapic.setInput(17, true);
    expect(ioapic.remoteIrr(17)).toBe(true);
    rte(17, 0x52 | MASKED);
    expect(ioapic.remoteIrr(17)).toBe(false);
    expect(bus.take()).toHaveLength(1);
  });

  it('fields: logical destination, broadcast, lowest priority, NMI', () => {
    const { rte, ioapic, bus } = makeRig('xen');
    rte(3, 0x60 | LOGICAL | (1 << 8), 0x0f000000);
    rte(4, 0x61, 0xff000000);
    rte(5, 0x02 | (4 << 8) | LOGICAL, 0x01000000);
    for (const p of [3, 4, 5]) ioapic.setInput(p, true);
    expect(bus.take()).toEqual([
      msg({ vector: 0x60, logical: true, deliveryMode: 1, destination: 0x0f }),
      msg({ vector: 0x61, destination: 0xff }),
      msg({ vector: 0x02, logical: true, deliveryMode: 4, destination: 0x01 }),
    ]);
  });

  it('Xen drops SMI, INIT, ExtINT and the reserved modes (vioapic_deliver); Remote-IRR is still set', () => {
    const { rte, ioapic, bus } = makeRig('xen');
    for (const [pin, mode] of [
      [20, 2],
      [21, 3],
      [22, 5],
      [23, 6],
      [24, 7],
    ] as const) {
      rte(pin, 0x70 | (mode << 8) | LEVEL);
      ioapic.setInput(pin, true);
      expect(ioapic.remoteIrr(pin)).toBe(true);
    }
    expect(bus.take()).toEqual([]);
    expect(ioapic.messagesDropped).toBe(5);
  });

  it('QEMU sends every delivery mode, ExtINT included', () => {
    const { rte, ioapic, bus } = makeRig('qemu');
    rte(5, (7 << 8) | 0x00);
    rte(6, (5 << 8) | 0x00);
    ioapic.setInput(5, true);
    ioapic.setInput(6, true);
    expect(bus.take().map((m) => m.deliveryMode)).toEqual([7, 5]);
  });

  it('EOI register (version 0x20) clears Remote-IRR and re-delivers; Xen 0x11 has none', () => {
    const q = makeRig('qemu');
    q.rte(8, 0x38 | LEVEL);
    q.ioapic.setInput(8, true);
    expect(q.rd(0x10 + 16)).toBe(0xc038);
    q.mmio.write(EOI, 4, 0x38);
    expect(q.bus.take()).toHaveLength(2); // delivered, then again after the EOI
    expect(q.rd(0x10 + 16)).toBe(0xc038);
    q.ioapic.setInput(8, false);
    q.mmio.write(EOI, 2, 0x38); // QEMU: only 4-byte EOI writes
    expect(q.ioapic.remoteIrr(8)).toBe(true);
    q.mmio.write(EOI, 4, 0x38);
    expect(q.rd(0x10 + 16)).toBe(0x8038);

    const x = makeRig('xen');
    x.rte(8, 0x38 | LEVEL);
    x.ioapic.setInput(8, true);
    x.ioapic.setInput(8, false);
    x.mmio.write(EOI, 4, 0x38);
    expect(x.ioapic.remoteIrr(8)).toBe(true);
  });

  it('QEMU treats input 0 as pin 2', () => {
    const { rte, fabric, bus, ioapic } = makeRig('qemu');
    rte(2, 0x20);
    fabric.isaLine(0).raise();
    expect(bus.take()).toEqual([msg({ vector: 0x20 })]);
    expect(ioapic.inputLevel(2)).toBe(true);
    expect(ioapic.inputLevel(0)).toBe(false);
  });

  it('Xen wiring: ISA IRQ0 reaches pin 2 through the fabric, IRQ8 pin 8', () => {
    const { rte, fabric, bus } = makeRig('xen');
    rte(2, 0x30);
    rte(8, 0x38);
    fabric.isaLine(0).pulse();
    fabric.isaLine(8).pulse();
    expect(bus.take().map((m) => m.vector)).toEqual([0x30, 0x38]);
  });
});

describe('several IO-APICs (Xen PVH dom0 mirrors the host)', () => {
  it('GSI = gsiBase + pin everywhere; EOI by vector reaches each', () => {
    const mmio = new MmioBus();
    const fabric = new InterruptFabric({ gsiCount: 72, isaToGsi: XEN_ISA_TO_GSI_LOCAL });
    const bus = new RecordingApicBus();
    const a = new Ioapic(mmio, fabric, bus, xenDom0IoapicParams(0, { base: 0xfec00000, apicId: 8, gsiBase: 0, pins: 24 }));
    const b = new Ioapic(mmio, fabric, bus, xenDom0IoapicParams(1, { base: 0xfec01000, apicId: 9, gsiBase: 24, pins: 32 }));
    const prog = (base: number, pin: number, low: number) => {
      mmio.write(base, 4, 0x10 + 2 * pin);
      mmio.write(base + 0x10, 4, low);
    };
    mmio.write(0xfec01000, 4, 0);
    expect(mmio.read(0xfec01010, 4)).toBe(0x09000000);
    mmio.write(0xfec01000, 4, 1);
    expect(mmio.read(0xfec01010, 4)).toBe(0x001f0011);
    prog(0xfec01000, 3, 0x90 | LEVEL);
    prog(0xfec00000, 3, 0x90 | LEVEL);
    const gsi27 = fabric.sourceLine('dev', 27);
    gsi27.raise();
    expect(b.remoteIrr(3)).toBe(true);
    expect(a.remoteIrr(3)).toBe(false);
    expect(bus.take()).toEqual([msg({ vector: 0x90, levelTriggered: true })]);
    gsi27.lower();
    a.onEoi(0x90);
    b.onEoi(0x90);
    expect(b.remoteIrr(3)).toBe(false);
    expect(bus.take()).toEqual([]);
  });

  it('overlapping windows or GSI ranges are refused', () => {
    const mmio = new MmioBus();
    const fabric = new InterruptFabric();
    const bus = new RecordingApicBus();
    new Ioapic(mmio, fabric, bus, XEN_IOAPIC_PARAMS);
    expect(() => new Ioapic(mmio, fabric, bus, { ...XEN_IOAPIC_PARAMS, id: 'ioapic1', base: 0xfec01000, gsiBase: 40, pins: 8 })).toThrow(/overlaps/);
  });
});

describe('Xen IRQ0 special routing', () => {
  function rig(pitActive: boolean, vcpu0Matches: boolean) {
    const r = makeRig('xen');
    const routed: ApicMessage[] = [];
    const routing: Irq0SpecialRouting = {
      pitChannel0Active: () => pitActive,
      deliverToVcpu0: (m) => {
        if (!vcpu0Matches) return false;
        routed.push(m);
        return true;
      },
    };
    r.ioapic.setIrq0Routing(routing);
    return { ...r, routed };
  }

  it('a lowest-priority GSI 2 interrupt goes to vCPU 0 while the PIT runs', () => {
    const r = rig(true, true);
    r.rte(2, 0x30 | (1 << 8) | LOGICAL, 0xff000000);
    r.fabric.isaLine(0).pulse();
    expect(r.routed.map((m) => m.vector)).toEqual([0x30]);
    expect(r.bus.take()).toEqual([]);
  });

  it('not when vCPU 0 is outside the destination, the PIT is idle, the mode is fixed, or another pin', () => {
    const a = rig(true, false);
    a.rte(2, 0x30 | (1 << 8));
    a.fabric.isaLine(0).pulse();
    expect(a.bus.take()).toHaveLength(1);
    const b = rig(false, true);
    b.rte(2, 0x30 | (1 << 8));
    b.fabric.isaLine(0).pulse();
    expect(b.bus.take()).toHaveLength(1);
    const c = rig(true, true);
    c.rte(2, 0x30); // fixed: Xen 4.15+ no longer forces vCPU 0
    c.rte(3, 0x33 | (1 << 8));
    c.fabric.isaLine(0).pulse();
    c.fabric.isaLine(3).pulse();
    expect(c.bus.take().map((m) => m.vector)).toEqual([0x30, 0x33]);
    expect(c.routed).toEqual([]);
  });
});

describe('IO-APIC parameters', () => {
  it('bad host options are refused with a typed error naming the field', () => {
    const mmio = new MmioBus();
    const fabric = new InterruptFabric();
    const bus = new RecordingApicBus();
    const bad = (o: object) => () => new Ioapic(mmio, fabric, bus, { ...XEN_IOAPIC_PARAMS, ...o });
    expect(bad({ pins: 0 })).toThrow(IoapicConfigError);
    expect(bad({ pins: 257 })).toThrow(/pins 257/);
    expect(bad({ apicId: 16 })).toThrow(/4-bit/);
    expect(bad({ version: 0x100 })).toThrow(/version/);
    expect(bad({ windowLength: 0x20, eoiRegister: true })).toThrow(/windowLength/);
    expect(bad({ base: 0xfec00004 })).toThrow(/aligned/);
  });

  it('reset restores the power-on state without re-registering', () => {
    const { rte, rd, wr, ioapic, mmio } = makeRig('xen', { apicId: 3 });
    rte(1, 0x41 | LEVEL);
    ioapic.setInput(1, true);
    wr(0, 0x0a000000);
    ioapic.reset();
    expect(rd(0)).toBe(0x03000000);
    expect(rd(0x12)).toBe(0x10000);
    expect(ioapic.inputLevel(1)).toBe(false);
    expect(mmio.read(IOREGSEL, 4)).toBe(0x12);
  });
});

const XEN_ISA_TO_GSI_LOCAL = [2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
