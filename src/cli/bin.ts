#!/usr/bin/env node
// Entry point of the `hvmdev` executable.
import { EXIT } from './exit-status.js';
import { main } from './main.js';

// A reader that stops early (`hvmdev demo | head`) closes the pipe: end quietly, as CLI tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

// main() reports every failure itself; this is only the last line of defence against a bug.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hvmdev: internal error (a bug in hvmdev): ${(e as Error).message ?? String(e)}\n`);
    if (process.env.HVMDEV_DEBUG) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
    process.exitCode = EXIT.internal;
  },
);
