// The register tables `hvmdev describe --registers` prints, by device kind: the same data the
// devices' access paths, the docs and the tests read (src/device-model/register-map.ts).
import type { RegisterSpec } from '../device-model/register-map.js';
import { LAPIC_REGISTERS } from '../devices/lapic/registers.js';

export interface RegisterTable {
  /** What the offsets are relative to. */
  readonly title: string;
  readonly specs: readonly RegisterSpec[];
}

export const REGISTER_TABLES: Readonly<Record<string, readonly RegisterTable[]>> = Object.freeze({
  lapic: [{ title: 'local APIC page (xAPIC offset; x2APIC MSR = 0x800 + offset/16)', specs: LAPIC_REGISTERS }],
});
