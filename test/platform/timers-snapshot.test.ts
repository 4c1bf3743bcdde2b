// A platform whose timers are all busy (PIT channel 0 at 1 kHz with a missed-tick backlog owed,
// channel 2 counting behind port 0x61, RTC periodic + update interrupts, HPET periodic, 32-bit
// one-shot and level timers, PM timer with its SCI enabled) is snapshotted mid-activity, restored
// into a fresh createPlatform platform, and both then answer the same script identically — the
// owed ticks included. Mutations of the timer devices' snapshots are refused whole or accepted
// into a platform that keeps answering.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { leafPaths, restoreOrRefuseWhole, withLeaf } from './snapshot-mutation.js';

const OPTIONS: PlatformOptions = { profile: 'xen-hvm', vcpus: 1, ramBytes: 0, timerMode: 'delay_for_missed_ticks' };
const rte = (gsi: number, low: number) => [`writel 0xfec00000 0x${(0x10 + 2 * gsi).toString(16)}`, `writel 0xfec00010 0x${low.toString(16)}`];

const SETUP = [
  'writel 0xfee000f0 0x1ff',
  ...rte(2, 0x30), // PIT IRQ0
  ...rte(8, 0x38), // RTC IRQ8
  ...rte(9, 0x8039), // SCI, level
  ...rte(20, 0x48), // HPET timer 0
  ...rte(21, 0x8029), // HPET timer 2, level (a lower priority class)
  'outb 0x43 0x34',
  'outb 0x40 0xa9',
  'outb 0x40 0x04', // PIT ch0 mode 2, 1 kHz
  'outb 0x61 0x01',
  'outb 0x43 0xb6',
  'outb 0x42 0x34',
  'outb 0x42 0x12', // ch2 mode 3 behind gate
  'outb 0x70 0x0a',
  'outb 0x71 0x26',
  'outb 0x70 0x0b',
  'outb 0x71 0x52', // RTC 1024 Hz, PIE + UIE
  'writel 0xfed00100 0x284c',
  'writeq 0xfed00108 62500',
  'writeq 0xfed00108 62500', // T0 periodic 1 ms → GSI 20
  'writel 0xfed00120 0x104',
  'writel 0xfed00128 400000', // T1 32-bit one-shot... route 0 sanitised
  'writel 0xfed00140 0x2a06',
  'writeq 0xfed00148 300000', // T2 level one-shot → GSI 21
  'writel 0xfed00010 1',
  'outw 0x1f42 0x0001', // PM1a_EN.TMR_EN
  'clock_step 5500000', // 5 PIT periods unacknowledged
  'inta',
  'writel 0xfee000b0 0', // one taken: the backlog is being replayed
];

const CONTINUATION = [
  ...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'inta' : 'writel 0xfee000b0 0')),
  'outb 0x43 0x00',
  'inb 0x40',
  'inb 0x40',
  'outb 0x43 0xe8',
  'inb 0x42',
  'inb 0x61',
  'outb 0x70 0x0c',
  'inb 0x71',
  'outb 0x70 0x0a',
  'inb 0x71',
  'outb 0x70 0x00',
  'inb 0x71',
  'readq 0xfed000f0',
  'readl 0xfed00020',
  'readq 0xfed00108',
  'readl 0xfed00148',
  'inl 0x1f48',
  'inw 0x1f40',
  'clock_step 2345678',
  ...Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'inta' : 'writel 0xfee000b0 0')),
  'outb 0x70 0x0c',
  'inb 0x71',
  'readq 0xfed000f0',
  'readl 0xfed00020',
  'inl 0x1f48',
  'inw 0x1f40',
];

function busy(): QtestSession {
  const s = new QtestSession(createPlatform(OPTIONS));
  installExtensions(s);
  for (const cmd of SETUP) expect(s.handle(cmd)[0], cmd).toMatch(/^OK/);
  return s;
}

function fresh(): QtestSession {
  const s = new QtestSession(createPlatform(OPTIONS));
  installExtensions(s);
  return s;
}

const run = (s: QtestSession, script: readonly string[]) => script.flatMap((cmd) => [`> ${cmd}`, ...s.handle(cmd)]);

describe('busy timer platform snapshots', () => {
  it('restored into a fresh platform: identical answers afterwards, owed ticks included', () => {
    const a = busy();
    const snap = JSON.parse(JSON.stringify(a.platform.snapshot())) as {
      devices: Record<string, { missedTicks?: unknown; timers?: { missedTicks: unknown }[] }>;
    };
    // Taken so far: one HPET tick (the highest vector). Owed: 4 HPET, 5 RTC, 5 PIT ticks.
    expect(snap.devices['hpet']!.timers![0]!.missedTicks).toMatchObject({ tracking: true, pending: 4, issued: true });
    expect(snap.devices['rtc']!.missedTicks).toMatchObject({ tracking: true, pending: 5, issued: true });
    expect(snap.devices['pit']!.missedTicks).toMatchObject({ tracking: true, pending: 5, issued: true });
    const b = fresh();
    b.platform.restore(snap);
    const ra = run(a, CONTINUATION);
    expect(run(b, CONTINUATION)).toEqual(ra);
    // The continuation exercises the state: the owed ticks come back to back, highest vector first.
    expect(ra.filter((l) => /^OK 0x[34]8$/.test(l)).slice(0, 6)).toEqual(['OK 0x48', 'OK 0x48', 'OK 0x48', 'OK 0x48', 'OK 0x38', 'OK 0x38']);
  });

  it('a fresh platform without the snapshot answers differently (the comparison can fail)', () => {
    expect(run(fresh(), CONTINUATION)).not.toEqual(run(busy(), CONTINUATION));
  });

  it('property: a mutated pit/rtc/hpet/pm snapshot is refused with SnapshotError and changes nothing, or accepted whole', () => {
    const snap = JSON.parse(JSON.stringify(busy().platform.snapshot())) as Record<string, unknown>;
    const devices = snap['devices'] as Record<string, unknown>;
    const paths = ['pit', 'rtc', 'hpet', 'pm'].flatMap((id) => leafPaths(devices[id], ['devices', id]));
    expect(paths.length).toBeGreaterThan(40);
    const hostile = fc.oneof(
      fc.constantFrom(-1, 2 ** 53, 1e308, 0.5, null, true, 'x', '0xffffffffffffffffff', [], {}, 'no_such_mode'),
      fc.integer(),
      fc.string({ maxLength: 8 }),
    );
    const target = fresh();
    let refused = 0;
    fc.assert(
      fc.property(fc.nat(paths.length - 1), hostile, (i, value) => {
        if (restoreOrRefuseWhole(target.platform, withLeaf(snap, paths[i]!, value))) {
          refused++;
          return;
        }
        for (const cmd of CONTINUATION) expect(target.handle(cmd).filter((l) => l.startsWith('FAIL'))).toEqual([]);
      }),
      { numRuns: 200, seed: 4 },
    );
    expect(refused).toBeGreaterThan(100);
  });
});
