#!/usr/bin/env node
// Entry point of the `hvmdev` executable.
import 'reflect-metadata';
import { main } from './main.js';

// A reader that stops early (`hvmdev demo | head`) closes the pipe: end quietly, as CLI tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hvmdev: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 70;
  },
);
