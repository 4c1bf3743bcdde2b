// Snapshot → restore into a fresh platform → identical behaviour; hostile snapshots refused.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { makePlatform, toX2apic } from './helpers.js';

type P = ReturnType<typeof makePlatform>;

/** Three vCPUs mid-activity: periodic, one-shot and TSC-deadline timers armed, vectors in service. */
function busy(): P {
  const p = makePlatform(3);
  for (let i = 0; i < 3; i++) p.enable(i);
  p.wr(0x3e0, 0xb, 0);
  p.wr(0x320, 0x20031, 0);
  p.wr(0x380, 30_000, 0); // 300 µs periodic
  p.wr(0x320, 0x32, 1);
  p.wr(0x380, 50_000, 1); // 1 ms one-shot (divide by 2)
  toX2apic(p.router, 2);
  p.lapic(2).writeMsr(0x832, 0x40033n);
  p.lapic(2).writeMsr(0x6e0, 700_000n);
  p.clock.advance(250_000);
  p.wr(0x300, 0x40000 | 0x61, 0);
  p.lapic(0).acknowledge(); // 0x61 in service
  p.router.deliverApicMessage({ vector: 0x45, deliveryMode: 0, logical: false, destination: 0, levelTriggered: true, assert: true, shorthand: 0, source: -1 });
  p.wr(0x370, 0xfe, 1);
  p.wr(0x300, 0x40000 | 0x02, 1); // error pending on vCPU 1
  return p;
}

function save(p: P) {
  return JSON.parse(JSON.stringify(p.router.devices().map((d) => d.snapshot())));
}

function restoreInto(state: unknown[], at: number): P {
  const q = makePlatform(3);
  q.clock.restoreTime(at);
  q.router.devices().forEach((d, i) => d.restore(state[i]));
  return q;
}

/** What a guest and the CPU observe over 2 ms: acknowledged vectors, EOIs, counters. */
function observe(p: P): unknown[] {
  const log: unknown[] = [];
  for (let step = 0; step < 40; step++) {
    p.clock.advance(50_000);
    for (let i = 0; i < 3; i++) {
      const v = p.lapic(i).acknowledge();
      log.push([i, v, p.rd(0x390, i), p.lapic(i).readMsr(0x839).kind]);
      if (v !== null && step % 3 === 0) {
        if (i === 2) p.lapic(2).writeMsr(0x80b, 0n);
        else p.wr(0xb0, 0, i);
      }
    }
  }
  p.wr(0x280, 0, 1);
  log.push(p.rd(0x280, 1), [...p.eoi.vectors]);
  return log;
}

describe('snapshot', () => {
  test('restored platform behaves identically from then on', () => {
    const a = busy();
    const state = save(a);
    const b = restoreInto(state, a.clock.now);
    expect(save(b)).toEqual(state);
    expect(observe(b)).toEqual(observe(a));
  });

  test('fuzz finding: a count left in TMICT when the LVT timer moves to the reserved mode 3 restores', () => {
    // Campaign (a) seed 20261209 case 1790: one-shot TMICT 0x1234, then an LVT timer write with
    // mode bits 18:17 = 3. Only entering or leaving TSC-deadline mode clears TMICT (SDM §11.5.4.1),
    // so the register keeps the count (it reads 0 while nothing counts, as Xen's vlapic_read
    // gives) and shows it again back in one-shot mode: the state must restore.
    const p = makePlatform(3);
    p.enable(0);
    p.wr(0x320, 0x31, 0); // one-shot, vector 0x31
    p.wr(0x380, 0x1234, 0);
    p.wr(0x320, 0x60031, 0); // mode 3 (reserved)
    expect(p.rd(0x380, 0)).toBe(0);
    const q = restoreInto(save(p), p.clock.now);
    expect(save(q)).toEqual(save(p));
    for (const x of [p, q]) {
      x.wr(0x320, 0x31, 0); // back to one-shot: the kept count reads again
      expect(x.rd(0x380, 0)).toBe(0x1234);
    }
  });

  test('reset restores the power-on state', () => {
    const a = busy();
    a.router.devices().forEach((d) => d.reset());
    const fresh = makePlatform(3);
    fresh.clock.advance(a.clock.now);
    expect(save(a)).toEqual(save(fresh));
  });

  const mutations: [string, (s: any) => void][] = [
    ['vector 3 pending in IRR', (s) => (s[1].regs[0x20] = 0x8)],
    ['TPR above 0xFF', (s) => (s[1].regs[8] = 0x100)],
    ['wrong version', (s) => (s[1].regs[3] = 0x10)],
    ['PPR slot holds a value', (s) => (s[1].regs[0x0a] = 1)],
    ['LVT bits outside the mask', (s) => (s[1].regs[0x37] = 0x20000)],
    ['TDCR bit 2', (s) => (s[1].regs[0x3e] = 4)],
    ['EXTD without EN', (s) => (s[1].apicBase = [0xfee00400, 0])],
    ['moved xAPIC window', (s) => (s[1].apicBase = [0xfed00800, 0])],
    ['xAPIC window above 4 GiB', (s) => (s[1].apicBase = [0xfee00800, 1])],
    ['reserved APIC_BASE bits 63:52', (s) => (s[1].apicBase = [0xfee00800, 0x100000])],
    ['x2APIC ID not derived from the vCPU', (s) => (s[3].regs[2] = 7)],
    ['armed one-shot without a count', (s) => (s[2].regs[0x38] = 0)],
    ['deadline outside deadline mode', (s) => (s[1].timer.tscDeadline = [0x10, 0])],
    ['deadline (high half) outside deadline mode', (s) => (s[1].timer.tscDeadline = [0, 1])],
    ['NaN deadline', (s) => (s[1].timer.deadline = NaN)],
    ['deadline beyond 2^53', (s) => (s[1].timer.deadline = 2 ** 60)],
    ['snapshot of another vCPU', (s) => (s[1].vcpu = 2)],
    ['regs too short', (s) => s[1].regs.pop()],
    ['SIPI vector 256', (s) => (s[1].sipiVector = 256)],
    ['unknown ESR bit', (s) => (s[1].pendingEsr = 0x80)],
    ['cursor outside the vCPUs', (s) => (s[0].lowestPriorityCursor = 3)],
    ['not an object', (s) => (s[1] = [1, 2])],
  ];
  test.each(mutations)('refuses %s and leaves the device unchanged', (_name, mutate) => {
    const a = busy();
    const state = save(a);
    const bad = JSON.parse(JSON.stringify(state));
    mutate(bad);
    const q = restoreInto(state, a.clock.now);
    const before = save(q);
    const devices = q.router.devices();
    let refused = 0;
    devices.forEach((d, i) => {
      try {
        d.restore(bad[i]);
      } catch (e) {
        expect(e).toBeInstanceOf(SnapshotError);
        refused++;
      }
    });
    expect(refused).toBe(1);
    expect(save(q)).toEqual(before);
  });

  test('random field mutations: refused with SnapshotError, or accepted exactly', () => {
    const base = save(busy());
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
      else paths.push(path);
    };
    walk(base, []);
    const values = fc.oneof(fc.integer({ min: -2, max: 2 ** 32 }), fc.constantFrom(NaN, Infinity, -0, 2 ** 53, '0x1', '0xffffffffffffffffff', true, null, 0.5));
    fc.assert(
      fc.property(fc.constantFrom(...paths), values, (path, value) => {
        const s = JSON.parse(JSON.stringify(base));
        let o = s;
        for (const k of path.slice(0, -1)) o = o[k];
        o[path[path.length - 1]!] = value;
        const q = makePlatform(3);
        q.clock.restoreTime(1_000_000);
        const dev = q.router.devices()[path[0] as number]!;
        try {
          dev.restore(s[path[0] as number]);
        } catch (e) {
          expect(e).toBeInstanceOf(SnapshotError);
          return;
        }
        expect(JSON.parse(JSON.stringify(dev.snapshot()))).toEqual(JSON.parse(JSON.stringify(s[path[0] as number])));
      }),
      { numRuns: 200 },
    );
  });
});
