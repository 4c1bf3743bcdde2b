import { describe, expect, it } from 'vitest';
import { FIXTURE_FILES, checkLine, loadVectors } from './vectors.js';

describe('x86emu/alu golden vectors (reference CPU: AMD EPYC)', () => {
  for (const file of FIXTURE_FILES) {
    it(`${file}.txt: every vector matches results and flags`, () => {
      const lines = loadVectors(file);
      expect(lines.length).toBeGreaterThan(1000);
      const failures: string[] = [];
      let failed = 0;
      for (let i = 0; i < lines.length; i++) {
        const err = checkLine(lines[i]!, i);
        if (err !== null) {
          failed++;
          if (failures.length < 8) failures.push(err);
        }
      }
      expect(failures, `${failed} of ${lines.length} vectors mismatch; first ones:\n${failures.join('\n')}`).toEqual([]);
    });
  }
});
