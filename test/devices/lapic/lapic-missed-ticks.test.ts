// The periodic LAPIC timer under Xen's missed-tick policies (HVM_PARAM_TIMER_MODE; vpt.c: a tick
// that expires while the previous one is untaken is counted, and pt_intr_post replays one per
// acknowledgement, or collapses them), and Xen's x2APIC LDR compatibility for migrated guests.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { ApicRouter } from '../../../src/devices/lapic/apic-router.js';
import { QEMU_PC_LAPIC_PARAMS, XEN_LAPIC_PARAMS, type LapicParams } from '../../../src/devices/lapic/params.js';
import type { TimerMode } from '../../../src/device-model/timer-mode/timer-mode.js';
import { FakePic } from './helpers.js';

const PERIOD = 100_000; // TMICT 10 000 at divide-by-1 on Xen's 10 ns bus cycle: 100 µs

function rig(mode: TimerMode = 'no_delay_for_missed_ticks', params: LapicParams = XEN_LAPIC_PARAMS, vcpus = 1) {
  const clock = new VirtualClock();
  const router = new ApicRouter(new MmioBus(), new InterruptFabric(), clock, params, vcpus, new FakePic(), mode);
  const l = router.lapics[0]!;
  l.writeRegister(0x0f, 0x1ff); // SVR: software-enable
  l.writeRegister(0x3e, 0xb); // TDCR: divide by 1
  l.writeRegister(0x32, 0x20040); // LVTT: periodic, vector 0x40
  l.writeRegister(0x38, PERIOD / params.busCycleNs);
  /** Takes and EOIs everything the guest is given now; returns how many timer interrupts that was. */
  const drain = () => {
    let n = 0;
    for (let v = l.acknowledge(); v !== null; v = l.acknowledge()) {
      expect(v).toBe(0x40);
      n++;
      l.writeRegister(0x0b, 0);
    }
    return n;
  };
  return { clock, router, l, drain };
}

describe('missed ticks of the periodic LAPIC timer', () => {
  test('no_delay_for_missed_ticks (libxl default): 5 untaken ticks are all delivered, one per acknowledgement', () => {
    const { clock, l, drain } = rig();
    clock.advanceTo(5 * PERIOD + PERIOD / 2);
    expect(l.missedTicks.pending).toBe(5);
    expect(l.acknowledge()).toBe(0x40);
    expect(l.acknowledge()).toBe(null); // the owed tick waits for this one's EOI (same vector in ISR)
    expect(l.regs[0x22]! & 1).toBe(1); // … but it is already pending in IRR
    l.writeRegister(0x0b, 0);
    expect(drain()).toBe(4);
    expect(l.missedTicks.pending).toBe(0);
    clock.advanceTo(6 * PERIOD);
    expect(drain()).toBe(1);
  });

  test('delay_for_missed_ticks replays the backlog the same way (guest-time freezing is not modelled)', () => {
    const { clock, drain } = rig('delay_for_missed_ticks');
    clock.advanceTo(3 * PERIOD);
    expect(drain()).toBe(3);
  });

  test.each(['no_missed_ticks_pending', 'one_missed_tick_pending'] as const)('%s: the backlog collapses on the first acknowledgement', (mode) => {
    const { clock, drain } = rig(mode);
    clock.advanceTo(5 * PERIOD);
    expect(drain()).toBe(1);
    clock.advanceTo(6 * PERIOD);
    expect(drain()).toBe(1);
  });

  test('qemu-pc (hardware): ticks that find the vector pending are lost', () => {
    const { clock, l, drain } = rig('no_delay_for_missed_ticks', QEMU_PC_LAPIC_PARAMS);
    expect(l.missedTicks.tracking).toBe(false);
    clock.advanceTo(5 * PERIOD);
    expect(drain()).toBe(1);
  });

  test('a guest that takes every tick in time gets exactly one interrupt per period', () => {
    const { clock, drain } = rig();
    const counts: number[] = [];
    for (let k = 1; k <= 6; k++) {
      clock.advanceTo(k * PERIOD);
      counts.push(drain());
    }
    expect(counts).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test('reprogramming (TMICT, TDCR or LVTT) drops the backlog, as Xen re-creates the periodic timer', () => {
    for (const [reg, value] of [
      [0x38, PERIOD / 10],
      [0x3e, 0xb],
      [0x32, 0x20040],
    ] as const) {
      const { clock, l, drain } = rig();
      clock.advanceTo(4 * PERIOD);
      l.writeRegister(reg, value);
      expect(l.missedTicks.pending, `register 0x${reg.toString(16)}`).toBe(0);
      expect(drain()).toBe(1); // the one already in IRR
    }
  });

  test('masking the LVT after the first acknowledgement: owed ticks are dropped, nothing more arrives', () => {
    const { clock, l, drain } = rig();
    clock.advanceTo(3 * PERIOD);
    expect(l.acknowledge()).toBe(0x40); // one more is owed and pending
    l.writeRegister(0x0b, 0);
    l.writeRegister(0x32, 0x30040); // masked
    expect(drain()).toBe(1); // the one already in IRR
    clock.advanceTo(10 * PERIOD);
    expect(drain()).toBe(0);
  });

  test('a backlog survives snapshot and restore; a snapshot with the wrong tracking is refused', () => {
    const a = rig();
    a.clock.advanceTo(4 * PERIOD + 10);
    const state = JSON.parse(JSON.stringify(a.router.devices().map((d) => d.snapshot())));
    const b = rig();
    b.clock.restoreTime(a.clock.now);
    b.router.devices().forEach((d, i) => d.restore(state[i]));
    expect(b.l.missedTicks.pending).toBe(4);
    expect(b.drain()).toBe(4);
    expect(a.drain()).toBe(4);
    const bad = structuredClone(state);
    bad[1].missedTicks.tracking = false;
    bad[1].missedTicks.pending = 0;
    bad[1].missedTicks.issued = false;
    const c = rig();
    expect(() => c.router.devices()[1]!.restore(bad[1])).toThrow(SnapshotError);
    const owedWithoutTimer = structuredClone(state);
    owedWithoutTimer[1].regs[0x38] = 0;
    owedWithoutTimer[1].timer = { counting: false, start: 0, tscDeadline: '0x0', armed: 0, deadline: -1, period: 0 };
    expect(() => c.router.devices()[1]!.restore(owedWithoutTimer[1])).toThrow(SnapshotError);
  });
});

describe('missed-tick accounting (property, bounded: ≤ 40 steps of ≤ 1 s)', () => {
  const step = fc.oneof(
    fc.record({ k: fc.constant('advance' as const), ns: fc.oneof(fc.integer({ min: 1, max: 3 * PERIOD }), fc.constantFrom(1_000_000, 1_000_000_000)) }),
    fc.record({ k: fc.constant('take' as const), eoi: fc.boolean() }),
  );
  const modes = ['delay_for_missed_ticks', 'no_delay_for_missed_ticks', 'no_missed_ticks_pending', 'one_missed_tick_pending'] as const;
  test('never more interrupts than expired periods; replaying policies deliver every one once the guest catches up', () => {
    fc.assert(
      fc.property(fc.constantFrom(...modes), fc.boolean(), fc.array(step, { maxLength: 40 }), (mode, qemu, steps) => {
        const { clock, l, drain } = rig(mode, qemu ? QEMU_PC_LAPIC_PARAMS : XEN_LAPIC_PARAMS);
        let delivered = 0;
        for (const s of steps) {
          if (s.k === 'advance') clock.advance(s.ns);
          else {
            const v = l.acknowledge();
            if (v !== null) delivered++;
            if (s.eoi) l.writeRegister(0x0b, 0);
          }
          expect(delivered).toBeLessThanOrEqual(Math.floor(clock.now / PERIOD));
        }
        while (l.highest(0x10) >= 0) l.writeRegister(0x0b, 0);
        delivered += drain();
        const expired = Math.floor(clock.now / PERIOD);
        expect(delivered).toBeLessThanOrEqual(expired);
        if (!qemu && (mode === 'delay_for_missed_ticks' || mode === 'no_delay_for_missed_ticks')) expect(delivered).toBe(expired);
        if (expired > 0) expect(delivered).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  }, 60_000); // ~6 s alone; a loaded 2-core machine has taken over 20 s
});

describe('x2APIC LDR of guests migrated from Xen 4.4–4.18 (bug_x2apic_ldr_vcpu_id)', () => {
  const x2 = (params: LapicParams, vcpu: number, router: ApicRouter) => {
    const l = router.lapics[vcpu]!;
    expect(l.writeMsr(0x1b, l.apicBase | 0x400n).kind).toBe('ok');
    return l;
  };
  const make = (params: LapicParams = XEN_LAPIC_PARAMS) => new ApicRouter(new MmioBus(), new InterruptFabric(), new VirtualClock(), params, 10, new FakePic());

  test('new guests: LDR from the x2APIC ID (2 × vCPU); compat flag: from the vCPU index; the ID is 2 × vCPU either way', () => {
    const fresh = make();
    expect(x2(XEN_LAPIC_PARAMS, 9, fresh).readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x10004n }); // ID 18: cluster 1, bit 2
    const legacyParams = { ...XEN_LAPIC_PARAMS, x2apicLdrFromVcpuId: true };
    const legacy = make(legacyParams);
    const l9 = x2(legacyParams, 9, legacy);
    expect(l9.readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x200n }); // vCPU 9: cluster 0, bit 9
    expect(l9.readMsr(0x802)).toEqual({ kind: 'ok', value: 18n });
    expect(legacy.resolve({ destination: 0x200, logical: true, shorthand: 0, source: -1 })).toEqual([9]);
  });

  test('restoring a vCPU-derived LDR is accepted and switches the domain (Xen lapic_load_fixup); other LDRs are refused', () => {
    const legacyParams = { ...XEN_LAPIC_PARAMS, x2apicLdrFromVcpuId: true };
    const source = make(legacyParams);
    x2(legacyParams, 9, source);
    const state = JSON.parse(JSON.stringify(source.devices().map((d) => d.snapshot())));
    state[0].x2apicLdrFromVcpuId = false; // as an older stream would carry it: only the LDR tells
    const target = make();
    target.devices().forEach((d, i) => d.restore(state[i]));
    expect(target.domain.x2apicLdrFromVcpuId).toBe(true);
    expect(target.lapics[9]!.readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x200n });
    expect(x2(XEN_LAPIC_PARAMS, 5, target).readMsr(0x80d)).toEqual({ kind: 'ok', value: 0x20n }); // later vCPUs follow
    expect(target.snapshot()).toMatchObject({ x2apicLdrFromVcpuId: true });

    const bogus = structuredClone(state);
    bogus[10].regs[0x0d] = 0x1234;
    expect(() => make().lapics[9]!.restore(bogus[10])).toThrow(SnapshotError);
  });
});
