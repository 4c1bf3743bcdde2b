#!/usr/bin/env node
// Step of `npm run build` after tsc: bundles the executables from tsc's output (dist/src) into
// dist/cli/, one file per entry and per lazily loaded command plus shared chunks:
//   dist/src/cli/bin.js             → dist/cli/hvmdev.js
//   dist/src/cli/qemu-system-bin.js → dist/cli/hvmdev-system-x86_64.js
// Why: Node 20's ESM loader resolves, reads and compiles each module on its own, about a millisecond
// apiece on a quiet machine, and `hvmdev describe` loads ~135 modules (every device of a platform).
// In a few chunks it starts about twice as fast (docs/cli.md has the figures). The library (dist/src)
// is not bundled.
// The chunks are CommonJS (dist/cli/package.json says so; the package itself is an ES module): a
// command that is all `require` never starts Node's ESM loader, ~7 ms of CPU less for every command.
// The platform's packages (tsyringe with tslib, reflect-metadata, immer) are bundled into the platform
// chunk: tsyringe alone is ~35 CommonJS files, whose resolving and loading was ~20 ms of CPU of every
// platform-building command. Their licenses are written beside the bundle (THIRD-PARTY-LICENSES.txt,
// from the packages themselves). Other packages (koffi, a native FFI) and node: built-ins stay external.
// The emulation-flag tables and the platform get chunks of their own, so `hvmdev flags` loads no
// platform code (test/package checks it).
// No source maps: a stack trace of the command points at these files, which are shipped and readable
// (the library's maps, dist/src/**/*.js.map, lead to the shipped src/*.ts).
// Usage: node tools/bundle-cli.mjs   (after tsc -p tsconfig.json)
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'rolldown';

const root = resolve(import.meta.dirname, '..');
const distSrc = join(root, 'dist/src');
const outDir = join(root, 'dist/cli');

/** Packages bundled into the command (the rest stay external: loaded from node_modules at run time). */
const BUNDLED = new Set(['tsyringe', 'tslib', 'reflect-metadata', 'immer']);

if (!existsSync(join(distSrc, 'cli/bin.js'))) {
  process.stderr.write('bundle-cli: dist/src/cli/bin.js is not built; run tsc -p tsconfig.json first\n');
  process.exit(1);
}

/** 'immer', 'immer/x' → 'immer'; '@scope/p/x' → '@scope/p'. */
const packageOf = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(id) && !id.startsWith('\0');

/**
 * tsc's output without its sourceMappingURL comment, and with `require('pkg')` of a bundled package
 * (src/platform/tsyringe.ts loads tsyringe through createRequire, which a bundler cannot follow)
 * turned into an import the bundler can.
 */
const tscOutput = {
  name: 'tsc-output',
  load(id) {
    if (!id.startsWith(distSrc) || !id.endsWith('.js')) return null;
    const imports = [];
    const code = readFileSync(id, 'utf8')
      .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
      .replace(/\brequire\((['"])([^'"]+)\1\)/g, (call, _quote, specifier) => {
        if (!BUNDLED.has(packageOf(specifier))) return call;
        imports.push(`import * as __bundled${imports.length} from ${JSON.stringify(specifier)};`);
        return `__bundled${imports.length - 1}`;
      });
    return imports.join(' ') + code;
  },
};

/**
 * The chunk a module goes to when several entries share it (higher priority wins). The error classes
 * every command's failure path classifies (src/cli/errors.ts) go with the flag tables, not with the
 * platform they are declared beside.
 */
const chunkGroups = [
  { name: 'emuflags', test: /[\\/]dist[\\/]src[\\/](emuflags[\\/]|errors[\\/]|platform[\\/]errors\.js$)/, priority: 2 },
  {
    name: 'platform',
    test: /[\\/]dist[\\/]src[\\/](platform|devices|device-model|bus|irq|time)[\\/]|[\\/]node_modules[\\/](tsyringe|tslib|reflect-metadata|immer)[\\/]/,
    priority: 1,
  },
];

rmSync(outDir, { recursive: true, force: true });
const { output } = await build({
  input: { hvmdev: join(distSrc, 'cli/bin.js'), 'hvmdev-system-x86_64': join(distSrc, 'cli/qemu-system-bin.js') },
  platform: 'node',
  external: (id) => isBare(id) && !BUNDLED.has(packageOf(id)),
  plugins: [tscOutput],
  logLevel: 'warn',
  output: {
    dir: outDir,
    format: 'cjs',
    sourcemap: false,
    // The sources' doc comments are for the library's readers (dist/src, src); legal comments stay.
    comments: { legal: true, annotation: true, jsdoc: false },
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    codeSplitting: { groups: chunkGroups },
  },
});

/** The folder of the package a bundled module belongs to (its nearest package.json with a name). */
function packageDir(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name !== undefined) return dir;
  }
  throw new Error(`bundle-cli: no package.json above ${file}`);
}

const bundledDirs = new Set(
  output
    .flatMap((o) => o.moduleIds ?? [])
    .filter((id) => /[\\/]node_modules[\\/]/.test(id))
    .map(packageDir),
);
const notices = [...bundledDirs].sort().map((dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const texts = readdirSync(dir).filter((f) => /^(licen[cs]e|copying|notice|copyrightnotice)(\.(md|txt))?$/i.test(f));
  if (texts.length === 0) throw new Error(`bundle-cli: ${pkg.name} is bundled but has no license file in ${dir}`);
  const body = texts.map((f) => readFileSync(join(dir, f), 'utf8').trim()).join('\n\n');
  return `${pkg.name} ${pkg.version} (${pkg.license})\n\n${body}\n`;
});
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
writeFileSync(
  join(outDir, 'THIRD-PARTY-LICENSES.txt'),
  `The hvmdev command (dist/cli) bundles these packages; their licenses follow.\n\n${notices.join(`\n${'-'.repeat(72)}\n\n`)}`,
);
