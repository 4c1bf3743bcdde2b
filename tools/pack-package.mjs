#!/usr/bin/env node
// `npm run package`: writes the publishable tarball (hvmdev-VERSION.tgz) from a staging folder, so the
// published package.json differs from the repository's in exactly two ways a user would notice:
//  - no scripts: the repository's `prepare` (which builds a fresh clone on `npm ci`) would make npm
//    warn about an install script on every `npm install hvmdev`, although it never runs there;
//  - koffi (the FFI only `hvmdev run` needs) is an optional peer dependency, not an optional
//    dependency, so installing hvmdev installs no native package and runs no install script.
//    `hvmdev run` names the fix ("npm install koffi") when it is missing.
// Also leaves out devDependencies and the generated API reference (docs/api).
// Usage: node tools/pack-package.mjs [DEST_DIR]   (default: the current directory; run `npm run build` first)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dest = resolve(process.argv[2] ?? '.');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
if (!existsSync(join(root, 'dist/src/index.js'))) {
  process.stderr.write('pack-package: dist/src is not built; run `npm run build` first\n');
  process.exit(1);
}

const published = { ...pkg };
delete published.scripts;
delete published.devDependencies;
const optional = { ...(published.optionalDependencies ?? {}) };
delete published.optionalDependencies;
if (Object.keys(optional).length > 0) {
  published.peerDependencies = { ...(published.peerDependencies ?? {}), ...optional };
  published.peerDependenciesMeta = {
    ...(published.peerDependenciesMeta ?? {}),
    ...Object.fromEntries(Object.keys(optional).map((name) => [name, { optional: true }])),
  };
}

const stage = mkdtempSync(join(tmpdir(), 'hvmdev-pack-'));
try {
  for (const entry of [...pkg.files, 'LICENSE', 'CHANGELOG.md']) {
    cpSync(join(root, entry), join(stage, entry), { recursive: true, filter: (from) => !from.startsWith(join(root, 'docs/api')) });
  }
  writeFileSync(join(stage, 'package.json'), JSON.stringify(published, null, 2) + '\n');
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out);
  process.stdout.write(`${join(dest, info.filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
