// The IO-APIC's register map (Intel 82093AA datasheet §3; ICH IOxAPIC for the EOI register).
// Two direct registers select and window the indirect ones; the redirection table holds one
// 64-bit entry per input pin, as two 32-bit halves.

import type { RegisterSpec } from '../../device-model/register-map.js';
import type { IoapicParams } from './params.js';

/** Direct (memory-mapped) registers, offsets from the IO-APIC base. */
export const IOAPIC_DIRECT = {
  /** I/O Register Select: index of the indirect register IOWIN reaches. */
  IOREGSEL: 0x00,
  /** I/O Window: the selected indirect register. */
  IOWIN: 0x10,
  /** EOI register (IOxAPIC version 0x20 only): write a vector to clear Remote-IRR of its entries. */
  EOI: 0x40,
} as const;

/** Indirect register indices (IOREGSEL values). */
export const IOAPIC_INDEX = {
  ID: 0x00,
  VERSION: 0x01,
  ARBITRATION: 0x02,
  /** Redirection entry n: low half at 0x10 + 2n, high half at 0x11 + 2n. */
  REDIRECTION_BASE: 0x10,
} as const;

/** ID register (index 0): a 4-bit ID in bits 27:24 (82093AA §3.2.1). */
export const IOAPIC_ID_SHIFT = 24;
/** Width mask of the ID (4 bits, 0–15) once shifted down by {@link IOAPIC_ID_SHIFT}: `(reg >>> 24) & IOAPIC_ID_MASK`. */
export const IOAPIC_ID_MASK = 0xf;

/** Version register (index 1): version in bits 7:0, maximum redirection entry (pins − 1) in 23:16. */
export function versionRegister(version: number, pins: number): number {
  return ((((pins - 1) & 0xff) << 16) | (version & 0xff)) >>> 0;
}

/** Redirection entry, low half (82093AA §3.2.4). The high half holds the destination in bits 31:24. */
export const RTE = {
  VECTOR_MASK: 0xff,
  DELIVERY_MODE_SHIFT: 8,
  DELIVERY_MODE_MASK: 0x7,
  /** 0 = physical, 1 = logical. */
  DEST_MODE_LOGICAL: 1 << 11,
  /** Delivery status (read-only): always 0 here, messages are sent at once. */
  DELIVERY_STATUS: 1 << 12,
  /** Interrupt input pin polarity (1 = active low). Stored; lines here are "asserted" levels. */
  POLARITY_LOW: 1 << 13,
  /** Remote IRR (read-only): a level interrupt was accepted and not yet EOIed. */
  REMOTE_IRR: 1 << 14,
  /** 0 = edge, 1 = level. */
  TRIGGER_LEVEL: 1 << 15,
  MASK: 1 << 16,
  /** Destination field: bits 63:56 = bits 31:24 of the high half. */
  DEST_SHIFT: 24,
} as const;

/** Bits of the low half that a guest write cannot change. */
export const RTE_READ_ONLY = RTE.DELIVERY_STATUS | RTE.REMOTE_IRR;

/** Reset value of every entry: masked, everything else 0 (82093AA §3.2.4: "mask ... set on reset"). */
export const RTE_RESET_LOW = RTE.MASK;

/** One IO-APIC's register tables (src/device-model/register-map.ts): the window, and the file IOWIN reaches. */
export interface IoapicRegisterTables {
  /** Byte offsets in the MMIO window. */
  readonly direct: readonly RegisterSpec[];
  /** IOREGSEL indices. */
  readonly indirect: readonly RegisterSpec[];
}

type TableParams = Pick<IoapicParams, 'pins' | 'version' | 'ioregselBits' | 'eoiRegister' | 'apicId'>;

const spec = (
  offset: number,
  name: string,
  readMask: number,
  writeMask: number,
  reset: number | null,
  note: string,
  count?: number,
  stride?: number,
): RegisterSpec => ({
  offset,
  name,
  width: 32,
  ...(count !== undefined ? { count, stride } : {}),
  readMask: BigInt(readMask >>> 0),
  writeMask: BigInt(writeMask >>> 0),
  reset: reset === null ? null : BigInt(reset >>> 0),
  note,
});

/**
 * The registers of an IO-APIC with these parameters. The device takes IOREGSEL's width, the ID's
 * and the entries' writable bits from here; the docs (docs/devices/ioapic.md, for Xen's
 * parameters) and `hvmdev describe --registers` print it.
 */
export function ioapicRegisters(p: TableParams): IoapicRegisterTables {
  const id = (IOAPIC_ID_MASK << IOAPIC_ID_SHIFT) >>> 0;
  const ioregsel = p.ioregselBits === 8 ? 0xff : 0xffff_ffff;
  const rteLowWritable = ~RTE_READ_ONLY >>> 0;
  return {
    direct: [
      spec(IOAPIC_DIRECT.IOREGSEL, 'IOREGSEL', ioregsel, ioregsel, 0, `selects the register IOWIN reaches (${p.ioregselBits} bits kept)`),
      spec(IOAPIC_DIRECT.IOWIN, 'IOWIN', 0xffff_ffff, 0xffff_ffff, null, 'the register IOREGSEL selects'),
      spec(
        IOAPIC_DIRECT.EOI,
        'EOI',
        0,
        p.eoiRegister ? 0xff : 0,
        0,
        p.eoiRegister ? 'write a vector: clears Remote-IRR of its entries (IOxAPIC 0x20)' : 'absent (version 0x11): reads 0, writes ignored',
      ),
    ],
    indirect: [
      spec(IOAPIC_INDEX.ID, 'ID', id, id, (p.apicId << IOAPIC_ID_SHIFT) >>> 0, '4-bit APIC ID in bits 27:24'),
      spec(
        IOAPIC_INDEX.VERSION,
        'Version',
        versionRegister(p.version, p.pins),
        0,
        versionRegister(p.version, p.pins),
        'maximum redirection entry in 23:16, version in 7:0',
      ),
      spec(IOAPIC_INDEX.ARBITRATION, 'Arbitration', id, 0, (p.apicId << IOAPIC_ID_SHIFT) >>> 0, 'reads the ID (Xen and QEMU)'),
      spec(
        IOAPIC_INDEX.REDIRECTION_BASE,
        'RTE low',
        0xffff_ffff,
        rteLowWritable,
        RTE_RESET_LOW,
        'entry i: vector, delivery mode, dest mode, polarity, trigger, mask; 12 and 14 read-only',
        p.pins,
        2,
      ),
      spec(IOAPIC_INDEX.REDIRECTION_BASE + 1, 'RTE high', 0xffff_ffff, 0xffff_ffff, 0, 'entry i: destination in 31:24', p.pins, 2),
    ],
  };
}

/** The write mask of the register at `offset` in `table` (the access path's masks come from the tables). */
export function writeMaskOf(table: readonly RegisterSpec[], offset: number): number {
  const r = table.find((x) => x.offset === offset);
  return r === undefined ? 0 : Number(r.writeMask);
}
