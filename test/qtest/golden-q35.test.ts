// Replays transcripts recorded from QEMU 7.2's `q35` machine (../shared/oracle/qtest-run q35
// FILE.qtest) through the qemu-q35 profile, byte for byte: every device (PIT, PIC/ELCR, RTC, HPET
// with q35's route capabilities, IO-APIC, PM timer at the ICH9 PMBASE, PCI configuration of every
// function, ECAM of every width, PCIEXBAR resize and disable).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';
import { replayTranscript } from '../../src/qtest/transcript.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'qtest-q35');

describe('golden QEMU 7.2 q35 transcripts (qemu-q35 profile)', () => {
  for (const dir of readdirSync(ROOT).sort()) {
    for (const file of readdirSync(join(ROOT, dir)).sort()) {
      if (!file.endsWith('.out')) continue;
      it(`${dir}/${file}`, () => {
        const text = readFileSync(join(ROOT, dir, file), 'utf8');
        const session = new QtestSession(createPlatform({ profile: 'qemu-q35' }));
        installExtensions(session);
        expect(replayTranscript(session, text)).toEqual([]);
      });
    }
  }
});
