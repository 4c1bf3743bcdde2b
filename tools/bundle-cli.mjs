#!/usr/bin/env node
// Step of `npm run build` after tsc: bundles the executables from tsc's output (dist/src) into
// dist/cli/, one file per entry and per lazily loaded command plus shared chunks:
//   dist/src/cli/bin.js             → dist/cli/hvmdev.js
//   dist/src/cli/qemu-system-bin.js → dist/cli/hvmdev-system-x86_64.js
// Why: Node 20's ESM loader resolves, reads and compiles each module on its own, about a millisecond
// apiece on a quiet machine, and `hvmdev describe` loads ~135 modules (every device of a platform).
// In a few chunks it starts about twice as fast (docs/cli.md has the figures). The library (dist/src)
// is not bundled. Packages stay external (tsyringe, reflect-metadata, immer, koffi are installed
// dependencies), and so do node: built-ins. The emulation-flag tables and the platform get chunks of
// their own, so `hvmdev flags` loads no platform code (test/package checks it). Source maps chain through tsc's maps to src/*.ts.
// Usage: node tools/bundle-cli.mjs   (after tsc -p tsconfig.json)
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

const root = resolve(import.meta.dirname, '..');
const distSrc = join(root, 'dist/src');
const outDir = join(root, 'dist/cli');

if (!existsSync(join(distSrc, 'cli/bin.js'))) {
  process.stderr.write('bundle-cli: dist/src/cli/bin.js is not built; run tsc -p tsconfig.json first\n');
  process.exit(1);
}

/** Hands rolldown tsc's source map with each module, so the bundle's maps lead to src/*.ts. */
const tscSourceMaps = {
  name: 'tsc-source-maps',
  load(id) {
    if (!id.startsWith(distSrc) || !id.endsWith('.js')) return null;
    const code = readFileSync(id, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    const mapFile = `${id}.map`;
    return { code, map: existsSync(mapFile) ? readFileSync(mapFile, 'utf8') : null };
  },
};

/**
 * The chunk a module goes to when several entries share it (higher priority wins). The error classes
 * every command's failure path classifies (src/cli/errors.ts) go with the flag tables, not with the
 * platform they are declared beside.
 */
const chunkGroups = [
  { name: 'emuflags', test: /[\\/]dist[\\/]src[\\/](emuflags[\\/]|errors[\\/]|platform[\\/]errors\.js$)/, priority: 2 },
  { name: 'platform', test: /[\\/]dist[\\/]src[\\/](platform|devices|device-model|bus|irq|time)[\\/]/, priority: 1 },
];

rmSync(outDir, { recursive: true, force: true });
await build({
  input: { hvmdev: join(distSrc, 'cli/bin.js'), 'hvmdev-system-x86_64': join(distSrc, 'cli/qemu-system-bin.js') },
  platform: 'node',
  // Bare specifiers are packages or node: built-ins: loaded from node_modules at run time.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(id),
  plugins: [tscSourceMaps],
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'esm',
    sourcemap: true,
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: { groups: chunkGroups },
  },
});
