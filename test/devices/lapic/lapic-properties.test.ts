// Bad-inputs classes A, C, D, F, L: random guest traffic (MMIO at any offset and width, any MSR
// with any value, IPIs, messages, MSIs, time jumps) never throws, never yields NaN/undefined, never
// delivers a vector below 16, and keeps the LAPIC invariants.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { accessContext } from '../../../src/bus/access.js';
import { BASE, makePlatform } from './helpers.js';

type P = ReturnType<typeof makePlatform>;

const vcpu = fc.integer({ min: 0, max: 3 }); // 3 exists only as a stray context
const op = fc.oneof(
  fc.record({ k: fc.constant('mmio-read' as const), vcpu, off: fc.integer({ min: 0, max: 0xfff }), size: fc.constantFrom(1, 2, 4, 8) }),
  fc.record({
    k: fc.constant('mmio-write' as const),
    vcpu,
    off: fc.oneof(fc.integer({ min: 0, max: 0xfff }), fc.constantFrom(0x80, 0xb0, 0xd0, 0xe0, 0xf0, 0x280, 0x300, 0x310, 0x320, 0x350, 0x370, 0x380, 0x3e0)),
    size: fc.constantFrom(1, 2, 4, 8),
    value: fc.integer({ min: 0, max: 0xffffffff }),
  }),
  fc.record({
    k: fc.constant('rdmsr' as const),
    vcpu: fc.integer({ min: 0, max: 2 }),
    msr: fc.oneof(fc.integer({ min: 0x7ff, max: 0xc00 }), fc.constantFrom(0x1b, 0x6e0, 0x10)),
  }),
  fc.record({
    k: fc.constant('wrmsr' as const),
    vcpu: fc.integer({ min: 0, max: 2 }),
    msr: fc.oneof(fc.integer({ min: 0x800, max: 0x83f }), fc.constantFrom(0x1b, 0x6e0, 0x900, 0xbff)),
    value: fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: 0xfffffn }),
      fc.constantFrom(0n, 0xfee00800n, 0xfee00c00n, 0xfee00000n, 0xfee00900n, 0xfee00d00n),
    ),
  }),
  fc.record({
    k: fc.constant('message' as const),
    vector: fc.integer({ min: 0, max: 255 }),
    deliveryMode: fc.integer({ min: 0, max: 7 }),
    logical: fc.boolean(),
    destination: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 2, 4, 0xff, 0xffffffff)),
    levelTriggered: fc.boolean(),
    assert: fc.boolean(),
    shorthand: fc.integer({ min: 0, max: 3 }),
    source: fc.integer({ min: -1, max: 5 }),
  }),
  fc.record({
    k: fc.constant('msi' as const),
    addressLo: fc.integer({ min: 0xfedf0000, max: 0xfeefffff }),
    addressHi: fc.integer({ min: 0, max: 0xffff }),
    data: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({ k: fc.constant('advance' as const), ns: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(1e6, 1e9, 1e12)) }),
  fc.record({ k: fc.constant('ack' as const), vcpu: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ k: fc.constant('lint' as const), pin: fc.constantFrom(0 as const, 1 as const), level: fc.boolean() }),
);

function checkInvariants(p: P): void {
  for (const l of p.router.lapics) {
    for (const base of [0x10, 0x18, 0x20]) expect(l.regs[base]! & 0xffff).toBe(0); // no vector < 16 anywhere
    const ppr = l.ppr;
    expect(Number.isInteger(ppr) && ppr >= 0 && ppr <= 0xff).toBe(true);
    const tmict = l.regs[0x38]!;
    const tmcct = l.readRegister(0x39);
    expect(Number.isInteger(tmcct) && tmcct >= 0 && tmcct <= tmict).toBe(true);
    expect(l.timer.deadline === -1 || l.timer.deadline >= 0).toBe(true);
    // x2APIC implies EN; in xAPIC mode the window serves, in x2APIC it does not
    if (l.x2apicMode) expect(l.hwEnabled).toBe(true);
    expect((l.apicBase & ~0x000f_ffff_ffff_fd00n) === 0n).toBe(true);
    expect([2, 4, 8, 16, 32, 64, 128, 1]).toContain(l.timer.divisor);
  }
}

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function run(p: P, o: Op): void {
  switch (o.k) {
    case 'mmio-read': {
      const ctx = accessContext(o.vcpu);
      if (o.size === 8) expect(typeof p.mmio.read64(BASE + o.off, ctx)).toBe('bigint');
      else {
        const v = p.mmio.read(BASE + o.off, o.size, ctx);
        expect(Number.isInteger(v) && v >= 0 && v < 2 ** (o.size * 8)).toBe(true);
      }
      return;
    }
    case 'mmio-write':
      if (o.size === 8) p.mmio.write64(BASE + o.off, BigInt(o.value), accessContext(o.vcpu));
      else p.mmio.write(BASE + o.off, o.size, o.value, accessContext(o.vcpu));
      return;
    case 'rdmsr': {
      const r = p.lapic(o.vcpu).readMsr(o.msr);
      if (r.kind === 'ok') expect(r.value >= 0n && r.value < 1n << 64n).toBe(true);
      else if (r.kind === 'fault') expect(r.vector).toBe(13);
      return;
    }
    case 'wrmsr':
      expect(['ok', 'fault', 'unhandled']).toContain(p.lapic(o.vcpu).writeMsr(o.msr, o.value).kind);
      return;
    case 'message':
      p.router.deliverApicMessage(o);
      return;
    case 'msi':
      p.fabric.sendMsi(o);
      return;
    case 'advance':
      p.clock.advance(o.ns);
      return;
    case 'ack': {
      const l = p.lapic(o.vcpu);
      const pending = l.hasPendingInterrupt();
      const svr = l.regs[0x0f]! & 0xff;
      const v = l.acknowledge();
      if (v !== null) {
        expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
        // below 16 only as the PIC's vector (0x20 here) or the spurious vector the guest chose
        if (v < 16) expect(v).toBe(svr);
        expect(pending).toBe(true);
      }
      return;
    }
    case 'lint':
      if (o.pin === 0) p.fabric.namedLine('pic.int').set(o.level);
      else p.lapic(0).setLint(1, o.level);
      return;
  }
}

describe('random traffic', () => {
  test('never throws, stays in range, keeps invariants; the state survives a snapshot round trip', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 50 }), (ops) => {
        const p = makePlatform(3);
        p.enable(0);
        p.enable(1);
        for (const o of ops) {
          run(p, o);
          checkInvariants(p);
        }
        const state = JSON.parse(JSON.stringify(p.router.devices().map((d) => d.snapshot())));
        const q = makePlatform(3);
        q.clock.restoreTime(p.clock.now);
        q.router.devices().forEach((d, i) => d.restore(state[i]));
        expect(JSON.parse(JSON.stringify(q.router.devices().map((d) => d.snapshot())))).toEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  test('reads are a pure function of state (class M): repeated reads agree', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 0, max: 0x3ff }), (ops, off) => {
        const p = makePlatform(3);
        for (const o of ops) run(p, o);
        const a = p.rd(off & ~3);
        expect(p.rd(off & ~3)).toBe(a);
      }),
      { numRuns: 200 },
    );
  });
});
