// How each device class is built from the platform's container: one explicit factory per class,
// resolving every constructor argument by its token (src/platform/tokens.ts). Devices are plain
// classes that know nothing of tsyringe; this file is the only place that says which token feeds
// which argument. A factory registered with instanceCachingFactory builds its device once per
// container (the platform's), as a container-scoped singleton would.
import { instanceCachingFactory, type DependencyContainer } from './tsyringe.js';
import { DebugConsole } from '../devices/debugcon/debug-console.js';
import { Hpet } from '../devices/hpet/hpet.js';
import { Ioapic } from '../devices/ioapic/ioapic.js';
import { ApicRouter } from '../devices/lapic/apic-router.js';
import { PciHost } from '../devices/pci/host.js';
import { QemuPcChipset } from '../devices/pci/qemu-pc-chipset.js';
import { PicPair } from '../devices/pic/pic-pair.js';
import { Pit } from '../devices/pit/pit.js';
import { PmTimer } from '../devices/pm/pm-timer.js';
import { Rtc } from '../devices/rtc/rtc.js';
import { VgaWindow } from '../devices/vga/vga-window.js';
import {
  APIC_BUS,
  CLOCK,
  DEBUG_CONSOLE_SINK,
  EXT_INT_SOURCE,
  HPET_LEGACY_LISTENER,
  HPET_PARAMS,
  INTERRUPT_FABRIC,
  IOAPIC_PARAMS,
  LAPIC_PARAMS,
  LAPIC_VCPU_COUNT,
  MMIO_BUS,
  PCI_HOST,
  PCI_HOST_PARAMS,
  PIC_PARAMS,
  PIT_PARAMS,
  PLATFORM_RESET_REQUEST,
  PM_BLOCK_PLACEMENT,
  PM_PARAMS,
  PORT_BUS,
  RTC_PARAMS,
  RTC_START_TIME,
  TIMER_MODE,
  VGA_WINDOW_PARAMS,
  VGA_WRITE_SINK,
} from './tokens.js';

/** Registers the factory of every device class in `c` (a platform's child container). */
export function registerDeviceFactories(c: DependencyContainer): void {
  const once = <T>(cls: abstract new (...args: never[]) => T, make: (r: DependencyContainer) => T): void => {
    c.register(cls as never, { useFactory: instanceCachingFactory(make) });
  };
  once(
    ApicRouter,
    (r) =>
      new ApicRouter(
        r.resolve(MMIO_BUS),
        r.resolve(INTERRUPT_FABRIC),
        r.resolve(CLOCK),
        r.resolve(LAPIC_PARAMS),
        r.resolve(LAPIC_VCPU_COUNT),
        r.resolve(EXT_INT_SOURCE),
        r.resolve(TIMER_MODE),
      ),
  );
  once(
    Hpet,
    (r) =>
      new Hpet(
        r.resolve(MMIO_BUS),
        r.resolve(INTERRUPT_FABRIC),
        r.resolve(CLOCK),
        r.resolve(HPET_PARAMS),
        r.resolve(HPET_LEGACY_LISTENER),
        r.resolve(TIMER_MODE),
      ),
  );
  once(PmTimer, (r) => new PmTimer(r.resolve(PORT_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(CLOCK), r.resolve(PM_PARAMS)));
  once(
    Rtc,
    (r) => new Rtc(r.resolve(PORT_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(CLOCK), r.resolve(RTC_PARAMS), r.resolve(RTC_START_TIME), r.resolve(TIMER_MODE)),
  );
  // One IO-APIC per container: a PVH dom0 resolves each of its IO-APICs in a child container with
  // its own IOAPIC_PARAMS, so this factory builds anew on every resolve.
  c.register(Ioapic, {
    useFactory: (r) => new Ioapic(r.resolve(MMIO_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(APIC_BUS), r.resolve(IOAPIC_PARAMS)),
  });
  once(PicPair, (r) => new PicPair(r.resolve(PORT_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(PIC_PARAMS)));
  once(VgaWindow, (r) => new VgaWindow(r.resolve(MMIO_BUS), r.resolve(VGA_WINDOW_PARAMS), r.resolve(VGA_WRITE_SINK)));
  once(Pit, (r) => new Pit(r.resolve(PORT_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(CLOCK), r.resolve(PIT_PARAMS), r.resolve(TIMER_MODE)));
  once(
    PciHost,
    (r) => new PciHost(r.resolve(PORT_BUS), r.resolve(MMIO_BUS), r.resolve(INTERRUPT_FABRIC), r.resolve(PCI_HOST_PARAMS), r.resolve(PLATFORM_RESET_REQUEST)),
  );
  c.register(PCI_HOST, { useFactory: (r) => r.resolve(PciHost) });
  once(QemuPcChipset, (r) => new QemuPcChipset(r.resolve(PCI_HOST), r.resolve(PM_BLOCK_PLACEMENT)));
  once(DebugConsole, (r) => new DebugConsole(r.resolve(PORT_BUS), r.resolve(DEBUG_CONSOLE_SINK)));
}
