// A busy platform (timers armed, interrupts pending and in service) is snapshotted mid-activity,
// restored into a fresh platform, and both then answer the same script identically. Mutated
// snapshots are refused with a SnapshotError and leave the target platform unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { leafPaths, restoreOrRefuseWhole, withLeaf } from './snapshot-mutation.js';
import { PIC_INIT } from './pic-setup.js';

const OPTIONS: PlatformOptions = { profile: 'xen-hvm', vcpus: 2, ramBytes: 0 };

/** Gets every interrupt source busy: LAPIC timers, IO-APIC level pins, PIC, HPET, PM timer. */
const SETUP = [
  'writel 0xfee000f0 0x1ff', // vCPU 0 LAPIC on
  'writel 0xfee00320 0x20040', // periodic, vector 0x40
  'writel 0xfee003e0 0x3', // divide by 16
  'writel 0xfee00380 5000',
  'vcpu 1',
  'writel 0xfee000f0 0x1ff',
  'writel 0xfee00320 0x51', // one-shot, vector 0x51
  'writel 0xfee00380 300000',
  'vcpu 0',
  'writel 0xfec00000 0x22', // IO-APIC GSI 9: level, vector 0x39
  'writel 0xfec00010 0x8039',
  'writel 0xfed00010 1', // HPET on
  'writel 0xfed00100 0x4c', // timer 0: periodic, INT_ENB, value-set... route 0 sanitised
  'writeq 0xfed00108 100000',
  ...PIC_INIT, // PIC ICW1..4: vector base 0x20
  'clock_step 1234567',
  'set_irq_in ioapic unnamed-gpio-in 9 1',
  'inta', // something goes in service
];

const CONTINUATION = [
  'readl 0xfee00390',
  'readl 0xfee00100',
  'readl 0xfee00110',
  'readl 0xfee00200',
  'readl 0xfee00210',
  'inta',
  'writel 0xfee000b0 0',
  'inta',
  'clock_step 777777',
  'readl 0xfee00390',
  'inta',
  'vcpu 1',
  'readl 0xfee00390',
  'clock_step 500000',
  'inta',
  'vcpu 0',
  'readq 0xfed000f0',
  'readl 0xfed00020',
  'inl 0x1f48',
  'inl 0x1f40',
  'outb 0x20 0x0a',
  'inb 0x20',
  'clock_step',
  'clock_step',
  'inta',
  'writel 0xfec00000 0x22',
  'readl 0xfec00010',
];

function busy() {
  const s = new QtestSession(createPlatform(OPTIONS));
  installExtensions(s);
  for (const cmd of SETUP) s.handle(cmd);
  return s;
}

function run(s: QtestSession, script: readonly string[]): string[] {
  return script.flatMap((cmd) => [`> ${cmd}`, ...s.handle(cmd)]);
}

describe('busy-platform snapshots', () => {
  it('restore into a fresh platform → identical behaviour afterwards', () => {
    const a = busy();
    const snap = JSON.parse(JSON.stringify(a.platform.snapshot())) as unknown;
    const b = new QtestSession(createPlatform(OPTIONS));
    installExtensions(b);
    b.platform.restore(snap);
    const ra = run(a, CONTINUATION);
    const rb = run(b, CONTINUATION);
    expect(rb).toEqual(ra);
    // The continuation really exercises state: something was delivered and counters moved.
    expect(ra.some((l) => /^OK 0x[0-9a-f]{2}$/.test(l))).toBe(true);
  });

  it('property: a mutated snapshot is refused with SnapshotError and changes nothing, or accepted whole', () => {
    const snap = JSON.parse(JSON.stringify(busy().platform.snapshot())) as Record<string, unknown>;
    const paths = leafPaths(snap.devices, ['devices']);
    const hostile = fc.oneof(fc.constantFrom(-1, 2 ** 53, 1e308, 0.5, null, true, 'x', '0xffffffffffffffffff', [], {}), fc.integer(), fc.string());
    const target = new QtestSession(createPlatform(OPTIONS));
    installExtensions(target);
    fc.assert(
      fc.property(fc.nat(paths.length - 1), hostile, (i, value) => {
        if (restoreOrRefuseWhole(target.platform, withLeaf(snap, paths[i]!, value))) return;
        // Accepted: the platform still answers every guest access (a throw would surface as FAIL).
        for (const cmd of CONTINUATION) expect(target.handle(cmd).filter((l) => l.startsWith('FAIL'))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
