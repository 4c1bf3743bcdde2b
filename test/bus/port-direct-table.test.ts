// PortBus's per-port table of the sizes served directly (src/bus/port-bus.ts) kept current through
// registrations, moves and removals: under Xen's reject policy a handler sees an access exactly when
// its range serves it (inside, a declared size, aligned if required), with the offset from its base.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PortBus } from '../../src/bus/port-bus.js';
import type { Region } from '../../src/bus/region.js';
import { RecordingDevice } from './helpers.js';

const range = fc.record({
  base: fc.integer({ min: 0x60, max: 0x90 }),
  length: fc.integer({ min: 1, max: 12 }),
  sizes: fc.integer({ min: 1, max: 7 }),
  aligned: fc.boolean(),
});
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), r: range }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), to: fc.integer({ min: 0x58, max: 0x98 }) }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
);

describe('PortBus direct-size table', () => {
  it('after any registrations, moves and removals, exactly the served accesses reach a handler', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const bus = new PortBus();
        const live: { region: Region; dev: RecordingDevice }[] = [];
        for (const o of ops) {
          try {
            if (o.kind === 'add') {
              const dev = new RecordingDevice(o.r.length);
              live.push({ region: bus.register(o.r.base, o.r.length, dev, { owner: 'd', sizes: o.r.sizes, aligned: o.r.aligned }), dev });
            } else if (live.length > 0) {
              const at = o.pick % live.length;
              if (o.kind === 'move') live[at]!.region.move(o.to);
              else live.splice(at, 1)[0]!.region.remove();
            }
          } catch {
            // overlap refused: nothing changed
          }
        }
        for (let port = 0x50; port < 0xa8; port++) {
          for (const size of [1, 2, 4] as const) {
            for (const { dev } of live) dev.log.length = 0;
            bus.read(port, size);
            bus.write(port, size, 0x5a);
            const owner = live.find(({ region }) => region.serves(port, size));
            for (const { region, dev } of live) {
              const offset = port - region.base;
              expect(dev.log).toEqual(
                region === owner?.region
                  ? [
                      { dir: 'r', offset, size, vcpu: 0, stringOp: false },
                      { dir: 'w', offset, size, value: 0x5a, vcpu: 0, stringOp: false },
                    ]
                  : [],
              );
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
