#!/usr/bin/env node
// Last step of `npm run build`: tsc writes every file without the execute bit, so each executable
// named in package.json "bin" is made executable again (otherwise `npx hvmdev` after a rebuild fails
// with "Permission denied"). A bin the build did not produce is an error.
// Usage: node tools/mark-bins-executable.mjs [PACKAGE_DIR]   (default: the current directory)
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dir = resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
let missing = 0;
for (const bin of bins) {
  const file = join(dir, bin);
  try {
    // Add execute wherever read is allowed (0644 -> 0755), as npm does when it links a bin.
    const mode = statSync(file).mode & 0o777;
    chmodSync(file, mode | ((mode & 0o444) >> 2));
  } catch (e) {
    process.stderr.write(`mark-bins-executable: ${bin} (package.json "bin") was not built: ${e.code ?? e.message}\n`);
    missing++;
  }
}
process.exitCode = missing === 0 ? 0 : 1;
