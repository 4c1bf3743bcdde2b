// Foundation benchmarks: bus dispatch against direct calls over the same devices (so both sides pay
// the same megamorphic device call), and virtual-clock event throughput.
import { MmioBus } from '../src/bus/mmio-bus.js';
import { PortBus } from '../src/bus/port-bus.js';
import { HOST_ACCESS } from '../src/bus/access.js';
import type { IoHandler } from '../src/bus/handler.js';
import { VirtualClock } from '../src/time/clock.js';
import { deviceClasses } from './bus-measure.js';
import { measure, round, type BenchRecord } from './harness.js';

const PATTERN = 4096;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

export function benchPortDispatch(): BenchRecord[] {
  const classes = deviceClasses(30);
  const bus = new PortBus();
  const devices: IoHandler[] = [];
  const bases: number[] = [];
  classes.forEach((Cls, k) => {
    const d = new Cls();
    const base = 0x100 + k * 0x20;
    bus.register(base, 16, d, { owner: `dev${k}` });
    devices.push(d);
    bases.push(base);
  });
  const rand = lcg(1);
  const ports = new Int32Array(PATTERN);
  const offs = new Int32Array(PATTERN);
  const devs: IoHandler[] = [];
  for (let i = 0; i < PATTERN; i++) {
    const k = rand() % 30;
    const off = rand() % 16;
    ports[i] = bases[k]! + off;
    offs[i] = off;
    devs.push(devices[k]!);
  }
  const direct = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) {
      const j = i & (PATTERN - 1);
      acc += devs[j]!.read(offs[j]!, 1, HOST_ACCESS);
    }
    return acc;
  }, 2_000_000);
  const viaBus = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) acc += bus.read(ports[i & (PATTERN - 1)]!, 1, HOST_ACCESS);
    return acc;
  }, 2_000_000);
  return [
    {
      case: 'port-io dispatch, 30 device classes (read)',
      direct_ns: round(direct.nsPerOp),
      bus_ns: round(viaBus.nsPerOp),
      ratio: round(viaBus.nsPerOp / direct.nsPerOp),
      target_ratio: 1.5,
    },
  ];
}

export function benchMmioDispatch(): BenchRecord[] {
  const classes = deviceClasses(30);
  const bus = new MmioBus();
  const devices: IoHandler[] = [];
  const bases: number[] = [];
  for (let k = 0; k < 1000; k++) {
    const d = new classes[k % 30]!();
    const base = 0xc000_0000 + k * 0x2_0000;
    bus.register(base, 0x1_0000, d, { owner: `dev${k}` });
    devices.push(d);
    bases.push(base);
  }
  const rand = lcg(2);
  const addrs = new Float64Array(PATTERN);
  const offs = new Int32Array(PATTERN);
  const devs: IoHandler[] = [];
  // 16 accesses per region in a row: the locality of a driver touching one device.
  for (let i = 0; i < PATTERN; i += 16) {
    const k = rand() % 1000;
    for (let j = 0; j < 16; j++) {
      const off = (rand() % 0x4000) * 4;
      addrs[i + j] = bases[k]! + off;
      offs[i + j] = off;
      devs.push(devices[k]!);
    }
  }
  const direct = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) {
      const j = i & (PATTERN - 1);
      acc += devs[j]!.read(offs[j]!, 4, HOST_ACCESS);
    }
    return acc;
  }, 2_000_000);
  const viaBus = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) acc += bus.read(addrs[i & (PATTERN - 1)]!, 4, HOST_ACCESS);
    return acc;
  }, 2_000_000);
  // Random region every access: the binary search does the work.
  const scattered = new Float64Array(PATTERN);
  const scatteredOffs = new Int32Array(PATTERN);
  const scatteredDevs: IoHandler[] = [];
  for (let i = 0; i < PATTERN; i++) {
    const k = rand() % 1000;
    const off = (rand() % 0x4000) * 4;
    scattered[i] = bases[k]! + off;
    scatteredOffs[i] = off;
    scatteredDevs.push(devices[k]!);
  }
  const directScattered = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) {
      const j = i & (PATTERN - 1);
      acc += scatteredDevs[j]!.read(scatteredOffs[j]!, 4, HOST_ACCESS);
    }
    return acc;
  }, 2_000_000);
  const viaBusScattered = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) acc += bus.read(scattered[i & (PATTERN - 1)]!, 4, HOST_ACCESS);
    return acc;
  }, 2_000_000);
  return [
    {
      case: 'mmio dispatch, 1000 regions, 16-access locality (read32)',
      direct_ns: round(direct.nsPerOp),
      bus_ns: round(viaBus.nsPerOp),
      ratio: round(viaBus.nsPerOp / direct.nsPerOp),
      target_ratio: 1.5,
    },
    {
      case: 'mmio dispatch, 1000 regions, random region each access (read32)',
      direct_ns: round(directScattered.nsPerOp),
      bus_ns: round(viaBusScattered.nsPerOp),
      ratio: round(viaBusScattered.nsPerOp / directScattered.nsPerOp),
      target_ratio: 1.5,
    },
  ];
}

export function benchMmio64(): BenchRecord[] {
  // The 64-bit value choice: bigint through read64 against two 32-bit halves, on guest RAM.
  const bus = new MmioBus();
  bus.addRam(0, new Uint8Array(1 << 16));
  const big = measure((ops) => {
    let acc = 0n;
    for (let i = 0; i < ops; i++) acc ^= bus.read64((i & 0x1fff) << 3);
    return Number(acc & 1n);
  }, 1_000_000);
  const halves = measure((ops) => {
    let acc = 0;
    for (let i = 0; i < ops; i++) {
      const a = (i & 0x1fff) << 3;
      acc ^= bus.read(a, 4) ^ bus.read(a + 4, 4);
    }
    return acc;
  }, 1_000_000);
  return [
    {
      case: '64-bit RAM read: bigint read64 vs two 32-bit halves',
      bigint_ns: round(big.nsPerOp),
      halves_ns: round(halves.nsPerOp),
      ratio: round(big.nsPerOp / halves.nsPerOp),
    },
  ];
}

export function benchClock(): BenchRecord[] {
  const events = 1_000_000;
  const clock = new VirtualClock({ minPeriodNs: 1 });
  // 100 periodic timers with different periods, as a busy platform has.
  let fired = 0;
  for (let i = 0; i < 100; i++) clock.createTimer(`t${i}`, () => fired++).armPeriodic(1 + i, 1000 + i * 7);
  const t0 = process.hrtime.bigint();
  while (fired < events) clock.advance(1_000_000);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return [
    {
      case: 'virtual clock: 1,000,000 timer events (100 periodic timers)',
      events: fired,
      wall_ms: round(ms),
      events_per_s: Math.round((fired / ms) * 1000),
      target_wall_ms: 1000,
    },
  ];
}
