// The user-facing description of a PCI function: IDs, class, BARs, capabilities, interrupt pin
// and extra config registers. `checkDefinition` refuses anything malformed with a typed error
// naming the fix, before any register or bus range exists.
import type { IoHandler } from '../../bus/handler.js';
import type { ConfigRegisterSpec } from './config-space.js';
import { PciDeviceDefinitionError } from './errors.js';

/** Memory BAR decoding 32 or 64 address bits, or an I/O BAR (PCI 3.0 §6.2.5.1). */
export type BarKind = 'mem32' | 'mem64' | 'io';

export interface BarDefinition {
  /** BAR number 0–5 (a 64-bit BAR also uses the next one). */
  readonly index: number;
  readonly kind: BarKind;
  /** Bytes decoded: a power of two, at least 16 for memory and 4 for I/O (at most 256 for I/O). */
  readonly size: number;
  readonly prefetchable?: boolean;
  /** What the BAR decodes (offsets relative to the BAR). Default: reads all-ones, writes dropped. */
  readonly handler?: IoHandler;
  /** Access sizes the handler implements (bus `sizes`). Default 1|2|4 (and 8 if it has read64/write64). */
  readonly sizes?: number;
  /** Handler requires naturally aligned accesses. Default false. */
  readonly aligned?: boolean;
  /** Range name on the bus. Default `BAR<n>`. */
  readonly name?: string;
}

export interface RomDefinition {
  /** Bytes decoded: a power of two, at least 2 KiB (PCI 3.0 §6.2.5.2). */
  readonly size: number;
  /** What the ROM decodes when enabled. Default: reads all-ones, writes dropped. */
  readonly handler?: IoHandler;
}

export interface MsiDefinition {
  readonly kind: 'msi';
  /** Vectors the function can use (Multiple Message Capable): 1, 2, 4, 8, 16 or 32. */
  readonly vectors: number;
  /** 64-bit message address (Message Control bit 7). Default true. */
  readonly address64?: boolean;
  /** Per-vector masking (Message Control bit 8). Default false. */
  readonly perVectorMask?: boolean;
}

export interface MsixDefinition {
  readonly kind: 'msix';
  /** Table entries, 1–2048. */
  readonly vectors: number;
  /** BAR holding the table and the offset in it (8-byte aligned). */
  readonly tableBar: number;
  readonly tableOffset: number;
  /** BAR holding the Pending Bit Array and the offset in it (8-byte aligned). */
  readonly pbaBar: number;
  readonly pbaOffset: number;
}

export interface CustomCapabilityDefinition {
  readonly kind: 'custom';
  /** Capability ID (PCI Code and ID Assignment spec), e.g. 0x09 vendor-specific. */
  readonly id: number;
  /** Bytes including the 2-byte ID/next header, at least 2. */
  readonly length: number;
  /** Registers of the capability, offsets relative to its start (so ≥ 2). */
  readonly registers?: readonly ConfigRegisterSpec[];
}

export type CapabilityDefinition = MsiDefinition | MsixDefinition | CustomCapabilityDefinition;

export interface PciFunctionDefinition {
  /** Owner name on the buses, in traces and errors (e.g. "pci-testdev"). */
  readonly name: string;
  readonly vendorId: number;
  readonly deviceId: number;
  readonly revision?: number;
  /** 24-bit class code: base class, sub-class, programming interface (e.g. 0x060000 host bridge). */
  readonly classCode: number;
  readonly subsystemVendorId?: number;
  readonly subsystemId?: number;
  /** Header type bit 7: function 0 of a multi-function device. */
  readonly multiFunction?: boolean;
  /** Interrupt Pin register: 0 none, 1–4 INTA#–INTD#. */
  readonly interruptPin?: number;
  /** PCI Express: 4 KiB config space (extended registers 0x100–0xFFF). */
  readonly express?: boolean;
  /** Read-only status bits (e.g. 0x0200 DEVSEL medium, 0x0080 fast back-to-back). Capabilities List is added automatically. */
  readonly status?: number;
  /** Command bits the guest can change. Default 0x0507 (I/O, memory, bus master, SERR#, INTx disable), as QEMU. */
  readonly commandWritable?: number;
  /** Cache Line Size register writable (PCI 3.0 §6.2.4). Default true. */
  readonly cacheLineSizeWritable?: boolean;
  readonly bars?: readonly BarDefinition[];
  readonly rom?: RomDefinition;
  /** Laid out from `capabilityBase` (default 0x40) in order, each 4-byte aligned, linked from 0x34. */
  readonly capabilities?: readonly CapabilityDefinition[];
  readonly capabilityBase?: number;
  /** Device-specific registers (offsets 0x40 up, or any offset not used by the header). */
  readonly registers?: readonly ConfigRegisterSpec[];
}

const isPow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
const isU16 = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;

/** Throws PciDeviceDefinitionError naming the first problem. */
export function checkDefinition(def: PciFunctionDefinition): void {
  const fail = (msg: string): never => {
    throw new PciDeviceDefinitionError(`PCI function ${def.name}: ${msg}`);
  };
  if (typeof def.name !== 'string' || def.name.length === 0) fail('needs a non-empty name');
  if (!isU16(def.vendorId) || def.vendorId === 0xffff) fail(`vendorId ${def.vendorId} must be 0–0xfffe (0xffff means "no device")`);
  if (!isU16(def.deviceId)) fail(`deviceId ${def.deviceId} must be a 16-bit value`);
  if (def.revision !== undefined && !(Number.isInteger(def.revision) && def.revision >= 0 && def.revision <= 0xff)) fail('revision must be 0–0xff');
  if (!(Number.isInteger(def.classCode) && def.classCode >= 0 && def.classCode <= 0xffffff)) fail('classCode must be a 24-bit value');
  if (def.subsystemVendorId !== undefined && !isU16(def.subsystemVendorId)) fail('subsystemVendorId must be 16-bit');
  if (def.subsystemId !== undefined && !isU16(def.subsystemId)) fail('subsystemId must be 16-bit');
  const pin = def.interruptPin ?? 0;
  if (!(Number.isInteger(pin) && pin >= 0 && pin <= 4)) fail(`interruptPin ${pin} must be 0 (none) or 1–4 (INTA#–INTD#)`);
  if (def.status !== undefined && !isU16(def.status)) fail('status must be 16-bit');
  if (def.commandWritable !== undefined && !isU16(def.commandWritable)) fail('commandWritable must be 16-bit');

  const used = new Set<number>();
  for (const bar of def.bars ?? []) {
    const where = `BAR${bar.index}`;
    if (!(Number.isInteger(bar.index) && bar.index >= 0 && bar.index <= 5)) fail(`BAR index ${bar.index} must be 0–5`);
    const slots = bar.kind === 'mem64' ? [bar.index, bar.index + 1] : [bar.index];
    if (bar.kind === 'mem64' && bar.index === 5) fail(`${where}: a 64-bit BAR needs two slots; BAR5 is the last`);
    for (const s of slots) {
      if (used.has(s)) fail(`${where}: BAR slot ${s} is already used by another BAR`);
      used.add(s);
    }
    if (!isPow2(bar.size)) fail(`${where}: size ${bar.size} must be a power of two`);
    if (bar.kind === 'io') {
      if (bar.size < 4 || bar.size > 256) fail(`${where}: an I/O BAR decodes 4–256 bytes, not ${bar.size}`);
      if (bar.prefetchable) fail(`${where}: only memory BARs can be prefetchable`);
    } else if (bar.size < 16) {
      fail(`${where}: a memory BAR decodes at least 16 bytes, not ${bar.size}`);
    } else if (bar.kind === 'mem32' && bar.size > 2 ** 31) {
      fail(`${where}: a 32-bit memory BAR decodes at most 2 GiB; use kind 'mem64'`);
    } else if (bar.size > 2 ** 48) {
      fail(`${where}: size ${bar.size} exceeds what the memory bus can map`);
    }
  }
  if (def.rom !== undefined && (!isPow2(def.rom.size) || def.rom.size < 2048 || def.rom.size > 2 ** 31)) {
    fail(`expansion ROM size ${def.rom.size} must be a power of two from 2 KiB to 2 GiB`);
  }

  let msi = 0;
  let msix = 0;
  for (const cap of def.capabilities ?? []) {
    if (cap.kind === 'msi') {
      if (++msi > 1) fail('has more than one MSI capability');
      if (![1, 2, 4, 8, 16, 32].includes(cap.vectors)) fail(`MSI vectors ${cap.vectors} must be 1, 2, 4, 8, 16 or 32`);
    } else if (cap.kind === 'msix') {
      if (++msix > 1) fail('has more than one MSI-X capability');
      if (!(Number.isInteger(cap.vectors) && cap.vectors >= 1 && cap.vectors <= 2048)) fail(`MSI-X vectors ${cap.vectors} must be 1–2048`);
      const table = { bar: cap.tableBar, off: cap.tableOffset, len: cap.vectors * 16, what: 'MSI-X table' };
      const pba = { bar: cap.pbaBar, off: cap.pbaOffset, len: Math.ceil(cap.vectors / 64) * 8, what: 'MSI-X PBA' };
      for (const s of [table, pba]) {
        const bar = (def.bars ?? []).find((b) => b.index === s.bar);
        if (bar === undefined || bar.kind === 'io') fail(`${s.what} must live in a memory BAR; BAR${s.bar} is not one`);
        if (!(Number.isInteger(s.off) && s.off >= 0 && s.off % 8 === 0)) fail(`${s.what} offset ${s.off} must be 8-byte aligned`);
        if (s.off + s.len > bar!.size) fail(`${s.what} [${s.off}, ${s.off + s.len}) does not fit in BAR${s.bar} of ${bar!.size} bytes`);
      }
      if (table.bar === pba.bar && table.off < pba.off + pba.len && pba.off < table.off + table.len) {
        fail('MSI-X table and PBA overlap');
      }
    } else if (cap.kind === 'custom') {
      if (!(Number.isInteger(cap.id) && cap.id >= 1 && cap.id <= 0xff)) fail(`capability id ${cap.id} must be 1–0xff`);
      if (!(Number.isInteger(cap.length) && cap.length >= 2 && cap.length <= 192)) fail(`capability length ${cap.length} must be 2–192`);
    } else {
      fail(`unknown capability kind ${(cap as { kind: unknown }).kind as string}`);
    }
  }
}
