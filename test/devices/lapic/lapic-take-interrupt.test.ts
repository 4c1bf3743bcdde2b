// Lapic.takeInterrupt: INTA and "is there another?" in one call (issue 14). It takes what
// acknowledge() takes, as a plain number (−1 for none), and anotherPending says whether a second
// INTA now could find something: never false while one could.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import { createPlatform } from '../../../src/platform/create-platform.js';
import type { Platform } from '../../../src/platform/platform.js';

const CTX = accessContext(0);

function platform(profile: 'xen-hvm' | 'qemu-pc'): { p: Platform; lapic: Lapic } {
  const p = createPlatform({ profile, vcpus: 1, ramBytes: 0 });
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic;
  p.mmio.write(0xfee000f0, 4, 0x1ff, CTX); // SVR: enabled, spurious vector 0xFF
  return { p, lapic };
}

describe('Lapic.takeInterrupt', () => {
  it('takes the highest vector first and says whether another is requested', () => {
    const { lapic } = platform('xen-hvm');
    lapic.setIrq(0x41, false);
    lapic.setIrq(0x92, false);
    expect(lapic.takeInterrupt()).toBe(0x92);
    expect(lapic.anotherPending).toBe(true);
    // 0x41 is below the in-service 0x92's class: not deliverable until the EOI, still requested.
    expect(lapic.takeInterrupt()).toBe(-1);
    expect(lapic.anotherPending).toBe(false);
    lapic.eoi();
    expect(lapic.takeInterrupt()).toBe(0x41);
    expect(lapic.anotherPending).toBe(false);
    expect(lapic.hasPendingInterrupt()).toBe(false);
    expect(lapic.takeInterrupt()).toBe(-1);
  });

  it('answers as acknowledge() does, the spurious vector included (SDM §11.9)', () => {
    const { lapic } = platform('xen-hvm');
    lapic.setIrq(0x35, false);
    expect(lapic.hasPendingInterrupt()).toBe(true);
    lapic.tpr = 0x40; // raised after the CPU saw the request: INTA gets the spurious vector
    expect(lapic.takeInterrupt()).toBe(0xff);
    expect(lapic.anotherPending).toBe(true); // 0x35 is still requested (a later INTA finds nothing until TPR drops)
    expect(lapic.takeInterrupt()).toBe(-1);
    expect(lapic.acknowledge()).toBe(null);
    lapic.tpr = 0;
    expect(lapic.acknowledge()).toBe(0x35);
  });

  it('counts a second 8259 request behind an ExtINT it took (qemu-pc: LINT0 in ExtINT mode)', () => {
    const { p, lapic } = platform('qemu-pc');
    // ICW1–ICW4 on both 8259s: vectors 0x20 and 0x28, slave on IR2, the master in automatic EOI
    // (so the IRQ taken is not in service and does not hold back the next); every IRQ unmasked.
    for (const [port, value] of [
      [0x20, 0x11],
      [0x21, 0x20],
      [0x21, 0x04],
      [0x21, 0x03],
      [0xa0, 0x11],
      [0xa1, 0x28],
      [0xa1, 0x02],
      [0xa1, 0x01],
    ] as const) {
      p.ports.write(port, 1, value);
    }
    p.irq.setPicInputDirect(3, true);
    p.irq.setPicInputDirect(4, true);
    expect(lapic.takeInterrupt()).toBe(0x23);
    expect(lapic.anotherPending).toBe(true); // IRQ 4 still requests; INT stays high
    expect(lapic.takeInterrupt()).toBe(0x24);
    expect(lapic.anotherPending).toBe(false); // edge mode: both requests went with their INTA
    p.irq.setPicInputDirect(3, false);
    p.irq.setPicInputDirect(4, false);
    expect(lapic.takeInterrupt()).toBe(-1);
    expect(lapic.anotherPending).toBe(false);
  });
});
