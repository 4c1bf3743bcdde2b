import {
  XEN_X86_EMU_HPET,
  XEN_X86_EMU_IOAPIC,
  XEN_X86_EMU_IOMMU,
  XEN_X86_EMU_LAPIC,
  XEN_X86_EMU_PIC,
  XEN_X86_EMU_PIT,
  XEN_X86_EMU_PM,
  XEN_X86_EMU_RTC,
  XEN_X86_EMU_USE_PIRQ,
  XEN_X86_EMU_VGA,
  XEN_X86_EMU_VPCI,
} from '../emuflags/flags.js';
import { DebugConsole } from '../devices/debugcon/debug-console.js';
import { ApicRouter } from '../devices/lapic/apic-router.js';
import type { LapicParams } from '../devices/lapic/params.js';
import { Hpet } from '../devices/hpet/hpet.js';
import { PmTimer } from '../devices/pm/pm-timer.js';
import { Ioapic } from '../devices/ioapic/ioapic.js';
import { xenDom0IoapicParams } from '../devices/ioapic/params.js';
import { PicPair } from '../devices/pic/pic-pair.js';
import type { ApicMessageSink } from '../irq/apic-bus.js';
import { attachPciTestdev } from '../devices/pci/testdev.js';
import { I440FX_PAM0, Pam } from '../devices/pci/pam.js';
import { ICH9_TCO_PARAMS, Ich9Tco } from '../devices/pci/ich9-tco.js';
import { PciHost } from '../devices/pci/host.js';
import { Q35_MCH_PARAMS } from '../devices/pci/q35-mch.js';
import { Q35Chipset } from '../devices/pci/q35-chipset.js';
import { QemuPcChipset } from '../devices/pci/qemu-pc-chipset.js';
import type { Device } from '../device-model/device.js';
import type { MmioBus } from '../bus/mmio-bus.js';
import { VgaWindow } from '../devices/vga/vga-window.js';
import { Pit } from '../devices/pit/pit.js';
import { qemuPcNvram } from '../devices/rtc/rtc-params.js';
import { Rtc } from '../devices/rtc/rtc.js';
import type { CatalogEntry } from './build-context.js';
import type { PlatformProfile } from './profiles.js';
import {
  APIC_BUS,
  CLOCK,
  EXT_INT_SOURCE,
  HPET_LEGACY_LISTENER,
  HPET_PARAMS,
  IOAPIC_PARAMS,
  LAPIC_PARAMS,
  LAPIC_VCPU_COUNT,
  MMIO_BUS,
  PCI_HOST_PARAMS,
  PIC_PARAMS,
  PIT_PARAMS,
  PLATFORM_RESET_REQUEST,
  PM_BLOCK_PLACEMENT,
  PM_PARAMS,
  PORT_BUS,
  RTC_PARAMS,
  RTC_START_TIME,
  VGA_WINDOW_PARAMS,
  VGA_WRITE_SINK,
} from './tokens.js';

/** Where IO-APIC messages go on a platform without local APICs: nowhere (counted by the IO-APIC). */
const DROPPING_APIC_BUS: ApicMessageSink = Object.freeze({ deliverApicMessage: () => undefined });

/**
 * Every device a platform can have, in build order: the XEN_X86_EMU_* flag that selects each (0:
 * the profile selects it, as the debug console), its status, and its factory. `Platform.describe()`
 * and `hvmdev describe` list the entries a platform selected.
 */
export const DEVICE_CATALOG: readonly CatalogEntry[] = [
  {
    kind: 'lapic',
    title: 'Local APIC per vCPU (xAPIC MMIO, x2APIC MSRs, timer, IPIs) and the APIC bus',
    flag: XEN_X86_EMU_LAPIC,
    status: 'implemented',
    create: (c, ctx) => {
      // One switch for every periodic platform timer: the profile's clock.xenVpt.
      const params: LapicParams = { ...ctx.profile.devices.lapic, tscHz: ctx.options.tscHz, timerMissedTicks: ctx.profile.clock.xenVpt };
      c.register(LAPIC_PARAMS, { useValue: Object.freeze(params) });
      c.register(LAPIC_VCPU_COUNT, { useValue: ctx.vcpus.length });
      c.register(EXT_INT_SOURCE, { useValue: ctx.links.extIntProxy });
      const router = c.resolve(ApicRouter);
      c.register(APIC_BUS, { useValue: router });
      ctx.links.addEoiSource(router);
      ctx.links.vcpu0Delivery = router;
      ctx.links.interruptTakers.push(...router.lapics);
      router.lapics.forEach((lapic, i) => ctx.vcpus[i]!.devices.set('lapic', lapic));
      return router.devices();
    },
  },
  {
    kind: 'hpet',
    title: 'HPET at 0xFED00000',
    flag: XEN_X86_EMU_HPET,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(HPET_PARAMS, { useValue: ctx.profile.devices.hpet });
      c.register(HPET_LEGACY_LISTENER, { useValue: ctx.links.legacyProxy });
      const hpet = c.resolve(Hpet);
      ctx.links.periodicTimers.push(...hpet.periodicTimers);
      return [hpet];
    },
  },
  {
    kind: 'pm',
    title: 'ACPI PM timer and PM1a event block',
    flag: XEN_X86_EMU_PM,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(PM_PARAMS, { useValue: ctx.profile.devices.pm });
      const pm = c.resolve(PmTimer);
      ctx.links.pmBlock = (base) => void pm.place(base);
      return [pm];
    },
  },
  {
    kind: 'rtc',
    title: 'MC146818 RTC/CMOS on ports 0x70/0x71',
    flag: XEN_X86_EMU_RTC,
    status: 'implemented',
    create: (c, ctx) => {
      // QEMU's board bytes in CMOS (memory sizes) follow the RAM size.
      const rtcParams = ctx.profile.devices.rtc;
      const params = ctx.profile.board.cmosMemorySizes
        ? { ...rtcParams, nvramInit: { ...rtcParams.nvramInit, ...qemuPcNvram(ctx.options.ramBytes) } }
        : rtcParams;
      c.register(RTC_PARAMS, { useValue: params });
      c.register(RTC_START_TIME, { useValue: ctx.options.wallTime });
      const rtc = c.resolve(Rtc);
      ctx.links.addLegacyListener(rtc);
      ctx.links.periodicTimers.push(rtc.periodicTimer);
      ctx.links.irqOutputs.set(rtc.id, rtc);
      return [rtc];
    },
  },
  {
    kind: 'ioapic',
    title: 'IO-APIC at 0xFEC00000 (PVH dom0: one per host IO-APIC)',
    flag: XEN_X86_EMU_IOAPIC,
    status: 'implemented',
    create: (c, ctx) => {
      if (!c.isRegistered(APIC_BUS)) c.register(APIC_BUS, { useValue: DROPPING_APIC_BUS });
      const paramSets =
        ctx.options.hostIoapics !== null ? ctx.options.hostIoapics.map((host, i) => xenDom0IoapicParams(i, host)) : [ctx.profile.devices.ioapic];
      return paramSets.map((params) => {
        const child = c.createChildContainer();
        child.register(IOAPIC_PARAMS, { useValue: params });
        const ioapic = child.resolve(Ioapic);
        ctx.links.addEoiListener(ioapic);
        ctx.links.gsiVectors.push(ioapic);
        ctx.links.ioapic ??= ioapic;
        const vcpu0 = ctx.links.vcpu0Delivery;
        if (vcpu0 !== null && ctx.profile.board.irq0SpecialRouting) {
          ioapic.setIrq0Routing({ pitChannel0Active: () => ctx.links.pitChannel0Active(), deliverToVcpu0: (msg) => vcpu0.deliverToVcpu0(msg) });
        }
        return ioapic;
      });
    },
  },
  {
    kind: 'pic',
    title: '8259A PIC pair with ELCR',
    flag: XEN_X86_EMU_PIC,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(PIC_PARAMS, { useValue: ctx.profile.devices.pic });
      const pic = c.resolve(PicPair);
      ctx.links.setExtIntSource(pic);
      ctx.links.isaVectors = pic;
      ctx.links.pic = pic;
      return [pic];
    },
  },
  {
    kind: 'vga',
    title: 'Legacy VGA window 0xA0000-0xBFFFF (stdvga write filter)',
    flag: XEN_X86_EMU_VGA,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(VGA_WINDOW_PARAMS, { useValue: ctx.profile.devices.vga });
      c.register(VGA_WRITE_SINK, { useValue: ctx.options.vgaWrites });
      return [c.resolve(VgaWindow)];
    },
  },
  {
    kind: 'iommu',
    title: 'Virtual IOMMU',
    flag: XEN_X86_EMU_IOMMU,
    status: 'no-device',
    note: 'Xen has no vIOMMU (has_viommu() has no caller); HVM guests must still set the flag',
  },
  {
    kind: 'pit',
    title: '8254 PIT with port 0x61',
    flag: XEN_X86_EMU_PIT,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(PIT_PARAMS, { useValue: ctx.profile.devices.pit });
      const pit = c.resolve(Pit);
      ctx.links.addLegacyListener(pit);
      ctx.links.periodicTimers.push(pit.periodicTimer);
      ctx.links.pitTimer = pit.periodicTimer;
      ctx.links.irqOutputs.set(pit.id, pit);
      return [pit];
    },
  },
  {
    kind: 'pirq',
    title: 'PIRQ interrupt model (USE_PIRQ)',
    flag: XEN_X86_EMU_USE_PIRQ,
    status: 'no-device',
    note: 'not a device: allows event-channel interrupt routing (hypercalls, outside this library)',
  },
  {
    kind: 'pci',
    title: 'PCI configuration space (0xCF8/0xCFC, MMCFG, port 0xCF9), vPCI',
    flag: XEN_X86_EMU_VPCI,
    status: 'implemented',
    create: (c, ctx) => {
      c.register(PCI_HOST_PARAMS, { useValue: ctx.profile.devices.pci });
      const resetRequest = { requestReset: (kind: 'hard' | 'soft') => ctx.links.resetHandler(kind) };
      c.register(PLATFORM_RESET_REQUEST, { useValue: resetRequest });
      const host = c.resolve(PciHost);
      const devices: Device[] = [host];
      const chipset = ctx.profile.board.pciChipset;
      if (chipset !== null) {
        // PIIX4 PM's PMBA/PMREGMISC (pc) or ICH9 LPC's PMBASE/ACPI_CNTL (q35) place the ACPI PM block (if the platform has one).
        const pmBlock = ctx.links.pmBlock;
        const placement = { placePmBlock: (base: number | null) => void pmBlock?.(base) };
        if (chipset === 'piix') {
          c.register(PM_BLOCK_PLACEMENT, { useValue: placement });
          c.resolve(QemuPcChipset);
          // The i440FX's PAM registers route 0xC0000-0xFFFFF to its shadow RAM (when the platform has RAM).
          const i440fx = host.functionAt({ device: 0 });
          if (i440fx !== null && ctx.options.ramBytes > 0) new Pam(i440fx, I440FX_PAM0, c.resolve<MmioBus>(MMIO_BUS));
        } else {
          // The TCO watchdog's SMI# reaches the CPUs over the APIC bus (nowhere without LAPICs).
          const apicBus = c.isRegistered(APIC_BUS) ? c.resolve<ApicMessageSink>(APIC_BUS) : DROPPING_APIC_BUS;
          const tcoParams = ctx.profile.devices.ich9Tco ?? ICH9_TCO_PARAMS;
          const tco = new Ich9Tco(c.resolve(PORT_BUS), c.resolve(MMIO_BUS), c.resolve(CLOCK), apicBus, resetRequest, tcoParams);
          const mmio = c.resolve<MmioBus>(MMIO_BUS);
          const memory = ctx.options.ramBytes > 0 ? { mmio, ramTop: ctx.options.ramBytes } : null;
          new Q35Chipset(host, placement, tco, ctx.profile.devices.q35Mch ?? Q35_MCH_PARAMS, memory);
          devices.push(tco);
        }
      }
      for (const slot of ctx.options.pciTestdevs) attachPciTestdev(host, slot.device, slot.function);
      return devices;
    },
  },
  {
    kind: 'debugcon',
    title: 'Xen debug console on port 0xE9',
    flag: 0,
    status: 'implemented',
    create: (c) => [c.resolve(DebugConsole)],
  },
];

/** The entries a platform with `flags` and `profile` includes, in catalog order. */
export function selectEntries(flags: number, profile: PlatformProfile): CatalogEntry[] {
  return DEVICE_CATALOG.filter((e) => (e.flag === 0 ? e.kind !== 'debugcon' || profile.debugConsole : (flags & e.flag) !== 0));
}
