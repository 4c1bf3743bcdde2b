#!/usr/bin/env node
// `npm run docs:check` (run by .ci/run): TypeDoc's "does not have any documentation" report, held to a
// ratchet. Every public export in the folders listed in DOCUMENTED must have a TSDoc comment; the
// others are reported as a count only, until they are documented and added here. When every folder is
// listed, typedoc.json's treatValidationWarningsAsErrors takes over and this list goes.
// Usage: node tools/check-api-docs.mjs   (exit 0: clean; 1: an undocumented export in a listed folder)
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

/** Source folders (under src/) whose every public export is documented. */
const DOCUMENTED = [
  'bus',
  'cli',
  'device-model',
  'devices/debugcon',
  'devices/hpet',
  'devices/ioapic',
  'devices/lapic',
  'devices/pci',
  'devices/pic',
  'devices/pit',
  'devices/pm',
  'devices/rtc',
  'devices/vga',
  'emuflags',
  'errors',
  'firmware',
  'irq',
  'platform',
  'qtest',
  'time',
  'x86emu',
];

const root = resolve(import.meta.dirname, '..');
const run = spawnSync(process.execPath, [resolve(root, 'node_modules/typedoc/bin/typedoc'), '--emit', 'none'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
const output = stripVTControlCharacters(`${run.stdout}${run.stderr}`);
const undocumented = [...output.matchAll(/^\[warning\] (.+), defined in hvmdev\/src\/(\S+), does not have any documentation$/gm)].map((m) => ({
  what: m[1],
  file: m[2],
}));
const inListed = undocumented.filter((u) => DOCUMENTED.some((d) => u.file.startsWith(`${d}/`)));
// Any other warning or error (a broken link, a bad tag) fails, as `npm run docs` treats them as errors.
// (TypeDoc exits 4 whenever it validated with warnings, so its status alone does not tell.)
const others = output
  .split('\n')
  .filter((l) => /^\[(warning|error)\]/.test(l) && !/does not have any documentation$/.test(l) && !/^\[warning\] Found \d+ errors and \d+ warnings$/.test(l));
if (others.length > 0 || (run.status !== 0 && run.status !== 4)) {
  process.stderr.write(`${others.length > 0 ? others.join('\n') : output}\n`);
  process.stderr.write(`check-api-docs: typedoc reported problems other than undocumented exports (exit status ${run.status})\n`);
  process.exit(1);
}
for (const u of inListed) process.stderr.write(`check-api-docs: ${u.what} in src/${u.file} has no TSDoc comment (its folder is in DOCUMENTED)\n`);
const byFolder = new Map();
for (const u of undocumented) {
  const folder = u.file
    .split('/')
    .slice(0, u.file.startsWith('devices/') ? 2 : 1)
    .join('/');
  byFolder.set(folder, (byFolder.get(folder) ?? 0) + 1);
}
const rest = [...byFolder].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`);
process.stdout.write(
  `check-api-docs: ${undocumented.length} undocumented public exports, ${inListed.length} of them in documented folders` +
    (rest.length > 0 ? ` (not yet documented: ${rest.join(', ')})` : '') +
    '\n',
);
process.exit(inListed.length === 0 ? 0 : 1);
