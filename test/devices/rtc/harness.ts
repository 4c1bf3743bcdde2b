// An RTC on real buses, fabric and clock, with IRQ8 changes recorded as [ns, level].
import { PortBus } from '../../../src/bus/port-bus.js';
import { InterruptFabric, IDENTITY_ISA_TO_GSI } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Rtc } from '../../../src/devices/rtc/rtc.js';
import { DEFAULT_RTC_START_TIME, QEMU_PC_RTC_PARAMS, XEN_RTC_PARAMS, type RtcParams, type RtcStartTime } from '../../../src/devices/rtc/rtc-params.js';
import { XEN_DEFAULT_TIMER_MODE } from '../../../src/device-model/timer-mode/timer-mode.js';

export interface RtcRig {
  ports: PortBus;
  fabric: InterruptFabric;
  clock: VirtualClock;
  rtc: Rtc;
  irq: Array<[number, boolean]>;
  get(reg: number): number;
  set(reg: number, value: number): void;
  rises(): number[];
}

export function makeRtc(profile: 'xen' | 'qemu' = 'xen', opts: { params?: Partial<RtcParams>; start?: RtcStartTime; clock?: VirtualClock } = {}): RtcRig {
  const xen = profile === 'xen';
  const ports = new PortBus(xen ? undefined : { widthPolicy: 'split', unclaimedRead: 'ones' });
  const fabric = xen ? new InterruptFabric() : new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  const clock = opts.clock ?? new VirtualClock({ minPeriodNs: xen ? 100_000 : 1 });
  const irq: Array<[number, boolean]> = [];
  fabric.observeGsi((g, level) => {
    if (g === 8) irq.push([clock.now, level]);
  });
  const params = { ...(xen ? XEN_RTC_PARAMS : QEMU_PC_RTC_PARAMS), ...opts.params };
  const rtc = new Rtc(ports, fabric, clock, params, opts.start ?? DEFAULT_RTC_START_TIME, XEN_DEFAULT_TIMER_MODE);
  return {
    ports,
    fabric,
    clock,
    rtc,
    irq,
    get: (reg) => {
      ports.write(0x70, 1, reg);
      return ports.read(0x71, 1);
    },
    set: (reg, value) => {
      ports.write(0x70, 1, reg);
      ports.write(0x71, 1, value);
    },
    rises: () => irq.filter(([, l]) => l).map(([t]) => t),
  };
}

/** Time of 32.768 kHz edge n: ceil(n · 10^9 / 32768) ns. */
export const rtcEdgeNs = (n: number) => Math.ceil((n * 1e9) / 32768);

export function timeOf(r: RtcRig): number[] {
  return [9, 8, 7, 6, 4, 2, 0].map((i) => r.get(i));
}
