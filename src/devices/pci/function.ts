// One PCI function built from a PciFunctionDefinition: the type 0 header (PCI 3.0 §6.1–6.2) as
// emulated registers, its BARs mapped on the buses, its capability list, MSI/MSI-X and its INTx pin.
// Devices signal interrupts through `setIntx(level)` and `signalMsi(vector)`.
import type { PortAccessSize } from '../../bus/access.js';
import type { IoHandler, RegionOptions } from '../../bus/handler.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { IrqLine } from '../../irq/line.js';
import type { PlainData } from '../../device-model/device.js';
import { SnapshotReader } from '../../device-model/snapshot.js';
import { PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_MASTER, PciBar, ROM_ENABLE, type BarBuses, type BarWriteWhileDecoding, type BarSpace } from './bars.js';
import { ConfigSpace, type ConfigRegister, type GapPolicy } from './config-space.js';
import { checkDefinition, type BarDefinition, type PciFunctionDefinition } from './definition.js';
import { PciDeviceDefinitionError } from './errors.js';
import { capabilityId, layoutCapabilities } from './capabilities.js';
import { MsiCapability } from './msi.js';
import { MsixBarHandler, MsixCapability } from './msix.js';

/** Status register bit 3, Interrupt Status (read-only): the function's INTx request, shown even while INTx is disabled (PCI 3.0 §6.2.3). */
export const PCI_STATUS_INTERRUPT = 0x0008;
/** Status register bit 4, Capabilities List: set when the function has a capability list at 0x34 (PCI 3.0 §6.7). */
export const PCI_STATUS_CAP_LIST = 0x0010;
/** Status bits that are write-1-to-clear (parity, aborts, SERR#, PCI 3.0 §6.2.3). */
export const PCI_STATUS_RW1C = 0xf900;
/** Header Type bit 7 (offset 0x0E): function 0 of a multi-function device, so functions 1–7 are scanned. */
export const PCI_HEADER_MULTI_FUNCTION = 0x80;
/**
 * Command bits a guest may change unless the definition says otherwise: 0x0507 = I/O space, memory space, bus
 * master, SERR# enable and INTx disable (as QEMU's default; PCI 3.0 §6.2.2).
 */
export const DEFAULT_COMMAND_WRITABLE = 0x0507;

/** What a function needs from its host. */
export interface PciFunctionServices extends BarBuses {
  readonly fabric: InterruptFabric;
  readonly gapPolicy: GapPolicy;
  readonly barWriteWhileDecoding: BarWriteWhileDecoding;
  /** Which capabilities the guest sees (see PciHostParams.capabilityView). */
  readonly capabilityView: 'all' | 'msi-only';
  /** The function's INTx line (made by the host's router), or null without a pin. */
  readonly intxLine: IrqLine | null;
}

/** Where a function sits. */
export interface PciAddress {
  readonly segment: number;
  readonly bus: number;
  readonly device: number;
  readonly function: number;
}

/** A handler that reads all-ones and drops writes (a BAR without a device model behind it). */
const NULL_HANDLER: IoHandler = {
  read: (_o: number, size: PortAccessSize) => (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1),
  write: () => undefined,
};

/**
 * One PCI function attached to a {@link PciHost} (returned by `host.attach`): its 256-byte (or 4 KiB PCI Express)
 * config space built from a {@link PciFunctionDefinition}, its BARs mapped on the port and memory buses where the
 * guest places them, its MSI/MSI-X capabilities and INTx line. The device model behind it signals interrupts with
 * `setIntx(level)` and `signalMsi(n)`; everything the guest does arrives through config space and the BAR handlers.
 */
export class PciFunction {
  readonly name: string;
  readonly config: ConfigSpace;
  readonly command: ConfigRegister;
  readonly status: ConfigRegister;
  readonly headerType: ConfigRegister;
  readonly interruptPin: number;
  /** BAR slots 0–5 (a 64-bit BAR sits in its first slot; the second is null). */
  readonly bars: readonly (PciBar | null)[];
  readonly rom: PciBar | null;
  readonly msi: MsiCapability | null;
  readonly msix: MsixCapability | null;
  /** Offsets of the capabilities in list order. */
  readonly capabilityOffsets: readonly number[];
  /** The device's own INTx request (Status bit 3 shows it even while INTx is disabled). */
  private intxRequest = false;
  /** BAR writes refused because the BAR was mapped (Xen policy). */
  ignoredBarWrites = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(
    readonly address: PciAddress,
    readonly definition: PciFunctionDefinition,
    private readonly services: PciFunctionServices,
  ) {
    checkDefinition(definition);
    const def = definition;
    this.name = def.name;
    this.interruptPin = def.interruptPin ?? 0;
    const space = new ConfigSpace(def.express ? 4096 : 256, services.gapPolicy);
    this.config = space;

    const hasCaps = (def.capabilities ?? []).some((c) => services.capabilityView === 'all' || c.kind !== 'custom');
    space.add({ offset: 0x00, size: 2, name: 'vendor ID', reset: def.vendorId, ro: 0xffff });
    space.add({ offset: 0x02, size: 2, name: 'device ID', reset: def.deviceId, ro: 0xffff });
    this.command = space.add({
      offset: 0x04,
      size: 2,
      name: 'command',
      ro: ~(def.commandWritable ?? DEFAULT_COMMAND_WRITABLE) & 0xffff,
      write: (reg, v) => {
        reg.store(v);
        this.commandChanged();
      },
    });
    this.status = space.add({
      offset: 0x06,
      size: 2,
      name: 'status',
      reset: ((def.status ?? 0) & ~(PCI_STATUS_RW1C | PCI_STATUS_INTERRUPT)) | (hasCaps ? PCI_STATUS_CAP_LIST : 0),
      ro: ~PCI_STATUS_RW1C & 0xffff,
      rw1c: PCI_STATUS_RW1C,
      // Interrupt Status is the device's live INTx request, never stored (a merged write carries it back).
      read: (reg) => reg.value | (this.intxRequest ? PCI_STATUS_INTERRUPT : 0),
      write: (reg, v) => reg.store(v & ~PCI_STATUS_INTERRUPT),
    });
    space.add({ offset: 0x08, size: 4, name: 'revision/class', reset: ((def.revision ?? 0) | (def.classCode << 8)) >>> 0, ro: 0xffffffff });
    space.add({ offset: 0x0c, size: 1, name: 'cache line size', ro: def.cacheLineSizeWritable === false ? 0xff : 0 });
    space.add({ offset: 0x0d, size: 1, name: 'latency timer', ro: 0xff });
    this.headerType = space.add({ offset: 0x0e, size: 1, name: 'header type', reset: def.multiFunction ? PCI_HEADER_MULTI_FUNCTION : 0, ro: 0xff });
    space.add({ offset: 0x0f, size: 1, name: 'BIST', ro: 0xff });

    // Capabilities first: the BARs holding the MSI-X table/PBA need the composite handler.
    const layout = layoutCapabilities(def, services.capabilityView);
    this.capabilityOffsets = layout.linked;
    let msi: MsiCapability | null = null;
    let msix: MsixCapability | null = null;
    (def.capabilities ?? []).forEach((cap, i) => {
      if (!layout.shown[i]) return;
      const base = layout.offsets[i]!;
      const next = layout.linked[layout.linked.indexOf(base) + 1] ?? 0;
      const id = capabilityId(cap);
      space.add({ offset: base, size: 2, name: `capability 0x${id.toString(16)} header`, reset: id | (next << 8), ro: 0xffff });
      if (cap.kind === 'msi') {
        msi = new MsiCapability(space, base, cap, this.sendMessage, () => this.interruptModeChanged());
      } else if (cap.kind === 'msix') {
        msix = new MsixCapability(
          space,
          base,
          cap,
          this.sendMessage,
          () => this.interruptModeChanged(),
          () => (this.command.value & PCI_COMMAND_MASTER) !== 0,
        );
      } else {
        for (const r of cap.registers ?? []) {
          if (r.offset < 2 || r.offset + r.size > cap.length) {
            throw new PciDeviceDefinitionError(
              `PCI function ${def.name}: register ${r.name} of capability 0x${id.toString(16)} must lie in [2, ${cap.length})`,
            );
          }
          space.add({ ...r, offset: base + r.offset });
        }
      }
    });
    this.msi = msi;
    this.msix = msix;
    const msixCap = msix as MsixCapability | null;

    // BARs: declared ones get their sizing registers, the other slots are hardwired to 0.
    const bars: (PciBar | null)[] = [null, null, null, null, null, null];
    const barDefs = new Map<number, BarDefinition>((def.bars ?? []).map((b) => [b.index, b]));
    const onBarWrite = (bar: PciBar, reg: ConfigRegister, value: number) => this.barWritten(bar, reg, value);
    for (let i = 0; i < 6; i++) {
      const b = barDefs.get(i);
      if (b === undefined) {
        const prev = barDefs.get(i - 1);
        if (prev?.kind !== 'mem64') space.add({ offset: 0x10 + 4 * i, size: 4, name: `BAR${i} (none)`, ro: 0xffffffff });
        continue;
      }
      const space_: BarSpace = b.kind === 'io' ? 'io' : 'mem';
      let handler = b.handler ?? NULL_HANDLER;
      let opts: RegionOptions = { owner: def.name, name: b.name ?? `BAR${i}`, sizes: b.sizes, aligned: b.aligned };
      if (msixCap !== null && (msixCap.tableBar === i || msixCap.pbaBar === i)) {
        const innerSizes = b.sizes ?? (handler.read64 && handler.write64 ? 15 : 7);
        handler = new MsixBarHandler(msixCap, i, handler, innerSizes, b.aligned ?? false);
        opts = { owner: def.name, name: b.name ?? `BAR${i}`, sizes: 15, aligned: false };
      }
      const bar = new PciBar(i, space_, b.size, b.kind === 'mem64', b.prefetchable ?? false, handler, opts, services);
      const regs = bar.registerSpecs(onBarWrite).map((s) => space.add(s));
      bar.lo = regs[0]!;
      bar.hi = regs[1] ?? null;
      bars[i] = bar;
    }
    this.bars = bars;

    space.add({ offset: 0x28, size: 4, name: 'CardBus CIS pointer', ro: 0xffffffff });
    space.add({ offset: 0x2c, size: 2, name: 'subsystem vendor ID', reset: def.subsystemVendorId ?? 0, ro: 0xffff });
    space.add({ offset: 0x2e, size: 2, name: 'subsystem ID', reset: def.subsystemId ?? 0, ro: 0xffff });
    if (def.rom !== undefined) {
      const rom = new PciBar(6, 'rom', def.rom.size, false, false, def.rom.handler ?? NULL_HANDLER, { owner: def.name, name: 'ROM' }, services);
      rom.lo = space.add(rom.registerSpecs(onBarWrite)[0]!);
      this.rom = rom;
    } else {
      space.add({ offset: 0x30, size: 4, name: 'ROM BAR (none)', ro: 0xffffffff });
      this.rom = null;
    }
    space.add({ offset: 0x34, size: 4, name: 'capabilities pointer', reset: layout.linked[0] ?? 0, ro: 0xffffffff });
    space.add({ offset: 0x38, size: 4, name: 'reserved', ro: 0xffffffff });
    space.add({ offset: 0x3c, size: 1, name: 'interrupt line' });
    space.add({ offset: 0x3d, size: 1, name: 'interrupt pin', reset: this.interruptPin, ro: 0xff });
    space.add({ offset: 0x3e, size: 2, name: 'min grant/max latency', ro: 0xffff });
    // PCI Express: an all-zero header at 0x100 ends the (empty) extended capability list (PCIe 3.0 §7.9.1).
    if (def.express) space.add({ offset: 0x100, size: 4, name: 'extended capability header', ro: 0xffffffff });
    for (const r of def.registers ?? []) space.add(r);
  }

  /** A guest config read of 1, 2 or 4 naturally aligned bytes at `reg`. */
  configRead(reg: number, size: number): number {
    return this.config.read(reg, size);
  }

  /**
   * A config write of `size` bytes (1, 2 or 4) at offset `reg`, as the guest would make it: read-only bits keep their
   * value, RW1C bits clear, BARs and the command register remap at once. The host bounds `reg`; never throws for a
   * guest value.
   */
  configWrite(reg: number, size: number, value: number): void {
    this.config.write(reg, size, value);
  }

  get multiFunction(): boolean {
    return (this.headerType.value & PCI_HEADER_MULTI_FUNCTION) !== 0;
  }

  /** The device's INTx request (level-triggered: it stays asserted until the device lowers it). */
  setIntx(level: boolean): void {
    this.intxRequest = level;
    this.updateIntx();
  }

  get intxAsserted(): boolean {
    return this.intxRequest;
  }

  /** Signals message `vector` by MSI-X (entry) or MSI (vector), whichever is enabled; false when neither is. */
  signalMsi(vector: number): boolean {
    const canSend = (this.command.value & PCI_COMMAND_MASTER) !== 0;
    if (this.msix !== null && this.msix.enabled) return this.msix.trigger(vector);
    if (this.msi !== null && this.msi.enabled) return this.msi.trigger(vector, canSend);
    return false;
  }

  /** Called after reset and restore (companions re-derive what they place from the registers). */
  onStateReplaced(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Every BAR (and the ROM) that is declared. */
  declaredBars(): PciBar[] {
    const list = this.bars.filter((b): b is PciBar => b !== null);
    if (this.rom !== null) list.push(this.rom);
    return list;
  }

  /**
   * Back to the power-on config values (BARs unmapped, MSI/MSI-X off and the MSI-X table masked, INTx request low),
   * then tells the {@link PciFunction.onStateReplaced} listeners.
   */
  reset(): void {
    this.config.reset();
    this.msix?.resetTable();
    this.intxRequest = false;
    this.syncBars();
    this.updateIntx();
    for (const l of this.listeners) l();
  }

  /** The function's state as plain data: its config registers, scratch registers, INTx request and MSI-X table/PBA. */
  snapshot(): PlainData {
    const cfg = this.config.snapshot();
    return {
      registers: cfg.registers,
      scratch: cfg.scratch,
      intx: this.intxRequest,
      msix: this.msix === null ? null : this.msix.snapshot(),
    };
  }

  /**
   * Validates `state` fully and throws SnapshotError with nothing changed; returns the commit step.
   * The host runs every function's commit, then `applyDerivedState` on each.
   */
  checkedRestore(state: unknown, path: string): () => void {
    const r = new SnapshotReader(state, path);
    const registers = r.intArray('registers', this.config.list().length, 0, 0xffffffff);
    const scratch = r.intArray('scratch', this.config.snapshot().scratch.length, 0, 0xff);
    const intx = r.bool('intx');
    let msix: { table: number[]; pba: number[] } | null = null;
    if (this.msix !== null) {
      const m = r.object('msix');
      msix = { table: m.intArray('table', this.msix.table.length, 0, 0xffffffff), pba: m.intArray('pba', this.msix.pba.length, 0, 0xffffffff) };
      this.msix.checkRestore(msix.table, msix.pba, `${path}.msix`);
    } else r.none('msix', 'MSI-X capability'); // a corrupt part of one the function lacks is refused, not ignored
    this.config.check(registers, scratch, path);
    return () => {
      this.config.assign(registers, scratch);
      if (msix !== null) this.msix!.restoreState(msix.table, msix.pba);
      this.intxRequest = intx;
    };
  }

  /** Re-derives bus mappings, INTx and companions' state from the registers (after restore). */
  applyDerivedState(): void {
    this.syncBars();
    this.updateIntx();
    for (const l of this.listeners) l();
  }

  /** Removes every BAR mapping (the registers keep their values). */
  unmapAll(): void {
    for (const bar of this.declaredBars()) bar.unmap();
  }

  /** Maps or unmaps every BAR to match the command register and addresses. */
  syncBars(): void {
    const cmd = this.command.value;
    for (const bar of this.bars) bar?.sync(cmd);
    this.rom?.sync(cmd);
  }

  private commandChanged(): void {
    this.syncBars();
    this.updateIntx();
    // Bus mastering turned on may release pending MSI-X messages.
    this.msix?.flushPending();
  }

  private interruptModeChanged(): void {
    this.updateIntx();
    this.msi?.flushPending();
  }

  private barWritten(bar: PciBar, reg: ConfigRegister, value: number): void {
    const cmd = this.command.value;
    // Xen header.c traps only memory BARs and the ROM (an I/O BAR is VPCI_BAR_IO with no handler:
    // the write reaches the device, which decodes the new ports at once, as under 'remap').
    if (bar.region !== null && this.services.barWriteWhileDecoding === 'ignore' && bar.space !== 'io') {
      // A mapped memory BAR ignores writes ("ignored BAR write while mapped"). A mapped ROM may be
      // switched off; that write keeps the old address (rom_write only updates it unmapped).
      if (bar.space !== 'rom' || (value & ROM_ENABLE) !== 0) {
        this.ignoredBarWrites++;
        return;
      }
      value = bar.lo.value & ~ROM_ENABLE;
    }
    reg.store(value);
    bar.sync(cmd);
  }

  /** INTx reaches the line only while not disabled by the command register or replaced by MSI/MSI-X (PCI 3.0 §6.8). */
  private updateIntx(): void {
    const line = this.services.intxLine;
    if (line === null) return;
    const msiOn = (this.msi !== null && this.msi.enabled) || (this.msix !== null && this.msix.enabled);
    line.set(this.intxRequest && (this.command.value & PCI_COMMAND_INTX_DISABLE) === 0 && !msiOn);
  }

  private readonly sendMessage = (addressLo: number, addressHi: number, data: number): void => {
    this.services.fabric.sendMsi({ addressLo, addressHi, data });
  };
}
