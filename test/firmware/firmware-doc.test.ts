// docs/firmware.md shows iasl's disassembly of each profile's MADT, FADT and HPET (issue 12's "Done
// when"). This test regenerates them from the code (setUpLikeBios, describeFirmwarePlatform with
// COM1, layOutFirmware, 2 vCPUs, then `iasl -d`) and checks the page shows exactly that, so the page
// can never drift from the tables. `UPDATE_FIRMWARE_DOC=1` rewrites the blocks in place instead.
// Skipped with one visible line when iasl is absent (.ci/run installs acpica-tools).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COM1, describeFirmwarePlatform } from '../../src/firmware/firmware-platform.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import { layOutFirmware } from '../../src/firmware/layout.js';
import { setUpLikeBios } from '../../src/firmware/bios-setup.js';
import type { ProfileName } from '../../src/platform/profiles.js';

const HAVE_IASL = spawnSync('iasl', ['-v'], { encoding: 'utf8' }).status === 0;
if (!HAVE_IASL) console.log('firmware/firmware-doc.test.ts: SKIPPED — iasl not found (apt-get install acpica-tools)');

const DOC = join(__dirname, '../../docs/firmware.md');
/** The profiles whose tables the page shows, and the tables shown for each (a profile without an HPET has no HPET table). */
const SHOWN: readonly [ProfileName, readonly string[]][] = [
  ['xen-hvm', ['MADT', 'FADT', 'HPET']],
  ['qemu-pc', ['MADT', 'FADT', 'HPET']],
  ['xen-pvh', ['MADT', 'FADT']],
  ['xen-pvh-dom0', ['MADT', 'FADT']],
];
/** The table's signature in memory for each name the page uses. */
const SIGNATURE: Record<string, string> = { MADT: 'APIC', FADT: 'FACP', HPET: 'HPET' };

const dir = HAVE_IASL ? mkdtempSync(join(tmpdir(), 'hvmdev-fwdoc-')) : '';
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** iasl -d of one table, without the comment header iasl puts first (its version, date and file names) and its closing hex dump. */
function disassembly(profile: ProfileName, sig: string): string {
  const p = createPlatform({ profile, vcpus: 2 });
  setUpLikeBios(p);
  const img = layOutFirmware(describeFirmwarePlatform(p, { uart: COM1 }));
  const addr = (img.tables as Record<string, number | undefined>)[sig];
  if (addr === undefined) throw new Error(`${profile} has no ${sig} table`);
  const off = addr - img.base;
  const len = new DataView(img.bytes.buffer, img.bytes.byteOffset).getUint32(off + 4, true);
  const base = `${profile}-${sig.toLowerCase()}`;
  writeFileSync(join(dir, `${base}.dat`), img.bytes.slice(off, off + len));
  const r = spawnSync('iasl', ['-d', `${base}.dat`], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iasl -d failed: ${r.stdout}${r.stderr}`);
  const dsl = readFileSync(join(dir, `${base}.dsl`), 'utf8');
  return dsl
    .replace(/^\/\*[\s\S]*?\*\/\s*/, '')
    .replace(/\n\s*Raw Table Data:[\s\S]*$/, '')
    .trimEnd();
}

/** The fenced block after `<summary>NAME (iasl -d)</summary>` under `### profile`: [start, end) of its body. */
function blockIn(doc: string, profile: string, name: string): [number, number] {
  const section = doc.indexOf(`\n### ${profile}\n`);
  if (section < 0) throw new Error(`docs/firmware.md has no "### ${profile}" section`);
  const summary = doc.indexOf(`<summary>${name} (iasl -d)</summary>`, section);
  const next = doc.indexOf('\n### ', section + 1);
  if (summary < 0 || (next >= 0 && summary > next)) throw new Error(`docs/firmware.md's ${profile} section has no ${name} block`);
  const start = doc.indexOf('```\n', summary) + 4;
  return [start, doc.indexOf('\n```', start)];
}

describe.skipIf(!HAVE_IASL)('docs/firmware.md shows the tables the code generates', () => {
  for (const [profile, names] of SHOWN) {
    for (const name of names) {
      it(`${profile}: ${name} (iasl -d) is the current table`, () => {
        const now = disassembly(profile, SIGNATURE[name]!);
        let doc = readFileSync(DOC, 'utf8');
        const [start, end] = blockIn(doc, profile, name);
        if (process.env['UPDATE_FIRMWARE_DOC'] === '1') {
          doc = doc.slice(0, start) + now + doc.slice(end);
          writeFileSync(DOC, doc);
          return;
        }
        expect(doc.slice(start, end)).toBe(now);
      });
    }
  }
});
