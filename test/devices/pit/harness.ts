// A PIT on real buses, fabric and clock, with IRQ0 edges recorded as (time, level).
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric, IDENTITY_ISA_TO_GSI } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Pit } from '../../../src/devices/pit/pit.js';
import { QEMU_PC_PIT_PARAMS, XEN_PIT_PARAMS, type PitParams } from '../../../src/devices/pit/pit-params.js';
import { XEN_DEFAULT_TIMER_MODE, type TimerMode } from '../../../src/device-model/timer-mode/timer-mode.js';

export const F = 1_193_182;
/** Time of CLK edge n: ceil(n · 10^9 / 1193182) ns (the first whole ns at or after the edge). */
export const edgeNs = (n: number) => Math.ceil((n * 1e9) / F);

export interface PitRig {
  ports: PortBus;
  fabric: InterruptFabric;
  clock: VirtualClock;
  pit: Pit;
  /** IRQ0 changes as [ns, level]. */
  irq: Array<[number, boolean]>;
  out(port: number, v: number): void;
  inb(port: number): number;
  /** Latches channel `ch` and reads it as a word (LSB, MSB). */
  latched(ch: number): number;
}

export function makePit(profile: 'xen' | 'qemu' = 'xen', opts: { params?: Partial<PitParams>; mode?: TimerMode; clock?: VirtualClock } = {}): PitRig {
  const xen = profile === 'xen';
  const ports = new PortBus(xen ? undefined : { widthPolicy: 'split', unclaimedRead: 'ones' });
  const fabric = xen ? new InterruptFabric() : new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  const clock = opts.clock ?? new VirtualClock({ minPeriodNs: xen ? 100_000 : 1 });
  const params = { ...(xen ? XEN_PIT_PARAMS : QEMU_PC_PIT_PARAMS), ...opts.params };
  const irq: Array<[number, boolean]> = [];
  const gsi = xen ? 2 : 0;
  fabric.observeGsi((g, level) => {
    if (g === gsi) irq.push([clock.now, level]);
  });
  const pit = new Pit(ports, fabric, clock, params, opts.mode ?? XEN_DEFAULT_TIMER_MODE);
  const rig: PitRig = {
    ports,
    fabric,
    clock,
    pit,
    irq,
    out: (port, v) => ports.write(port, 1, v),
    inb: (port) => ports.read(port, 1),
    latched: (ch) => {
      ports.write(0x43, 1, ch << 6);
      const lo = ports.read(0x40 + ch, 1);
      return lo | (ports.read(0x40 + ch, 1) << 8);
    },
  };
  return rig;
}
