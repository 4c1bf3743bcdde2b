// A minimal qtest replayer for the HPET and PM golden transcripts: the qemu-pc HPET and PM block,
// a stub PIIX4 config space (PMBA 0x40, PMREGMISC 0x80 bit 0) and a stub PIT channel 0 that does
// what the transcripts' silencing sequence does (mode 0, count 1: OUT rises once, ~1 tick later).
// The lead's `hvmdev qtest` front-end replaces this once the platform is wired.
import { readFileSync } from 'node:fs';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../../src/irq/fabric.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { Hpet } from '../../../src/devices/hpet/hpet.js';
import { QEMU_PC_HPET_PARAMS } from '../../../src/devices/hpet/hpet-params.js';
import { PmTimer } from '../../../src/devices/pm/pm-timer.js';
import { QEMU_PC_PM_PARAMS } from '../../../src/devices/pm/pm-params.js';

const hex = (v: bigint | number, digits: number) => '0x' + v.toString(16).padStart(digits, '0');

export function replay(scriptPath: string): string {
  const clock = new VirtualClock({ minPeriodNs: 1 });
  const mmio = new MmioBus({ widthPolicy: 'split', unclaimedRead: 'zero' });
  const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
  const fabric = new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  const pitIrq = fabric.isaLine(0);
  const hpet = new Hpet(mmio, fabric, clock, QEMU_PC_HPET_PARAMS, { setLegacyReplacement: (on) => on && pitIrq.lower() }, 'no_delay_for_missed_ticks');
  const pm = new PmTimer(ports, fabric, clock, QEMU_PC_PM_PARAMS);

  // Stub PIIX4 PM function config space: only what places the PM block.
  let cf8 = 0;
  let pmba = 0;
  let pmregmisc = 0;
  ports.register(0xcf8, 4, { read: () => cf8, write: (_o, _s, v) => void (cf8 = v >>> 0) }, { owner: 'stub-cf8', sizes: 4 });
  ports.register(
    0xcfc,
    4,
    {
      read: () => 0xffffffff,
      write: (_o, _s, v) => {
        if (cf8 === 0x80000b40) pmba = v & 0xffc0;
        if (cf8 === 0x80000b80) pmregmisc = v & 1;
        pm.place(pmregmisc ? pmba : null);
      },
    },
    { owner: 'stub-cfc' },
  );
  // Stub PIT: the silencing sequence (0x43 ← 0x30, count 1) raises OUT0 once.
  const pitTimer = clock.createTimer('stub-pit', () => {
    if (!hpet.legacyReplacementActive) pitIrq.raise();
  });
  ports.register(0x40, 4, { read: () => 0, write: (o, _s, v) => void (o === 0 && v === 0 && pitTimer.armAfter(838)) }, { owner: 'stub-pit', sizes: 1 });

  const out: string[] = [];
  let intercept = false;
  const reported = new Map<number, boolean>();
  fabric.observeGsi((gsi, level) => {
    if (!intercept || (reported.get(gsi) ?? false) === level) return;
    reported.set(gsi, level);
    out.push(`IRQ ${level ? 'raise' : 'lower'} ${gsi}`);
  });

  for (const raw of readFileSync(scriptPath, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    const [cmd, a, b] = line.split(/\s+/) as [string, string, string | undefined];
    out.push(`> ${line}`);
    const addr = Number(a);
    switch (cmd) {
      case 'irq_intercept_in':
        intercept = true;
        out.push('OK');
        break;
      case 'clock_step':
        clock.advance(Number(a));
        out.push(`OK ${clock.now}`);
        break;
      case 'readq':
        out.push(`OK ${hex(mmio.read64(addr), 16)}`);
        break;
      case 'readl':
        out.push(`OK ${hex(mmio.read(addr, 4), 16)}`);
        break;
      case 'writeq':
        mmio.write64(addr, BigInt(b!));
        out.push('OK');
        break;
      case 'writel':
        mmio.write(addr, 4, Number(b));
        out.push('OK');
        break;
      case 'inb':
      case 'inw':
      case 'inl':
        out.push(`OK ${hex(ports.read(addr, cmd === 'inb' ? 1 : cmd === 'inw' ? 2 : 4), 4)}`);
        break;
      case 'outb':
      case 'outw':
      case 'outl':
        ports.write(addr, cmd === 'outb' ? 1 : cmd === 'outw' ? 2 : 4, Number(b));
        out.push('OK');
        break;
      default:
        throw new Error(`replay: unsupported command ${cmd}`);
    }
  }
  return out.join('\n') + '\n';
}
