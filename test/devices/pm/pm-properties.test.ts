// Property tests for bad-inputs classes B (access totality), D (timer arithmetic), E (deadlines
// in the future, one TMR_STS per MSB toggle) and L (PM1 write-1-to-clear).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { PmTimer, pmTicksAt } from '../../../src/devices/pm/pm-timer.js';
import { QEMU_PC_PM_PARAMS, XEN_PM_PARAMS } from '../../../src/devices/pm/pm-params.js';

type Op =
  | { kind: 'read'; port: number; size: 1 | 2 | 4 }
  | { kind: 'write'; port: number; size: 1 | 2 | 4; value: number }
  | { kind: 'advance'; ns: number }
  | { kind: 'button' }
  | { kind: 'relocate'; to: number };

const portArb = fc.integer({ min: 0x1f3e, max: 0x1f4d });
const sizeArb = fc.constantFrom(1 as const, 2 as const, 4 as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), port: portArb, size: sizeArb }),
  fc.record({ kind: fc.constant('write' as const), port: portArb, size: sizeArb, value: fc.nat({ max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('advance' as const), ns: fc.oneof(fc.nat({ max: 10_000_000 }), fc.constant(600e9), fc.constant(1e12)) }),
  fc.record({ kind: fc.constant('button' as const) }),
  fc.record({ kind: fc.constant('relocate' as const), to: fc.constantFrom(0, 1, 0, 7) }),
);

describe('PM block under random guest traffic and huge clock jumps', () => {
  it('xen: never throws; SCI equals (STS & EN & sources); deadlines in the future; timer monotonic modulo wrap', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), (ops) => {
        const clock = new VirtualClock();
        const ports = new PortBus();
        const fabric = new InterruptFabric();
        const pm = new PmTimer(ports, fabric, clock, XEN_PM_PARAMS);
        let lastTicks = 0;
        for (const op of ops) {
          const shift = pm.base === 0xb000 ? 0xb000 - 0x1f40 : 0;
          if (op.kind === 'read') {
            const v = ports.read(op.port + shift, op.size);
            expect(Number.isInteger(v) && v >= 0 && v < 2 ** (op.size * 8)).toBe(true);
          } else if (op.kind === 'write') ports.write(op.port + shift, op.size, op.value);
          else if (op.kind === 'advance') clock.advance(op.ns);
          else if (op.kind === 'button') pm.pressPowerButton();
          else pm.relocate(op.to);
          const base = pm.base!;
          const tmr = ports.read(base + 8, 4);
          const ticks = pmTicksAt(clock.now);
          expect(ticks).toBeGreaterThanOrEqual(lastTicks);
          expect(tmr).toBe(ticks % 2 ** 32);
          lastTicks = ticks;
          const evt = ports.read(base, 4);
          const sts = evt & 0xffff;
          const en = evt >>> 16;
          expect(pm.sciLevel).toBe((sts & en & 0x321) !== 0);
          expect(fabric.gsiLevel(9)).toBe(pm.sciLevel);
          const next = pm.nextEventAt;
          if (next !== null) {
            expect(next).toBeGreaterThan(clock.now);
            expect(next - clock.now).toBeLessThanOrEqual(600e9); // ≤ one MSB half-period (2^31 ticks)
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('qemu-pc: 24-bit timer, SCI gated by SCI_EN, placement moves never throw', () => {
    const qArb = fc.oneof(
      fc.record({ kind: fc.constant('read' as const), port: fc.integer({ min: 0x5fe, max: 0x60d }), size: sizeArb }),
      fc.record({ kind: fc.constant('write' as const), port: fc.integer({ min: 0x5fe, max: 0x60d }), size: sizeArb, value: fc.nat({ max: 0xffffffff }) }),
      fc.record({ kind: fc.constant('advance' as const), ns: fc.oneof(fc.nat({ max: 10_000_000 }), fc.constant(2.4e9), fc.constant(1e12)) }),
      fc.record({ kind: fc.constant('place' as const), base: fc.constantFrom(0x600, null, 0xfffc, 0x600) }),
    );
    fc.assert(
      fc.property(fc.array(qArb, { maxLength: 50 }), (ops) => {
        const clock = new VirtualClock();
        const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
        const fabric = new InterruptFabric();
        const pm = new PmTimer(ports, fabric, clock, QEMU_PC_PM_PARAMS);
        pm.place(0x600);
        for (const op of ops) {
          if (op.kind === 'read') {
            const v = ports.read(op.port, op.size);
            expect(Number.isInteger(v) && v >= 0 && v < 2 ** (op.size * 8)).toBe(true);
          } else if (op.kind === 'write') ports.write(op.port, op.size, op.value);
          else if (op.kind === 'advance') clock.advance(op.ns);
          else pm.place(op.base);
          if (pm.base === null) continue;
          expect(ports.read(pm.base + 8, 4)).toBe(pmTicksAt(clock.now) % 2 ** 24);
          const sts = ports.read(pm.base, 2);
          const en = ports.read(pm.base + 2, 2);
          const sciEn = (ports.read(pm.base + 4, 2) & 1) === 1;
          expect(pm.sciLevel).toBe(sciEn && (sts & en & 0x321) !== 0);
          const next = pm.nextEventAt;
          if (next !== null) expect(next - clock.now).toBeGreaterThan(0);
          if (next !== null) expect(next - clock.now).toBeLessThanOrEqual(2.35e9);
        }
      }),
      { numRuns: 300 },
    );
  });
});
