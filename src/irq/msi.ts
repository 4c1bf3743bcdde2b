// MSI messages: the address/data pair a device writes, decoded per the Intel SDM Vol. 3A §11.11.

/** The base of the MSI address window, 0xFEE00000 (SDM Vol. 3A §11.11.1: address bits 31:20 = 0xFEE). */
export const MSI_ADDRESS_BASE = 0xfee00000;

/** An MSI as a device writes it: a 64-bit address (two uint32 halves) and a 32-bit data word. */
export interface MsiMessage {
  /** Low 32 bits of the address (0xFEExxxxx). */
  readonly addressLo: number;
  /** High 32 bits of the address (non-zero only with x2APIC extended destination). */
  readonly addressHi: number;
  /** Data word (uint32): vector, delivery mode, level and trigger mode (SDM Vol. 3A §11.11.2). */
  readonly data: number;
}

/** The fields of an {@link MsiMessage} (SDM Vol. 3A §11.11); `valid` false means not an interrupt. */
export interface DecodedMsi {
  /** Address bits 31:20 are 0xFEE; anything else is not an interrupt message. */
  readonly valid: boolean;
  /** Destination ID, bits 19:12 (xAPIC); with x2APIC the high address bits 31:8 extend it. */
  readonly destination: number;
  /** Redirection hint, address bit 3. */
  readonly redirectionHint: boolean;
  /** Destination mode, address bit 2: false = physical, true = logical. */
  readonly logical: boolean;
  /** Data bits 7:0. */
  readonly vector: number;
  /** Data bits 10:8: an ApicDeliveryMode (src/irq/apic-bus.ts). */
  readonly deliveryMode: number;
  /** Data bit 14 (level assert, meaningful for level-triggered messages). */
  readonly assert: boolean;
  /** Data bit 15: false = edge, true = level. */
  readonly levelTriggered: boolean;
}

/**
 * Decodes an MSI address/data pair (SDM Vol. 3A §11.11.1–2) into a new record; never throws (an
 * address outside 0xFEExxxxx decodes with `valid: false`). On a hot path use {@link decodeMsiInto}.
 * @example
 * decodeMsi({ addressLo: 0xfee01000, addressHi: 0, data: 0x4031 });
 * // { valid: true, destination: 1, vector: 0x31, deliveryMode: 0, assert: true, levelTriggered: false, ... }
 */
export function decodeMsi(msg: MsiMessage): DecodedMsi {
  return decodeMsiInto(msg, {
    valid: false,
    destination: 0,
    redirectionHint: false,
    logical: false,
    vector: 0,
    deliveryMode: 0,
    assert: false,
    levelTriggered: false,
  });
}

/** decodeMsi into a caller's record (a delivery path reuses one: no allocation per MSI). */
export function decodeMsiInto<T extends { -readonly [K in keyof DecodedMsi]: DecodedMsi[K] }>(msg: MsiMessage, out: T): T {
  const a = msg.addressLo >>> 0;
  const d = msg.data >>> 0;
  out.valid = a >>> 20 === 0xfee;
  out.destination = ((a >>> 12) & 0xff) | (((msg.addressHi >>> 8) << 8) >>> 0);
  out.redirectionHint = (a & 0x8) !== 0;
  out.logical = (a & 0x4) !== 0;
  out.vector = d & 0xff;
  out.deliveryMode = (d >>> 8) & 0x7;
  out.assert = (d & 0x4000) !== 0;
  out.levelTriggered = (d & 0x8000) !== 0;
  return out;
}

/**
 * Builds the address/data pair that {@link decodeMsi} reads back (SDM Vol. 3A §11.11): `destination`
 * is an APIC ID (above 0xFF it goes into the x2APIC extended bits of `addressHi`), `vector` 0–255,
 * `deliveryMode` an ApicDeliveryMode 0–7 (default Fixed), `assert` defaults to true. `vector` and
 * the low destination byte are masked to 8 bits; never throws.
 */
export function encodeMsi(m: {
  destination: number;
  vector: number;
  deliveryMode?: number;
  logical?: boolean;
  redirectionHint?: boolean;
  levelTriggered?: boolean;
  assert?: boolean;
}): MsiMessage {
  return {
    addressLo: (MSI_ADDRESS_BASE | ((m.destination & 0xff) << 12) | (m.redirectionHint ? 8 : 0) | (m.logical ? 4 : 0)) >>> 0,
    addressHi: m.destination > 0xff ? ((m.destination >>> 8) << 8) >>> 0 : 0,
    data: ((m.vector & 0xff) | ((m.deliveryMode ?? 0) << 8) | ((m.assert ?? true) ? 0x4000 : 0) | (m.levelTriggered ? 0x8000 : 0)) >>> 0,
  };
}

/** Whoever delivers MSI messages to the local APICs (the interrupt-controller layer). */
export interface MsiTarget {
  /** Decodes and delivers `msg`; one that is not an interrupt (`valid` false) is dropped. Never throws. */
  deliverMsi(msg: MsiMessage): void;
}
