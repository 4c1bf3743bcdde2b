// What the catalog's factories see while a platform is being composed: the profile, the resolved
// options, the per-vCPU slots and the links between devices. Kept apart from createPlatform and
// Platform so that the composition files import it, and not each other.
import type { DependencyContainer } from 'tsyringe';
import type { Device } from '../device-model/device.js';
import type { TimerMode } from '../device-model/timer-mode/timer-mode.js';
import type { HostIoapic } from '../devices/ioapic/params.js';
import type { VgaWriteSink } from '../devices/vga/params.js';
import type { DeviceLinks } from './device-links.js';
import type { PlatformProfile } from './profiles.js';

/** Options after defaults, as devices see them through the OPTIONS token. */
export interface ResolvedOptions {
  /** Number of vCPUs, 1–128. */
  readonly vcpus: number;
  /** The RTC's start time (ISO 8601). */
  readonly wallTime: string;
  /** TSC frequency in Hz. */
  readonly tscHz: number;
  /** Guest RAM in bytes. */
  readonly ramBytes: number;
  /** Xen's missed-tick policy for the periodic platform timers. */
  readonly timerMode: TimerMode;
  /** The host IO-APICs a PVH dom0 mirrors, or null for the profile's own IO-APIC. */
  readonly hostIoapics: readonly HostIoapic[] | null;
  /** Where single direct writes to the legacy VGA window go. */
  readonly vgaWrites: VgaWriteSink;
  /** Where pci-testdev functions are attached (empty: none). */
  readonly pciTestdevs: readonly PciTestdevSlot[];
}

/** A pci-testdev's place on bus 0: slot and function. */
export interface PciTestdevSlot {
  /** PCI device (slot) number on bus 0, 1–31. */
  readonly device: number;
  /** PCI function, 0–7 (default 0). */
  readonly function?: number;
}

/** Per-vCPU place: devices that exist once per vCPU (the LAPIC) register here. */
export interface VcpuSlot {
  /** The vCPU's index (0-based), as AccessContext.vcpu names it. */
  readonly index: number;
  /** The vCPU's own devices by kind ("lapic"). */
  readonly devices: Map<string, Device>;
}

/**
 * What a {@link CatalogEntry}'s `create` sees while {@link createPlatform} composes a platform: the
 * profile, the options after defaults, the per-vCPU slots and the links between devices.
 * Composition internals: a user builds platforms with createPlatform and never needs this.
 */
export interface BuildContext {
  /** The profile being built. */
  readonly profile: PlatformProfile;
  /** The options after defaults. */
  readonly options: ResolvedOptions;
  /** One slot per vCPU. */
  readonly vcpus: readonly VcpuSlot[];
  /** The contracts each built device offers, connected once every device exists. */
  readonly links: DeviceLinks;
}

/**
 * Whether a catalog entry builds a device: `implemented` (it does), `not-implemented` (a flag hvmdev
 * accepts but has no model for yet) or `no-device` (a flag that selects a behaviour, not a device,
 * e.g. USE_PIRQ). The same words `describe()` and `hvmdev describe` print.
 */
export type CatalogStatus = 'implemented' | 'not-implemented' | 'no-device';

/** One row of {@link DEVICE_CATALOG}: a device (or flag) a platform may include, and how it is built. */
export interface CatalogEntry {
  /** Short device name used in descriptions (e.g. "pit"). */
  readonly kind: string;
  /** One-line description for `describe`. */
  readonly title: string;
  /** The selecting XEN_X86_EMU_* flag; 0 for devices the profile itself selects. */
  readonly flag: number;
  /** Whether the entry builds a device. */
  readonly status: CatalogStatus;
  /** Why the entry has no device, or what is still missing. */
  readonly note?: string;
  /** Resolves the entry's devices from the platform's container (once) and offers their contracts. */
  readonly create?: (c: DependencyContainer, ctx: BuildContext) => Device[];
}
