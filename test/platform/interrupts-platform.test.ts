// The three interrupt controllers as the platform builder assembles them (xen-hvm unless stated):
// `describe` lists them with their ranges, ISA lines fan out to the PIC and the IO-APIC as Xen's
// hvm/irq.c does (IRQ0 → GSI 2), MSIs reach the LAPICs through the same router, the platform's
// tscHz drives the TSC-deadline timer, and the PIC reaches vCPU 0 only through LINT0 (ExtINT).
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { encodeMsi } from '../../src/irq/msi.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import type { Ioapic } from '../../src/devices/ioapic/ioapic.js';
import type { PicPair } from '../../src/devices/pic/pic-pair.js';

const lapicOf = (p: ReturnType<typeof createPlatform>, v: number) => p.vcpus[v]!.devices.get('lapic') as Lapic;

describe('interrupt controllers on the platform', () => {
  it('describe(): one LAPIC per vCPU with the APIC bus, the IO-APIC window, the PIC and ELCR ports', () => {
    const d = createPlatform({ vcpus: 2, ramBytes: 0 }).describe();
    expect(d.devices.find((x) => x.kind === 'lapic')).toMatchObject({ status: 'implemented', instances: ['apic-bus', 'lapic0', 'lapic1'] });
    expect(d.devices.find((x) => x.kind === 'ioapic')).toMatchObject({ status: 'implemented', instances: ['ioapic0'] });
    expect(d.devices.find((x) => x.kind === 'pic')).toMatchObject({ status: 'implemented', instances: ['pic'] });
    expect(d.ranges).toEqual(
      expect.arrayContaining([
        { bus: 'mmio', base: 0xfee00000, end: 0xfee00fff, owner: 'apic-bus', name: 'xAPIC window' },
        { bus: 'mmio', base: 0xfec00000, end: 0xfec000ff, owner: 'ioapic0', name: 'IOAPIC window' },
        { bus: 'port', base: 0x20, end: 0x21, owner: 'pic', name: 'master 8259' },
        { bus: 'port', base: 0xa0, end: 0xa1, owner: 'pic', name: 'slave 8259' },
        { bus: 'port', base: 0x4d0, end: 0x4d1, owner: 'pic', name: 'ELCR' },
      ]),
    );
  });

  it('ISA IRQ n reaches PIC input n and IO-APIC pin n, except IRQ0 → pin 2 (Xen)', () => {
    const p = createPlatform({ ramBytes: 0 });
    const ioapic = p.device<Ioapic>('ioapic0');
    const pic = p.device<PicPair>('pic');
    p.irq.isaLine(0).raise();
    p.irq.isaLine(9).raise();
    expect([ioapic.inputLevel(0), ioapic.inputLevel(2), ioapic.inputLevel(9)]).toEqual([false, true, true]);
    // Master: IR0, and IR2 = the slave's INT output (its IRQ9 request is unmasked at reset).
    expect([pic.master.inputs, pic.slave.inputs]).toEqual([0x05, 0x02]);
    const q = createPlatform({ profile: 'qemu-pc', ramBytes: 0 });
    q.irq.isaLine(9).raise();
    expect(q.device<Ioapic>('ioapic0').inputLevel(9)).toBe(true);
  });

  it("an MSI reaches the named vCPU through the APIC router; a level MSI's EOI is broadcast to the IO-APIC", () => {
    const p = createPlatform({ vcpus: 2, ramBytes: 0 });
    for (const v of [0, 1]) p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v));
    p.irq.sendMsi(encodeMsi({ destination: 2, vector: 0x66 }));
    expect([lapicOf(p, 0).acknowledge(), lapicOf(p, 1).acknowledge()]).toEqual([null, 0x66]);
  });

  it('createPlatform({ tscHz }) is the TSC the deadline timer compares with', () => {
    const p = createPlatform({ ramBytes: 0, tscHz: 2_000_000_000 });
    const l = lapicOf(p, 0);
    p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(0));
    p.mmio.write(0xfee00320, 4, 0x40041, accessContext(0)); // TSC-deadline, vector 0x41
    expect(l.writeMsr(0x6e0, 3000n).kind).toBe('ok'); // 3000 ticks at 2 GHz = 1500 ns
    p.clock.advanceTo(1499);
    expect(l.hasPendingInterrupt()).toBe(false);
    p.clock.advanceTo(1500);
    expect(l.acknowledge()).toBe(0x41);
  });

  it('Xen IRQ0_SPECIAL_ROUTING: a lowest-priority GSI 2 interrupt goes to vCPU 0 while PIT channel 0 runs', () => {
    const p = createPlatform({ vcpus: 4, ramBytes: 0 });
    const ctx = accessContext(0);
    for (const v of [0, 1, 2, 3]) {
      p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(v));
      p.mmio.write(0xfee000d0, 4, (1 << v) << 24, accessContext(v)); // flat logical IDs 1, 2, 4, 8
      p.mmio.write(0xfee00080, 4, v === 0 ? 0x40 : 0x10, accessContext(v)); // vCPU 0 is the busiest
    }
    p.ports.write(0x43, 1, 0x34); // PIT channel 0: lobyte/hibyte, mode 2 (periodic), 0x1000 counts ≈ 3.43 ms
    p.ports.write(0x40, 1, 0x00);
    p.ports.write(0x40, 1, 0x10);
    p.clock.advance(1000); // the 8254 loads the count on the next CLK edge
    p.mmio.write(0xfec00000, 4, 0x11 + 2 * 2, ctx);
    p.mmio.write(0xfec00010, 4, 0x0f000000, ctx); // all four
    p.mmio.write(0xfec00000, 4, 0x10 + 2 * 2, ctx);
    p.mmio.write(0xfec00010, 4, 0x0900 | 0x50, ctx); // GSI 2: lowest priority, logical, vector 0x50
    const taker = () => [0, 1, 2, 3].filter((v) => lapicOf(p, v).acknowledge() === 0x50);
    p.clock.advanceTo(4_000_000); // the PIT's own IRQ0 edge at ≈ 3.43 ms
    expect(taker()).toEqual([0]); // despite vCPU 0's higher priority
    [0, 1, 2, 3].forEach((v) => p.mmio.write(0xfee000b0, 4, 0, accessContext(v)));
    // HPET legacy replacement stops the PIT's channel 0 timer (Xen destroys pt0): plain arbitration.
    p.mmio.write(0xfed00010, 4, 0x3, ctx);
    p.irq.isaLine(0).pulse();
    expect(taker()).toEqual([1]);
  });

  it('the PIC reaches vCPU 0 through LINT0 only once the guest programs LVT0 = ExtINT (Xen), at once under qemu-pc', () => {
    for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
      const p = createPlatform({ profile, vcpus: 2, ramBytes: 0 });
      for (const [port, v] of [
        [0x20, 0x11],
        [0x21, 0x30],
        [0x21, 0x04],
        [0x21, 0x01],
        [0x21, 0xfd],
      ] as const)
        p.ports.write(port, 1, v);
      p.irq.isaLine(1).raise();
      const l0 = lapicOf(p, 0);
      expect(l0.acknowledge()).toBe(profile === 'qemu-pc' ? 0x31 : null);
      if (profile === 'xen-hvm') {
        p.mmio.write(0xfee000f0, 4, 0x1ff, accessContext(0));
        p.mmio.write(0xfee00350, 4, 0x700, accessContext(0));
        expect(l0.acknowledge()).toBe(0x31);
      }
      expect(lapicOf(p, 1).acknowledge()).toBe(null); // only the BSP's LINT0 is wired
    }
  });
});
