// A minimal qtest replayer for the PIT and RTC golden transcripts: the qemu-pc PIT and RTC on
// their own buses, with `irq_intercept_in ioapic` reporting IO-APIC inputs as QEMU does (a level
// cache that starts low). The lead's `hvmdev qtest` front-end replaces this once both are wired.
import { readFileSync } from 'node:fs';
import { PortBus } from '../../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Pit } from '../../../src/devices/pit/pit.js';
import { QEMU_PC_PIT_PARAMS } from '../../../src/devices/pit/pit-params.js';
import { Rtc } from '../../../src/devices/rtc/rtc.js';
import { DEFAULT_RTC_START_TIME, QEMU_PC_RTC_PARAMS } from '../../../src/devices/rtc/rtc-params.js';

const hex4 = (v: number) => '0x' + v.toString(16).padStart(4, '0');

export function replayPitRtc(scriptPath: string): string {
  const clock = new VirtualClock({ minPeriodNs: 1 });
  const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
  const fabric = new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  new Pit(ports, fabric, clock, QEMU_PC_PIT_PARAMS, 'no_delay_for_missed_ticks');
  new Rtc(ports, fabric, clock, QEMU_PC_RTC_PARAMS, DEFAULT_RTC_START_TIME, 'no_delay_for_missed_ticks');

  const out: string[] = [];
  let intercept = false;
  const reported = new Map<number, boolean>();
  fabric.observeGsi((gsi, level) => {
    if (!intercept || (reported.get(gsi) ?? false) === level) return;
    reported.set(gsi, level);
    out.push(`IRQ ${level ? 'raise' : 'lower'} ${gsi}`);
  });

  for (const raw of readFileSync(scriptPath, 'utf8').split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '') continue;
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const [cmd, a, b] = line.split(' ') as [string, string | undefined, string | undefined];
    out.push(`> ${line}`);
    switch (cmd) {
      case 'irq_intercept_in':
        intercept = true;
        out.push('OK');
        break;
      case 'clock_step':
        if (a === undefined) clock.advanceToNextDeadline();
        else clock.advance(Number(a));
        out.push(`OK ${clock.now}`);
        break;
      case 'inb':
        out.push(`OK ${hex4(ports.read(Number(a), 1))}`);
        break;
      case 'outb':
        ports.write(Number(a), 1, Number(b));
        out.push('OK');
        break;
      default:
        throw new Error(`replay: unsupported command ${cmd}`);
    }
  }
  return out.join('\n') + '\n';
}
