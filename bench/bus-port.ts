// Issue 14's port I/O row: 30 device classes, a random port every access, sizes 1/2/4, one access
// in four a write, through PortBus against the same calls made directly.
import { PortBus } from '../src/bus/port-bus.js';
import { HOST_ACCESS, type PortAccessSize } from '../src/bus/access.js';
import type { IoHandler } from '../src/bus/handler.js';
import { round, type BenchRecord } from './harness.js';
import { accessMix, deviceClasses, directLoop, interleaved, MIX_LENGTH, quickBench, type AccessMix } from './bus-measure.js';

export function benchBusPortMix(): BenchRecord[] {
  const short = quickBench();
  const classes = deviceClasses(30);
  const bus = new PortBus();
  const bases: number[] = [];
  const devices: IoHandler[] = [];
  classes.forEach((Cls, k) => {
    const d = new Cls();
    const base = 0x100 + k * 0x20;
    bus.register(base, 16, d, { owner: `dev${k}` });
    bases.push(base);
    devices.push(d);
  });
  const mix = accessMix(bases, 16, devices, 11);
  const m = interleaved(directLoop, mix, busLoop, { bus, mix }, 16_384, short ? 41 : 201);
  return [
    {
      case: 'port I/O, 30 device classes, a random port every access, 1/2/4-byte mix, 25% writes',
      direct_ns: round(m.directNs),
      bus_ns: round(m.busNs),
      ratio: round(m.ratio),
      target_ratio: 1.3,
      rounds: m.rounds,
    },
  ];
}

/** The same accesses through the bus (a loop of its own, so its call site sees one bus class, as a VMM's does). */
function busLoop(a: { readonly bus: PortBus; readonly mix: AccessMix }, ops: number): number {
  let acc = 0;
  const { bus, mix } = a;
  const { addrs, sizes, writes } = mix;
  for (let i = 0; i < ops; i++) {
    const j = i & (MIX_LENGTH - 1);
    const size = sizes[j] as PortAccessSize;
    if (writes[j] === 1) bus.write(addrs[j]!, size, i & 0xff, HOST_ACCESS);
    else acc += bus.read(addrs[j]!, size, HOST_ACCESS);
  }
  return acc;
}
