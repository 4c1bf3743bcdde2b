// Injection tokens of the platform's container. Only src/platform knows them: devices are plain
// classes, and the factories in device-factories.ts resolve each constructor argument by its token.

/** The platform's PortBus (64 KiB I/O port space). */
export const PORT_BUS = Symbol('PortBus');
/** The platform's MmioBus (guest-physical memory: devices and RAM). */
export const MMIO_BUS = Symbol('MmioBus');
/** The platform's InterruptFabric. */
export const INTERRUPT_FABRIC = Symbol('InterruptFabric');
/** The platform's VirtualClock. */
export const CLOCK = Symbol('VirtualClock');
/** The frozen PlatformProfile the platform was built from. */
export const PROFILE = Symbol('PlatformProfile');
/** The resolved PlatformOptions (vcpus, wall time, ...). */
export const OPTIONS = Symbol('PlatformOptions');
/** Xen's missed-tick policy for every periodic platform timer (HVM_PARAM_TIMER_MODE). */
export const TIMER_MODE = Symbol('TimerMode');
/** Where bytes written to the Xen debug console (port 0xE9) go. */
export const DEBUG_CONSOLE_SINK = Symbol('DebugConsoleSink');
/** The APIC bus router (an ApicMessageSink) that IO-APICs and MSI sources send messages to. */
export const APIC_BUS = Symbol('ApicBus');

// Device parameters and the connections each device is built with.
/** The LapicParams of every LAPIC (the profile's, with the platform's tscHz and missed-tick switch). */
export const LAPIC_PARAMS = Symbol('LapicParams');
/** The number of vCPUs (one LAPIC each). */
export const LAPIC_VCPU_COUNT = Symbol('LapicVcpuCount');
/** The ExtIntSource the LAPICs acknowledge ExtINT from (the 8259 PIC pair, or none). */
export const EXT_INT_SOURCE = Symbol('ExtIntSource');
/** The profile's HpetParams. */
export const HPET_PARAMS = Symbol('HpetParams');
/** The LegacyReplacementListener the HPET tells (the PIT and RTC). */
export const HPET_LEGACY_LISTENER = Symbol('HpetLegacyReplacementListener');
/** The profile's PmParams (ACPI PM timer and PM1a event block). */
export const PM_PARAMS = Symbol('PmParams');
/** The RtcParams (the profile's, with the board's CMOS bytes where the profile asks for them). */
export const RTC_PARAMS = Symbol('RtcParams');
/** The RTC's initial wall time (seconds since 1970 or an ISO-8601 UTC string). */
export const RTC_START_TIME = Symbol('RtcStartTime');
/** One IO-APIC's IoapicParams (each IO-APIC resolves in a child container of its own). */
export const IOAPIC_PARAMS = Symbol('IoapicParams');
/** The profile's PicParams (the 8259 pair). */
export const PIC_PARAMS = Symbol('PicParams');
/** The profile's VgaWindowParams (the legacy VGA ranges). */
export const VGA_WINDOW_PARAMS = Symbol('VgaWindowParams');
/** Where single direct writes to the legacy VGA window go (PlatformOptions.vgaWrites). */
export const VGA_WRITE_SINK = Symbol('VgaWriteSink');
/** The profile's PitParams (the 8254). */
export const PIT_PARAMS = Symbol('PitParams');
/** The PciHostParams the host is built from (XEN_PCI_HOST_PARAMS, QEMU_PC_PCI_HOST_PARAMS, ...). */
export const PCI_HOST_PARAMS = Symbol('PciHostParams');
/** The PciHost instance, for companions that add functions to it (the qemu-pc chipset). */
export const PCI_HOST = Symbol('PciHost');
/** Who is told when the guest asks for a platform reset through port 0xCF9. */
export const PLATFORM_RESET_REQUEST = Symbol('PlatformResetRequest');
/** The ACPI PM block that PIIX4 PM's PMBA/PMREGMISC place (implemented in src/devices/pm). */
export const PM_BLOCK_PLACEMENT = Symbol('PmBlockPlacement');
