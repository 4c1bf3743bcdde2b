import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../../src/irq/fabric.js';
import type { MsiMessage } from '../../../src/irq/msi.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Hpet } from '../../../src/devices/hpet/hpet.js';
import { XEN_HPET_PARAMS, type HpetParams } from '../../../src/devices/hpet/hpet-params.js';
import { RecordingLegacyListener } from '../../../src/devices/hpet/legacy-replacement.js';
import { XEN_DEFAULT_TIMER_MODE } from '../../../src/device-model/timer-mode/timer-mode.js';

export const BASE = 0xfed00000;
export const T0_CONF = BASE + 0x100;
export const T0_CMP = BASE + 0x108;
export const tConf = (n: number) => BASE + 0x100 + 0x20 * n;
export const tCmp = (n: number) => BASE + 0x108 + 0x20 * n;
export const tFsb = (n: number) => BASE + 0x110 + 0x20 * n;
export const GEN_CONF = BASE + 0x10;
export const GINTR = BASE + 0x20;
export const COUNTER = BASE + 0xf0;

export interface Rig {
  clock: VirtualClock;
  mmio: MmioBus;
  fabric: InterruptFabric;
  legacy: RecordingLegacyListener;
  hpet: Hpet;
  /** [time, gsi, level] for every GSI change. */
  gsi: [number, number, boolean][];
  msis: MsiMessage[];
}

export function xenRig(params: HpetParams = XEN_HPET_PARAMS, clock = new VirtualClock()): Rig {
  const mmio = new MmioBus();
  const fabric = new InterruptFabric();
  return finish(clock, mmio, fabric, params);
}

export function qemuRig(params: HpetParams, clock = new VirtualClock({ minPeriodNs: 1 })): Rig {
  const mmio = new MmioBus({ widthPolicy: 'split', unclaimedRead: 'zero' });
  const fabric = new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  return finish(clock, mmio, fabric, params);
}

function finish(clock: VirtualClock, mmio: MmioBus, fabric: InterruptFabric, params: HpetParams): Rig {
  const legacy = new RecordingLegacyListener();
  const hpet = new Hpet(mmio, fabric, clock, params, legacy, XEN_DEFAULT_TIMER_MODE);
  const gsi: [number, number, boolean][] = [];
  fabric.observeGsi((g, l) => gsi.push([clock.now, g, l]));
  const msis: MsiMessage[] = [];
  fabric.setMsiTarget({ deliverMsi: (m) => msis.push(m) });
  return { clock, mmio, fabric, legacy, hpet, gsi, msis };
}
