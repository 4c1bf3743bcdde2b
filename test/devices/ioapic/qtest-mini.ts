// A minimal replayer of QEMU qtest transcripts for the PIC and IO-APIC alone (the lead's
// `hvmdev qtest` front-end replays them on the whole platform): it runs each `> command` against
// the `qemu-pc` devices and produces the same text QEMU did.
import { readFileSync } from 'node:fs';
import { MmioBus } from '../../../src/bus/mmio-bus.js';
import { PortBus } from '../../../src/bus/port-bus.js';
import { IDENTITY_ISA_TO_GSI, InterruptFabric } from '../../../src/irq/fabric.js';
import { Ioapic } from '../../../src/devices/ioapic/ioapic.js';
import { QEMU_PC_IOAPIC_PARAMS } from '../../../src/devices/ioapic/params.js';
import { PicPair } from '../../../src/devices/pic/pic-pair.js';
import { QEMU_PC_PIC_PARAMS } from '../../../src/devices/pic/params.js';
import { RecordingApicBus } from './helpers.js';

const MASTER = '/machine/unattached/device[6]';
const SLAVE = '/machine/unattached/device[7]';

export function replay(script: string): string {
  const ports = new PortBus({ widthPolicy: 'split', unclaimedRead: 'ones' });
  const mmio = new MmioBus({ widthPolicy: 'split', unclaimedRead: 'zero' });
  const fabric = new InterruptFabric({ gsiCount: 24, isaToGsi: IDENTITY_ISA_TO_GSI });
  const ioapic = new Ioapic(mmio, fabric, new RecordingApicBus(), QEMU_PC_IOAPIC_PARAMS);
  const pic = new PicPair(ports, fabric, QEMU_PC_PIC_PARAMS);
  const out: string[] = [];
  let reported = false;
  let intercepting = false;
  fabric.namedLine('pic.int').observe((level) => {
    if (!intercepting || level === reported) return;
    reported = level;
    out.push(`IRQ ${level ? 'raise' : 'lower'} 0`);
  });
  const hex = (v: number | bigint, w: number) => '0x' + v.toString(16).padStart(w, '0');
  for (const raw of script.split('\n')) {
    const line = raw
      .replace(/\s+#.*$/, '')
      .trim()
      .replace(/\s+/g, ' ');
    if (line === '') continue;
    if (line.startsWith('#')) {
      out.push(line);
      continue;
    }
    out.push(`> ${line}`);
    const [cmd, a = '', b = '', c = '', d = ''] = line.split(' ');
    const n = (s: string) => Number(s);
    const size = { b: 1, w: 2, l: 4 } as const;
    let reply = 'OK';
    if (/^out[bwl]$/.test(cmd!)) ports.write(n(a), size[cmd![3] as 'b'], n(b));
    else if (/^in[bwl]$/.test(cmd!)) reply = `OK ${hex(ports.read(n(a), size[cmd![2] as 'b']), 4)}`;
    else if (/^write[bwl]$/.test(cmd!)) mmio.write(n(a), size[cmd![5] as 'b'], n(b));
    else if (/^read[bwl]$/.test(cmd!)) reply = `OK ${hex(mmio.read(n(a), size[cmd![4] as 'b']), 16)}`;
    else if (cmd === 'readq') reply = `OK ${hex(mmio.read64(n(a)), 16)}`;
    else if (cmd === 'irq_intercept_out' && a === MASTER) intercepting = true;
    else if (cmd === 'set_irq_in' && b === 'unnamed-gpio-in') {
      const level = n(d) !== 0;
      if (a === 'ioapic') ioapic.setInput(n(c), level);
      else if (a === MASTER) pic.setInput(n(c), level);
      else if (a === SLAVE) pic.setInput(n(c) + 8, level);
      else reply = 'FAIL Unknown device';
    } else reply = `FAIL Unknown command '${cmd}'`;
    out.push(reply);
  }
  return out.join('\n') + '\n';
}

export function replayFixture(dir: string, name: string): { expected: string; actual: string } {
  const base = new URL(`../../fixtures/qtest/${dir}/${name}`, import.meta.url);
  return {
    expected: readFileSync(new URL(base.href + '.out'), 'utf8'),
    actual: replay(readFileSync(new URL(base.href + '.qtest'), 'utf8')),
  };
}
