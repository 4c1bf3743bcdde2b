import { describe, expect, it } from 'vitest';
import { BusRangeError } from '../../src/bus/errors.js';
import { decodeMsi, encodeMsi, type MsiMessage } from '../../src/irq/msi.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../src/irq/fabric.js';
import { Line, type InterruptSink } from '../../src/irq/line.js';
import { OutputLine } from '../../src/irq/output-line.js';

class SinkLog implements InterruptSink {
  readonly events: string[] = [];
  constructor(private readonly tag: string) {}
  setInput(pin: number, level: boolean): void {
    this.events.push(`${this.tag}${pin}=${level ? 1 : 0}`);
  }
}

function wired(config?: ConstructorParameters<typeof InterruptFabric>[0]) {
  const fabric = new InterruptFabric(config);
  const pic = new SinkLog('pic');
  const ioapic = new SinkLog('io');
  fabric.attachPic(pic);
  fabric.attachIoapic(ioapic, 0, fabric.gsiCount);
  return { fabric, pic, ioapic };
}

describe('InterruptFabric (Xen hvm/irq.c model)', () => {
  it('ISA IRQ0 reaches PIC input 0 and IO-APIC pin 2; other ISA IRQs keep their number', () => {
    const { fabric, pic, ioapic } = wired();
    fabric.isaLine(0).raise();
    fabric.isaLine(8).raise();
    expect(pic.events).toEqual(['pic0=1', 'pic8=1']);
    expect(ioapic.events).toEqual(['io2=1', 'io8=1']);
    expect(fabric.gsiLevel(2)).toBe(true);
  });

  it('the qemu-pc mapping sends ISA IRQ0 to IO-APIC input 0', () => {
    const { fabric, ioapic } = wired({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
    fabric.isaLine(0).raise();
    expect(ioapic.events).toEqual(['io0=1']);
  });

  it('an ISA IRQ is one bit: asserting twice counts once; lowering drops the level', () => {
    const { fabric, pic } = wired();
    const a = fabric.isaLine(4);
    expect(fabric.isaLine(4)).toBe(a);
    a.raise();
    a.raise();
    a.lower();
    expect(pic.events).toEqual(['pic4=1', 'pic4=0']);
  });

  it('a GSI is the wired-OR of its sources; sinks see only 0↔1 transitions', () => {
    const { fabric, ioapic } = wired();
    const a = fabric.sourceLine('pci-a', 20);
    const b = fabric.sourceLine('pci-b', 20);
    a.raise();
    b.raise();
    a.lower();
    expect(ioapic.events).toEqual(['io20=1']);
    b.lower();
    expect(ioapic.events).toEqual(['io20=1', 'io20=0']);
  });

  it('ISA IRQ2 shares GSI 2 with IRQ0 (Xen maps both there)', () => {
    const { fabric, ioapic } = wired();
    fabric.isaLine(0).raise();
    fabric.isaLine(2).raise();
    fabric.isaLine(0).lower();
    expect(ioapic.events).toEqual(['io2=1']);
  });

  it('a pulse is a rising then a falling edge, seen by observers in order', () => {
    const { fabric } = wired();
    const seen: string[] = [];
    fabric.observeGsi((gsi, level) => seen.push(`gsi${gsi}:${level}`));
    const stop = fabric.observePicInputs((pin, level) => seen.push(`pic${pin}:${level}`));
    fabric.isaLine(8).pulse();
    stop();
    fabric.isaLine(8).pulse();
    expect(seen).toEqual(['gsi8:true', 'pic8:true', 'gsi8:false', 'pic8:false', 'gsi8:true', 'gsi8:false']);
  });

  it('several IO-APICs receive their own GSI ranges; overlaps are refused', () => {
    const fabric = new InterruptFabric({ gsiCount: 72, isaToGsi: IDENTITY_ISA_TO_GSI });
    const first = new SinkLog('a');
    const second = new SinkLog('b');
    fabric.attachIoapic(first, 0, 24);
    fabric.attachIoapic(second, 24, 24);
    fabric.sourceLine('x', 30).raise();
    expect(second.events).toEqual(['b6=1']);
    expect(first.events).toEqual([]);
    expect(() => fabric.attachIoapic(new SinkLog('c'), 40, 8)).toThrow(BusRangeError);
  });

  it('host errors: bad GSI counts, IRQs and lines are typed errors', () => {
    expect(() => new InterruptFabric({ gsiCount: 8, isaToGsi: IDENTITY_ISA_TO_GSI })).toThrow(BusRangeError);
    const { fabric } = wired();
    expect(() => fabric.isaLine(16)).toThrow(/ISA IRQ 16 does not exist/);
    expect(() => fabric.sourceLine('x', 48)).toThrow(/GSI 48 does not exist/);
  });

  it('named lines connect controllers point to point', () => {
    const { fabric } = wired();
    const int = fabric.namedLine('pic.int');
    const seen: boolean[] = [];
    int.observe((l) => seen.push(l));
    expect(fabric.namedLine('pic.int')).toBe(int);
    int.raise();
    int.raise();
    int.lower();
    expect(seen).toEqual([true, false]);
    expect(int).toBeInstanceOf(Line);
  });

  it('MSI messages go to the target, or are counted as dropped without one', () => {
    const fabric = new InterruptFabric();
    const msg = encodeMsi({ destination: 2, vector: 0x41 });
    fabric.sendMsi(msg);
    expect(fabric.droppedMsis).toBe(1);
    const got: MsiMessage[] = [];
    fabric.setMsiTarget({ deliverMsi: (m) => got.push(m) });
    fabric.sendMsi(msg);
    expect(got).toEqual([msg]);
  });
});

describe('MSI address/data (Intel SDM Vol. 3A §11.11)', () => {
  it('decodes destination, mode, vector, delivery and trigger', () => {
    const d = decodeMsi({ addressLo: 0xfee0300c, addressHi: 0, data: 0xc531 });
    expect(d).toEqual({
      valid: true,
      destination: 3,
      redirectionHint: true,
      logical: true,
      vector: 0x31,
      deliveryMode: 5,
      assert: true,
      levelTriggered: true,
    });
    expect(decodeMsi({ addressLo: 0xfed00000, addressHi: 0, data: 0 }).valid).toBe(false);
  });

  it('encode and decode agree', () => {
    for (const destination of [0, 1, 0xff, 0x1234]) {
      const m = encodeMsi({ destination, vector: 0x80, deliveryMode: 1, logical: true, levelTriggered: true });
      const d = decodeMsi(m);
      expect([d.destination, d.vector, d.deliveryMode, d.logical, d.levelTriggered]).toEqual([destination, 0x80, 1, true, true]);
    }
  });
});

describe('settling (restore and reset: levels as state, nobody hears)', () => {
  class AdoptingSink extends SinkLog {
    adopted: string[] = [];
    adoptInputs(level: (pin: number) => boolean): void {
      for (const pin of [0, 2, 5, 9]) this.adopted.push(`${pin}=${level(pin) ? 1 : 0}`);
    }
  }

  it('while settling, levels and wired-OR counts change but no sink, observer, receiver or MSI target hears', () => {
    const fabric = new InterruptFabric();
    const pic = new SinkLog('pic');
    const io = new SinkLog('io');
    fabric.attachPic(pic);
    fabric.attachIoapic(io, 0, fabric.gsiCount);
    const heard: string[] = [];
    fabric.observeGsi((g, l) => heard.push(`gsi${g}=${+l}`));
    const named = fabric.namedLine('pic.int');
    named.connect({ setLevel: (l) => heard.push(`lint=${+l}`), adoptLevel: () => heard.push('adopt') });
    fabric.setMsiTarget({ deliverMsi: () => heard.push('msi') });
    const a = fabric.sourceLine('a', 9, 5);
    const b = fabric.sourceLine('b', 9);
    fabric.settle(() => {
      expect(fabric.settling && a.settling && named.settling).toBe(true);
      a.raise();
      b.raise();
      b.lower();
      named.raise();
      fabric.sendMsi({ addressLo: 0xfee00000, addressHi: 0, data: 0x30 });
    }, 'keep');
    expect([fabric.settling, heard, pic.events, io.events]).toEqual([false, [], [], []]);
    expect([fabric.gsiLevel(9), fabric.picInputLevel(5), named.level]).toEqual([true, true, true]);
    a.lower(); // after settling, changes are heard again
    expect(pic.events).toEqual(['pic5=0']);
    expect(io.events).toEqual(['io9=0']);
    expect(heard).toEqual(['gsi9=0']);
  });

  it("'adopt' tells every controller input its line's level, still without edges; 'keep' does not", () => {
    const fabric = new InterruptFabric();
    const pic = new AdoptingSink('pic');
    const io = new AdoptingSink('io');
    fabric.attachPic(pic);
    fabric.attachIoapic(io, 0, fabric.gsiCount);
    const lint: string[] = [];
    fabric.namedLine('pic.int').connect({ setLevel: (l) => lint.push(`set${+l}`), adoptLevel: (l) => lint.push(`adopt${+l}`) });
    fabric.settle(() => fabric.isaLine(0).raise(), 'keep');
    expect([pic.adopted, io.adopted, lint]).toEqual([[], [], []]);
    fabric.settle(() => fabric.isaLine(9).raise(), 'adopt');
    expect(pic.adopted).toEqual(['0=1', '2=0', '5=0', '9=1']);
    expect(io.adopted).toEqual(['0=0', '2=1', '5=0', '9=1']); // Xen: ISA IRQ0 is GSI 2
    expect(lint).toEqual(['adopt0']);
    expect([pic.events, io.events]).toEqual([[], []]);
  });

  it('a device output line is silent to its observers while settling', () => {
    const fabric = new InterruptFabric();
    const out = new OutputLine(fabric.isaLine(8));
    const seen: boolean[] = [];
    out.observe((l) => seen.push(l));
    fabric.settle(() => out.raise(), 'keep');
    expect([seen, out.level, out.settling]).toEqual([[], true, false]);
    out.lower();
    expect(seen).toEqual([false]);
  });

  it('host-driven lines report and take their levels', () => {
    const fabric = new InterruptFabric();
    fabric.setGsiDirect(20, true);
    fabric.setGsiDirect(7, true);
    fabric.setPicInputDirect(3, true);
    fabric.setPicInputDirect(4, false);
    expect(fabric.hostLineLevels()).toEqual({ gsi: [7, 20], pic: [3] });
    fabric.setHostLineLevels({ gsi: [20, 30], pic: [] });
    expect(fabric.hostLineLevels()).toEqual({ gsi: [20, 30], pic: [] });
    expect([fabric.gsiLevel(7), fabric.gsiLevel(30), fabric.picInputLevel(3)]).toEqual([false, true, false]);
  });
});
