// The PCI host: the function registry per segment/bus, config access by mechanism #1 and ECAM,
// the reset control port and INTx routing. One Device holds the state of every function on it.
import type { MmioBus } from '../../bus/mmio-bus.js';
import type { PortBus } from '../../bus/port-bus.js';
import type { Region } from '../../bus/region.js';
import type { InterruptFabric } from '../../irq/fabric.js';
import type { Device, PlainData } from '../../device-model/device.js';
import { SnapshotError } from '../../device-model/snapshot.js';
import { refuseField, StateDescription } from '../../device-model/state-description.js';
import { delegated, int, ints, structs, text, u32 } from '../../device-model/state-fields.js';
import type { PciFunctionDefinition } from './definition.js';
import { ECAM_BYTES_PER_BUS, EcamWindow } from './ecam.js';
import { PciEcamError, PciSlotError } from './errors.js';
import { PciFunction, type PciAddress } from './function.js';
import { PCI_LINK_COUNT, PciInterruptRouter } from './intx.js';
import { CONFIG_ADDRESS_PORT, CONFIG_DATA_PORT, ConfigMechanism1, type PlatformResetRequest } from './mechanism1.js';
import { checkHostParams, type EcamRegionSpec, type PciHostParams } from './params.js';

/** Where to attach a function; segment and bus default to 0, function to 0. */
export interface PciSlot {
  readonly segment?: number;
  readonly bus?: number;
  readonly device: number;
  readonly function?: number;
}

/**
 * An ECAM (PCI Express enhanced configuration, "MMCONFIG") window added with {@link PciHost.addEcamRegion}: its
 * spec (base, segment, bus range) and how to take it away again.
 */
export interface EcamRegion {
  readonly spec: EcamRegionSpec;
  /** Removes the window from the memory bus (PHYSDEVOP_pci_mmcfg_reserved in reverse, or q35 PCIEXBAR off). */
  remove(): void;
}

function ones(size: number): number {
  return size >= 4 ? 0xffffffff : (1 << (size * 8)) - 1;
}

const fmtBdf = (a: PciAddress) =>
  `${a.segment.toString(16).padStart(4, '0')}:${a.bus.toString(16).padStart(2, '0')}:${a.device.toString(16).padStart(2, '0')}.${a.function}`;

/**
 * The PCI host of a platform, id `pci` (PCI Local Bus 3.0, PCI Express ECAM; Xen's vPCI xen/drivers/vpci, QEMU 7.2
 * hw/pci): holds every function on segments and buses, serves configuration mechanism #1 at 0xCF8/0xCFC and the
 * ECAM windows, routes INTx to GSIs through its {@link PciInterruptRouter}, and snapshots every attached function.
 * Functions are attached by the host with {@link PciHost.attach}; guests find, size and program them as on
 * hardware. Guest accesses never throw. See docs/devices/pci.md.
 * @throws {@link PciParamsError} from the constructor for bad parameters.
 *
 * @example
 * ```ts
 * const host = p.device<PciHost>('pci');
 * const fn = host.attach({ device: 4 }, { name: 'my-dev', vendorId: 0x1234, deviceId: 0x11e8, classCode: 0xff0000 });
 * host.configRead(0, 0, 4 << 3, 0, 4); // 0x11e81234
 * ```
 */
export class PciHost implements Device {
  readonly id = 'pci';
  readonly kind = 'pci-host';
  readonly router: PciInterruptRouter;
  readonly mechanism1: ConfigMechanism1 | null;
  /** segment → bus → devfn → function. */
  private readonly segments = new Map<number, (PciFunction | null)[][]>();
  private readonly seg0: (PciFunction | null)[][] = [];
  private readonly attached: PciFunction[] = [];
  private readonly ecamRegions: { window: EcamWindow; region: Region }[] = [];

  constructor(
    private readonly ports: PortBus,
    private readonly mmio: MmioBus,
    private readonly fabric: InterruptFabric,
    readonly params: PciHostParams,
    resetRequest: PlatformResetRequest | null,
  ) {
    checkHostParams(params);
    this.segments.set(0, this.seg0);
    this.router = new PciInterruptRouter(fabric, params.intx);
    if (params.mechanism1) {
      const m = new ConfigMechanism1(
        this,
        params.latchNarrowAccess,
        params.resetControl,
        resetRequest,
        params.configAddressLowBits === 'or-offset' ? 0xff : 0xfc,
      );
      // 0xCF8–0xCFB: the latch (4-byte) and, at 0xCF9, the reset control byte; the handler answers narrow accesses itself.
      ports.register(CONFIG_ADDRESS_PORT, 4, m.addressPort, { owner: this.id, name: 'CONFIG_ADDRESS' });
      // 0xCFC–0xCFF: naturally aligned 1/2/4-byte data accesses; the bus applies the profile's width policy to the rest.
      ports.register(CONFIG_DATA_PORT, 4, m.dataPort, { owner: this.id, name: 'CONFIG_DATA', aligned: true });
      this.mechanism1 = m;
    } else {
      this.mechanism1 = null;
    }
    for (const e of params.ecam) this.addEcamRegion(e);
    if (params.hostBridge !== null) this.attach({ device: 0 }, params.hostBridge);
  }

  /**
   * Adds a function built from `def` at `slot`. Throws PciSlotError when the slot is taken or
   * breaks the multi-function rule, PciDeviceDefinitionError / PciRegisterError for a bad definition.
   */
  attach(slot: PciSlot, def: PciFunctionDefinition): PciFunction {
    const address: PciAddress = {
      segment: slot.segment ?? 0,
      bus: slot.bus ?? 0,
      device: slot.device,
      function: slot.function ?? 0,
    };
    const { segment, bus, device, function: fn } = address;
    const okInt = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
    if (!okInt(segment, 0xffff) || !okInt(bus, 0xff) || !okInt(device, 31) || !okInt(fn, 7)) {
      throw new PciSlotError(`PCI slot ${segment}:${bus}:${device}.${fn} does not exist (segment 0–0xffff, bus 0–255, device 0–31, function 0–7)`);
    }
    const devfn = (device << 3) | fn;
    const table = this.busTable(segment, bus);
    const existing = table[devfn];
    if (existing) throw new PciSlotError(`PCI slot ${fmtBdf(address)} already holds ${existing.name}`);
    const fn0 = fn === 0 ? null : table[devfn & ~7];
    if (fn0 && !fn0.multiFunction) {
      throw new PciSlotError(
        `PCI slot ${fmtBdf(address)}: function 0 (${fn0.name}) is single-function; declare it with multiFunction: true to add function ${fn}`,
      );
    }
    if (fn === 0 && !def.multiFunction && table.slice(devfn + 1, devfn + 8).some((f) => f)) {
      throw new PciSlotError(`PCI slot ${fmtBdf(address)}: other functions of device ${device} exist, so function 0 (${def.name}) needs multiFunction: true`);
    }
    const pin = def.interruptPin ?? 0;
    const intxLine = pin === 0 ? null : this.router.lineFor(def.name, device, pin);
    const f = new PciFunction(address, def, {
      ports: this.ports,
      mmio: this.mmio,
      fabric: this.fabric,
      gapPolicy: this.params.gapPolicy,
      barWriteWhileDecoding: this.params.barWriteWhileDecoding,
      capabilityView: this.params.capabilityView,
      intxLine,
    });
    table[devfn] = f;
    this.attached.push(f);
    return f;
  }

  /** The function at a slot (visible or not), or null. */
  functionAt(slot: PciSlot): PciFunction | null {
    const table = this.segments.get(slot.segment ?? 0)?.[slot.bus ?? 0];
    return table?.[(slot.device << 3) | (slot.function ?? 0)] ?? null;
  }

  /** Every attached function, in attach order. */
  functions(): readonly PciFunction[] {
    return this.attached;
  }

  /** A config read as the guest sees it: absent or hidden functions read all-ones (master abort). */
  configRead(segment: number, bus: number, devfn: number, reg: number, size: number): number {
    const f = this.visible(segment, bus, devfn);
    if (f === null || reg + size > f.config.size) return ones(size);
    return f.configRead(reg, size);
  }

  /**
   * A configuration write as the guest makes it (mechanism #1 and ECAM both end here): `size` bytes (1, 2 or 4) of
   * `value` at register offset `reg` of the function at `segment`/`bus`/`devfn` (devfn = device << 3 | function).
   * Writes to absent or hidden functions, or past the end of the function's config space, are dropped. Never throws.
   */
  configWrite(segment: number, bus: number, devfn: number, reg: number, size: number, value: number): void {
    const f = this.visible(segment, bus, devfn);
    if (f === null || reg + size > f.config.size) return;
    f.configWrite(reg, size, value);
  }

  /**
   * Adds an ECAM window. Throws PciEcamError when it overlaps another window (by address, or by
   * segment and bus range) or is malformed; BusOverlapError when another device owns the addresses.
   */
  addEcamRegion(spec: EcamRegionSpec): EcamRegion {
    const { segment, busStart, busEnd, base } = spec;
    const okInt = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
    if (!okInt(segment, 0xffff) || !okInt(busStart, 255) || !okInt(busEnd, 255) || busEnd < busStart) {
      throw new PciEcamError(`ECAM region: segment ${segment} buses ${busStart}–${busEnd} must be a segment 0–0xffff and 0 ≤ busStart ≤ busEnd ≤ 255`);
    }
    if (!Number.isInteger(base) || base < 0 || base % ECAM_BYTES_PER_BUS !== 0) {
      throw new PciEcamError(`ECAM region: base 0x${base.toString(16)} must be 1 MiB aligned`);
    }
    const length = (busEnd - busStart + 1) * ECAM_BYTES_PER_BUS;
    for (const { window: w } of this.ecamRegions) {
      const o = w.spec;
      if (base < o.base + w.length && o.base < base + length) {
        throw new PciEcamError(`ECAM region at 0x${base.toString(16)} overlaps the one at 0x${o.base.toString(16)}; remove that one first`);
      }
      if (o.segment === segment && busStart <= o.busEnd && o.busStart <= busEnd) {
        throw new PciEcamError(`ECAM region for segment ${segment} buses ${busStart}–${busEnd} overlaps buses ${o.busStart}–${o.busEnd} already mapped`);
      }
    }
    const window = new EcamWindow(this, Object.freeze({ segment, busStart, busEnd, base }));
    const region = this.mmio.register(base, length, window, {
      owner: this.id,
      name: `ECAM ${segment}:${busStart}-${busEnd}`,
      sizes: 1 | 2 | 4 | 8,
      aligned: true,
      widthPolicy: 'reject',
    });
    const entry = { window, region };
    this.ecamRegions.push(entry);
    return {
      spec: window.spec,
      remove: () => {
        const i = this.ecamRegions.indexOf(entry);
        if (i < 0) return;
        this.ecamRegions.splice(i, 1);
        region.remove();
      },
    };
  }

  /** A plain summary of the PCI topology for `hvmdev describe` and logs. */
  describe(): PlainData {
    const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');
    return {
      mechanism1: this.mechanism1 !== null,
      resetControl: this.params.resetControl,
      ecam: this.ecamRegions.map(({ window: w }) => ({ segment: w.spec.segment, buses: `${w.spec.busStart}-${w.spec.busEnd}`, base: hex(w.spec.base, 8) })),
      links: Array.from({ length: PCI_LINK_COUNT }, (_, l) => this.router.linkRoute(l)),
      functions: this.attached.map((f) => {
        const d = f.definition;
        const pin = f.interruptPin;
        return {
          bdf: fmtBdf(f.address),
          name: f.name,
          ids: `${hex(d.vendorId, 4)}:${hex(d.deviceId, 4)}`,
          classCode: hex(d.classCode, 6),
          visible: this.visible(f.address.segment, f.address.bus, (f.address.device << 3) | f.address.function) === f,
          bars: f.declaredBars().map((b) => ({
            bar: b.space === 'rom' ? 'ROM' : `BAR${b.index}`,
            space: b.space,
            size: b.size,
            mappedAt: b.region === null ? null : hex(b.region.base, b.space === 'io' ? 4 : 8),
            conflict: b.conflict,
          })),
          msi: f.msi === null ? null : { vectors: f.msi.vectors, enabled: f.msi.enabled },
          msix: f.msix === null ? null : { vectors: f.msix.vectors, enabled: f.msix.enabled },
          intx: pin === 0 ? null : { pin: 'ABCD'[pin - 1]!, gsi: this.router.gsiOf(f.address.device, pin), link: this.router.linkOf(f.address.device, pin) },
        };
      }),
    };
  }

  /** The ECAM windows currently on the memory bus, in the order they were added. */
  ecamWindows(): readonly EcamRegionSpec[] {
    return this.ecamRegions.map((e) => e.window.spec);
  }

  reset(): void {
    if (this.mechanism1 !== null) {
      this.mechanism1.cf8 = 0;
      this.mechanism1.rcr = 0;
    }
    this.router.resetRoutes();
    // Command registers return to 0, so every function's reset only unmaps.
    for (const f of this.attached) f.reset();
  }

  readonly stateDescription = PCI_HOST_STATE;

  snapshot(): PlainData {
    return PCI_HOST_STATE.snapshot(this);
  }

  /** @internal For PCI_HOST_STATE: the routes of PIRQA–D (0: none). */
  get links(): number[] {
    return Array.from({ length: PCI_LINK_COUNT }, (_, l) => this.router.linkRoute(l) ?? 0);
  }

  /** @internal For PCI_HOST_STATE: each function's address and its own state. */
  get functionStates(): { bdf: string; state: PlainData }[] {
    return this.attached.map((f) => ({ bdf: fmtBdf(f.address), state: f.snapshot() }));
  }

  checkState(state: unknown): void {
    this.checkFunctions(PCI_HOST_STATE.check(state, this.id, this.attached.length));
  }

  /** Checks every function's part; returns the functions' commits. */
  private checkFunctions(s: typeof PCI_HOST_STATE.json): (() => void)[] {
    return s.functions.map((fs, i) => {
      const f = this.attached[i]!;
      const path = `${this.id}.functions[${i}]`;
      if (fs.bdf !== fmtBdf(f.address)) throw new SnapshotError(`${path}.bdf: ${fs.bdf} is not ${fmtBdf(f.address)} (${f.name}); the platforms differ`);
      return f.checkedRestore(fs.state, `${path}.state`);
    });
  }

  /**
   * Second step of a restore: takes a state `checkState` accepted (CONFIG_ADDRESS, the reset control register, the
   * PIRQ routes and every attached function's registers) and never throws; unmaps every BAR first, then maps
   * them again where the restored registers place them.
   */
  applyState(state: unknown): void {
    const s = state as typeof PCI_HOST_STATE.json;
    const commits = this.checkFunctions(s); // checked already: this only builds the commits
    // Unmap first so BARs swapping places do not clash with stale mappings.
    for (const f of this.attached) f.unmapAll();
    if (this.mechanism1 !== null) {
      this.mechanism1.cf8 = s.cf8;
      this.mechanism1.rcr = s.rcr;
    }
    s.links.forEach((irq, l) => this.router.setLinkRoute(l, irq === 0 ? null : irq));
    for (const c of commits) c();
    for (const f of this.attached) f.applyDerivedState();
  }

  restore(state: unknown): void {
    this.checkState(state);
    this.applyState(state);
  }

  /** The function answering config cycles at (segment, bus, devfn): function 0 must exist and be multi-function for others. */
  private visible(segment: number, bus: number, devfn: number): PciFunction | null {
    const buses = segment === 0 ? this.seg0 : this.segments.get(segment);
    const table = buses?.[bus];
    if (table === undefined) return null;
    const f = table[devfn] ?? null;
    if (f === null || (devfn & 7) === 0) return f;
    const fn0 = table[devfn & ~7] ?? null;
    return fn0 !== null && fn0.multiFunction ? f : null;
  }

  private busTable(segment: number, bus: number): (PciFunction | null)[] {
    let buses = this.segments.get(segment);
    if (buses === undefined) {
      buses = [];
      this.segments.set(segment, buses);
    }
    let table = buses[bus];
    if (table === undefined) {
      table = new Array<PciFunction | null>(256).fill(null);
      buses[bus] = table;
    }
    return table;
  }
}

/** One function's part of the host's state: its address and its own state (PciFunction.checkedRestore checks it). */
const PCI_FUNCTION_ENTRY = new StateDescription('pci function', 1, { bdf: text(16), state: delegated('PciFunction.checkedRestore') });

/** The host's state: CONFIG_ADDRESS, the reset control register, the PIRQ routes and every function; the context is the function count. */
export const PCI_HOST_STATE = new StateDescription(
  'pci-host',
  1,
  {
    cf8: u32().computed((h: { mechanism1: { cf8: number } | null }) => h.mechanism1?.cf8 ?? 0),
    /** Only bit 1 (SRST) is kept. */
    rcr: int(0, 2).computed((h: { mechanism1: { rcr: number } | null }) => h.mechanism1?.rcr ?? 0),
    links: ints(PCI_LINK_COUNT, 0, 15).manual(),
    functions: structs((n: number) => n, PCI_FUNCTION_ENTRY).computed((h: { functionStates: (typeof PCI_FUNCTION_ENTRY.json)[] }) => h.functionStates),
  },
  (s) => {
    if (s.rcr === 1) refuseField('rcr', 'only bit 1 (SRST) is kept');
  },
);
