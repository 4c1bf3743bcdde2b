// Ports, profiles, latches, read-back, port 0x61, reset states, HPET legacy replacement and the
// missed-tick policy on IRQ0.
import { describe, expect, it } from 'vitest';
import { edgeNs, makePit } from './harness.js';

describe('PIT ports per profile', () => {
  it('port 0x43 reads 0xFF under Xen and 0 under QEMU, and never disturbs a channel', () => {
    const x = makePit('xen');
    x.out(0x43, 0x34);
    x.out(0x40, 0x10);
    x.out(0x40, 0x00);
    expect(x.inb(0x43)).toBe(0xff);
    expect(makePit('qemu').inb(0x43)).toBe(0x00);
    x.clock.advanceTo(edgeNs(5));
    expect(x.latched(0)).toBe(0x10 - 4);
  });

  it('Xen accepts only byte accesses: wider reads give all-ones, wider writes are dropped', () => {
    const x = makePit('xen');
    expect(x.ports.read(0x40, 2)).toBe(0xffff);
    expect(x.ports.read(0x40, 4)).toBe(0xffffffff);
    expect(x.ports.read(0x61, 2)).toBe(0xffff);
    x.ports.write(0x43, 2, 0x0034);
    x.out(0x43, 0xe2);
    expect(x.inb(0x40)).toBe(0x0e); // still unprogrammed: RW 00, mode bits 111
  });

  it('LSB-only and MSB-only access follow the datasheet byte order', () => {
    const r = makePit('xen');
    r.out(0x43, 0x50); // ch1, LSB only, mode 0
    r.out(0x41, 0xc8); // count 200
    r.clock.advanceTo(edgeNs(11));
    expect(r.inb(0x41)).toBe(200 - 10);
    expect(r.inb(0x41)).toBe(200 - 10); // every read is the LSB
    r.out(0x43, 0x60); // ch1, MSB only, mode 0
    r.out(0x41, 0x02); // count 0x200
    r.clock.advanceTo(edgeNs(11 + 1 + 0x100));
    expect(r.inb(0x41)).toBe(0x01); // 0x200 - 0x100 = 0x100 → MSB 0x01
  });

  it('a latch holds the count until both bytes are read; a second latch meanwhile is ignored', () => {
    const r = makePit('xen');
    r.out(0x43, 0x34);
    r.out(0x40, 0x00);
    r.out(0x40, 0x10);
    r.clock.advanceTo(edgeNs(101));
    r.out(0x43, 0x00); // latch: 4096 - 100 = 0x0F9C
    r.clock.advanceTo(edgeNs(301));
    r.out(0x43, 0x00); // ignored
    expect(r.inb(0x40)).toBe(0x9c);
    r.out(0x43, 0x00); // still ignored: MSB unread
    expect(r.inb(0x40)).toBe(0x0f);
    expect(r.inb(0x40) | (r.inb(0x40) << 8)).toBe(4096 - 300); // live again
  });

  it('read-back: status first, then the count; NULL COUNT until the count is loaded', () => {
    const r = makePit('xen');
    r.out(0x43, 0x30); // ch0 word mode 0
    r.out(0x43, 0xe2);
    expect(r.inb(0x40)).toBe(0x70); // OUT low, NULL COUNT, RW=11, mode 0
    r.out(0x40, 100);
    r.out(0x40, 0);
    r.out(0x43, 0xc2); // latch count and status of ch0
    expect(r.inb(0x40)).toBe(0x70); // count written at this edge, loaded at the next
    r.clock.advanceTo(edgeNs(1));
    expect(r.inb(0x40) | (r.inb(0x40) << 8)).toBe(0); // the count latched before the load (CE was 0)
    r.out(0x43, 0xe2);
    expect(r.inb(0x40)).toBe(0x30); // loaded: NULL COUNT clear, before terminal count
    r.clock.advanceTo(edgeNs(101));
    r.out(0x43, 0xe2);
    expect(r.inb(0x40)).toBe(0xb0); // OUT high after terminal count (QEMU agrees: 0x30 then 0xb0)
    // Read-back of several channels latches only the selected ones.
    r.out(0x43, 0x54); // ch1 LSB mode 2
    r.out(0x41, 50);
    r.clock.advanceTo(edgeNs(111));
    r.out(0x43, 0xd4); // count latch, ch1 only (bit 2)
    r.clock.advanceTo(edgeNs(121));
    expect(r.inb(0x41)).toBe(50 - 9); // written at edge 101, loaded at 102, latched at 111 (k = 9)
  });

  it('port 0x61: gate, speaker data, OUT2 and the refresh toggle (Xen: bit 14 of ns time)', () => {
    const r = makePit('xen');
    expect(r.inb(0x61)).toBe(0x00); // Xen reset: gate 0, OUT2 low, t < 2^14 ns
    r.clock.advanceTo(16384);
    expect(r.inb(0x61)).toBe(0x10);
    r.clock.advanceTo(32768);
    expect(r.inb(0x61)).toBe(0x00);
    r.out(0x61, 0x03);
    expect(r.inb(0x61)).toBe(0x03);
    r.out(0x43, 0x90); // ch2 LSB mode 0
    r.out(0x42, 50);
    const K0 = Math.floor((r.clock.now * 1193182) / 1e9);
    r.clock.advanceTo(edgeNs(K0 + 51));
    expect(r.inb(0x61) & 0x23).toBe(0x23);
  });

  it('port 0x61 under QEMU: the refresh bit flips on every read (the oracle sequence)', () => {
    const q = makePit('qemu');
    expect(q.inb(0x61)).toBe(0x30); // channel 2 in mode 3 with gate low: OUT2 high
    q.out(0x43, 0x90);
    q.out(0x42, 50);
    q.out(0x61, 0x01);
    expect(q.inb(0x61)).toBe(0x01);
    q.clock.advance(30_000);
    expect(q.inb(0x61)).toBe(0x11);
    q.clock.advance(20_000);
    expect(q.inb(0x61)).toBe(0x21);
  });
});

describe('reset state and IRQ0 per profile', () => {
  it('Xen: unprogrammed channels count from 65536 but raise no IRQ0; ch2 gate low', () => {
    const x = makePit('xen');
    x.clock.advance(200_000_000);
    expect(x.irq).toEqual([]);
    x.out(0x43, 0xe6); // status of ch0 and ch1
    expect(x.inb(0x40) & 0x3f).toBe(0x0e);
    expect(x.inb(0x41) & 0x3f).toBe(0x0e);
    expect(x.pit.channels[2].gate).toBe(false);
  });

  it('QEMU: channel 0 runs mode 3 with 65536 from t = 0 (OUT falls at edge 32768, 27.46 ms); IRQ0 quiet until then', () => {
    const q = makePit('qemu');
    expect(q.pit.out(0)).toBe(true);
    expect(q.fabric.gsiLevel(0)).toBe(false); // QEMU's reset leaves IRQ0 low although OUT0 is high
    q.clock.advanceToNextDeadline();
    expect(q.clock.now).toBe(27462701); // QEMU's deadline rounds down: 27462700
    expect(q.irq).toEqual([]);
    q.clock.advanceTo(60_000_000);
    expect(q.irq).toEqual([[edgeNs(65536), true]]); // from OUT0's first move on, IRQ0 follows it
    // The oracle's way to silence it: mode 0, count 1.
    q.out(0x43, 0x30);
    q.out(0x40, 1);
    q.out(0x40, 0);
    q.clock.advance(10_000);
    expect(q.fabric.gsiLevel(0)).toBe(true);
    expect(q.clock.nextDeadline()).toBeNull();
  });

  it('HPET legacy replacement silences channel 0 (line low, nothing scheduled) and hands it back', () => {
    const r = makePit('xen');
    r.out(0x43, 0x34);
    r.out(0x40, 0x00);
    r.out(0x40, 0x10);
    r.pit.setLegacyReplacement(true);
    expect(r.fabric.gsiLevel(2)).toBe(false);
    expect(r.clock.nextDeadline()).toBeNull();
    r.clock.advanceTo(edgeNs(4096 * 3 + 1));
    expect(r.latched(0)).toBe(4096); // counting went on: reloaded at edge 12289
    r.pit.setLegacyReplacement(false);
    expect(r.fabric.gsiLevel(2)).toBe(true);
    // Xen's periodic pulse starts again one period (round(4096 · 10^9 / 1193182) ns) after the hand-back.
    expect(r.clock.nextDeadline()).toBe(edgeNs(4096 * 3 + 1) + 3_432_838);

    const o = makePit('xen', { params: { irq0Pulse: 'out0' } }); // IRQ0 following OUT0: its next edge
    o.out(0x43, 0x34);
    o.out(0x40, 0x00);
    o.out(0x40, 0x10);
    o.pit.setLegacyReplacement(true);
    o.clock.advanceTo(edgeNs(4096 * 3 + 1));
    o.pit.setLegacyReplacement(false);
    expect(o.clock.nextDeadline()).toBe(edgeNs(4096 * 4));
  });
});

describe('Xen PV (pv_pit_handler)', () => {
  it('only 0x42, 0x43 and 0x61 reach the PIT; counters 0/1 are unreachable and IRQ0 is never driven', () => {
    const r = makePit('xen', { params: { ports: 'pv' } });
    expect(r.ports.regionAt(0x40)).toBeNull();
    expect(r.inb(0x40)).toBe(0xff);
    r.out(0x43, 0x34); // a control word for counter 0 is accepted ...
    r.out(0x40, 0x10); // ... but its count port is not there
    r.clock.advance(100_000_000);
    expect(r.irq).toEqual([]);
    r.out(0x43, 0xb6); // counter 2, mode 3
    r.out(0x42, 0x00);
    r.out(0x42, 0x10);
    r.out(0x61, 0x01);
    r.clock.advance(edgeNs(2049) + 1);
    expect(r.inb(0x61) & 0x20).toBe(0); // low half of the 4096-edge square wave
    expect(r.inb(0x43)).toBe(0xff);
  });
});

describe('output observers', () => {
  it('observeIrq reports IRQ0 as the PIT drives it, apart from other sources on the shared line', () => {
    const r = makePit('xen', { params: { irq0Pulse: 'out0' } }); // IRQ0 following OUT0
    const seen: Array<[number, boolean]> = [];
    const stop = r.pit.observeIrq((level) => seen.push([r.clock.now, level]));
    const other = r.fabric.sourceLine('other-irq0-source', 2, 0);
    other.raise(); // e.g. the HPET's legacy route holding GSI 2 high
    r.out(0x43, 0x34);
    r.out(0x40, 0x00);
    r.out(0x40, 0x10);
    r.clock.advanceTo(edgeNs(8194));
    expect(seen).toEqual([
      [0, true],
      [edgeNs(4096), false],
      [edgeNs(4097), true],
      [edgeNs(8192), false],
      [edgeNs(8193), true],
    ]);
    expect(r.irq).toEqual([[0, true]]); // the wired-OR never dropped
    stop();
    r.clock.advanceTo(edgeNs(12300));
    expect(seen).toHaveLength(5);
  });
});

describe('missed-tick policy on IRQ0 (acknowledgements wired)', () => {
  function run(mode: 'no_delay_for_missed_ticks' | 'one_missed_tick_pending') {
    const r = makePit('xen', { mode });
    r.pit.periodicTimer.trackTicksTaken(true);
    r.out(0x43, 0x34);
    r.out(0x40, 0x9c); // 0x049c = 1180 edges ≈ 989 µs
    r.out(0x40, 0x04);
    r.pit.periodicTimer.tickTaken(0); // the initial rise at programming
    r.clock.advance(10_000_000); // ~10 periods, none acknowledged
    const before = r.irq.filter(([, l]) => l).length;
    let replays = 0;
    for (let i = 0; i < 20; i++) {
      const n = r.irq.length;
      r.pit.periodicTimer.tickTaken(0);
      if (r.irq.length > n) replays++;
    }
    return { before, replays, pending: (r.pit.snapshot() as { missedTicks: { pending: number } }).missedTicks.pending };
  }

  it('no_delay_for_missed_ticks (libxl default) replays every owed tick, one per acknowledgement', () => {
    const { before, replays, pending } = run('no_delay_for_missed_ticks');
    expect(before).toBe(1 + 10); // the rise at programming, then one per 1180 edges up to edge 11931
    expect(replays).toBe(9); // ten ticks owed, the first delivered: nine replays
    expect(pending).toBe(0);
  });

  it('one_missed_tick_pending collapses the backlog on acknowledgement', () => {
    const { replays, pending } = run('one_missed_tick_pending');
    expect(replays).toBe(0);
    expect(pending).toBe(0);
  });
});
