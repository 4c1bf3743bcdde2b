// The user-facing description of a PCI function: IDs, class, BARs, capabilities, interrupt pin
// and extra config registers. `checkDefinition` refuses anything malformed with a typed error
// naming the fix, before any register or bus range exists.
import type { IoHandler } from '../../bus/handler.js';
import type { ConfigRegisterSpec } from './config-space.js';
import { PciDeviceDefinitionError } from './errors.js';

/** Memory BAR decoding 32 or 64 address bits, or an I/O BAR (PCI 3.0 §6.2.5.1). */
export type BarKind = 'mem32' | 'mem64' | 'io';

/**
 * One Base Address Register of a {@link PciFunctionDefinition} (PCI 3.0 §6.2.5.1): its slot, kind and size, and the
 * handler that decodes it once the guest places it (offsets relative to the BAR's base). Checked when the
 * function is attached; a bad BAR throws PciDeviceDefinitionError naming it.
 *
 * @example
 * ```ts
 * const bar0: BarDefinition = { index: 0, kind: 'mem32', size: 0x1000, handler: registers, sizes: 4, aligned: true };
 * ```
 */
export interface BarDefinition {
  /** BAR number 0–5 (a 64-bit BAR also uses the next one). */
  readonly index: number;
  /** `mem32`, `mem64` (takes two BAR slots) or `io`. */
  readonly kind: BarKind;
  /** Bytes decoded: a power of two, at least 16 for memory and 4 for I/O (at most 256 for I/O). */
  readonly size: number;
  /** Memory BAR bit 3 (prefetchable). Memory BARs only. Default false. */
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

/**
 * The Expansion ROM BAR of a function (config offset 0x30, PCI 3.0 §6.2.5.2): decoded only while the guest sets
 * its enable bit (and Memory Space in the command register).
 */
export interface RomDefinition {
  /** Bytes decoded: a power of two, at least 2 KiB (PCI 3.0 §6.2.5.2). */
  readonly size: number;
  /** What the ROM decodes when enabled. Default: reads all-ones, writes dropped. */
  readonly handler?: IoHandler;
}

/**
 * An MSI capability (PCI 3.0 §6.8.1, capability ID 0x05): the function signals vectors with `signalMsi(n)` while the
 * guest has MSI enabled; the message goes to the address/data the guest programmed.
 */
export interface MsiDefinition {
  readonly kind: 'msi';
  /** Vectors the function can use (Multiple Message Capable): 1, 2, 4, 8, 16 or 32. */
  readonly vectors: number;
  /** 64-bit message address (Message Control bit 7). Default true. */
  readonly address64?: boolean;
  /** Per-vector masking (Message Control bit 8). Default false. */
  readonly perVectorMask?: boolean;
}

/**
 * An MSI-X capability (PCI 3.0 §6.8.2, capability ID 0x11): a table of `vectors` 16-byte entries and a Pending Bit
 * Array, each inside one of the function's memory BARs (they may share a BAR, without overlapping).
 */
export interface MsixDefinition {
  readonly kind: 'msix';
  /** Table entries, 1–2048. */
  readonly vectors: number;
  /** BAR holding the table and the offset in it (8-byte aligned). */
  readonly tableBar: number;
  /** Offset of the table in `tableBar` (8-byte aligned; the table takes 16 × vectors bytes). */
  readonly tableOffset: number;
  /** BAR holding the Pending Bit Array and the offset in it (8-byte aligned). */
  readonly pbaBar: number;
  /** Offset of the PBA in `pbaBar` (8-byte aligned; one bit per vector, in whole 8-byte words). */
  readonly pbaOffset: number;
}

/**
 * A capability the host describes itself (e.g. vendor-specific 0x09): an ID, a length and its registers. The
 * host bridge links it into the capability list like MSI and MSI-X.
 */
export interface CustomCapabilityDefinition {
  readonly kind: 'custom';
  /** Capability ID (PCI Code and ID Assignment spec), e.g. 0x09 vendor-specific. */
  readonly id: number;
  /** Bytes including the 2-byte ID/next header, at least 2. */
  readonly length: number;
  /** Registers of the capability, offsets relative to its start (so ≥ 2). */
  readonly registers?: readonly ConfigRegisterSpec[];
}

/** One entry of {@link PciFunctionDefinition.capabilities}, told apart by `kind`: `msi`, `msix` or `custom`. */
export type CapabilityDefinition = MsiDefinition | MsixDefinition | CustomCapabilityDefinition;

/**
 * What a host needs to say to attach a PCI function to a {@link PciHost} (`host.attach(address, definition)`):
 * IDs, class, BARs, ROM, capabilities, interrupt pin and extra config registers. Every field is checked before
 * anything is created: a malformed definition throws PciDeviceDefinitionError (or PciRegisterError for a
 * register) naming the problem. See docs/devices/pci.md for a full example.
 *
 * @example
 * ```ts
 * const fn = host.attach({ device: 4 }, {
 *   name: 'my-nic', vendorId: 0x8086, deviceId: 0x10d3, classCode: 0x020000, interruptPin: 1,
 *   bars: [{ index: 0, kind: 'mem32', size: 0x20000, handler: registers }],
 *   capabilities: [{ kind: 'msi', vectors: 4 }],
 * });
 * ```
 */
export interface PciFunctionDefinition {
  /** Owner name on the buses, in traces and errors (e.g. "pci-testdev"). */
  readonly name: string;
  /** Vendor ID (16 bits, not 0xFFFF, which means "no device"). */
  readonly vendorId: number;
  /** Device ID (16 bits). */
  readonly deviceId: number;
  /** Revision ID (8 bits). Default 0. */
  readonly revision?: number;
  /** 24-bit class code: base class, sub-class, programming interface (e.g. 0x060000 host bridge). */
  readonly classCode: number;
  /** Subsystem vendor ID at 0x2C (16 bits). Default 0. */
  readonly subsystemVendorId?: number;
  /** Subsystem ID at 0x2E (16 bits). Default 0. */
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
  /** The BARs, any order; slots must not overlap (a 64-bit BAR takes two). */
  readonly bars?: readonly BarDefinition[];
  /** An expansion ROM, if the function has one. */
  readonly rom?: RomDefinition;
  /** Laid out from `capabilityBase` (default 0x40) in order, each 4-byte aligned, linked from 0x34. */
  readonly capabilities?: readonly CapabilityDefinition[];
  /** Config offset of the first capability (default 0x40). */
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
