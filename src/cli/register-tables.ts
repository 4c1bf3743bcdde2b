// The register tables `hvmdev describe --registers` prints, by device kind: the same data the
// devices' access paths, the docs and the tests read (src/device-model/register-map.ts). Tables
// that depend on a device's parameters are built from the instance the platform holds.
import type { Device } from '../device-model/device.js';
import type { RegisterSpec } from '../device-model/register-map.js';
import type { Hpet } from '../devices/hpet/hpet.js';
import { hpetRegisters } from '../devices/hpet/hpet-registers.js';
import type { Ioapic } from '../devices/ioapic/ioapic.js';
import { ioapicRegisters } from '../devices/ioapic/registers.js';
import { LAPIC_REGISTERS } from '../devices/lapic/registers.js';

export interface RegisterTable {
  /** Whose registers, and what the offsets are relative to. */
  readonly title: string;
  readonly specs: readonly RegisterSpec[];
}

/** Builds the tables of one device instance (`device(id)` looks instances up by id). */
type TablesOf = (instances: readonly string[], device: (id: string) => Device) => RegisterTable[];

export const REGISTER_TABLES: Readonly<Record<string, TablesOf>> = Object.freeze({
  lapic: () => [{ title: 'local APIC page (xAPIC offset; x2APIC MSR = 0x800 + offset/16)', specs: LAPIC_REGISTERS }],
  hpet: (ids, device) => ids.map((id) => ({ title: `${id} (offset in the 1 KiB window)`, specs: hpetRegisters((device(id) as Hpet).params) })),
  ioapic: (ids, device) =>
    ids.flatMap((id) => {
      const t = ioapicRegisters((device(id) as Ioapic).params);
      return [
        { title: `${id} window (byte offset)`, specs: t.direct },
        { title: `${id} indirect registers (IOREGSEL index)`, specs: t.indirect },
      ];
    }),
});
