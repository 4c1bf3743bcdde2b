// The MSI capability (PCI 3.0 §6.8.1): Message Control, a 32- or 64-bit Message Address, Message
// Data, and optional per-vector Mask and Pending bits. A function with several vectors enabled
// signals vector i by replacing the low log2(n) bits of the data (§6.8.1.6). A masked vector sets
// its pending bit and is sent when unmasked (§6.8.3.3).
import type { ConfigRegister, ConfigSpace } from './config-space.js';
import type { MsiDefinition } from './definition.js';

/** Capability ID of MSI: 0x05 (PCI 3.0 §6.8.1). */
export const PCI_CAP_ID_MSI = 0x05;

/** MSI Message Control bit 0, MSI Enable (PCI 3.0 §6.8.1.3). */
export const MSI_CONTROL_ENABLE = 0x0001;
/** MSI Message Control bit 7 (read-only): the capability has a 64-bit message address. */
export const MSI_CONTROL_64BIT = 0x0080;
/** MSI Message Control bit 8 (read-only): the capability has Mask and Pending registers (per-vector masking). */
export const MSI_CONTROL_PER_VECTOR_MASK = 0x0100;

/** Sends one message (the function checks bus mastering and hands it to the interrupt fabric). */
export type MessageSender = (addressLo: number, addressHi: number, data: number) => void;

/** Bytes the capability takes for a definition (ID/next header included). */
export function msiCapabilityLength(def: MsiDefinition): number {
  const a64 = def.address64 ?? true;
  if (def.perVectorMask ?? false) return a64 ? 0x18 : 0x14;
  return a64 ? 0x0e : 0x0a;
}

/**
 * The MSI capability of a {@link PciFunction} (PCI 3.0 §6.8.1): Message Control, address, data and optional
 * mask/pending registers in config space. Vector n of the `vectors` the guest enabled (Multiple Message Enable) is
 * sent as the programmed data with its low bits replaced by n; a masked vector pends and is sent when unmasked.
 * Signals while MSI is disabled or bus mastering is off are dropped. Never throws for guest input.
 */
export class MsiCapability {
  readonly vectors: number;
  readonly control: ConfigRegister;
  readonly addressLo: ConfigRegister;
  readonly addressHi: ConfigRegister | null;
  readonly data: ConfigRegister;
  readonly mask: ConfigRegister | null;
  readonly pending: ConfigRegister | null;
  /** Vectors signalled while MSI was disabled or bus mastering off (dropped, as a real function's write would be). */
  dropped = 0;

  constructor(
    space: ConfigSpace,
    readonly base: number,
    def: MsiDefinition,
    private readonly send: MessageSender,
    private readonly controlChanged: () => void,
  ) {
    const a64 = def.address64 ?? true;
    const pvm = def.perVectorMask ?? false;
    this.vectors = def.vectors;
    const mmc = Math.log2(def.vectors) << 1;
    const fixed = mmc | (a64 ? MSI_CONTROL_64BIT : 0) | (pvm ? MSI_CONTROL_PER_VECTOR_MASK : 0);
    // Writable: enable (bit 0) and Multiple Message Enable (bits 6:4); the rest read-only or reserved.
    this.control = space.add({
      offset: base + 2,
      size: 2,
      name: 'MSI control',
      reset: fixed,
      ro: 0xffff & ~0x0071,
      write: (reg, v) => {
        reg.store(v);
        this.controlChanged();
      },
    });
    // Address bits 1:0 are reserved and read 0 (DWORD-aligned message address).
    this.addressLo = space.add({ offset: base + 4, size: 4, name: 'MSI address', ro: 0x3 });
    this.addressHi = a64 ? space.add({ offset: base + 8, size: 4, name: 'MSI upper address' }) : null;
    const dataAt = base + (a64 ? 0x0c : 0x08);
    this.data = space.add({ offset: dataAt, size: 2, name: 'MSI data' });
    if (pvm) {
      // Reserved bytes between the data and the mask bits (read 0).
      space.add({ offset: dataAt + 2, size: 2, name: 'MSI reserved', ro: 0xffff });
      const unused = def.vectors === 32 ? 0 : (0xffffffff << def.vectors) >>> 0;
      this.mask = space.add({
        offset: dataAt + 4,
        size: 4,
        name: 'MSI mask bits',
        ro: unused,
        write: (reg, v) => {
          reg.store(v);
          this.flushPending();
        },
      });
      // Pending bits are set by the function only; the guest reads them.
      this.pending = space.add({
        offset: dataAt + 8,
        size: 4,
        name: 'MSI pending bits',
        ro: 0xffffffff,
        write: () => undefined,
        validate: (v) => (v & unused) === 0,
      });
    } else {
      this.mask = null;
      this.pending = null;
    }
  }

  get enabled(): boolean {
    return (this.control.value & MSI_CONTROL_ENABLE) !== 0;
  }

  /** Vectors the guest enabled: 2^min(MME, MMC) (Xen vPCI clamps MME the same way). */
  enabledVectors(): number {
    const mme = (this.control.value >>> 4) & 7;
    const mmc = (this.control.value >>> 1) & 7;
    return 1 << (mme < mmc ? mme : mmc);
  }

  /**
   * Signals vector `vector` (0-based). Sent now, pended when masked, or dropped when MSI is
   * disabled, the vector is not enabled, or `canSend` is false (bus mastering off).
   */
  trigger(vector: number, canSend: boolean): boolean {
    if (!this.enabled || !Number.isInteger(vector) || vector < 0 || vector >= this.enabledVectors() || !canSend) {
      this.dropped++;
      return false;
    }
    const bit = (1 << vector) >>> 0;
    if (this.mask !== null && (this.mask.value & bit) !== 0) {
      this.pending!.value = (this.pending!.value | bit) >>> 0;
      return true;
    }
    this.deliver(vector);
    return true;
  }

  /** Sends every pending vector that is no longer masked (called on mask writes and enables). */
  flushPending(): void {
    if (this.pending === null || this.mask === null || !this.enabled) return;
    const ready = (this.pending.value & ~this.mask.value) >>> 0;
    if (ready === 0) return;
    this.pending.value = (this.pending.value & ~ready) >>> 0;
    for (let v = 0; v < 32; v++) if ((ready >>> v) & 1) this.deliver(v);
  }

  private deliver(vector: number): void {
    const n = this.enabledVectors();
    const data = ((this.data.value & ~(n - 1)) | vector) & 0xffff;
    this.send(this.addressLo.value, this.addressHi === null ? 0 : this.addressHi.value, data);
  }
}
