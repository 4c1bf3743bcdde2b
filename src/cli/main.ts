// The `hvmdev` command: the table of subcommands and how a command's failure ends (bin.ts runs it).
// A subcommand's modules load only when it runs, so `hvmdev --help` and `hvmdev flags` start fast
// (the platform brings tsyringe, reflect-metadata and immer; the VMM its FFI).
import { readFileSync } from 'node:fs';
import { EXIT, EXIT_STATUS_HELP } from './exit-status.js';
import { processIo, type CliIo } from './io.js';
import { didYouMean } from './near-miss.js';

export interface CliCommand {
  /** What follows `hvmdev` (also the name used in messages). */
  readonly name: string;
  /** Argument sketch shown in the command list. */
  readonly synopsis: string;
  readonly summary: string;
  /** Runs with the arguments after the name; returns the exit status. */
  readonly run: (args: readonly string[], io: CliIo) => number | Promise<number>;
}

/** Every subcommand; a new command is one entry here (and its own file, imported only when it runs). */
export const COMMANDS: readonly CliCommand[] = [
  {
    name: 'flags',
    synopsis: 'check|explain|defaults|list',
    summary: 'validate and explain Xen emulation-flag combinations',
    run: async (args, io) => (await import('./flags-command.js')).runFlagsCommand(args, io),
  },
  {
    name: 'describe',
    synopsis: '',
    summary: "show a platform's devices and bus map",
    run: async (args, io) => (await import('./describe-command.js')).runDescribe(args, io),
  },
  {
    name: 'qtest',
    synopsis: '',
    summary: "serve QEMU's qtest protocol against a platform",
    run: async (args, io) => (await import('./qtest-command.js')).runQtest(args, io),
  },
  {
    name: 'demo',
    synopsis: '',
    summary: 'build the default platform and run a short workload',
    run: async (args, io) => (await import('./demo-command.js')).runDemo(args, io),
  },
  {
    name: 'run',
    synopsis: '--kernel FILE',
    summary: 'boot a Multiboot kernel on KVM with hvmdev as its platform',
    run: async (args, io) => (await import('./run-command.js')).runRun(args, io),
  },
];

function commandList(): string {
  const left = COMMANDS.map((c) => (c.synopsis === '' ? c.name : `${c.name} ${c.synopsis}`));
  const width = Math.max(...left.map((l) => l.length)) + 3;
  return COMMANDS.map((c, i) => `  ${left[i]!.padEnd(width)}${c.summary}`).join('\n');
}

export const MAIN_HELP = `Usage: hvmdev <command> [options]

Emulated x86 platform devices modelled on Xen's XEN_X86_EMU_* set.

Commands:
${commandList()}

Options:
  -h, --help       show help (also: hvmdev <command> --help)
  -V, --version    show the version

${EXIT_STATUS_HELP}

Examples:
  hvmdev flags explain --guest hvm 0x411
  hvmdev describe --profile xen-pvh-dom0
  echo 'inb 0x20' | hvmdev qtest --profile qemu-pc
`;

/** The package version, from the nearest package.json above this file (src/ or dist/src/). */
function version(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'hvmdev') return pkg.version;
    } catch {
      // try the next level up
    }
  }
  return 'unknown';
}

/**
 * Runs `hvmdev ARGV…` and returns the exit status. Never throws: every failure is reported on
 * stderr as one line with its documented status (0 ok, 1 refused/environment, 2 usage, 70 a bug).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      io.out(MAIN_HELP);
      return name === undefined ? EXIT.usage : EXIT.ok;
    case '-V':
    case '--version':
      io.out(`hvmdev ${version()}\n`);
      return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name);
    io.err(`hvmdev: unknown command '${name}'${didYouMean(name, names)} (see "hvmdev --help" for the list of commands)\n`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    const { classifyError } = await import('./errors.js');
    const outcome = classifyError(e);
    const hint = outcome.usageHint ? ` (see "hvmdev ${name} --help")` : '';
    io.err(`hvmdev ${name}: ${outcome.message}${hint}\n`);
    if (outcome.status === EXIT.internal && process.env.HVMDEV_DEBUG) io.err(`${(e as Error).stack ?? String(e)}\n`);
    return outcome.status;
  }
}
