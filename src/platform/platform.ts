// A built platform: buses, interrupt fabric, clock and the devices its flags selected. Composition
// happened once in createPlatform; nothing here touches the container.
import type { MmioBus } from '../bus/mmio-bus.js';
import type { PortBus } from '../bus/port-bus.js';
import { formatFlags } from '../emuflags/parse.js';
import type { ValidationResult } from '../emuflags/validator.js';
import { ISA_IRQ_COUNT, type InterruptFabric } from '../irq/fabric.js';
import type { VirtualClock } from '../time/clock.js';
import type { Device, DeviceStateGroup, PlainData } from '../device-model/device.js';
import { SnapshotError, SnapshotReader } from '../device-model/snapshot.js';
import { PlatformOptionError } from './errors.js';
import type { CatalogEntry, CatalogStatus, VcpuSlot } from './build-context.js';
import type { InterruptTopology } from './device-links.js';
import type { TimerAcknowledgements } from './timer-acks.js';
import type { PlatformProfile } from './profiles.js';

/** The `format` field of every {@link PlatformSnapshot}; `Platform.restore` refuses any other. */
export const SNAPSHOT_FORMAT = 'hvmdev-platform';
/**
 * The snapshot envelope version this build writes; `Platform.restore` reads it and every version
 * from {@link SNAPSHOT_OLDEST_VERSION} on, and refuses any other. 3: the devices a device owns as one
 * part of columns (Device.stateGroup: the LAPICs as `devices.lapics`, one array per field, instead of
 * `lapic0` … `lapicN`). 2: 64-bit values as `[low, high]` u32 halves (the IO-APIC's entries as one flat
 * array of halves); still read, each LAPIC from its own part. 1 (0x-hex strings) is still read:
 * restore converts each device part first (StateDescription.upgradeVersion1).
 */
export const SNAPSHOT_VERSION = 3;
/** The first version with Device.stateGroup parts; older ones have one part per device. */
const GROUPED_VERSION = 3;
/** The oldest format version restore reads. */
export const SNAPSHOT_OLDEST_VERSION = 1;

/** A whole-platform snapshot: immutable (immer-frozen) plain data. */
export interface PlatformSnapshot {
  /** Always {@link SNAPSHOT_FORMAT}. */
  readonly format: typeof SNAPSHOT_FORMAT;
  /** The envelope version ({@link SNAPSHOT_VERSION}). */
  readonly version: number;
  /** The profile's name; restore needs a platform of the same profile. */
  readonly profile: string;
  /** The emulation flags; restore needs the same. */
  readonly flags: number;
  /** The number of vCPUs; restore needs the same. */
  readonly vcpus: number;
  /** Virtual time (ns) when the snapshot was taken. */
  readonly clockNs: number;
  /** Each device's snapshot by device id (Device.snapshot). */
  readonly devices: Readonly<Record<string, PlainData>>;
  /**
   * The GSIs and PIC inputs the host drives high itself (InterruptFabric.setGsiDirect /
   * setPicInputDirect, e.g. qtest's `set_irq_in` without a controller model), ascending. Absent in
   * snapshots of builds before it existed: none.
   */
  readonly hostLines?: {
    /** GSIs driven high, ascending. */
    readonly gsi: readonly number[];
    /** PIC inputs (0–15) driven high, ascending. */
    readonly pic: readonly number[];
  };
}

/** What a snapshot part is taken from and restored into: a device, or a group of devices (Device.stateGroup). */
type StatePart = Pick<Device, 'snapshot' | 'restore' | 'checkState' | 'applyState'>;

/** The parts of one snapshot layout: their keys in `devices` and what restores each. */
interface PartLayout {
  readonly keys: readonly string[];
  readonly parts: readonly StatePart[];
}

/** A snapshot's checked header and parts, ready to apply. */
interface CheckedSnapshot {
  /** The parts' layout of the snapshot's version. */
  readonly layout: PartLayout;
  readonly clockNs: number;
  readonly devices: Readonly<Record<string, unknown>>;
  readonly hostLines: { readonly gsi: readonly number[]; readonly pic: readonly number[] };
}

/** One catalog entry a platform selected, as {@link Platform.describe} reports it. */
export interface DeviceSummary {
  /** Short device name ("pit", "lapic"). */
  readonly kind: string;
  /** One-line description ("HPET at 0xFED00000"). */
  readonly title: string;
  /** The XEN_X86_EMU_* bit that selected it; 0 when the profile itself did. */
  readonly flag: number;
  /** Whether it built a device (implemented) or is a flag without one. */
  readonly status: CatalogStatus;
  /** Why there is no device, or what is still missing. */
  readonly note?: string;
  /** Instance ids built for this entry. */
  readonly instances: readonly string[];
}

/** One registered bus range, as {@link Platform.describe} reports it. */
export interface RangeSummary {
  /** The bus the range is on. */
  readonly bus: 'port' | 'mmio';
  /** First port or guest-physical address of the range. */
  readonly base: number;
  /** Last port or address of the range (inclusive). */
  readonly end: number;
  /** The registering device's id ("pit", "ram"). */
  readonly owner: string;
  /** The range's name within its owner. */
  readonly name: string;
}

/** What a built platform is ({@link Platform.describe}): the data behind `hvmdev describe --json`. */
export interface PlatformDescription {
  /** The profile's name. */
  readonly profile: string;
  /** The profile's one-line description. */
  readonly profileDescription: string;
  /** The emulation flags the platform was built with. */
  readonly flags: number;
  /** The flags by name ("LAPIC|HPET|PM|..."). */
  readonly flagNames: string;
  /** How the flags were checked ("accepted by Xen master for hvm", or "structural check only (not a Xen profile)"). */
  readonly validation: string;
  /** The number of vCPUs. */
  readonly vcpus: number;
  /** Every catalog entry the flags selected, built or not. */
  readonly devices: readonly DeviceSummary[];
  /** Every registered range, ports then memory, each by base. */
  readonly ranges: readonly RangeSummary[];
  /** What unclaimed reads return on each bus (the profile's bus rule). */
  readonly unclaimedRead: {
    /** Ports: all-ones, or zero. */
    readonly port: 'ones' | 'zero';
    /** Memory: all-ones (Xen), or zero (QEMU). */
    readonly mmio: 'ones' | 'zero';
  };
}

/** Told of a guest reset request (0xCF9): 'hard' with SYS_RST set, 'soft' without. */
export type ResetRequestListener = (kind: 'hard' | 'soft') => void;

/**
 * A built platform (from {@link createPlatform}): its buses (`ports`, `mmio`, with guest RAM), the
 * interrupt fabric (`irq`), the virtual clock (`clock`) and its devices by id. The host drives it:
 * guest accesses through the buses, time through the clock; it never reads the wall clock. Guest
 * accesses never throw; host errors are typed (PlatformOptionError, SnapshotError, ClockError).
 */
export class Platform {
  /** Devices by id, in creation order. */
  readonly devices: ReadonlyMap<string, Device>;
  private readonly resetRequestListeners: ResetRequestListener[] = [];

  constructor(
    /** The (frozen) profile it was built from. */
    readonly profile: PlatformProfile,
    /** The emulation flags (XEN_X86_EMU_* bits) that selected its devices. */
    readonly flags: number,
    /** Xen's answer for the flags (a Xen profile), or null for a structural check. */
    readonly validation: ValidationResult | null,
    /** The I/O port bus. */
    readonly ports: PortBus,
    /** Guest-physical memory: device ranges and guest RAM. */
    readonly mmio: MmioBus,
    /** The interrupt fabric (GSIs, ISA IRQs, named lines, MSI). */
    readonly irq: InterruptFabric,
    /** The platform's virtual clock: advance it to run time. */
    readonly clock: VirtualClock,
    /** One slot per vCPU, with its per-vCPU devices (its LAPIC). */
    readonly vcpus: readonly VcpuSlot[],
    private readonly entries: readonly { entry: CatalogEntry; devices: readonly Device[] }[],
    /** The controllers and timer outputs a front-end may drive or watch (qtest's intercepts). */
    readonly interrupts: InterruptTopology,
    /** The periodic timers' "tick taken" wiring (Xen's vpt), or null where the profile has none. */
    readonly timerAcknowledgements: TimerAcknowledgements | null = null,
  ) {
    const map = new Map<string, Device>();
    for (const { devices } of entries) for (const d of devices) map.set(d.id, d);
    this.devices = map;
    this.perDevice = { keys: [...map.keys()], parts: [...map.values()] };
    this.grouped = groupedLayout([...map.values()]);
  }

  /** One part per device, in creation order (snapshot versions 1 and 2). */
  private readonly perDevice: PartLayout;
  /** One part per device, a group's members as one part at the first member's place (version 3 on). */
  private readonly grouped: PartLayout;

  /** The device with instance id `id`; throws if the platform has none (a host error). */
  device<T extends Device = Device>(id: string): T {
    const d = this.devices.get(id);
    if (d === undefined) {
      throw new PlatformOptionError(`this platform has no device '${id}' (it has: ${[...this.devices.keys()].join(', ')})`);
    }
    return d as T;
  }

  /**
   * Hears guest reset requests (a write with RST_CPU to the reset control register 0xCF9), after
   * the request has reset every device: the VMM resets its vCPUs there. Returns the unsubscribe.
   */
  onResetRequest(listener: ResetRequestListener): () => void {
    this.resetRequestListeners.push(listener);
    return () => {
      const i = this.resetRequestListeners.indexOf(listener);
      if (i >= 0) this.resetRequestListeners.splice(i, 1);
    };
  }

  /** A guest reset request: every device back to power-on (as before), then the listeners. */
  guestResetRequest(kind: 'hard' | 'soft'): void {
    this.reset();
    for (const l of [...this.resetRequestListeners]) l(kind);
  }

  /**
   * Every device back to its power-on state. Virtual time keeps running (it is the host's). Runs
   * settling (InterruptFabric.settle): devices reset in any order without edges between them, then
   * every controller input takes the level its line has after the reset.
   */
  reset(): void {
    this.irq.settle(() => {
      this.irq.resetLevels();
      for (const d of this.devices.values()) d.reset();
    }, 'adopt');
  }

  /**
   * The whole platform's state as plain data: the clock time, every device's snapshot, the
   * host-driven lines. JSON-safe; restore it with {@link Platform.restore} on a platform built
   * with the same profile, flags and vCPU count. Does not change the platform.
   */
  snapshot(): PlatformSnapshot {
    const devices: Record<string, PlainData> = {};
    const { keys, parts } = this.grouped;
    for (let i = 0; i < parts.length; i++) devices[keys[i]!] = parts[i]!.snapshot();
    // The envelope is frozen; the device parts are fresh plain data that share nothing with the
    // devices (a deep freeze would cost more than taking the snapshot).
    return Object.freeze({
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      profile: this.profile.name,
      flags: this.flags,
      vcpus: this.vcpus.length,
      clockNs: this.clock.now,
      devices,
      hostLines: this.irq.hostLineLevels(),
    });
  }

  /**
   * Restores every device from `snapshot`. The snapshot must come from a platform built with the
   * same profile, flags and vCPU count.
   *
   * Atomic as the guest sees it: devices restore inside InterruptFabric.settle(), so lines carry
   * their levels as state and no edge, delivery or timer callback happens in between; every
   * controller's latched inputs come from its own snapshot. All or nothing: every device checks its
   * part (Device.checkState, at the snapshot's clock time) before any device applies its part, so a
   * refusal (a SnapshotError) leaves the platform exactly as it was (snapshot() before == after).
   * A device without the two-step contract makes the platform fall back to applying its own
   * snapshot from before when a part is refused.
   */
  restore(snapshot: unknown): void {
    const checked = this.check(snapshot);
    if (this.staged) {
      const before = this.clock.now;
      const { keys, parts: list } = checked.layout;
      const parts = checked.devices;
      this.clock.restoreTime(checked.clockNs); // parts are checked against the time they were taken at
      try {
        for (let i = 0; i < list.length; i++) list[i]!.checkState!(parts[keys[i]!]);
      } catch (e) {
        this.clock.restoreTime(before);
        throw refusal(e);
      }
      this.irq.settle(() => {
        for (let i = 0; i < list.length; i++) list[i]!.applyState!(parts[keys[i]!]);
        this.irq.setHostLineLevels(checked.hostLines);
      }, 'keep');
      return;
    }
    const before = this.snapshot();
    try {
      this.apply(checked);
    } catch (e) {
      this.apply(this.check(before));
      throw refusal(e);
    }
  }

  /** Whether every device restores in two steps (check all, then apply all). */
  private get staged(): boolean {
    if (this.stagedCache === null) {
      this.stagedCache = [...this.devices.values()].every((d) => d.checkState !== undefined && d.applyState !== undefined);
    }
    return this.stagedCache;
  }
  private stagedCache: boolean | null = null;

  /** Checks the header and host lines; device parts are checked by the devices themselves. */
  private check(snapshot: unknown): CheckedSnapshot {
    const r = new SnapshotReader(snapshot, 'snapshot');
    r.string('format', [SNAPSHOT_FORMAT]);
    const version = r.int('version', 0, Number.MAX_SAFE_INTEGER);
    if (version < SNAPSHOT_OLDEST_VERSION || version > SNAPSHOT_VERSION) {
      throw new SnapshotError(`snapshot format version ${version} is not supported (this build reads ${SNAPSHOT_OLDEST_VERSION} to ${SNAPSHOT_VERSION})`);
    }
    const profile = r.string('profile');
    const flags = r.uint('flags', 32);
    const vcpus = r.int('vcpus', 1, 4096);
    if (profile !== this.profile.name || flags !== this.flags || vcpus !== this.vcpus.length) {
      throw new SnapshotError(
        `snapshot is of a ${profile} platform with flags 0x${flags.toString(16)} and ${vcpus} vCPUs; ` +
          `this one is ${this.profile.name}, 0x${this.flags.toString(16)}, ${this.vcpus.length} vCPUs: build a matching platform first`,
      );
    }
    const clockNs = r.int('clockNs', 0, Number.MAX_SAFE_INTEGER);
    const devs = r.object('devices');
    const layout = version >= GROUPED_VERSION ? this.grouped : this.perDevice;
    for (const key of layout.keys) {
      if (!devs.has(key)) throw new SnapshotError(`snapshot.devices.${key}: missing`);
    }
    let hostLines: CheckedSnapshot['hostLines'] = { gsi: [], pic: [] };
    if (r.has('hostLines')) {
      const h = r.object('hostLines');
      hostLines = { gsi: h.ascendingInts('gsi', this.irq.gsiCount - 1), pic: h.ascendingInts('pic', ISA_IRQ_COUNT - 1) };
    }
    const devices = (snapshot as PlatformSnapshot).devices;
    return { layout, clockNs, devices: version === 1 ? this.upgradeVersion1(devices) : devices, hostLines };
  }

  /** A version-1 snapshot's device parts in version 2's form (a new object; the snapshot is never changed). */
  private upgradeVersion1(devices: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
    const out: Record<string, unknown> = { ...devices };
    for (const [id, d] of this.devices) {
      if (d.stateDescription !== undefined) out[id] = d.stateDescription.upgradeVersion1(devices[id]);
    }
    return out;
  }

  private apply(s: CheckedSnapshot): void {
    this.irq.settle(() => {
      this.clock.restoreTime(s.clockNs);
      const { keys, parts } = s.layout;
      for (let i = 0; i < parts.length; i++) parts[i]!.restore(s.devices[keys[i]!]);
      this.irq.setHostLineLevels(s.hostLines);
    }, 'keep');
  }

  /** The profile, flags, devices and bus ranges of this platform (what `hvmdev describe` prints). */
  describe(): PlatformDescription {
    const ranges: RangeSummary[] = [];
    for (const r of this.ports.list()) ranges.push({ bus: 'port', base: r.base, end: r.end - 1, owner: r.owner, name: r.name });
    for (const r of this.mmio.list()) ranges.push({ bus: 'mmio', base: r.base, end: r.end - 1, owner: r.owner, name: r.name });
    const v = this.validation;
    return {
      profile: this.profile.name,
      profileDescription: this.profile.description,
      flags: this.flags,
      flagNames: formatFlags(this.flags),
      validation: v === null ? 'structural check only (not a Xen profile)' : `accepted by Xen ${v.version.label} for ${v.guest}`,
      vcpus: this.vcpus.length,
      devices: this.entries.map(({ entry, devices }) => ({
        kind: entry.kind,
        title: entry.title,
        flag: entry.flag,
        status: entry.status,
        ...(entry.note !== undefined ? { note: entry.note } : {}),
        instances: devices.map((d) => d.id),
      })),
      ranges,
      unclaimedRead: { port: this.ports.profile.unclaimedRead, mmio: this.mmio.profile.unclaimedRead },
    };
  }
}

/**
 * The parts of a grouped snapshot: each device that is no group's member has its own part; a
 * group's members (Device.stateGroup) have one part, where the first member's would be.
 */
function groupedLayout(devices: readonly Device[]): PartLayout {
  const groupOf = new Map<Device, DeviceStateGroup>();
  for (const d of devices) if (d.stateGroup !== undefined) for (const m of d.stateGroup.members) groupOf.set(m, d.stateGroup);
  const keys: string[] = [];
  const parts: StatePart[] = [];
  const placed = new Set<DeviceStateGroup>();
  for (const d of devices) {
    const g = groupOf.get(d);
    if (g === undefined) {
      keys.push(d.id);
      parts.push(d);
    } else if (!placed.has(g)) {
      placed.add(g);
      keys.push(g.key);
      parts.push(g);
    }
  }
  return { keys, parts };
}

/** A refused restore's error: SnapshotError as is; anything else (a device's ClockError...) wrapped in one. */
function refusal(e: unknown): SnapshotError {
  if (e instanceof SnapshotError) return e;
  return Object.assign(new SnapshotError(`snapshot could not be restored: ${e instanceof Error ? e.message : String(e)}`), { cause: e });
}
