// Replays transcripts recorded from a real QEMU 7.2 (../shared/oracle/qtest-run pc FILE.qtest)
// through hvmdev's qtest front-end under the qemu-pc profile, byte for byte. Every device folder
// under test/fixtures/qtest/ is replayed; a transcript lists the commands and QEMU's replies.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { replayTranscript } from '../../src/qtest/transcript.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'qtest');
/** Fixture folders whose devices are wired into the qemu-pc profile (others are listed as skipped). */
const WIRED = new Set(['protocol', 'hpet', 'ioapic', 'pic', 'pci', 'pm', 'pit', 'rtc']);

function transcripts(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const dir of readdirSync(ROOT).sort()) {
    for (const file of readdirSync(join(ROOT, dir)).sort()) {
      if (file.endsWith('.out')) out.push({ name: `${dir}/${file}`, text: readFileSync(join(ROOT, dir, file), 'utf8') });
    }
  }
  return out;
}

describe('golden QEMU 7.2 transcripts (qemu-pc profile)', () => {
  for (const { name, text } of transcripts()) {
    (WIRED.has(name.split('/')[0]!) || WIRED.has(name) ? it : it.skip)(name, () => {
      // `#!args -device pci-testdev` in a script adds QEMU's PCI test device; hvmdev has the same option.
      const pciTestdev = /^# ?!args .*-device pci-testdev/m.test(text) || text.includes('#!args -device pci-testdev');
      const session = new QtestSession(createPlatform({ profile: 'qemu-pc', pciTestdev }));
      installExtensions(session);
      expect(replayTranscript(session, text)).toEqual([]);
    });
  }
});
