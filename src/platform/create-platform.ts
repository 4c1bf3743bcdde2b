// createPlatform: resolves the flag set, validates it against the profile's rules, and composes the
// devices it selects in a tsyringe child container — once. Nothing on the access path resolves
// from the container afterwards.
import { container as rootContainer, type DependencyContainer } from './tsyringe.js';
import { MmioBus } from '../bus/mmio-bus.js';
import { PortBus } from '../bus/port-bus.js';
import { parseFlags, type FlagsInput } from '../emuflags/parse.js';
import { validateFlags, type ValidationResult } from '../emuflags/validator.js';
import { XEN_X86_EMU_VPCI } from '../emuflags/flags.js';
import { InterruptFabric } from '../irq/fabric.js';
import { VirtualClock } from '../time/clock.js';
import type { Device } from '../device-model/device.js';
import { CollectingSink, type DebugConsoleSink } from '../devices/debugcon/debug-console.js';
import { TIMER_MODES, XEN_DEFAULT_TIMER_MODE, type TimerMode } from '../device-model/timer-mode/timer-mode.js';
import type { HostIoapic } from '../devices/ioapic/params.js';
import { PCI_TESTDEV_SLOT } from '../devices/pci/testdev.js';
import { DISCARD_VGA_WRITES, type VgaWriteSink } from '../devices/vga/params.js';
import type { CatalogEntry, PciTestdevSlot, ResolvedOptions, VcpuSlot } from './build-context.js';

export type { PciTestdevSlot };
import { selectEntries } from './catalog.js';
import { DeviceLinks } from './device-links.js';
import { InvalidFlagsError, PlatformOptionError } from './errors.js';
import { Platform } from './platform.js';
import { DEFAULT_PROFILE, profileByName, type PlatformProfile, type ProfileName } from './profiles.js';
import { wireTimerAcknowledgements } from './timer-acks.js';
import { registerDeviceFactories } from './device-factories.js';
import { CLOCK, DEBUG_CONSOLE_SINK, INTERRUPT_FABRIC, MMIO_BUS, OPTIONS, PORT_BUS, PROFILE, TIMER_MODE } from './tokens.js';

/** The most vCPUs a platform may have: Xen's HVM_MAX_VCPUS (128). */
export const MAX_VCPUS = 128;
const DEFAULT_HOST_IOAPIC: HostIoapic = Object.freeze({ base: 0xfec00000, apicId: 0, gsiBase: 0, pins: 24 });
/** RAM is mapped below the legacy VGA/BIOS hole and from 1 MiB up, as on a PC. */
const LOW_RAM_END = 0xa0000;
const HIGH_RAM_START = 0x100000;

/** What {@link createPlatform} builds; every field is optional (docs/platform.md has the table). */
export interface PlatformOptions {
  /** A profile name (default 'xen-hvm') or a profile object. */
  readonly profile?: ProfileName | (string & {}) | PlatformProfile;
  /** Emulation flags (number, names like 'lapic,ioapic', or a list); default: the profile's. */
  readonly flags?: FlagsInput;
  /** Xen release whose rules validate the flags (Xen profiles), e.g. '4.17'; default the newest. */
  readonly xenVersion?: string;
  /** Number of vCPUs (default 1). */
  readonly vcpus?: number;
  /** Where the debug console's lines go (default: kept in memory, see `debugConsoleLines`). */
  readonly debugConsole?: DebugConsoleSink;
  /** Guest RAM in bytes (default: the profile's). */
  readonly ramBytes?: number;
  /** Wall-clock time the RTC starts at (ISO 8601, default 2020-01-01T00:00:00). */
  readonly wallTime?: string;
  /** TSC frequency the platform derives from virtual time (default 1 GHz). */
  readonly tscHz?: number;
  /** Xen's missed-tick policy for periodic platform timers (HVM_PARAM_TIMER_MODE); default libxl's. */
  readonly timerMode?: TimerMode;
  /**
   * xen-pvh-dom0 only: the host's IO-APICs, which Xen mirrors one vIOAPIC each (base, APIC ID, GSI
   * base, pins from the MADT). Default: one at 0xFEC00000 with 24 pins.
   */
  readonly hostIoapics?: readonly HostIoapic[];
  /** Where single direct writes to the legacy VGA window go (default: discarded). */
  readonly vgaWrites?: VgaWriteSink;
  /**
   * Attach QEMU's pci-testdev (1b36:0005), as `-device pci-testdev[,addr=SS.F]` does (PCI platforms):
   * true for one at 00:02.0 (QEMU's slot for it on `pc -nodefaults`), or the slots of each one.
   */
  readonly pciTestdev?: boolean | readonly PciTestdevSlot[];
  /**
   * The work budget of one clock advance in timer events (default 20,000; Infinity: every event
   * one by one). Past it the rest of the advance is coalesced: see VirtualClock.maxEventsPerAdvance.
   */
  readonly maxEventsPerAdvance?: number;
}

/**
 * Builds a platform: resolves the profile and the emulation flags, checks the flags against Xen's
 * rules for the profile's guest type (Xen profiles only), and builds the devices the flags select on
 * fresh buses, interrupt fabric and virtual clock, with guest RAM mapped. Everything is wired
 * once here; afterwards guest accesses go straight to the devices.
 *
 * @throws PlatformOptionError for a malformed option (an unknown profile, vcpus outside 1–128,
 * ramBytes above 4 GiB, a bad wallTime, tscHz or timerMode, hostIoapics off xen-pvh-dom0,
 * pciTestdev without a PCI host), naming the option and its accepted values.
 * @throws FlagParseError for `flags` that do not parse (an unknown name, a value outside 32 bits).
 * @throws InvalidFlagsError for a flag set the chosen Xen release refuses; its `validation` holds
 * the validator's full answer (errno, Xen's log line, nearest accepted values).
 * @example
 * ```ts
 * const p = createPlatform({ profile: 'xen-hvm', vcpus: 2 });
 * p.ports.write(0x70, 1, 0x0a);      // RTC index: register A
 * p.ports.read(0x71, 1);             // 0x26: 32.768 kHz time base, 976.5 µs rate
 * p.clock.advance(1_000_000);        // 1 ms of virtual time; due timers fire on the way
 * ```
 */
export function createPlatform(options: PlatformOptions = {}): Platform {
  const profile = typeof options.profile === 'object' ? options.profile : profileByName(options.profile ?? DEFAULT_PROFILE);
  const resolved = resolveOptions(options, profile);
  const flags = options.flags === undefined ? profile.defaultFlags : parseFlags(options.flags);
  const validation = validate(flags, profile, options.xenVersion);
  if (resolved.pciTestdevs.length > 0 && (flags & XEN_X86_EMU_VPCI) === 0) {
    throw new PlatformOptionError('pciTestdev needs a PCI host: use profile qemu-pc or xen-pvh-dom0, or add the vpci flag');
  }

  const ports = new PortBus(profile.bus.port);
  const mmio = new MmioBus(profile.bus.mmio);
  // A PVH dom0's GSI space covers every host IO-APIC it mirrors.
  const gsiCount = Math.max(profile.irq.gsiCount, ...(resolved.hostIoapics ?? []).map((h) => h.gsiBase + h.pins));
  const irq = new InterruptFabric({ ...profile.irq, gsiCount });
  const clock = new VirtualClock({ minPeriodNs: profile.clock.minPeriodNs, maxEventsPerAdvance: options.maxEventsPerAdvance });
  mapRam(mmio, resolved.ramBytes);

  const c: DependencyContainer = rootContainer.createChildContainer();
  c.registerInstance(PORT_BUS, ports);
  c.registerInstance(MMIO_BUS, mmio);
  c.registerInstance(INTERRUPT_FABRIC, irq);
  c.registerInstance(CLOCK, clock);
  c.registerInstance(PROFILE, profile);
  c.registerInstance(OPTIONS, resolved);
  c.registerInstance(DEBUG_CONSOLE_SINK, options.debugConsole ?? new CollectingSink());
  c.registerInstance(TIMER_MODE, resolved.timerMode);
  registerDeviceFactories(c);

  const vcpus: VcpuSlot[] = Array.from({ length: resolved.vcpus }, (_, index) => ({ index, devices: new Map() }));
  const built: { entry: CatalogEntry; devices: Device[] }[] = [];
  const ctx = { profile, options: resolved, vcpus, links: new DeviceLinks() };
  for (const entry of selectEntries(flags, profile)) {
    const devices = entry.create?.(c, ctx) ?? [];
    built.push({ entry, devices });
  }
  // Periodic platform timers hear when the guest takes their vector (Xen's missed-tick policy).
  const acks = wireTimerAcknowledgements(ctx.links, irq.isaToGsi, profile.clock.xenVpt);
  const platform = new Platform(profile, flags, validation, ports, mmio, irq, clock, vcpus, built, ctx.links, acks);
  // Port 0xCF9: a guest reset request resets every device (virtual time keeps running), then tells
  // the host's listeners (Platform.onResetRequest), which reset the vCPUs.
  ctx.links.resetHandler = (kind) => platform.guestResetRequest(kind);
  return platform;
}

function validate(flags: number, profile: PlatformProfile, xenVersion: string | undefined): ValidationResult | null {
  if (profile.validation.kind !== 'xen') return null;
  const result = validateFlags(flags, { guest: profile.validation.guest, ...(xenVersion ? { xen: xenVersion } : {}) });
  if (!result.valid) throw new InvalidFlagsError(result);
  return result;
}

function resolveOptions(options: PlatformOptions, profile: PlatformProfile): ResolvedOptions {
  const vcpus = options.vcpus ?? 1;
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > MAX_VCPUS) {
    throw new PlatformOptionError(`vcpus must be an integer from 1 to ${MAX_VCPUS}, got ${String(vcpus)}`);
  }
  const ramBytes = options.ramBytes ?? profile.ramBytes;
  if (!Number.isInteger(ramBytes) || ramBytes < 0 || ramBytes > 2 ** 32) {
    throw new PlatformOptionError(`ramBytes must be a whole number of bytes up to 4 GiB, got ${String(ramBytes)}`);
  }
  const wallTime = options.wallTime ?? '2020-01-01T00:00:00';
  if (Number.isNaN(Date.parse(wallTime.endsWith('Z') ? wallTime : wallTime + 'Z'))) {
    throw new PlatformOptionError(`wallTime '${wallTime}' is not an ISO 8601 date-time (e.g. 2020-01-01T00:00:00)`);
  }
  const tscHz = options.tscHz ?? 1_000_000_000;
  if (!Number.isInteger(tscHz) || tscHz < 1_000_000 || tscHz > 100_000_000_000) {
    throw new PlatformOptionError(`tscHz must be an integer from 1 MHz to 100 GHz, got ${String(tscHz)}`);
  }
  const timerMode = options.timerMode ?? XEN_DEFAULT_TIMER_MODE;
  if (!(TIMER_MODES as readonly string[]).includes(timerMode)) {
    throw new PlatformOptionError(`timerMode '${String(timerMode)}' is not one of ${TIMER_MODES.join(', ')}`);
  }
  const dom0 = profile.validation.kind === 'xen' && profile.validation.guest === 'pvh-dom0';
  if (options.hostIoapics !== undefined && !dom0) {
    throw new PlatformOptionError('hostIoapics applies to the xen-pvh-dom0 profile only (other guests get one IO-APIC)');
  }
  const hostIoapics = dom0 ? (options.hostIoapics ?? [DEFAULT_HOST_IOAPIC]) : null;
  if (hostIoapics !== null && hostIoapics.length === 0) {
    throw new PlatformOptionError('hostIoapics must list at least one IO-APIC');
  }
  return Object.freeze({
    vcpus,
    wallTime,
    tscHz,
    ramBytes,
    timerMode,
    hostIoapics,
    vgaWrites: options.vgaWrites ?? DISCARD_VGA_WRITES,
    pciTestdevs: pciTestdevSlots(options.pciTestdev),
  });
}

function pciTestdevSlots(option: PlatformOptions['pciTestdev']): readonly PciTestdevSlot[] {
  if (option === undefined || option === false) return [];
  if (option === true) return [{ device: PCI_TESTDEV_SLOT }];
  for (const s of option) {
    const fn = s.function ?? 0;
    if (!Number.isInteger(s.device) || s.device < 1 || s.device > 31 || !Number.isInteger(fn) || fn < 0 || fn > 7) {
      throw new PlatformOptionError(`pciTestdev slot ${String(s.device)}.${String(fn)}: device must be 1-31 and function 0-7`);
    }
  }
  return option;
}

function mapRam(mmio: MmioBus, ramBytes: number): void {
  if (ramBytes === 0) return;
  const low = Math.min(ramBytes, LOW_RAM_END);
  mmio.addRam(0, new Uint8Array(low), { owner: 'ram', name: 'low RAM' });
  if (ramBytes > HIGH_RAM_START) {
    mmio.addRam(HIGH_RAM_START, new Uint8Array(ramBytes - HIGH_RAM_START), { owner: 'ram', name: 'high RAM' });
  }
}
