import { describe, expect, it } from 'vitest';
import { SnapshotError } from '../../../src/device-model/snapshot.js';
import { COUNTER, GEN_CONF, GINTR, T0_CMP, T0_CONF, tCmp, tConf, xenRig, type Rig } from './helpers.js';

/** A busy HPET: counter running, a periodic edge timer, a pending level timer, a one-shot armed. */
function busy(): Rig {
  const r = xenRig();
  const { mmio, clock } = r;
  mmio.write(T0_CONF, 4, 0x4 | 0x8 | 0x40 | (20 << 9));
  mmio.write64(T0_CMP, 6250n);
  mmio.write64(T0_CMP, 9375n); // period 150 µs
  mmio.write(tConf(1), 4, 0x2 | 0x4 | (23 << 9));
  mmio.write64(tCmp(1), 1000n);
  mmio.write(tConf(2), 4, 0x4 | 0x100 | (21 << 9));
  mmio.write64(tCmp(2), 500_000n);
  mmio.write(GEN_CONF, 4, 1);
  clock.advance(230_000);
  return r;
}

function observe(r: Rig): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < 8; i++) {
    r.clock.advance(1_000_000);
    out.push(r.mmio.read64(COUNTER), r.mmio.read64(T0_CMP), r.mmio.read(GINTR, 4));
    if (i === 3) r.mmio.write(GINTR, 4, 2);
  }
  out.push(r.gsi.slice(-12).map(([t, g, l]) => `${t}:${g}:${l}`));
  return out;
}

describe('HPET snapshot and restore', () => {
  it('a restored HPET behaves exactly like the original from then on', () => {
    const a = busy();
    const snap = JSON.parse(JSON.stringify(a.hpet.snapshot()));
    const b = xenRig();
    b.clock.restoreTime(a.clock.now);
    b.hpet.restore(snap);
    expect(b.fabric.gsiLevel(23)).toBe(true); // the pending level interrupt is re-asserted
    expect(b.hpet.snapshot()).toEqual(a.hpet.snapshot());
    for (let n = 0; n < 3; n++) expect(b.hpet.nextInterruptAt(n)).toBe(a.hpet.nextInterruptAt(n));
    a.gsi.length = 0;
    b.gsi.length = 0;
    expect(observe(b)).toEqual(observe(a));
  });

  it('refuses mutated snapshots and leaves the device unchanged (bad-inputs class K)', () => {
    const a = busy();
    const good = JSON.parse(JSON.stringify(a.hpet.snapshot()));
    const t0 = good.timers[0];
    const mutations: unknown[] = [
      { ...good, genConf: 4 },
      { ...good, isr: 8 },
      { ...good, counter: [0, 2 ** 32] },
      { ...good, counter: '0x1' },
      { ...good, counter: 12 },
      { ...good, timers: good.timers.slice(0, 2) },
      { ...good, timers: [...good.timers, t0] },
      { ...good, timers: [{ ...t0, conf: t0.conf & ~0x10 }, ...good.timers.slice(1)] },
      { ...good, timers: [{ ...t0, conf: (t0.conf & ~(31 << 9)) | (3 << 9) }, ...good.timers.slice(1)] },
      { ...good, timers: [{ ...t0, period: [1, 0] }, ...good.timers.slice(1)] },
      { ...good, timers: [t0, good.timers[1], { ...good.timers[2], cmp: [0, 1] }] },
      { ...good, timers: [{ ...t0, fired: 'no' }, ...good.timers.slice(1)] },
      { ...good, guestEnabled: 1 },
      null,
      'x',
    ];
    const before = a.hpet.snapshot();
    for (const m of mutations) expect(() => a.hpet.restore(m)).toThrow(SnapshotError);
    expect(a.hpet.snapshot()).toEqual(before);
  });
});
