// Interrupt routing with several IO-APICs and timers re-programmed while armed: GSI = base + pin
// everywhere, a level pin unmasked while asserted delivers exactly once per assert/EOI cycle, and
// after any re-program the interrupt goes where the guest last said.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import type { Platform } from '../../src/platform/platform.js';

const LAPIC = 0xfee00000;

function enableLapic(p: Platform, vcpu: number): void {
  p.mmio.write(LAPIC + 0xf0, 4, 0x1ff, accessContext(vcpu));
}

function irr(p: Platform, vcpu: number, vector: number): boolean {
  const word = p.mmio.read(LAPIC + 0x200 + 0x10 * (vector >>> 5), 4, accessContext(vcpu));
  return ((word >>> (vector & 31)) & 1) === 1;
}

function ack(p: Platform, vcpu: number): number | null {
  return (p.vcpus[vcpu]!.devices.get('lapic') as unknown as { acknowledge(): number | null }).acknowledge();
}

function eoi(p: Platform, vcpu: number): void {
  p.mmio.write(LAPIC + 0xb0, 4, 0, accessContext(vcpu));
}

function writeRte(p: Platform, base: number, pin: number, low: number, high = 0): void {
  p.mmio.write(base, 4, 0x11 + 2 * pin);
  p.mmio.write(base + 0x10, 4, high);
  p.mmio.write(base, 4, 0x10 + 2 * pin);
  p.mmio.write(base + 0x10, 4, low);
}

function readRteLow(p: Platform, base: number, pin: number): number {
  p.mmio.write(base, 4, 0x10 + 2 * pin);
  return p.mmio.read(base + 0x10, 4);
}

describe('bad inputs, class F: routing with several IO-APICs and re-programmed timers', () => {
  it("entry 15, Xen vIOAPIC index vs GSI confusion (commit 3ae469af8e): on the second IO-APIC, unmasking a level pin whose GSI is asserted delivers exactly once per assert/EOI cycle, and nothing reaches the first IO-APIC's pin of the same index", () => {
    const second = 0xfec20000;
    const p = createPlatform({
      profile: 'xen-pvh-dom0',
      vcpus: 1,
      ramBytes: 0,
      hostIoapics: [
        { base: 0xfec00000, apicId: 0, gsiBase: 0, pins: 24 },
        { base: second, apicId: 1, gsiBase: 24, pins: 24 },
      ],
    });
    enableLapic(p, 0);
    const MASK = 1 << 16;
    const LEVEL = 1 << 15;
    writeRte(p, 0xfec00000, 6, LEVEL | 0x61); // pin 6 of the first IO-APIC (GSI 6), unmasked, vector 0x61
    writeRte(p, second, 6, MASK | LEVEL | 0x62); // pin 6 of the second IO-APIC is GSI 30
    p.irq.setGsiDirect(30, true);
    expect(irr(p, 0, 0x62)).toBe(false); // masked: nothing yet
    expect(readRteLow(p, second, 6) & (1 << 14)).toBe(0); // no Remote-IRR while masked
    writeRte(p, second, 6, LEVEL | 0x62); // unmask with the line still asserted
    expect(ack(p, 0)).toBe(0x62);
    expect(ack(p, 0)).toBe(null); // exactly once
    expect(readRteLow(p, second, 6) & (1 << 14)).not.toBe(0); // Remote-IRR set
    expect(irr(p, 0, 0x61)).toBe(false); // GSI 6 (the same pin index) was never touched
    eoi(p, 0); // EOI with the line still high: delivered again, once
    expect(ack(p, 0)).toBe(0x62);
    expect(ack(p, 0)).toBe(null);
    p.irq.setGsiDirect(30, false);
    eoi(p, 0); // EOI with the line low: Remote-IRR clears and nothing more comes
    expect(readRteLow(p, second, 6) & (1 << 14)).toBe(0);
    expect(ack(p, 0)).toBe(null);
    // The first IO-APIC's pin 6 still works as GSI 6.
    p.irq.setGsiDirect(6, true);
    expect(ack(p, 0)).toBe(0x61);
  });

  it('entry 50, Xen vpt irq taken from a stale struct (commit 74bd642940): an HPET timer re-routed while armed, from the host side and from inside its own interrupt, fires next on the GSI programmed last', () => {
    const p = createPlatform({ profile: 'xen-hvm', vcpus: 1, ramBytes: 0 });
    const HPET = 0xfed00000;
    const seen: number[] = [];
    let reroute: number | null = null;
    p.irq.observeGsi((gsi, level) => {
      if (!level) return;
      seen.push(gsi);
      if (reroute !== null) {
        // From inside the interrupt the timer raised: move it again (route in Tn_CONFIG bits 13:9).
        p.mmio.write(HPET + 0x100, 4, (reroute << 9) | (1 << 2) | (1 << 3));
        reroute = null;
      }
    });
    const periodTicks = 6250 * 4; // 400 µs at 62.5 MHz (16 ns ticks): above Xen's 100 µs clamp
    p.mmio.write(HPET + 0x100, 4, (20 << 9) | (1 << 2) | (1 << 3) | (1 << 6)); // GSI 20, enabled, periodic, SETVAL
    p.mmio.write(HPET + 0x108, 4, periodTicks);
    p.mmio.write(HPET + 0x108, 4, periodTicks);
    p.mmio.write(HPET + 0x10, 4, 1); // ENABLE_CNF
    p.clock.advance(400_000);
    expect(seen).toEqual([20]);
    p.mmio.write(HPET + 0x100, 4, (21 << 9) | (1 << 2) | (1 << 3)); // re-route while armed
    expect((p.mmio.read(HPET + 0x100, 4) >>> 9) & 0x1f).toBe(21);
    p.clock.advance(400_000);
    expect(seen).toEqual([20, 21]);
    reroute = 22; // the next tick moves the timer to GSI 22 from inside its own interrupt
    p.clock.advance(400_000);
    p.clock.advance(400_000);
    p.clock.advance(400_000);
    expect(seen).toEqual([20, 21, 21, 22, 22]);
    // A route outside Tn_INT_ROUTE_CAP (20–23 on Xen) is not kept: Xen's hpet.c puts an enabled
    // timer on the first allowed input, and the read-back and the next interrupt agree on it.
    p.mmio.write(HPET + 0x100, 4, (5 << 9) | (1 << 2) | (1 << 3));
    expect((p.mmio.read(HPET + 0x100, 4) >>> 9) & 0x1f).toBe(20);
    p.clock.advance(400_000);
    expect(seen).toEqual([20, 21, 21, 22, 22, 20]);
  });
});
