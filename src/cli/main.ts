// The `hvmdev` command: dispatch to subcommands (bin.ts runs it).
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { HvmdevError } from '../bus/errors.js';
import { runDemo } from './demo-command.js';
import { runDescribe } from './describe-command.js';
import { runFlagsCommand } from './flags-command.js';
import { processIo, UsageError, type CliIo } from './io.js';
import { runQtest } from './qtest-command.js';

export const MAIN_HELP = `Usage: hvmdev <command> [options]

Emulated x86 platform devices modelled on Xen's XEN_X86_EMU_* set.

Commands:
  flags check|explain|defaults|list   validate and explain Xen emulation-flag combinations
  describe                            show a platform's devices and bus map
  qtest                               serve QEMU's qtest protocol against a platform
  demo                                build the default platform and run a short workload

Options:
  -h, --help       show help (also: hvmdev <command> --help)
  -V, --version    show the version

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

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(MAIN_HELP);
        return cmd === undefined ? 2 : 0;
      case '-V':
      case '--version':
        io.out(`hvmdev ${version()}\n`);
        return 0;
      case 'flags':
        return runFlagsCommand(rest, io);
      case 'describe':
        return runDescribe(rest, io);
      case 'qtest':
        return await runQtest(rest, io);
      case 'demo':
        return runDemo(rest, io);
      default:
        io.err(`hvmdev: unknown command '${cmd}'\nRun "hvmdev --help" for the list of commands.\n`);
        return 2;
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'));
    if (usage) {
      io.err(`hvmdev ${cmd}: ${(e as Error).message}\nRun "hvmdev ${cmd} --help" for usage.\n`);
      return 2;
    }
    if (e instanceof HvmdevError) {
      io.err(`hvmdev ${cmd}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
