// The register tables in docs/devices/*.md are the data the devices use (issue 13: register maps as
// data): each doc holds, after a `<!-- register table: NAME -->` marker, exactly the Markdown
// registerTableMarkdown renders from the table NAME.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type RegisterSpec, registerTableMarkdown } from '../../src/device-model/register-map.js';
import { XEN_HPET_PARAMS } from '../../src/devices/hpet/hpet-params.js';
import { hpetRegisters } from '../../src/devices/hpet/hpet-registers.js';
import { XEN_IOAPIC_PARAMS } from '../../src/devices/ioapic/params.js';
import { ioapicRegisters } from '../../src/devices/ioapic/registers.js';
import { LAPIC_REGISTERS } from '../../src/devices/lapic/registers.js';

const DOCS = fileURLToPath(new URL('../../docs/devices/', import.meta.url));

/** The Markdown table that follows `<!-- register table: name -->` in the doc. */
function docTable(doc: string, name: string): string {
  const lines = readFileSync(DOCS + doc, 'utf8').split('\n');
  const at = lines.indexOf(`<!-- register table: ${name} -->`);
  if (at < 0) return `(no marker for ${name} in ${doc})`;
  const table: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (!line.startsWith('|')) break;
    table.push(line);
  }
  return table.join('\n') + '\n';
}

const TABLES: readonly (readonly [doc: string, name: string, specs: readonly RegisterSpec[]])[] = [
  ['lapic.md', 'LAPIC_REGISTERS', LAPIC_REGISTERS],
  ['hpet.md', 'hpetRegisters(XEN_HPET_PARAMS)', hpetRegisters(XEN_HPET_PARAMS)],
  ['ioapic.md', 'ioapicRegisters(XEN_IOAPIC_PARAMS).direct', ioapicRegisters(XEN_IOAPIC_PARAMS).direct],
  ['ioapic.md', 'ioapicRegisters(XEN_IOAPIC_PARAMS).indirect', ioapicRegisters(XEN_IOAPIC_PARAMS).indirect],
];

describe('register tables in the docs are the data', () => {
  for (const [doc, name, specs] of TABLES) {
    it(`docs/devices/${doc} shows ${name}`, () => {
      expect(docTable(doc, name)).toBe(registerTableMarkdown(specs));
    });
  }
});
