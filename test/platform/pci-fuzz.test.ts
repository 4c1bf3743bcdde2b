// Random guest traffic on whole platforms built by createPlatform (qemu-pc with pci-testdev, PVH
// dom0 with vPCI): config cycles that place BARs, the PM block (PIIX4 PMBA) and PIRQ routes over
// the platform's own ports and memory, reset requests through 0xCF9, BAR and ECAM accesses. The
// qtest front-end never reports a failure (no throw reached the guest path), every platform range
// keeps its owner, and every BAR mapping is exactly what the registers describe.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { QtestSession } from '../../src/qtest/session.js';
import type { PciHost } from '../../src/devices/pci/host.js';

const hex = (n: number) => '0x' + (n >>> 0).toString(16);

/** Addresses that collide with something on the platforms: PIC, PIT, CF8, PM, LAPIC, IO-APIC, HPET, ECAM, RAM. */
const PLACES = [0x20, 0x40, 0x60, 0x600, 0xcc0, 0xcf8, 0xc000, 0xfee00000, 0xfec00000, 0xfed00000, 0xe0000000, 0xfebf0000, 0x100000, 0xa0000, 0, 0xffffffff];
const REGS = [0x04, 0x10, 0x14, 0x18, 0x30, 0x3c, 0x40, 0x42, 0x60, 0x61, 0x62, 0x63, 0x80];

const command = fc.oneof(
  // Config cycles (mechanism #1) to the chipset, pci-testdev and empty slots, any lane.
  fc
    .record({
      dev: fc.constantFrom(0, 1, 2, 3, 7),
      fn: fc.constantFrom(0, 1, 3),
      reg: fc.constantFrom(...REGS),
      lane: fc.nat(3),
      size: fc.constantFrom(1, 2, 4),
      v: fc.oneof(
        fc.constantFrom(...PLACES).map((p) => p | 1),
        fc.constantFrom(...PLACES),
        fc.constantFrom(0x3, 0x7, 0x0b, 0x80, 0x601),
      ),
    })
    .map((o) => [
      `outl 0xcf8 ${hex(0x80000000 | (o.dev << 11) | (o.fn << 8) | o.reg)}`,
      `out${o.size === 1 ? 'b' : o.size === 2 ? 'w' : 'l'} ${hex(0xcfc + (o.lane & (4 - o.size)))} ${hex(o.v)}`,
    ]),
  fc
    .record({ port: fc.integer({ min: 0xcf6, max: 0xd00 }), size: fc.constantFrom('b', 'w', 'l'), v: fc.nat(0xffffffff), write: fc.boolean() })
    .map((o) => [o.write ? `out${o.size} ${hex(o.port)} ${hex(o.v)}` : `in${o.size} ${hex(o.port)}`]),
  fc.constantFrom(['outb 0xcf9 0x06'], ['outb 0xcf9 0x04'], ['outb 0xcf9 0x02']),
  fc
    .record({ at: fc.constantFrom(...PLACES), off: fc.nat(0x1003), size: fc.constantFrom('b', 'w', 'l', 'q'), write: fc.boolean() })
    .map((o) => [o.write ? `write${o.size} ${hex(o.at + o.off)} 0x5a` : `read${o.size} ${hex(o.at + o.off)}`]),
  fc
    .record({ port: fc.constantFrom(...PLACES.filter((p) => p < 0x10000)), off: fc.nat(15), write: fc.boolean() })
    .map((o) => [o.write ? `outb ${hex(o.port + o.off)} 0x5a` : `inb ${hex(o.port + o.off)}`]),
);

/** Who owns the platform's fixed ranges before any guest traffic. */
function owners(s: QtestSession): string[] {
  const p = s.platform;
  const port = (a: number) => p.ports.regionAt(a)?.owner ?? '-';
  const mem = (a: number) => p.mmio.regionAt(a)?.owner ?? '-';
  return [port(0x20), port(0xa0), port(0x40), port(0xcf8), port(0xcfc), mem(0xfee00000), mem(0xfec00000), mem(0xfed00000), mem(0xe0000000), mem(0x100000)];
}

function checkBars(s: QtestSession): void {
  const host = s.platform.device<PciHost>('pci');
  for (const f of host.functions()) {
    const cmd = f.command.value;
    for (const bar of f.declaredBars()) {
      const want = bar.placement(cmd);
      if (want === null) expect(bar.region).toBeNull();
      else if (bar.region === null) expect(bar.conflict).toBe(true);
      else {
        expect(bar.region.base).toBe(want);
        expect((bar.space === 'io' ? s.platform.ports : s.platform.mmio).regionAt(want)).toBe(bar.region);
      }
    }
  }
}

describe('random guest traffic on createPlatform platforms with PCI', () => {
  for (const profile of ['qemu-pc', 'xen-pvh-dom0'] as const) {
    it(`${profile}: no FAIL reply, fixed ranges keep their owners, BAR mappings match the registers`, () => {
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 40 }), (cmds) => {
          const s = new QtestSession(createPlatform({ profile, pciTestdev: profile === 'qemu-pc', ramBytes: 2 << 20 }));
          const host = s.platform.device<PciHost>('pci');
          // pci-testdev's shape at slot 2 on dom0 too, so both platforms have BARs to move.
          if (profile === 'xen-pvh-dom0')
            host.attach(
              { device: 2 },
              {
                name: 'dev',
                vendorId: 1,
                deviceId: 2,
                classCode: 0,
                bars: [
                  { index: 0, kind: 'mem32', size: 0x1000 },
                  { index: 1, kind: 'io', size: 0x100 },
                ],
              },
            );
          const before = owners(s);
          for (const line of cmds.flat()) {
            const replies = s.handle(line);
            expect(
              replies.filter((r) => r.startsWith('FAIL')),
              line,
            ).toEqual([]);
          }
          expect(owners(s)).toEqual(before);
          checkBars(s);
        }),
        { numRuns: 80 },
      );
    });
  }
});
