// PIT and RTC benchmarks: a latched PIT counter read and an RTC register read through the port
// bus against direct handler calls, and guest seconds of periodic PIT (1 kHz) and RTC (1024 Hz)
// interrupts in wall time; plus an 8 kHz RTC rate with PIE clear, which must cost no callbacks.
import 'reflect-metadata';
import { HOST_ACCESS } from '../src/bus/access.js';
import { PortBus } from '../src/bus/port-bus.js';
import { InterruptFabric } from '../src/irq/fabric.js';
import { VirtualClock } from '../src/time/clock.js';
import { Pit } from '../src/devices/pit/pit.js';
import { XEN_PIT_PARAMS } from '../src/devices/pit/pit-params.js';
import { Rtc } from '../src/devices/rtc/rtc.js';
import { DEFAULT_RTC_START_TIME, XEN_RTC_PARAMS } from '../src/devices/rtc/rtc-params.js';
import { measure, round } from './harness.js';

function platform() {
  const clock = new VirtualClock();
  const ports = new PortBus();
  const fabric = new InterruptFabric();
  const pit = new Pit(ports, fabric, clock, XEN_PIT_PARAMS, 'no_delay_for_missed_ticks');
  const rtc = new Rtc(ports, fabric, clock, XEN_RTC_PARAMS, DEFAULT_RTC_START_TIME, 'no_delay_for_missed_ticks');
  return { clock, ports, fabric, pit, rtc };
}

export function benchPitRtc(): Array<Record<string, number | string>> {
  const out: Array<Record<string, number | string>> = [];
  const p = platform();
  // Channel 0 in mode 2 at 1 kHz (count 1193).
  p.ports.write(0x43, 1, 0x34);
  p.ports.write(0x40, 1, 1193 & 0xff);
  p.ports.write(0x40, 1, 1193 >> 8);

  const pitBus = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.advance(7);
      p.ports.write(0x43, 1, 0x00);
      s += p.ports.read(0x40, 1) + p.ports.read(0x40, 1);
    }
    return s;
  }, 300_000);
  const pitDirect = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.advance(7);
      p.pit.write(3, 1, 0x00, HOST_ACCESS);
      s += p.pit.read(0, 1, HOST_ACCESS) + p.pit.read(0, 1, HOST_ACCESS);
    }
    return s;
  }, 300_000);
  out.push({
    case: 'pit counter latch + 2 byte reads',
    busNs: round(pitBus.nsPerOp),
    directNs: round(pitDirect.nsPerOp),
    ratio: round(pitBus.nsPerOp / pitDirect.nsPerOp),
  });

  const rtcBus = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.advance(7);
      p.ports.write(0x70, 1, 0x00);
      s += p.ports.read(0x71, 1);
    }
    return s;
  }, 300_000);
  const rtcDirect = measure((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      p.clock.advance(7);
      p.rtc.write(0, 1, 0x00, HOST_ACCESS);
      s += p.rtc.read(1, 1, HOST_ACCESS);
    }
    return s;
  }, 300_000);
  out.push({
    case: 'rtc seconds register read (index + data)',
    busNs: round(rtcBus.nsPerOp),
    directNs: round(rtcDirect.nsPerOp),
    ratio: round(rtcBus.nsPerOp / rtcDirect.nsPerOp),
  });

  // Guest seconds with PIT channel 0 at 1 kHz (mode 2: two IRQ0 edges per period) and the RTC
  // periodic interrupt at 1024 Hz (Xen no-ack: one re-edge per tick).
  const seconds = 100;
  const g = platform();
  g.ports.write(0x43, 1, 0x34);
  g.ports.write(0x40, 1, 1193 & 0xff);
  g.ports.write(0x40, 1, 1193 >> 8);
  g.ports.write(0x70, 1, 0x0b);
  g.ports.write(0x71, 1, 0x42);
  let irqEdges = 0;
  g.fabric.observeGsi(() => irqEdges++);
  for (let s = 0; s < 20; s++) g.clock.advance(1e9); // warm-up: let the JIT settle
  irqEdges = 0;
  const events0 = g.clock.eventsFired;
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < seconds; s++) g.clock.advance(1e9);
  const wallNs = Number(process.hrtime.bigint() - t0);
  out.push({
    case: 'guest seconds: PIT 1 kHz + RTC 1024 Hz periodic',
    guestSeconds: seconds,
    wallMsPerGuestSecond: round(wallNs / 1e6 / seconds, 3),
    speedup: round((seconds * 1e9) / wallNs, 0),
    callbacksPerGuestSecond: round((g.clock.eventsFired - events0) / seconds, 1),
    irqEdgesPerGuestSecond: round(irqEdges / seconds, 1),
  });

  // 8 kHz RTC rate with PIE clear: register C still latches PF, but nothing is scheduled.
  const m = platform();
  m.ports.write(0x70, 1, 0x0a);
  m.ports.write(0x71, 1, 0x23);
  const e0 = m.clock.eventsFired;
  const t1 = process.hrtime.bigint();
  m.clock.advance(1000e9);
  m.ports.write(0x70, 1, 0x0c);
  const c = m.ports.read(0x71, 1);
  out.push({
    case: 'rtc 8192 Hz rate, PIE clear, 1000 guest seconds',
    callbacks: m.clock.eventsFired - e0,
    regC: '0x' + c.toString(16),
    wallMs: round(Number(process.hrtime.bigint() - t1) / 1e6, 3),
  });
  return out;
}
