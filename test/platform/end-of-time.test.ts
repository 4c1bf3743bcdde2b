// The end of exact virtual time (2^53 − 1 ns, about 104 days) is one rule enforced by the clock: a
// deadline past it is "never". Guest accesses near the end never throw, a host advance to the very
// end fires every event up to it, and snapshots taken there restore (issue 10, item 12).
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../src/bus/port-bus.js';
import { PmTimer } from '../../src/devices/pm/pm-timer.js';
import { QEMU_PC_PM_PARAMS } from '../../src/devices/pm/pm-params.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../src/irq/fabric.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { MAX_CLOCK_NS, VirtualClock } from '../../src/time/clock.js';
import type { Platform } from '../../src/platform/platform.js';

const END = MAX_CLOCK_NS;
const CPU0 = { vcpu: 0, stringOp: false };
const PIT_HZ = 1_193_182;
/** First whole ns at or after PIT edge n (exact with bigints). */
const pitEdgeNs = (n: bigint) => Number((n * 1_000_000_000n + BigInt(PIT_HZ) - 1n) / BigInt(PIT_HZ));
const pitEdgesAt = (t: number) => (BigInt(t) * BigInt(PIT_HZ)) / 1_000_000_000n;

/** A platform whose clock stands `before` ns before the end of time (nothing armed yet on Xen). */
function nearEnd(profile: 'xen-hvm' | 'qemu-pc', before: number): Platform {
  const p = createPlatform({ profile, vcpus: 1, ramBytes: 0 });
  p.clock.restoreTime(END - before);
  return p;
}

function restoresAlike(p: Platform): void {
  const snap = JSON.parse(JSON.stringify(p.snapshot()));
  const q = createPlatform({ profile: p.profile.name as 'xen-hvm', vcpus: 1, ramBytes: 0 });
  q.restore(snap);
  expect(JSON.stringify(q.snapshot())).toBe(JSON.stringify(snap));
}

describe('issue 10 item 12: guest accesses near the end of virtual time', () => {
  for (const profile of ['xen-hvm', 'qemu-pc'] as const) {
    it(`${profile}: PIT count, RTC PIE and the LAPIC timer arm without throwing; the end is reached; the snapshot restores`, () => {
      const p = nearEnd(profile, 1_000_000);
      const out = (port: number, v: number) => p.ports.write(port, 1, v);
      out(0x43, 0x34); // channel 0, mode 2
      out(0x40, 0x00);
      out(0x40, 0x10); // 4096: the next OUT0 edge is 3.4 ms away, past the end
      out(0x70, 0x0a);
      out(0x71, 0x26); // 1024 Hz periodic rate
      out(0x70, 0x0b);
      out(0x71, 0x42); // PIE, 24 h
      p.mmio.write(0xfee000f0, 4, 0x1ff, CPU0);
      p.mmio.write(0xfee003e0, 4, 0xb, CPU0);
      p.mmio.write(0xfee00320, 4, 0x20040, CPU0); // periodic, vector 0x40
      p.mmio.write(0xfee00380, 4, 1_000_000, CPU0);
      expect(p.clock.advanceTo(END)).toBe(END);
      out(0x43, 0x00);
      const count = p.ports.read(0x40, 1) | (p.ports.read(0x40, 1) << 8);
      // Loaded at the first edge after the write, one decrement per edge since.
      const loadEdge = pitEdgesAt(END - 1_000_000) + 1n;
      expect(count).toBe(4096 - Number(pitEdgesAt(END) - loadEdge));
      restoresAlike(p);
    });
  }

  it('xen-hvm: PM TMR_EN near the end arms nothing past it and does not throw', () => {
    const p = nearEnd('xen-hvm', 1000);
    expect(p.ports.read(0x1f40, 2) & 1).toBe(1); // TMR_STS: the counter's bit 31 has flipped since 0
    p.ports.write(0x1f40, 2, 0x0001); // write 1 to clear TMR_STS
    p.ports.write(0x1f42, 2, 0x0001); // PM1a_EN.TMR_EN: the next flip (in 55 h) is past the end
    expect([p.ports.read(0x1f40, 2) & 1, p.ports.read(0x1f42, 2)]).toEqual([0, 1]);
    expect(p.clock.advanceTo(END)).toBe(END);
    restoresAlike(p);
  });

  it('qemu-pc PM timer: TMR_EN near the end does not throw', () => {
    const clock = new VirtualClock({ minPeriodNs: 1 });
    const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
    const pm = new PmTimer(ports, new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI }), clock, QEMU_PC_PM_PARAMS);
    clock.restoreTime(END - 10);
    expect(pm.place(0xb000)).toBe(true); // as the PIIX4's PMBA would
    ports.write(0xb000, 2, 1); // clear TMR_STS
    ports.write(0xb002, 2, 1); // TMR_EN
    expect(ports.read(0xb000, 2) & 1).toBe(0);
    expect(clock.advanceTo(END)).toBe(END);
    expect(clock.nextDeadline()).toBe(null);
    expect(pm.snapshot()).toBeDefined();
  });
});

describe('issue 10 item 12: a host advance to the very end', () => {
  it('qemu-pc: advanceTo(2^53 − 1) fires every OUT0 edge of the running PIT up to the end, from inside the callbacks', () => {
    const p = nearEnd('qemu-pc', 100_000_000); // reset state: mode 3, 65536, OUT0 toggles every 32768 edges
    const irq: Array<[number, boolean]> = [];
    p.irq.observeGsi((g, level) => {
      if (g === 0) irq.push([p.clock.now, level]); // qemu-pc: ISA IRQ0 is IO-APIC input 0
    });
    p.clock.advance(0); // the reset's first deadline lies in the past: it fires now
    irq.length = 0;
    expect(p.clock.advanceTo(END)).toBe(END);
    // Expected: every multiple of 32768 edges in (start, END], alternating low/high.
    const first = pitEdgesAt(END - 100_000_000) / 32768n + 1n;
    const want: Array<[number, boolean]> = [];
    for (let h = first; pitEdgeNs(h * 32768n) <= END; h++) want.push([pitEdgeNs(h * 32768n), h % 2n === 0n]);
    expect(want.length).toBe(3);
    expect(irq).toEqual(want);
    p.ports.write(0x43, 1, 0x00);
    const count = p.ports.read(0x40, 1) | (p.ports.read(0x40, 1) << 8);
    const k = pitEdgesAt(END) % 32768n; // mode 3, even count: decrements by 2 from 65536
    expect(count).toBe((65536 - 2 * Number(k)) & 0xffff);
    restoresAlike(p);
  });

  it('xen-hvm: a periodic LAPIC timer whose next tick is past the end leaves nothing armed that restore refuses', () => {
    const p = nearEnd('xen-hvm', 1_000_000);
    p.mmio.write(0xfee000f0, 4, 0x1ff, CPU0);
    p.mmio.write(0xfee003e0, 4, 0xb, CPU0); // divide by 1: 10 ns per count on Xen
    p.mmio.write(0xfee00320, 4, 0x20040, CPU0);
    p.mmio.write(0xfee00380, 4, 60_000, CPU0); // 600 µs: one tick, the next is past the end
    expect(p.clock.advanceTo(END)).toBe(END);
    const lapic = p.device('lapic0').snapshot() as any;
    expect(lapic.timer.deadline).toBe(-1);
    expect(lapic.timer.armed).toBe(0);
    // TMCCT still counts down analytically from the last tick.
    expect(p.mmio.read(0xfee00390, 4, CPU0)).toBe(20_000); // 400 µs = 40,000 counts since the tick
    restoresAlike(p);
  });
});
