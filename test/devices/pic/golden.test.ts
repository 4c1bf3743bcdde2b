// The `qemu-pc` PIC pair against transcripts recorded from QEMU 7.2 (../shared/oracle).
import { describe, expect, it } from 'vitest';
import { replayFixture } from '../ioapic/qtest-mini.js';

describe('PIC golden transcripts (QEMU 7.2 pc)', () => {
  for (const name of ['init-poll-eoi', 'cascade-elcr', 'aeoi-smm']) {
    it(name, () => {
      const { expected, actual } = replayFixture('pic', name);
      expect(actual).toBe(expected);
    });
  }
});
