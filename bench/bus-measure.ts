// Measurement for the bus benchmarks (issue 14): a bus loop and its direct-call baseline run in
// alternating short rounds (a few hundred µs, shorter than a scheduler time slice) in one process,
// and each side keeps its fastest round, so load from elsewhere on the machine hurts some rounds,
// not the ratio. `--quick` runs fewer rounds.
import { HOST_ACCESS, type AccessContext, type PortAccessSize } from '../src/bus/access.js';
import type { IoHandler } from '../src/bus/handler.js';
import { QUICK } from './harness.js';

/** True under `npm run bench -- --quick`. */
export function quickBench(): boolean {
  return QUICK;
}

export interface Interleaved {
  readonly directNs: number;
  readonly busNs: number;
  readonly ratio: number;
  readonly rounds: number;
}

/** Min ns/op of `direct(ops)` and `bus(ops)` over `rounds` alternating rounds (after a warm-up of each). */
export function interleaved(direct: (ops: number) => number, bus: (ops: number) => number, ops: number, rounds: number): Interleaved {
  let sink = 0;
  for (let w = 0; w < 20; w++) sink += direct(ops) + bus(ops); // warm-up: let the JIT settle
  let bestDirect = Infinity;
  let bestBus = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t0 = process.hrtime.bigint();
    sink += direct(ops);
    bestDirect = Math.min(bestDirect, Number(process.hrtime.bigint() - t0) / ops);
    t0 = process.hrtime.bigint();
    sink += bus(ops);
    bestBus = Math.min(bestBus, Number(process.hrtime.bigint() - t0) / ops);
  }
  if (sink === 0.5) console.log(''); // keep the results alive
  return { directNs: bestDirect, busNs: bestBus, ratio: bestBus / bestDirect, rounds };
}

/** `n` device classes with distinct hidden classes, as a real platform has (the call is megamorphic on both sides). */
export function deviceClasses(n: number): (new () => IoHandler)[] {
  const out: (new () => IoHandler)[] = [];
  for (let k = 0; k < n; k++) {
    const cls = class implements IoHandler {
      regs = new Uint8Array(64);
      read(offset: number, _size: PortAccessSize, _ctx: AccessContext): number {
        return this.regs[offset & 63]! + k;
      }
      write(offset: number, _size: PortAccessSize, value: number, _ctx: AccessContext): void {
        this.regs[offset & 63] = value;
      }
    };
    for (let j = 0; j < k % 7; j++) Object.defineProperty(cls.prototype, `p${j}`, { value: j });
    out.push(cls);
  }
  return out;
}

/** A guest's access mix: address, device, offset, size, and whether it writes. */
export interface AccessMix {
  readonly addrs: Float64Array;
  readonly offs: Int32Array;
  readonly sizes: Uint8Array;
  readonly writes: Uint8Array;
  readonly devs: IoHandler[];
}

export const MIX_LENGTH = 4096;

/**
 * `MIX_LENGTH` accesses, each to a random one of `bases.length` ranges of `span` bytes: size 1, 2
 * or 4 (naturally aligned), one in four a write.
 */
export function accessMix(bases: readonly number[], span: number, devices: readonly IoHandler[], seed: number): AccessMix {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
  const mix = {
    addrs: new Float64Array(MIX_LENGTH),
    offs: new Int32Array(MIX_LENGTH),
    sizes: new Uint8Array(MIX_LENGTH),
    writes: new Uint8Array(MIX_LENGTH),
    devs: [] as IoHandler[],
  };
  for (let i = 0; i < MIX_LENGTH; i++) {
    const k = next() % bases.length;
    const size = [1, 2, 4][next() % 3]!;
    const off = (next() % (span / size)) * size;
    mix.addrs[i] = bases[k]! + off;
    mix.offs[i] = off;
    mix.sizes[i] = size;
    mix.writes[i] = next() % 4 === 0 ? 1 : 0;
    mix.devs.push(devices[k]!);
  }
  return mix;
}

/** The baseline: the same accesses as direct calls to the handlers. */
export function directLoop(m: AccessMix): (ops: number) => number {
  return (ops) => {
    let acc = 0;
    const { offs, sizes, writes, devs } = m;
    for (let i = 0; i < ops; i++) {
      const j = i & (MIX_LENGTH - 1);
      const size = sizes[j] as PortAccessSize;
      if (writes[j] === 1) devs[j]!.write(offs[j]!, size, i & 0xff, HOST_ACCESS);
      else acc += devs[j]!.read(offs[j]!, size, HOST_ACCESS);
    }
    return acc;
  };
}
