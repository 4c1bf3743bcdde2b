#!/usr/bin/env node
// Entry point of the `hvmdev-system-x86_64` executable (QEMU's command line, for libqtest). It loads
// only the platform, the qtest server and QMP: none of the other hvmdev commands.
import { runQemuSystem } from './qemu-system.js';

runQemuSystem(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`hvmdev-system-x86_64: internal error (a bug in hvmdev): ${(e as Error).message ?? String(e)}\n`);
  process.exit(70);
});
