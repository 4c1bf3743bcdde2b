// Measurement for the bus benchmarks (issue 14): a bus loop and its direct-call baseline run in
// alternating short rounds (a few hundred µs, shorter than a scheduler time slice) in one process,
// and each side keeps its fastest round, so load from elsewhere on the machine hurts some rounds,
// not the ratio. `--quick` runs fewer rounds.
//
// Both sides are measured in one stable form (found 2026-12-07 evening, `--trace-opt`,
// `--trace-turbo-inlining`; before, the 64 KiB row's direct loop ran at 20 or 27 ns by process):
// - Each loop is a plain function of its arguments (the mix, the bus), never a closure over them.
//   TurboFan specializes an optimized function on the context of its only closure (function
//   context specialization on a one-closure feedback cell): the first case of a process got its
//   mix arrays as constants and its direct loop ran at 20 ns; every later closure of the same code
//   (the next case, the TLB row of the same layout) turned the cell into a many-closures one, and
//   the same calls on the same devices ran at 27–28 ns. Which case ran first decided its baseline.
// - Each device class has its own code (compiled from its own source), as a platform's devices
//   have. With one shared `read`/`write` for all 30 classes, V8 inlined that one body wherever the
//   inlining budget allowed: into the direct loop's read and write, into the bus loop's read but
//   not its write (MmioBus.write is larger), so the two sides did not make the same kind of call.
//   Now neither can inline a device: both make the megamorphic call to distinct code a VMM makes.
// - Each loop is optimized as a function entered by a call (as a VMM's exit path is), not only as
//   on-stack replacement (OSR) of its long first calls (found 2026-12-08, `--trace-opt`): when a
//   compile finished before the loop ended (a quiet box; `--no-concurrent-recompilation` does it
//   every time) V8 kept running the OSR code, and the port row read 1.26–1.43 (bus 38–42 ns) where
//   the entry-compiled code reads 1.15–1.21 (bus 32–34); the MMIO rows' direct loop was 2–5 ns
//   slower in that form than the bus's, so those rows read lower than what a VMM gets. Short
//   warm-up calls first get both loops their entry-compiled code, whatever the box's load.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HOST_ACCESS, type PortAccessSize } from '../src/bus/access.js';
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

// A full collection before each measurement's rounds (see interleaved): `gc` from a fresh context
// once the flag is set, so the bench needs no command-line flag.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Short warm-up calls before the long rounds (see interleaved). */
const WARM_CALLS = 2000;
const WARM_OPS = 64;

/** One side of a measurement: `run(arg, ops)` makes `ops` accesses and returns a value to keep alive. */
export type Run<A> = (arg: A, ops: number) => number;

/**
 * Min ns/op of `direct(directArg, ops)` and `bus(busArg, ops)` over `rounds` alternating rounds
 * (after a warm-up of each). The loops get their data as arguments, never from a closure (see the
 * header: a closure's context would be compiled in as constants for whichever case ran first).
 */
export function interleaved<D, B>(direct: Run<D>, directArg: D, bus: Run<B>, busArg: B, ops: number, rounds: number): Interleaved {
  let sink = 0;
  // First many short calls, so that each loop is optimized as a function entered from a call (the
  // form a VMM's exit path runs in), not only as on-stack replacement of a long loop (see header).
  for (let w = 0; w < WARM_CALLS; w++) sink += direct(directArg, WARM_OPS) + bus(busArg, WARM_OPS);
  for (let w = 0; w < 20; w++) sink += direct(directArg, ops) + bus(busArg, ops); // warm-up: let the JIT settle
  // The garbage of what ran before (an earlier case, another module) collected now, not during the
  // rounds: after bus-mmio in one process the port row read 1.23-1.29 against 1.16-1.20 with a full
  // collection first (5 processes each), the bus side being the one slowed.
  collectGarbage();
  let bestDirect = Infinity;
  let bestBus = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t0 = process.hrtime.bigint();
    sink += direct(directArg, ops);
    bestDirect = Math.min(bestDirect, Number(process.hrtime.bigint() - t0) / ops);
    t0 = process.hrtime.bigint();
    sink += bus(busArg, ops);
    bestBus = Math.min(bestBus, Number(process.hrtime.bigint() - t0) / ops);
  }
  if (sink === 0.5) console.log(''); // keep the results alive
  return { directNs: bestDirect, busNs: bestBus, ratio: bestBus / bestDirect, rounds };
}

/**
 * `n` device classes with distinct hidden classes and distinct code, as a real platform has: each
 * class is compiled from its own source text, so no two share a `read`/`write` (V8 would inline a
 * shared body into whichever caller has budget left; see the header). The call is megamorphic on
 * both sides.
 */
export function deviceClasses(n: number): (new () => IoHandler)[] {
  const out: (new () => IoHandler)[] = [];
  for (let k = 0; k < n; k++) {
    // A fresh function per class is the point (its own code); the source is fixed here.
    const cls = new Function(
      'k',
      `return class Device${k} {
        constructor() { this.regs = new Uint8Array(64); }
        read(offset, _size, _ctx) { return this.regs[offset & 63] + k; }
        write(offset, _size, value, _ctx) { this.regs[offset & 63] = value; }
      };`,
    )(k) as new () => IoHandler;
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
export function directLoop(m: AccessMix, ops: number): number {
  let acc = 0;
  const { offs, sizes, writes, devs } = m;
  for (let i = 0; i < ops; i++) {
    const j = i & (MIX_LENGTH - 1);
    const size = sizes[j] as PortAccessSize;
    if (writes[j] === 1) devs[j]!.write(offs[j]!, size, i & 0xff, HOST_ACCESS);
    else acc += devs[j]!.read(offs[j]!, size, HOST_ACCESS);
  }
  return acc;
}
