// Replays the transcripts recorded from QEMU 7.2 (`pc`, test/fixtures/qtest/pci) against the
// qemu-pc PCI model and compares every reply. Only port and memory commands occur in them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QEMU_Q35_PCI_HOST_PARAMS } from '../../../src/devices/pci/params.js';
import { Q35Mch } from '../../../src/devices/pci/q35-mch.js';
import { QemuPcChipset } from '../../../src/devices/pci/qemu-pc-chipset.js';
import { attachPciTestdev } from '../../../src/devices/pci/testdev.js';
import { PmTimer } from '../../../src/devices/pm/pm-timer.js';
import { QEMU_PC_PM_PARAMS } from '../../../src/devices/pm/pm-params.js';
import { VirtualClock } from '../../../src/time/clock.js';
import { qemuRig } from './helpers.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/qtest/pci');

function platform(machine: 'pc' | 'q35', args: string) {
  const rig = machine === 'pc' ? qemuRig() : qemuRig(QEMU_Q35_PCI_HOST_PARAMS);
  const clock = new VirtualClock();
  // The real ACPI PM block (src/devices/pm), placed by PIIX4 PM's PMBA/PMREGMISC.
  const pm = new PmTimer(rig.ports, rig.fabric, clock, QEMU_PC_PM_PARAMS);
  const placed: (number | null)[] = [];
  if (machine === 'pc')
    new QemuPcChipset(rig.host, {
      placePmBlock: (b) => {
        placed.push(b);
        pm.place(b);
      },
    });
  else new Q35Mch(rig.host);
  if (args.includes('pci-testdev')) attachPciTestdev(rig.host);
  return { ...rig, placed, clock };
}

const hex4 = (v: number) => '0x' + v.toString(16).padStart(4, '0');

function run(p: ReturnType<typeof platform>, cmd: string): string {
  const [op, a, b] = cmd.split(' ');
  const addr = Number(a);
  const val = Number(b);
  switch (op) {
    case 'outb':
      p.ports.write(addr, 1, val);
      return 'OK';
    case 'outw':
      p.ports.write(addr, 2, val);
      return 'OK';
    case 'outl':
      p.ports.write(addr, 4, val);
      return 'OK';
    case 'inb':
      return 'OK ' + hex4(p.ports.read(addr, 1));
    case 'inw':
      return 'OK ' + hex4(p.ports.read(addr, 2));
    case 'inl':
      return 'OK ' + hex4(p.ports.read(addr, 4));
    case 'readb':
    case 'readw':
    case 'readl': {
      const size = op === 'readb' ? 1 : op === 'readw' ? 2 : 4;
      return 'OK 0x' + p.mmio.read(addr, size).toString(16).padStart(16, '0');
    }
    case 'clock_step':
      p.clock.advance(addr);
      return `OK ${p.clock.now}`;
    case 'writeb':
      p.mmio.write(addr, 1, val);
      return 'OK';
    case 'writel':
      p.mmio.write(addr, 4, val);
      return 'OK';
    default:
      throw new Error(`command not supported by this replay: ${cmd}`);
  }
}

// Transcripts of `pc` sit in the folder itself, those of `q35` in q35/.
const files = [
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.out'))
    .map((f) => ({ machine: 'pc' as const, file: f })),
  ...readdirSync(join(DIR, 'q35'))
    .filter((f) => f.endsWith('.out'))
    .map((f) => ({ machine: 'q35' as const, file: join('q35', f) })),
];

describe('golden QEMU 7.2 transcripts (PCI, pc and q35)', () => {
  it('has transcripts', () => expect(files.length).toBeGreaterThanOrEqual(6));
  for (const { machine, file } of files) {
    it(`${machine}: ${file}`, () => {
      const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
      const p = platform(machine, lines.filter((l) => l.startsWith('#!args')).join(' '));
      let checked = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (!line.startsWith('> ')) continue;
        const cmd = line.slice(2);
        const expected = lines[i + 1];
        expect(`${cmd} → ${run(p, cmd)}`).toBe(`${cmd} → ${expected}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(10);
    });
  }
});
