// `hvmdev demo` (what `npm start` runs): builds the default platform, shows what the flags selected
// and the bus map, then runs a short scripted guest workload through the qtest protocol and prints
// what happened, step by step.
import { parseOptions as parseArgs } from './parse-options.js';
import { installExtensions } from '../qtest/extensions.js';
import { QtestSession } from '../qtest/session.js';
import type { Platform } from '../platform/platform.js';
import { DEFAULT_PROFILE, type ProfileName } from '../platform/profiles.js';
import { formatHex } from '../emuflags/parse.js';
import type { PlatformDescription } from '../platform/platform.js';
import type { CliIo } from './io.js';
import { runGuestDemo } from './demo-guest.js';
import { PLATFORM_OPTION_SPECS, PLATFORM_OPTIONS_HELP, platformFromArgs } from './platform-args.js';

export const DEMO_HELP = `Usage: hvmdev demo [options]

Builds a platform (default: Xen HVM), prints the devices its emulation flags selected, then runs
a short guest workload and shows each access and its result (one screen; repeated interrupt
lines are counted, not listed), and ends with what to try next.

With --guest (what \`npm start\` runs): boots the project's demo guest under KVM on hvmdev's
platform (--profile, default qemu-pc) and shows what it measured; where KVM cannot run, one line
says why and the platform demo above runs instead.

Options:
${PLATFORM_OPTIONS_HELP}
  --guest          boot the demo guest under KVM (falls back to the platform demo)
  -h, --help       show this help
`;

interface DemoStep {
  readonly title: string;
  /** Device ids that must exist for the step to make sense. */
  readonly needs: readonly string[];
  readonly commands: readonly string[];
  /** Print only a summary of the commands (long byte-by-byte writes). */
  readonly quiet?: boolean;
}

function text(port: number, s: string): string[] {
  return [...s].map((c) => `outb 0x${port.toString(16)} 0x${c.charCodeAt(0).toString(16)}`);
}

export const DEMO_STEPS: readonly DemoStep[] = [
  {
    title: "The guest prints a line on Xen's debug console (port 0xE9)",
    needs: ['debugcon'],
    commands: text(0xe9, 'Hello from the guest\n'),
    quiet: true,
  },
  {
    title: 'An unclaimed port and unclaimed memory answer as the null handler',
    needs: [],
    commands: ['inb 0x1234', 'inl 0x1234', 'readl 0xe0000000'],
  },
  {
    title: 'Guest RAM sits on the memory bus beside the devices',
    needs: ['ram'],
    commands: ['writel 0x1000 0xdeadbeef', 'readl 0x1000', 'read 0x1000 4'],
  },
  {
    title: 'Virtual time moves only when the host advances it',
    needs: [],
    commands: ['clock_step 1000000', 'clock_set 5000000'],
  },
  {
    title: 'The local APIC (vCPU 0): version 0x00050014, timer one-shot 1000 counts at 100 MHz = 10 µs, then INTA and EOI',
    needs: ['lapic0'],
    commands: [
      'readl 0xfee00030',
      'writel 0xfee000f0 0x1ff',
      'writel 0xfee00320 0x40',
      'writel 0xfee003e0 0xb',
      'writel 0xfee00380 1000',
      'clock_step 10000',
      'inta',
      'writel 0xfee000b0 0',
    ],
  },
  {
    title: 'The IO-APIC routes a level-triggered GSI 9 to vector 0x39 on vCPU 0; Remote-IRR until EOI',
    needs: ['ioapic0', 'lapic0'],
    commands: [
      'writel 0xfec00000 0x22',
      'writel 0xfec00010 0x8039',
      'irq_intercept_in ioapic',
      'set_irq_in ioapic unnamed-gpio-in 9 1',
      'inta',
      'readl 0xfec00010',
      'set_irq_in ioapic unnamed-gpio-in 9 0',
      'writel 0xfee000b0 0',
      'readl 0xfec00010',
    ],
  },
  {
    title: 'The 8254 PIT (1,193,182 Hz): channel 0, mode 2, count 11932 (10 ms); latch and read the count 1 ms later',
    needs: ['pit'],
    commands: ['outb 0x43 0x34', 'outb 0x40 0x9c', 'outb 0x40 0x2e', 'clock_step 1000000', 'outb 0x43 0x00', 'inb 0x40', 'inb 0x40'],
  },
  {
    title: 'The RTC (BCD, 24 h) tells the wall time the platform started at (2020-01-01) plus virtual time',
    needs: ['rtc'],
    commands: [
      'outb 0x70 0x00',
      'inb 0x71',
      'outb 0x70 0x02',
      'inb 0x71',
      'outb 0x70 0x07',
      'inb 0x71',
      'outb 0x70 0x08',
      'inb 0x71',
      'outb 0x70 0x09',
      'inb 0x71',
    ],
  },
  {
    title: 'The HPET main counter (Xen: 16 ns period, 62.5 MHz) counts 62500 in 1 ms once enabled',
    needs: ['hpet'],
    commands: ['readl 0xfed00000', 'writel 0xfed00010 1', 'clock_step 1000000', 'readl 0xfed000f0'],
  },
  {
    title: 'The ACPI PM timer (3,579,545 Hz) at Xen’s default block 0x1F40: ticks in 1 s of virtual time',
    needs: ['pm'],
    commands: ['inl 0x1f48', 'clock_step 1000000000', 'inl 0x1f48'],
  },
];

export function runDemo(args: readonly string[], io: CliIo): number | Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...PLATFORM_OPTION_SPECS, guest: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.out(DEMO_HELP);
    return 0;
  }
  if (values.guest) {
    platformFromArgs(values); // the same option checks (and usage errors) as the platform demo
    const rest = args.filter((a) => a !== '--guest');
    return runGuestDemo(values.profile as ProfileName | undefined, io, () => runPlatformDemo(rest, io));
  }
  return runPlatformDemo(args, io);
}

function runPlatformDemo(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...args],
    options: { ...PLATFORM_OPTION_SPECS, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  const consoleLines: string[] = [];
  const platform = platformFromArgs(values, { debugConsole: { line: (t) => consoleLines.push(t) } });
  io.out('hvmdev demo\n===========\n\n');
  io.out(formatOverview(platform.describe()));
  io.out('\nWorkload (qtest protocol: commands, then "->" and the reply; writes answer OK)\n');
  const session = new QtestSession(platform);
  installExtensions(session);
  const started = process.hrtime.bigint();
  let accesses = 0;
  for (const step of DEMO_STEPS) {
    const missing = step.needs.filter((id) => !hasPart(platform, id));
    io.out(`* ${step.title}\n`);
    if (missing.length > 0) {
      io.out(`  (skipped: this platform has no ${missing.join(', ')})\n`);
      continue;
    }
    const quiet = step.quiet === true;
    // Commands that only answer OK are shown on the line of the next command that answers more.
    let pending: string[] = [];
    for (const cmd of step.commands) {
      const reply = session.handle(cmd);
      accesses++;
      if (quiet) continue;
      if (reply.length === 1 && reply[0] === 'OK') {
        pending.push(cmd);
        continue;
      }
      const shown = summariseIrqLines(reply);
      io.out(`  ${[...pending, cmd].join('; ')} -> ${shown.join('; ')}\n`);
      pending = [];
    }
    if (pending.length > 0) io.out(`  ${pending.join('; ')} -> OK\n`);
    if (quiet) io.out(`  (${step.commands.length} byte writes, each answered OK)\n`);
    for (const line of consoleLines.splice(0)) io.out(`  debug console: "${line}"\n`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  io.out(
    `Done: ${accesses} commands in ${ms.toFixed(2)} ms of host time; virtual time is now ${platform.clock.now} ns; ` +
      `${platform.ports.unclaimedAccesses + platform.mmio.unclaimedAccesses} unclaimed accesses.\n`,
  );
  io.out(NEXT_STEPS);
  return 0;
}

export const NEXT_STEPS = `
Try next:
  hvmdev describe --profile qemu-pc          the devices and bus map of another profile
  hvmdev flags explain --guest hvm 0x411     why Xen refuses a flag combination
  echo 'inb 0x61' | hvmdev qtest             drive a platform with QEMU's qtest protocol
  hvmdev demo --guest                        the demo guest under KVM (where /dev/kvm is usable)
`;

/** The platform in a few lines: the full device table and bus map are `hvmdev describe`'s. */
export function formatOverview(d: PlatformDescription): string {
  const devices = d.devices.map((dev) => (dev.status === 'implemented' ? dev.kind : `${dev.kind} (${dev.status})`));
  return (
    `Platform ${d.profile}: ${d.profileDescription}\n` +
    `Flags:    ${formatHex(d.flags)} (${d.flagNames || 'none'}), ${d.validation}\n` +
    `Devices:  ${devices.join(', ')}\n` +
    `Ranges:   ${d.ranges.filter((r) => r.bus === 'port').length} port I/O, ${d.ranges.filter((r) => r.bus === 'mmio').length} MMIO ` +
    `(hvmdev describe${d.profile === DEFAULT_PROFILE ? '' : ` --profile ${d.profile}`} lists them)\n`
  );
}

/** More than this many interrupt lines in a row are summarised, one line per IRQ. */
const IRQ_LINES_SHOWN = 4;

/**
 * Replaces a long run of qtest interrupt notifications ("IRQ raise 2", "IRQ lower 2", ...) by one
 * line per IRQ ("IRQ 2 toggled 200 times (100 raise, 100 lower)"), so a second of a periodic
 * timer fits on the screen. Other lines, and short runs, are kept as they are.
 */
export function summariseIrqLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length <= IRQ_LINES_SHOWN) {
      out.push(...run);
    } else {
      const counts = new Map<string, { raise: number; lower: number }>();
      for (const line of run) {
        const [, edge, irq] = /^IRQ (raise|lower) (\S+)$/.exec(line)!;
        const c = counts.get(irq!) ?? { raise: 0, lower: 0 };
        c[edge as 'raise' | 'lower']++;
        counts.set(irq!, c);
      }
      for (const [irq, c] of counts) out.push(`IRQ ${irq} toggled ${c.raise + c.lower} times (${c.raise} raise, ${c.lower} lower)`);
    }
    run = [];
  };
  for (const line of lines) {
    if (/^IRQ (raise|lower) \S+$/.test(line)) run.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

function hasPart(p: Platform, id: string): boolean {
  if (id === 'ram') return p.mmio.list().some((r) => r.ram !== null);
  return p.devices.has(id);
}
