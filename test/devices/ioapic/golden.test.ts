// The `qemu-pc` IO-APIC against transcripts recorded from QEMU 7.2 (../shared/oracle).
import { describe, expect, it } from 'vitest';
import { replayFixture } from './qtest-mini.js';

describe('IO-APIC golden transcripts (QEMU 7.2 pc)', () => {
  for (const name of ['registers', 'level-eoi', 'input0-edge']) {
    it(name, () => {
      const { expected, actual } = replayFixture('ioapic', name);
      expect(actual).toBe(expected);
    });
  }
});
