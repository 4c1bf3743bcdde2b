// After a platform reset the PIC's inputs take their lines' levels as state (InterruptFabric.settle
// 'adopt'): no edge requests anything; a level-triggered input's request is its level.
import { describe, expect, it } from 'vitest';
import { makePic } from './helpers.js';

describe('PIC inputs adopted after a reset', () => {
  for (const profile of ['xen', 'qemu'] as const) {
    it(`${profile}: a high edge-triggered line is latched without a request; INT stays low`, () => {
      const r = makePic(profile);
      r.fabric.settle(() => r.fabric.isaLine(3).raise(), 'adopt');
      expect([r.pic.master.inputs, r.pic.master.irr, r.pic.intOutput, r.edges]).toEqual([0x08, 0, false, []]);
      r.irq(3, false);
      r.irq(3, true); // the next real rising edge requests
      expect([r.pic.master.irr, r.pic.intOutput]).toEqual([0x08, true]);
    });

    it(`${profile}: a level-triggered input's request follows the adopted level, as state`, () => {
      const r = makePic(profile);
      r.init();
      r.out(0x4d1, 0x08); // IRQ 11 level-triggered
      r.fabric.settle(() => r.fabric.isaLine(11).raise(), 'adopt');
      expect([r.pic.slave.inputs, r.pic.slave.irr, r.pic.intOutput, r.edges]).toEqual([0x08, 0x08, true, []]);
      r.fabric.settle(() => r.fabric.isaLine(11).lower(), 'adopt');
      expect([r.pic.slave.inputs, r.pic.slave.irr, r.pic.slave.intOutput, r.edges]).toEqual([0, 0, false, []]);
    });
  }

  it('xen: an edge request whose line is low afterwards is dropped (requestFollowsLine: the line must hold it)', () => {
    const r = makePic('xen');
    r.init();
    r.irq(4, true);
    expect(r.pic.master.irr).toBe(0x10);
    r.fabric.settle(() => r.fabric.isaLine(4).lower(), 'adopt');
    expect([r.pic.master.inputs, r.pic.master.irr]).toEqual([0, 0]);
  });

  it('qemu: an edge request stays latched when the line is low afterwards (requestFollowsLine false)', () => {
    const r = makePic('qemu');
    r.init();
    r.irq(4, true);
    r.fabric.settle(() => r.fabric.isaLine(4).lower(), 'adopt');
    expect([r.pic.master.inputs, r.pic.master.irr]).toEqual([0, 0x10]);
  });
});
