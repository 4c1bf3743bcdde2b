// The MSI-X capability (PCI 3.0 §6.8.2): Message Control (table size, Function Mask, enable),
// the table (16 bytes per entry: address low/high, data, vector control) and the Pending Bit
// Array, both inside memory BARs. Bounds follow docs/robustness.md entries 40–41: every table/PBA access
// is checked against the table size; accesses other than aligned 4 or 8 bytes read all-ones and
// are dropped (as Xen's msix.c access check); the PBA is read-only.
import { SnapshotError } from '../../device-model/snapshot.js';
import type { AccessContext, PortAccessSize } from '../../bus/access.js';
import type { IoHandler } from '../../bus/handler.js';
import type { ConfigRegister, ConfigSpace } from './config-space.js';
import type { MsixDefinition } from './definition.js';
import type { MessageSender } from './msi.js';

/** Capability ID of MSI-X: 0x11 (PCI 3.0 §6.8.2). */
export const PCI_CAP_ID_MSIX = 0x11;
/** Bytes of the MSI-X capability structure in config space: 12 (header and control, table offset/BIR, PBA offset/BIR). */
export const MSIX_CAPABILITY_LENGTH = 12;
/** Message Control bit 14, Function Mask: every entry is masked (signals pend in the PBA) while set. */
export const MSIX_CONTROL_FUNCTION_MASK = 0x4000;
/** Message Control bit 15, MSI-X Enable (INTx and MSI are then not used; PCI 3.0 §6.8.2.3). */
export const MSIX_CONTROL_ENABLE = 0x8000;
/** Bytes per MSI-X table entry: 16 (message address low, address high, data, vector control). */
export const MSIX_ENTRY_SIZE = 16;
/** Vector Control bit 0, Mask Bit: the entry is masked; it is set in every entry at reset (PCI 3.0 §6.8.2.9). */
export const MSIX_VECTOR_MASKED = 0x1;

/**
 * The MSI-X capability of a {@link PciFunction} (PCI 3.0 §6.8.2): the Message Control register in config space,
 * and the table and Pending Bit Array that live in the function's BARs. `trigger(entry)` sends an entry's message,
 * pends it while masked (sent when unmasked) or drops it when MSI-X is off. Never throws for guest input.
 */
export class MsixCapability {
  readonly vectors: number;
  readonly control: ConfigRegister;
  /** Four dwords per entry: address low, address high, data, vector control. */
  readonly table: Uint32Array;
  /** One bit per entry, in 64-bit qwords (kept as dwords). */
  readonly pba: Uint32Array;
  readonly tableBar: number;
  readonly tableOffset: number;
  readonly pbaBar: number;
  readonly pbaOffset: number;
  dropped = 0;

  constructor(
    space: ConfigSpace,
    readonly base: number,
    def: MsixDefinition,
    private readonly send: MessageSender,
    private readonly controlChanged: () => void,
    private readonly canSend: () => boolean,
  ) {
    this.vectors = def.vectors;
    this.tableBar = def.tableBar;
    this.tableOffset = def.tableOffset;
    this.pbaBar = def.pbaBar;
    this.pbaOffset = def.pbaOffset;
    this.table = new Uint32Array(def.vectors * 4);
    this.pba = new Uint32Array(Math.ceil(def.vectors / 64) * 2);
    this.control = space.add({
      offset: base + 2,
      size: 2,
      name: 'MSI-X control',
      reset: def.vectors - 1,
      ro: 0x3fff,
      write: (reg, v) => {
        reg.store(v);
        this.controlChanged();
        this.flushPending();
      },
    });
    space.add({ offset: base + 4, size: 4, name: 'MSI-X table offset/BIR', reset: def.tableOffset | def.tableBar, ro: 0xffffffff });
    space.add({ offset: base + 8, size: 4, name: 'MSI-X PBA offset/BIR', reset: def.pbaOffset | def.pbaBar, ro: 0xffffffff });
    this.resetTable();
  }

  get enabled(): boolean {
    return (this.control.value & MSIX_CONTROL_ENABLE) !== 0;
  }

  get functionMasked(): boolean {
    return (this.control.value & MSIX_CONTROL_FUNCTION_MASK) !== 0;
  }

  /** Whether table entry `entry` (0-based, below `vectors`) has its Mask Bit set. */
  entryMasked(entry: number): boolean {
    return (this.table[entry * 4 + 3]! & MSIX_VECTOR_MASKED) !== 0;
  }

  /** Whether entry `entry` (0-based, below `vectors`) has a message pending in the PBA. */
  pendingBit(entry: number): boolean {
    return ((this.pba[entry >>> 5]! >>> (entry & 31)) & 1) !== 0;
  }

  /** Signals entry `entry`: sent now, pended while masked, dropped when MSI-X is off or the entry does not exist. */
  trigger(entry: number): boolean {
    if (!this.enabled || !Number.isInteger(entry) || entry < 0 || entry >= this.vectors || !this.canSend()) {
      this.dropped++;
      return false;
    }
    if (this.functionMasked || this.entryMasked(entry)) {
      this.pba[entry >>> 5] = (this.pba[entry >>> 5]! | (1 << (entry & 31))) >>> 0;
      return true;
    }
    this.deliver(entry);
    return true;
  }

  /** Sends pending entries that are no longer masked (§6.8.2.9). */
  flushPending(): void {
    if (!this.enabled || this.functionMasked || !this.canSend()) return;
    for (let w = 0; w < this.pba.length; w++) {
      let bits = this.pba[w]!;
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits);
        bits = (bits & ~(1 << b)) >>> 0;
        const entry = w * 32 + b;
        if (!this.entryMasked(entry)) {
          this.pba[w] = (this.pba[w]! & ~(1 << b)) >>> 0;
          this.deliver(entry);
        }
      }
    }
  }

  /** Guest read of the table: `offset` is relative to the table start, size 4, dword aligned. */
  tableRead(offset: number): number {
    const i = offset >>> 2;
    return i < this.table.length ? this.table[i]! : 0xffffffff;
  }

  /**
   * A guest dword write at byte `offset` into the table: address (bits 1:0 kept 0), address high, data, or vector
   * control (only the Mask Bit; clearing it sends a pending message). Offsets past the table are ignored.
   */
  tableWrite(offset: number, value: number): void {
    const i = offset >>> 2;
    if (i >= this.table.length) return;
    switch (i & 3) {
      case 0:
        this.table[i] = (value & ~0x3) >>> 0; // address bits 1:0 are reserved (DWORD aligned)
        break;
      case 3: {
        const wasMasked = (this.table[i]! & MSIX_VECTOR_MASKED) !== 0;
        this.table[i] = value & MSIX_VECTOR_MASKED; // bits 31:1 reserved
        if (wasMasked && (value & MSIX_VECTOR_MASKED) === 0) this.flushPending();
        break;
      }
      default:
        this.table[i] = value >>> 0;
    }
  }

  /** Guest read of the PBA: `offset` relative to the PBA start, size 4, dword aligned. */
  pbaRead(offset: number): number {
    const i = offset >>> 2;
    return i < this.pba.length ? this.pba[i]! : 0xffffffff;
  }

  /** Power-on table: every entry zero and masked, no pending bits. */
  resetTable(): void {
    this.table.fill(0);
    for (let e = 0; e < this.vectors; e++) this.table[e * 4 + 3] = MSIX_VECTOR_MASKED; // entries reset masked
    this.pba.fill(0);
  }

  /** The table (four dwords per entry) and the PBA (dwords) as plain arrays. */
  snapshot(): { table: number[]; pba: number[] } {
    return { table: Array.from(this.table), pba: Array.from(this.pba) };
  }

  /** Validates fully before changing anything. */
  checkRestore(table: readonly number[], pba: readonly number[], path: string): void {
    if (table.length !== this.table.length) throw new SnapshotError(`${path}.table: expected ${this.table.length} dwords`);
    table.forEach((v, i) => {
      const ok = Number.isInteger(v) && v >= 0 && v <= 0xffffffff && ((i & 3) !== 0 || (v & 3) === 0) && ((i & 3) !== 3 || v <= 1);
      if (!ok) throw new SnapshotError(`${path}.table[${i}]: ${String(v)} is not a table value`);
    });
    if (pba.length !== this.pba.length) throw new SnapshotError(`${path}.pba: expected ${this.pba.length} dwords`);
    pba.forEach((v, i) => {
      const valid = Math.min(32, Math.max(0, this.vectors - i * 32));
      const mask = valid === 32 ? 0xffffffff : (1 << valid) - 1;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff || (v & ~mask) !== 0) {
        throw new SnapshotError(`${path}.pba[${i}]: ${String(v)} has bits for entries that do not exist`);
      }
    });
  }

  /** Takes a table and PBA `checkRestore` accepted (the lengths must match). Sends nothing. */
  restoreState(table: readonly number[], pba: readonly number[]): void {
    this.table.set(table);
    this.pba.set(pba);
  }

  private deliver(entry: number): void {
    const t = entry * 4;
    this.send(this.table[t]!, this.table[t + 1]!, this.table[t + 2]!);
  }
}

/**
 * The handler of a BAR that holds the MSI-X table and/or PBA: those ranges are served here, the
 * rest goes to the device's own handler with its declared sizes (other sizes read all-ones).
 */
export class MsixBarHandler implements IoHandler {
  private readonly tableStart: number;
  private readonly tableEnd: number;
  private readonly pbaStart: number;
  private readonly pbaEnd: number;

  constructor(
    private readonly msix: MsixCapability,
    barIndex: number,
    private readonly inner: IoHandler,
    private readonly innerSizes: number,
    private readonly innerAligned: boolean,
  ) {
    const hasTable = msix.tableBar === barIndex;
    const hasPba = msix.pbaBar === barIndex;
    this.tableStart = hasTable ? msix.tableOffset : -1;
    this.tableEnd = hasTable ? msix.tableOffset + msix.vectors * 16 : -1;
    this.pbaStart = hasPba ? msix.pbaOffset : -1;
    this.pbaEnd = hasPba ? msix.pbaOffset + msix.pba.length * 4 : -1;
  }

  /**
   * A guest read at `offset` in the BAR: in the table or PBA only aligned dwords are served (anything else reads
   * all-ones); elsewhere the device's own handler answers the sizes it declared. Never throws.
   */
  read(offset: number, size: PortAccessSize, ctx: AccessContext): number {
    if (offset >= this.tableStart && offset < this.tableEnd) {
      if (size !== 4 || (offset & 3) !== 0) return ones(size);
      return this.msix.tableRead(offset - this.tableStart);
    }
    if (offset >= this.pbaStart && offset < this.pbaEnd) {
      if (size !== 4 || (offset & 3) !== 0) return ones(size);
      return this.msix.pbaRead(offset - this.pbaStart);
    }
    if (!this.innerServes(offset, size)) return ones(size);
    return this.inner.read(offset, size, ctx);
  }

  /**
   * A guest write at `offset` in the BAR: aligned dwords in the table reach {@link MsixCapability.tableWrite}, the
   * PBA is read-only, and the rest goes to the device's own handler. Never throws.
   */
  write(offset: number, size: PortAccessSize, value: number, ctx: AccessContext): void {
    if (offset >= this.tableStart && offset < this.tableEnd) {
      if (size === 4 && (offset & 3) === 0) this.msix.tableWrite(offset - this.tableStart, value);
      return;
    }
    if (offset >= this.pbaStart && offset < this.pbaEnd) return; // read-only
    if (this.innerServes(offset, size)) this.inner.write(offset, size, value, ctx);
  }

  /** A guest 8-byte read: an aligned qword of the table or PBA (two dwords), else the device's handler. Never throws. */
  read64(offset: number, ctx: AccessContext): bigint {
    if (this.inTable(offset) || this.inPba(offset)) {
      if ((offset & 7) !== 0) return 0xffff_ffff_ffff_ffffn;
      const lo = this.read(offset, 4, ctx);
      const hi = this.read(offset + 4, 4, ctx);
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    if (this.inner.read64 === undefined || !this.innerServes(offset, 8)) return 0xffff_ffff_ffff_ffffn;
    return this.inner.read64(offset, ctx);
  }

  /** A guest 8-byte write: an aligned qword of the table as two dword writes (low first), else the device's handler. */
  write64(offset: number, value: bigint, ctx: AccessContext): void {
    if (this.inTable(offset) || this.inPba(offset)) {
      if ((offset & 7) !== 0) return;
      this.write(offset, 4, Number(value & 0xffff_ffffn), ctx);
      this.write(offset + 4, 4, Number((value >> 32n) & 0xffff_ffffn), ctx);
      return;
    }
    if (this.inner.write64 === undefined || !this.innerServes(offset, 8)) return;
    this.inner.write64(offset, value, ctx);
  }

  private inTable(offset: number): boolean {
    return offset >= this.tableStart && offset < this.tableEnd;
  }

  private inPba(offset: number): boolean {
    return offset >= this.pbaStart && offset < this.pbaEnd;
  }

  /** The device's handler implements the access and it touches neither the table nor the PBA. */
  private innerServes(offset: number, size: number): boolean {
    const end = offset + size;
    if (offset < this.tableEnd && end > this.tableStart) return false;
    if (offset < this.pbaEnd && end > this.pbaStart) return false;
    return (this.innerSizes & size) !== 0 && (!this.innerAligned || offset % size === 0);
  }
}

function ones(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}
