// HPET and PM timer benchmarks: counter reads through the bus against direct handler calls, and
// one guest second of a 1 kHz periodic HPET interrupt (plus the PM timer's SCI) in wall time.
import 'reflect-metadata';
import { HOST_ACCESS } from '../src/bus/access.js';
import { MmioBus } from '../src/bus/mmio-bus.js';
import { PortBus } from '../src/bus/port-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import { VirtualClock } from '../src/time/clock.js';
import { Hpet } from '../src/devices/hpet/hpet.js';
import { XEN_HPET_PARAMS } from '../src/devices/hpet/hpet-params.js';
import { RecordingLegacyListener } from '../src/devices/hpet/legacy-replacement.js';
import { PmTimer } from '../src/devices/pm/pm-timer.js';
import { XEN_PM_PARAMS } from '../src/devices/pm/pm-params.js';
import { measure, round } from './harness.js';

const HPET_BASE = 0xfed00000;

function platform() {
  const clock = new VirtualClock();
  const mmio = new MmioBus();
  const ports = new PortBus();
  const fabric = new InterruptFabric();
  const hpet = new Hpet(mmio, fabric, clock, XEN_HPET_PARAMS, new RecordingLegacyListener(), 'no_delay_for_missed_ticks');
  const pm = new PmTimer(ports, fabric, clock, XEN_PM_PARAMS);
  return { clock, mmio, ports, fabric, hpet, pm };
}

export function benchHpetPm(): Array<Record<string, number | string>> {
  const p = platform();
  p.mmio.write(HPET_BASE + 0x10, 4, 1);
  const out: Array<Record<string, number | string>> = [];

  // Counter reads: the clock moves a little between reads so nothing can be cached.
  const viaBus = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.now += 7;
      s += p.mmio.read(HPET_BASE + 0xf0, 4);
    }
    return s;
  }, 1_000_000);
  const direct = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.now += 7;
      s += p.hpet.read(0xf0, 4, HOST_ACCESS);
    }
    return s;
  }, 1_000_000);
  out.push({
    case: 'hpet counter read (4 bytes)',
    busNs: round(viaBus.nsPerOp),
    directNs: round(direct.nsPerOp),
    ratio: round(viaBus.nsPerOp / direct.nsPerOp),
  });
  const q = measure((n) => {
    let s = 0n;
    for (let i = 0; i < n; i++) {
      p.clock.now += 7;
      s ^= p.mmio.read64(HPET_BASE + 0xf0);
    }
    return Number(s & 1n);
  }, 300_000);
  out.push({ case: 'hpet counter read (8 bytes, bigint)', busNs: round(q.nsPerOp) });
  const pmBus = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.now += 7;
      s += p.ports.read(0x1f48, 4);
    }
    return s;
  }, 1_000_000);
  const pmDirect = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.now += 7;
      s += p.pm.timerValue();
    }
    return s;
  }, 1_000_000);
  out.push({ case: 'pm timer read (4 bytes)', busNs: round(pmBus.nsPerOp), directNs: round(pmDirect.nsPerOp), ratio: round(pmBus.nsPerOp / pmDirect.nsPerOp) });

  // One guest second: HPET timer 0 periodic at 1 kHz (edge, GSI 20), PM TMR_EN with SCI.
  const seconds = 100;
  const g = platform();
  let edges = 0;
  g.fabric.observeGsi((gsi, level) => {
    if (gsi === 20 && level) edges++;
  });
  g.mmio.write(HPET_BASE + 0x100, 4, 0x4 | 0x8 | 0x40 | (20 << 9));
  g.mmio.write64(HPET_BASE + 0x108, 62_500n);
  g.mmio.write64(HPET_BASE + 0x108, 62_500n); // 1 ms at 16 ns
  g.mmio.write(HPET_BASE + 0x10, 4, 1);
  g.ports.write(0x1f42, 2, 1);
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < seconds; s++) g.clock.advance(1_000_000_000);
  const wallNs = Number(process.hrtime.bigint() - t0);
  out.push({
    case: 'guest second, HPET 1 kHz periodic + PM timer',
    interruptsPerGuestSecond: edges / seconds,
    wallMsPerGuestSecond: round(wallNs / seconds / 1e6, 4),
    speedup: round((seconds * 1e9) / wallNs, 0),
  });
  return out;
}
