// The IO-APIC's register map (Intel 82093AA datasheet §3; ICH IOxAPIC for the EOI register).
// Two direct registers select and window the indirect ones; the redirection table holds one
// 64-bit entry per input pin, as two 32-bit halves.

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

/** Delivery modes as named in the redirection entry (82093AA Table 3). */
export const DELIVERY_MODE_NAMES = ['Fixed', 'LowestPriority', 'SMI', 'reserved(3)', 'NMI', 'INIT', 'reserved(6)', 'ExtINT'] as const;
