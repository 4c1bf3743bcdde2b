// The platform snapshot format (docs/architecture.md, "Devices and snapshots"): version 3 writes
// 64-bit values as [low, high] u32 halves and the LAPICs as one part of columns; version-1 (0x-hex
// strings) and version-2 (one part per LAPIC) snapshots, saved fixtures from the last builds that
// wrote them, still restore into exactly the state they were taken of; and a snapshot with any one
// field corrupted is refused with that field's path and changes nothing.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPlatform, type PlatformOptions } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { SnapshotError } from '../../src/device-model/snapshot.js';

interface FormatCase {
  readonly name: string;
  readonly options: PlatformOptions;
  /** The qtest commands that made the fixture's state (see test/fixtures/snapshots/README.md). */
  readonly setup: readonly string[];
}

const CASES: readonly FormatCase[] = [
  {
    name: 'xen-hvm-2vcpu-busy',
    options: { profile: 'xen-hvm', vcpus: 2, ramBytes: 0 },
    setup: [
      ...['writel 0xfee000f0 0x1ff', 'writel 0xfee00320 0x20040', 'writel 0xfee003e0 0x3', 'writel 0xfee00380 5000'],
      // vCPU 1: TSC-deadline mode with a deadline above 2^32 (both halves non-zero).
      ...['vcpu 1', 'writel 0xfee000f0 0x1ff', 'writel 0xfee00320 0x40051', 'wrmsr 0x6e0 0x1234567890', 'vcpu 0'],
      // IO-APIC: GSI 9 level, vector 0x39, destination 1; GSI 16 destination 0xff (high halves).
      ...['writel 0xfec00000 0x22', 'writel 0xfec00010 0x8039', 'writel 0xfec00000 0x23', 'writel 0xfec00010 0x01000000'],
      ...['writel 0xfec00000 0x30', 'writel 0xfec00010 0x49', 'writel 0xfec00000 0x31', 'writel 0xfec00010 0xff000000'],
      // HPET: timer 0 periodic, timer 1 one-shot with a 64-bit comparator above 2^32.
      ...['writel 0xfed00010 1', 'writel 0xfed00100 0x4c', 'writeq 0xfed00108 100000', 'writel 0xfed00120 0x4', 'writeq 0xfed00128 0x123456789ab'],
      ...['outb 0x20 0x11', 'outb 0x21 0x20', 'outb 0x21 0x04', 'outb 0x21 0x01', 'outb 0xa0 0x11', 'outb 0xa1 0x28', 'outb 0xa1 0x02', 'outb 0xa1 0x01'],
      ...['outb 0x43 0x34', 'outb 0x40 0xa9', 'outb 0x40 0x04', 'outb 0x70 0x0b', 'outb 0x71 0x42'],
      'clock_step 1234567',
      'set_irq_in ioapic unnamed-gpio-in 9 1',
      'inta',
    ],
  },
  {
    name: 'qemu-pc-1vcpu-busy',
    options: { profile: 'qemu-pc', vcpus: 1, ramBytes: 0 },
    setup: [
      ...['writel 0xfee000f0 0x1ff', 'writel 0xfee00320 0x20040', 'writel 0xfee00380 100000'],
      ...['writel 0xfec00000 0x24', 'writel 0xfec00010 0x48', 'writel 0xfec00000 0x25', 'writel 0xfec00010 0x0'],
      // HPET (QEMU's comparator-behind rule): timer 0 32-bit one-shot written behind the counter (a
      // pending first match, comparator 0xffffffff00000010), timer 1 periodic.
      ...['writel 0xfed00010 1', 'clock_step 1000000', 'writel 0xfed00100 0x804', 'writel 0xfed00108 0x10'],
      ...['writel 0xfed00120 0x4c', 'writeq 0xfed00128 0x30000'],
      ...['outb 0x43 0x34', 'outb 0x40 0x00', 'outb 0x40 0x10'],
      'clock_step 777777',
    ],
  },
];

const CONTINUATION = [
  'readl 0xfee00390',
  'inta',
  'writel 0xfee000b0 0',
  'clock_step 777777',
  'readq 0xfed000f0',
  'readq 0xfed00108',
  'readq 0xfed00128',
  'readl 0xfed00020',
  'writel 0xfec00000 0x22',
  'readl 0xfec00010',
  'writel 0xfec00000 0x31',
  'readl 0xfec00010',
  'vcpu 1',
  'rdmsr 0x6e0',
  'rdmsr 0x1b',
  'vcpu 0',
  'clock_step 100000000',
  'inta',
  'inb 0x71',
];

function session(c: FormatCase): QtestSession {
  const s = new QtestSession(createPlatform(c.options));
  installExtensions(s);
  return s;
}

function busy(c: FormatCase): QtestSession {
  const s = session(c);
  for (const cmd of c.setup) expect(s.handle(cmd).join(' '), cmd).toMatch(/^OK/);
  return s;
}

function fixture(c: FormatCase, version = 1): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/snapshots/${c.name}.v${version}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}

const run = (s: QtestSession, script: readonly string[]) => script.flatMap((cmd) => [`> ${cmd}`, ...s.handle(cmd)]);
const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

describe('snapshot format version 3', () => {
  it('writes 64-bit values as [low, high] u32 halves, the IO-APIC table as flat halves, the LAPICs as one part of columns', () => {
    const snap = json(busy(CASES[0]!).platform.snapshot()) as { version: number; devices: Record<string, Record<string, unknown>> };
    expect(snap.version).toBe(3);
    const d = snap.devices;
    expect(Object.keys(d)).toEqual(['apic-bus', 'lapics', 'hpet', 'pm', 'rtc', 'ioapic0', 'pic', 'vga', 'pit', 'debugcon']);
    const lapics = d.lapics as Record<string, unknown> & { timer: Record<string, unknown>; missedTicks: Record<string, unknown> };
    expect(lapics.vcpu).toEqual([0, 1]);
    expect(lapics.apicBase).toEqual([0xfee00900, 0, 0xfee00800, 0]); // vCPU 0 is the BSP
    expect(lapics.timer.tscDeadline).toEqual([0, 0, 0x34567890, 0x12]);
    expect(lapics.timer.armed).toEqual([2, 3]); // vCPU 0 periodic, vCPU 1 TSC deadline (ArmedKind)
    expect((lapics.regs as number[]).length).toBe(2 * 64);
    expect((lapics.regs as number[]).slice(64 + 0x32, 64 + 0x33)).toEqual([0x40051]); // vCPU 1's LVT timer
    expect(lapics.missedTicks.mode).toEqual(['no_delay_for_missed_ticks', 'no_delay_for_missed_ticks']); // Xen's default
    expect((d.hpet!.timers as Record<string, unknown>[])[1]!.cmp).toEqual([0x456789ab, 0x123]);
    const redirection = d.ioapic0!.redirection as number[];
    expect(redirection.length).toBe(2 * 48);
    expect(redirection.slice(18, 20)).toEqual([0x8039 | 0x4000, 0x01000000]); // GSI 9: level, Remote-IRR (input high), destination 1
    expect(redirection.slice(32, 34)).toEqual([0x49, 0xff000000]);
  });

  it('names the column, the element and the LAPIC field of a refused value, and changes nothing', () => {
    const target = busy(CASES[0]!);
    const before = JSON.stringify(target.platform.snapshot());
    for (const [mutate, message] of [
      [(l: any) => (l.regs[64 + 3] = 'x'), 'lapics.regs[67]: expected an integer in [0, 4294967295] (u32), got "x" (lapic1.regs[3])'],
      [(l: any) => (l.regs[64 + 3] = 0x12), 'lapic1.regs[3]: version must be 0x50014'],
      [
        (l: any) => (l.timer.tscDeadline[3] = -1),
        'lapics.timer.tscDeadline[3]: expected an integer in [0, 4294967295] (u32), got -1 (lapic1.timer.tscDeadline[1])',
      ],
      [(l: any) => (l.timer.start = [0]), 'lapics.timer.start: expected an array of 2 elements (one per lapic), got an array of 1'],
      [(l: any) => delete l.timer, 'lapics.timer: expected an object of columns, got undefined'],
      [(l: any) => (l.missedTicks.issued[0] = true), 'lapic0.missedTicks: an issued interrupt with no pending tick'],
      [(l: any) => (l.vcpu = [1, 0]), 'lapic0.vcpu: belongs to another vCPU (this LAPIC is vCPU 0)'],
    ] as const) {
      const bad = json(target.platform.snapshot()) as any;
      mutate(bad.devices.lapics);
      expect(() => target.platform.restore(bad)).toThrow(new SnapshotError(message));
      expect(JSON.stringify(target.platform.snapshot())).toBe(before);
    }
  });
});

describe('version-1 and version-2 snapshots (saved fixtures)', () => {
  for (const c of CASES) {
    for (const version of [1, 2]) {
      it(`${c.name} version ${version}: restores into exactly the state its commands make, and behaves the same from then on`, () => {
        const old = fixture(c, version);
        expect(old.version).toBe(version);
        const original = busy(c);
        const restored = session(c);
        restored.platform.restore(old);
        expect(json(restored.platform.snapshot())).toEqual(json(original.platform.snapshot()));
        expect(run(restored, CONTINUATION)).toEqual(run(original, CONTINUATION));
      });
    }
  }

  it('a version-1 text that is not a 64-bit value is refused with its path, and nothing changes', () => {
    const c = CASES[0]!;
    const target = busy(c);
    const before = JSON.stringify(target.platform.snapshot());
    for (const [mutate, why] of [
      [(d: any) => (d.hpet.timers[1].cmp = '0x1' + '0'.repeat(16)), /^hpet\.timers\[1\]\.cmp: expected a 64-bit value/],
      [(d: any) => (d.lapic1.timer.tscDeadline = 'zz'), /^lapic1\.timer\.tscDeadline: expected a 64-bit value/],
      [(d: any) => (d.ioapic0.redirection[3] = 12), /^ioapic0\.redirection: expected an array of 96 u32 halves/],
    ] as const) {
      const v1 = fixture(c);
      mutate(v1.devices);
      expect(() => target.platform.restore(v1)).toThrow(why);
      expect(JSON.stringify(target.platform.snapshot())).toBe(before);
    }
  });
});

describe('a snapshot with one field corrupted', () => {
  it('a PCI function without MSI-X refuses an MSI-X part instead of ignoring it (found by the property below)', () => {
    const target = busy(CASES[1]!);
    const before = JSON.stringify(target.platform.snapshot());
    const bad = json(target.platform.snapshot()) as any;
    expect(bad.devices.pci.functions[3].state.msix).toBe(null);
    bad.devices.pci.functions[3].state.msix = { table: [], pba: [] };
    expect(() => target.platform.restore(bad)).toThrow(/^pci\.functions\[3\]\.state\.msix: expected null \(there is no MSI-X capability\)/);
    expect(JSON.stringify(target.platform.snapshot())).toBe(before);
  });

  for (const c of CASES) {
    it(`${c.name} (property): is refused with that field's path and leaves the platform byte-identical`, () => {
      const target = busy(c);
      const good = json(target.platform.snapshot());
      const leaves: (string | number)[][] = [];
      const walk = (v: unknown, path: (string | number)[]) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
        else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
        else leaves.push(path);
      };
      walk(good.devices, []);
      const pathText = (p: readonly (string | number)[]) => p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
      // Values no field of any type accepts (a nullable field's null becomes an object missing its fields).
      const wrong = fc.constantFrom<unknown>({}, [], { x: 1 });
      fc.assert(
        fc.property(fc.nat(leaves.length - 1), wrong, (i, value) => {
          const path = leaves[i]!;
          const bad = json(good);
          let o = bad.devices as Record<string | number, unknown>;
          for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
          o[path.at(-1)!] = value;
          const before = JSON.stringify(target.platform.snapshot());
          let message = '';
          try {
            target.platform.restore(bad);
          } catch (e) {
            expect(e).toBeInstanceOf(SnapshotError);
            message = (e as Error).message;
          }
          const where = pathText(path);
          expect(
            [`${where}: `, `${where}.`, `${where}[`].some((p) => message.startsWith(p)),
            `${where} → ${message}`,
          ).toBe(true);
          expect(JSON.stringify(target.platform.snapshot())).toBe(before);
        }),
        { numRuns: 300 },
      );
    });
  }
});
