// Routing by index (issue 14) against the rules: for random LAPIC configurations (xAPIC IDs, LDRs,
// flat/cluster/invalid DFRs, x2APIC mode, software disable, TPRs) that change between messages,
// every message reaches exactly the LAPICs destinationMatches names, in vCPU order, and lowest
// priority picks what a scan of every LAPIC in round-robin order picks.
import { describe, expect, it } from 'vitest';
import type { ApicMessage } from '../../../src/irq/apic-bus.js';
import type { Lapic } from '../../../src/devices/lapic/lapic.js';
import { Rng } from '../../../bench/xorshift32.js';
import { makePlatform } from './helpers.js';

/** The old arbitration: every LAPIC from the one after the cursor, strictly lower PPR wins. */
function referenceLowest(lapics: readonly Lapic[], named: readonly number[], cursor: number): number {
  const n = lapics.length;
  let best = -1;
  let bestPpr = 0x100;
  for (let k = 1; k <= n; k++) {
    const l = lapics[(cursor + k) % n]!;
    if (!l.enabled || !named.includes(l.vcpu)) continue;
    if (l.ppr < bestPpr) {
      best = l.vcpu;
      bestPpr = l.ppr;
    }
  }
  return best;
}

describe('APIC router: routing by index', () => {
  for (const vcpus of [1, 3, 8, 20]) {
    it(`${vcpus} vCPUs: every message reaches exactly the LAPICs the rules name (random configurations and messages)`, () => {
      const rng = new Rng(1400 + vcpus);
      const p = makePlatform(vcpus);
      const router = p.router;
      const lapics = router.lapics;
      const got: number[] = [];
      for (const l of lapics) {
        const receive = l.receive.bind(l);
        l.receive = (mode, vector, level, assert) => {
          got.push(l.vcpu);
          receive(mode, vector, level, assert);
        };
      }
      for (let v = 0; v < vcpus; v++) p.enable(v);
      let delivered = 0;
      for (let step = 0; step < 3000; step++) {
        // reconfigure a LAPIC now and then
        if (rng.below(4) === 0) {
          const v = rng.below(vcpus);
          const l = lapics[v]!;
          switch (rng.below(8)) {
            case 0:
              p.wr(0x20, (rng.below(6) << 24) >>> 0, v);
              break; // xAPIC ID (duplicates likely)
            case 1:
              p.wr(0xd0, (rng.next() & 0xff000000) >>> 0, v);
              break; // LDR
            case 2:
              p.wr(0xe0, [0xffffffff, 0x0fffffff, 0x5fffffff][rng.below(3)]!, v);
              break; // DFR flat / cluster / invalid
            case 3:
              if (!l.x2apicMode) l.writeMsr(0x1b, 0xfee00c00n | (v === 0 ? 0x100n : 0n));
              break; // x2APIC
            case 4:
              p.wr(0xf0, rng.below(2) ? 0x1ff : 0xff, v);
              l.writeMsr(0x80f, 0x1ffn);
              break; // software enable/disable
            case 5:
              p.wr(0x80, rng.below(256), v);
              l.writeMsr(0x808, BigInt(rng.below(256)));
              break; // TPR (PPR)
            case 6:
              l.reset();
              p.enable(v);
              break;
            default:
              break;
          }
        }
        const mode = rng.below(3) === 0 ? 1 : 0;
        const shorthand = rng.below(5) === 0 ? 1 + rng.below(3) : 0;
        const wide = rng.below(3) === 0;
        const destination = wide
          ? [0xffffffff, (rng.below(3) << 16) | (1 << rng.below(16)), rng.below(8), rng.next()][rng.below(4)]! >>> 0
          : [0xff, rng.below(6), 1 << rng.below(8), rng.below(256)][rng.below(4)]!;
        const msg: ApicMessage = {
          vector: 0x40 + rng.below(0x80),
          deliveryMode: mode,
          logical: rng.below(2) === 0,
          destination,
          levelTriggered: false,
          assert: true,
          shorthand,
          source: shorthand !== 0 || wide ? rng.below(vcpus) : -1,
        };
        const named = router.resolve(msg);
        const cursor = router.lowestPriorityCursor;
        const expected = mode === 1 ? [referenceLowest(lapics, named, cursor)].filter((x) => x >= 0) : named;
        got.length = 0;
        router.deliverApicMessage(msg);
        expect(got, `step ${step}: ${JSON.stringify(msg)}`).toEqual(expected);
        delivered += got.length;
        // keep the IRRs from filling up: acknowledge and EOI whatever arrived
        for (let v = 0; v < vcpus; v++) {
          for (let k = 0; k < 4 && lapics[v]!.acknowledge() !== null; k++) lapics[v]!.eoi();
        }
      }
      expect(delivered).toBeGreaterThan(1000);
    });
  }
});
