// Injection tokens for the platform's shared parts. Every device constructor parameter names one
// of these (or a device's own parameter token) with an explicit @inject: composition does not
// depend on decorator metadata.

export const PORT_BUS = Symbol('PortBus');
export const MMIO_BUS = Symbol('MmioBus');
export const INTERRUPT_FABRIC = Symbol('InterruptFabric');
export const CLOCK = Symbol('VirtualClock');
/** The frozen PlatformProfile the platform was built from. */
export const PROFILE = Symbol('PlatformProfile');
/** The resolved PlatformOptions (vcpus, wall time, ...). */
export const OPTIONS = Symbol('PlatformOptions');
/** Where bytes written to the Xen debug console (port 0xE9) go. */
export const DEBUG_CONSOLE_SINK = Symbol('DebugConsoleSink');
/** The APIC bus router (an ApicMessageSink) that IO-APICs and MSI sources send messages to. */
export const APIC_BUS = Symbol('ApicBus');
