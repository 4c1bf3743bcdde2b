// Whatever a guest does, on every profile: random port, MMIO, MSR and INTA traffic aimed at every
// device window (and anywhere else), interleaved with clock steps, never throws and never returns
// a value outside the access size. And restore is exact: a snapshot taken at a random point, sent
// through JSON and restored into a fresh platform, then gives the same replies to the same
// continuation and the same final snapshot; a mutated snapshot that restore refuses leaves the
// platform byte for byte as it was and it then behaves like an untouched twin.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { Ioapic } from '../../src/devices/ioapic/ioapic.js';
import { PROFILE_NAMES, type ProfileName } from '../../src/platform/profiles.js';
import { SnapshotError } from '../../src/device-model/snapshot.js';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import type { PicPair } from '../../src/devices/pic/pic-pair.js';
import type { Platform } from '../../src/platform/platform.js';

const WINDOWS = [0xfec00000, 0xfed00000, 0xfee00000, 0xa0000, 0xe0000000, 0xb0000000, 0x1000];
const HOT_PORTS = [
  0x20, 0x21, 0x40, 0x41, 0x42, 0x43, 0x61, 0x70, 0x71, 0xa0, 0xa1, 0x4d0, 0x4d1, 0xcf8, 0xcf9, 0xcfc, 0xcfe, 0xe9, 0x1f40, 0x1f44, 0x1f48, 0xb000, 0xb008,
  0x600, 0x608,
];
const RUNS = Number(process.env.GUEST_FUZZ_RUNS ?? 25);
/** More runs need more time than vitest's default 20 s per test. */
const TIMEOUT_MS = Math.max(20_000, RUNS * 500);

type Op =
  | { kind: 'in'; port: number; size: 1 | 2 | 4; vcpu: number }
  | { kind: 'out'; port: number; size: 1 | 2 | 4; value: number; vcpu: number }
  | { kind: 'read'; addr: number; size: 1 | 2 | 4 | 8; vcpu: number }
  | { kind: 'write'; addr: number; size: 1 | 2 | 4 | 8; value: bigint; vcpu: number }
  | { kind: 'wrmsr'; msr: number; value: bigint; vcpu: number }
  | { kind: 'rdmsr'; msr: number; vcpu: number }
  | { kind: 'step'; ns: number }
  | { kind: 'inta'; vcpu: number };

const vcpu = fc.integer({ min: 0, max: 1 });
const size4 = fc.constantFrom<1 | 2 | 4>(1, 2, 4);
const size8 = fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8);
const port = fc.oneof(fc.constantFrom(...HOT_PORTS), fc.integer({ min: 0, max: 0xffff }));
const addr = fc.oneof(
  fc.tuple(fc.constantFrom(...WINDOWS), fc.integer({ min: 0, max: 0x1003 })).map(([b, o]) => b + o),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
);
const value32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0x1ff, 0x700, 0x10000, 0x20030, 0x8000));
const msr = fc.oneof(fc.constantFrom(0x1b, 0x6e0), fc.integer({ min: 0x800, max: 0x83f }));
const out = (port: number, value: number, vcpu = 0): Op => ({ kind: 'out', port, size: 1, value, vcpu });
const mmio = (a: number, value: number, size: 4 | 8 = 4, vcpu = 0): Op => ({ kind: 'write', addr: a, size, value: BigInt(value), vcpu });
const ioapicEntry = (pin: number, low: number): Op[] => [mmio(0xfec00000, 0x10 + 2 * pin), mmio(0xfec00010, low)];
/** What guests set up, as a few accesses each, so random traffic reaches interrupts often. */
const scripts: fc.Arbitrary<Op[]> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xff }))
    .map(([imr, elcr]) => [
      out(0x20, 0x11),
      out(0x21, 0x20),
      out(0x21, 0x04),
      out(0x21, 0x01),
      out(0xa0, 0x11),
      out(0xa1, 0x28),
      out(0xa1, 0x02),
      out(0xa1, 0x01),
      out(0x21, imr),
      out(0x4d1, elcr & 0xde),
    ]),
  fc.tuple(vcpu, fc.constantFrom(0x700, 0x23, 0x10000, 0x400, 0x8023)).map(([v, lint0]) => [mmio(0xfee000f0, 0x1ff, 4, v), mmio(0xfee00350, lint0, 4, v)]),
  fc
    .tuple(vcpu, fc.integer({ min: 1000, max: 200_000 }), fc.constantFrom(0x20040, 0x40, 0x10040))
    .map(([v, count, lvt]) => [mmio(0xfee000f0, 0x1ff, 4, v), mmio(0xfee003e0, 0xb, 4, v), mmio(0xfee00320, lvt, 4, v), mmio(0xfee00380, count, 4, v)]),
  fc
    .tuple(fc.constantFrom(0x30, 0x34, 0x36, 0x32), fc.integer({ min: 0, max: 0xffff }))
    .map(([cw, n]) => [out(0x43, cw), out(0x40, n & 0xff), out(0x40, n >>> 8)]),
  fc
    .tuple(
      fc.constantFrom(0, 1, 2),
      fc.integer({ min: 1000, max: 100_000 }),
      fc.integer({ min: 0, max: 0x3f }),
      fc.integer({ min: 0, max: 23 }),
      fc.constantFrom(1, 3),
    )
    .map(([t, cmp, conf, route, gen]) => [mmio(0xfed00108 + 0x20 * t, cmp), mmio(0xfed00100 + 0x20 * t, (conf & 0x4e) | (route << 9)), mmio(0xfed00010, gen)]),
  fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0x20, max: 0xfe }), fc.boolean(), fc.integer({ min: 0, max: 1 }))
    .map(([pin, vec, level, dest]) => [mmio(0xfec00000, 0x11 + 2 * pin), mmio(0xfec00010, dest << 24), ...ioapicEntry(pin, vec | (level ? 0x8000 : 0))]),
  fc.integer({ min: 1, max: 15 }).map((rate) => [out(0x70, 0x0a), out(0x71, 0x20 | rate), out(0x70, 0x0b), out(0x71, 0x42)]),
  fc.tuple(vcpu, fc.integer({ min: 0x20, max: 0xfe })).map(([v, vec]) => [mmio(0xfee000b0, 0, 4, v), mmio(0xfec00040, vec)]),
  fc.integer({ min: 0, max: 7 }).map((isr) => [mmio(0xfed00020, isr), out(0x20, 0x20), out(0xa0, 0x20)]),
  fc.constant<Op[]>([out(0xcf9, 0x04)]),
);

const single: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('in' as const), port, size: size4, vcpu }),
  fc.record({ kind: fc.constant('out' as const), port, size: size4, value: value32, vcpu }),
  fc.record({ kind: fc.constant('read' as const), addr, size: size8, vcpu }),
  fc.record({
    kind: fc.constant('write' as const),
    addr,
    size: size8,
    value: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), value32.map(BigInt)),
    vcpu,
  }),
  fc.record({ kind: fc.constant('wrmsr' as const), msr, value: fc.oneof(fc.constantFrom(0xfee00800n, 0xfee00c00n, 0xfee00900n), value32.map(BigInt)), vcpu }),
  fc.record({ kind: fc.constant('rdmsr' as const), msr, vcpu }),
  // Short steps only: a qemu-pc timer at its fastest rate costs host time per event (no clamp, as
  // in QEMU); long steps and the end of virtual time are `npm run fuzz`'s (bench/guest-fuzz.ts).
  fc.record({ kind: fc.constant('step' as const), ns: fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.constant(0)) }),
  fc.record({ kind: fc.constant('inta' as const), vcpu }),
);
const ops = (maxLength: number): fc.Arbitrary<Op[]> =>
  fc.array(fc.oneof({ arbitrary: single.map((o) => [o]), weight: 3 }, { arbitrary: scripts, weight: 1 }), { maxLength }).map((xs) => xs.flat());

/** Applies one operation and returns what the guest saw (checked to be in range). */
function apply(p: Platform, o: Op): string {
  const ctx = accessContext(o.kind === 'step' ? 0 : o.vcpu);
  const lapic = o.kind === 'step' ? undefined : (p.vcpus[o.vcpu]?.devices.get('lapic') as Lapic | undefined);
  switch (o.kind) {
    case 'in': {
      const v = p.ports.read(o.port, o.size, ctx);
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** (8 * o.size)).toBe(true);
      return String(v);
    }
    case 'out':
      p.ports.write(o.port, o.size, o.value, ctx);
      return '';
    case 'read': {
      const v = o.size === 8 ? p.mmio.read64(o.addr, ctx) : BigInt(p.mmio.read(o.addr, o.size, ctx));
      expect(v >= 0n && v < 1n << BigInt(8 * o.size)).toBe(true);
      return String(v);
    }
    case 'write':
      if (o.size === 8) p.mmio.write64(o.addr, o.value, ctx);
      else p.mmio.write(o.addr, o.size, Number(o.value & 0xffffffffn), ctx);
      return '';
    case 'wrmsr':
      return lapic === undefined ? 'none' : lapic.writeMsr(o.msr, o.value).kind;
    case 'rdmsr': {
      if (lapic === undefined) return 'none';
      const r = lapic.readMsr(o.msr);
      return r.kind === 'ok' ? `ok ${r.value}` : r.kind;
    }
    case 'step':
      return String(p.clock.advance(o.ns));
    case 'inta': {
      if (lapic === undefined) return 'none';
      const pending = lapic.hasPendingInterrupt();
      const v = lapic.acknowledge();
      if (v !== null) expect(Number.isInteger(v) && v >= 0 && v <= 0xff).toBe(true);
      return `${pending} ${v}`;
    }
  }
}

/**
 * Every controller input agrees with its line (nothing here drives an input directly, as qtest's
 * set_irq_in may): the BSP's LINT0 with the PIC's INT, each PIC input with its ISA line, each
 * IO-APIC pin with its GSI (qemu-pc pin 2: with one of IRQ0 and GSI 2, the last to change).
 */
function linesAgree(p: Platform): void {
  const bad: string[] = [];
  const int = p.irq.namedLine('pic.int').level;
  const lapic = p.vcpus[0]!.devices.get('lapic') as Lapic | undefined;
  if (lapic !== undefined && lapic.lint[0] !== int) bad.push(`LINT0 ${lapic.lint[0]}, pic.int ${int}`);
  const pic = p.devices.get('pic') as PicPair | undefined;
  if (pic !== undefined) {
    if (pic.intOutput !== int) bad.push(`PIC INT ${pic.intOutput}, pic.int ${int}`);
    for (let pin = 0; pin < 16; pin++) {
      const latched = (((pin < 8 ? pic.master : pic.slave).inputs >>> (pin & 7)) & 1) === 1;
      if (pin !== 2 && latched !== p.irq.picInputLevel(pin)) bad.push(`PIC input ${pin} ${latched}`);
    }
  }
  for (const d of p.devices.values()) {
    if (!(d instanceof Ioapic)) continue;
    for (let pin = 0; pin < d.params.pins; pin++) {
      const gsi = d.params.gsiBase + pin;
      const latched = d.inputLevel(pin);
      const ok =
        !d.params.input0IsPin2 || pin > 2 || pin === 1
          ? latched === p.irq.gsiLevel(gsi)
          : pin === 0
            ? !latched
            : latched === p.irq.gsiLevel(0) || latched === p.irq.gsiLevel(2);
      if (!ok) bad.push(`${d.id} pin ${pin} ${latched}`);
    }
  }
  if (bad.length > 0) expect(bad).toEqual([]);
}

const build = (profile: ProfileName) => createPlatform({ profile, vcpus: 2, ramBytes: 1 << 16 });
const snapshotJson = (p: Platform) => JSON.stringify(p.snapshot());
/** Runs `ops`, checking after each that the lines agree (unless the state came from a mutated snapshot). */
const run = (p: Platform, ops: readonly Op[], agree = true) =>
  ops.map((o) => {
    const reply = apply(p, o);
    if (agree) linesAgree(p);
    return reply;
  });

/** Every path to a leaf of a plain-data value (array indices included). */
function leaves(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out);
  else out.push(path);
  return out;
}

const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(-1, 2 ** 32, 2 ** 53, 0.5, null, true, false, 'x', '0x1', [], {}, 0xffffffff, 255, 256, 1e300),
  fc.integer(),
  fc.constant(new Array<number>(255).fill(0)),
  // biome-ignore lint/suspicious/noSparseArray: the case is a sparse array on purpose
  fc.constant([0, , 0]), // a sparse array
);

/** A leaf's replacement: something hostile, or a small change of the same type (often accepted). */
const mutation: fc.Arbitrary<(old: unknown) => unknown> = fc.oneof(
  fc.constant((old: unknown) => (typeof old === 'boolean' ? !old : typeof old === 'number' ? old + 1 : old)),
  fc.constant((old: unknown) => (typeof old === 'number' ? 0 : old)),
  fc.constant((old: unknown) => (typeof old === 'number' ? Math.max(0, old - 1) : typeof old === 'string' ? '0x0' : old)),
  hostileValue.map((v) => () => v),
);

describe('random guest traffic on every profile', () => {
  for (const profile of PROFILE_NAMES) {
    it(
      `${profile}: in range, and snapshot → JSON → restore into a fresh or a used platform gives the same replies and final snapshot`,
      () => {
        fc.assert(
          fc.property(ops(30), ops(30), ops(15), (prefix, continuation, elsewhere) => {
            const p = build(profile);
            run(p, prefix);
            const snap = snapshotJson(p);
            const q = build(profile);
            q.restore(JSON.parse(snap));
            expect(snapshotJson(q)).toBe(snap);
            // A platform with a history of its own restores to the same thing.
            const r = build(profile);
            run(r, elsewhere);
            r.restore(JSON.parse(snap));
            expect(snapshotJson(r)).toBe(snap);
            const replies = run(p, continuation);
            expect(run(q, continuation)).toEqual(replies);
            expect(run(r, continuation)).toEqual(replies);
            expect(snapshotJson(q)).toBe(snapshotJson(p));
            expect(snapshotJson(r)).toBe(snapshotJson(p));
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT_MS,
    );

    it(
      `${profile}: a mutated snapshot is refused with the platform untouched (and like an untouched twin after), or accepted and re-restorable`,
      () => {
        fc.assert(
          fc.property(ops(20), ops(20), fc.nat(), mutation, ops(15), (prefix, other, pick, mutate, continuation) => {
            const p = build(profile);
            const twin = build(profile);
            run(p, prefix);
            run(twin, prefix);
            // The mutated snapshot comes from another state, so applying it first really changes things.
            const donor = build(profile);
            run(donor, other);
            const mutated = JSON.parse(snapshotJson(donor)) as Record<string | number, unknown>;
            const paths = leaves(mutated);
            const path = paths[pick % paths.length]!;
            let obj = mutated;
            for (const k of path.slice(0, -1)) obj = obj[k] as Record<string | number, unknown>;
            const key = path.at(-1)!;
            obj[key] = mutate(obj[key]);
            const before = snapshotJson(p);
            let refused = false;
            try {
              p.restore(mutated);
            } catch (e) {
              expect(e).toBeInstanceOf(SnapshotError);
              refused = true;
            }
            if (refused) {
              expect(snapshotJson(p)).toBe(before);
              expect(run(p, continuation)).toEqual(run(twin, continuation));
              expect(snapshotJson(p)).toBe(snapshotJson(twin));
            } else {
              // Usable: never throws. The lines may disagree with latches the mutation changed: a
              // host may drive controller inputs directly (qtest's set_irq_in, Lapic.setLint).
              // Restoring into a used platform is the same as into a fresh one, even for a state no guest made.
              const fresh = build(profile);
              fresh.restore(structuredClone(mutated));
              expect(snapshotJson(p)).toBe(snapshotJson(fresh));
              expect(run(p, continuation, false)).toEqual(run(fresh, continuation, false));
              const again = snapshotJson(p);
              const q = build(profile);
              q.restore(JSON.parse(again));
              expect(snapshotJson(q)).toBe(again);
            }
          }),
          { numRuns: RUNS },
        );
      },
      TIMEOUT_MS,
    );
  }
});
