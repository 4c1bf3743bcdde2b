// What firmware tables describe, read from a built platform: CPUs and their APIC IDs, IO-APICs
// with GSI bases, the ISA IRQ → GSI wiring, HPET, the ACPI PM block, RTC, PCI (ECAM, INTx routing),
// the reset register, VGA, RAM. Plain data, so tables follow the platform's devices and parameters,
// never its profile's name. A UART is an input: it is the VMM board's, not the platform's.
import type { Platform } from '../platform/platform.js';
import type { ApicRouter } from '../devices/lapic/apic-router.js';
import type { Ioapic } from '../devices/ioapic/ioapic.js';
import type { Hpet } from '../devices/hpet/hpet.js';
import { hpetCapabilities } from '../devices/hpet/hpet-capabilities.js';
import type { PmTimer } from '../devices/pm/pm-timer.js';
import { SCI_IRQ } from '../devices/pm/pm-timer.js';
import type { PciHost } from '../devices/pci/host.js';
import { PCI_LINK_COUNT } from '../devices/pci/intx.js';
import { RESET_CONTROL_PORT } from '../devices/pci/mechanism1.js';
import type { EcamRegionSpec } from '../devices/pci/params.js';
import { FirmwareError } from './errors.js';

/** The xAPIC register window every LAPIC decodes (SDM Vol. 3A §11.4.1). */
export const LAPIC_DEFAULT_ADDRESS = 0xfee00000;
/** The CMOS byte holding the century (the FADT's CENTURY field; PC BIOS convention). */
export const RTC_CENTURY_INDEX = 0x32;
/** The value for a hard reset through the PIIX3 reset control register 0xCF9 (SYS_RST | RST_CPU): the FADT's RESET_VALUE. */
export const RESET_CONTROL_VALUE = 0x06;
/** PC COM1. */
export const COM1 = Object.freeze({ port: 0x3f8, irq: 4 });

/** A vCPU as the tables list it. */
export interface FirmwareCpu {
  /** ACPI processor UID (the vCPU index). */
  readonly uid: number;
  /** Its local APIC ID (the vCPU index times the profile's APIC ID stride). */
  readonly apicId: number;
}

/** An IO-APIC as the MADT and the MP table list it. */
export interface FirmwareIoapic {
  /** Its APIC ID. */
  readonly apicId: number;
  /** Guest-physical address of its register window (IOREGSEL). */
  readonly address: number;
  /** The GSI of its pin 0. */
  readonly gsiBase: number;
  /** Number of redirection entries (pins). */
  readonly pins: number;
  /** The version its IOAPICVER register reads (0x11 for Xen's model, 0x20 for QEMU's). */
  readonly version: number;
}

/** One _PRT row: PCI device `device`, pin 0–3 (INTA#–INTD#), the GSI it reaches. */
export interface PciRoute {
  readonly device: number;
  readonly pin: number;
  readonly gsi: number;
}

/** What the tables say about PCI: ECAM windows (MCFG), INTx routing (_PRT, MP entries) and MSI. */
export interface FirmwarePci {
  /** The ECAM (MMCONFIG) windows decoded now. */
  readonly ecam: readonly EcamRegionSpec[];
  /** Highest bus number decoded (the ECAM's end, else 0xFF). */
  readonly lastBus: number;
  /** Every (device, pin) that reaches a GSI now: directly, or through a routed PCI link. */
  readonly routes: readonly PciRoute[];
  /** ISA IRQs that routed PCI links drive (level, active high on this fabric). */
  readonly linkIrqs: readonly number[];
  /** MSI reaches a CPU: the host sends MSI writes to the fabric, which needs local APICs to deliver them. */
  readonly msi: boolean;
}

/**
 * Everything the firmware tables describe, read from a built platform by `describeFirmwarePlatform`:
 * plain data (addresses are guest-physical, ports are I/O port numbers); a device the platform lacks is
 * null. The table builders (`buildMadt`, `layOutFirmware`, ...) take this, never the platform itself.
 */
export interface FirmwarePlatform {
  /** One entry per vCPU. */
  readonly cpus: readonly FirmwareCpu[];
  /** LAPIC window, or null when the platform has no local APICs (no MADT then). */
  readonly lapicAddress: number | null;
  /** The LAPICs offer x2APIC mode. */
  readonly x2apic: boolean;
  /** An 8259 pair exists (MADT PCAT_COMPAT, MP ExtINT entries). */
  readonly pic: boolean;
  /** Every IO-APIC, in GSI order. */
  readonly ioapics: readonly FirmwareIoapic[];
  /** The GSI ISA IRQ n reaches on an IO-APIC (IRQ0 → 2 on a PC), for n = 0–15. */
  readonly isaIrqGsi: readonly number[];
  /** ISA IRQs whose line is level-triggered, active high (the SCI, routed PCI links), ascending. */
  readonly levelIsaIrqs: readonly number[];
  /** The HPET block: address, GCAP_ID's low 32 bits (the table's Event Timer Block ID), smallest periodic tick in main-counter ticks. */
  readonly hpet: { readonly address: number; readonly eventTimerBlockId: number; readonly minimumTick: number } | null;
  /** The ACPI PM block: PM1a event, PM1a control and PM timer ports, the timer's width and the SCI's ISA IRQ. */
  readonly pm: {
    readonly eventBlock: number;
    readonly controlBlock: number;
    readonly timerBlock: number;
    readonly timerBits: 24 | 32;
    readonly sciIrq: number;
  } | null;
  /** The RTC/CMOS, with the CMOS index of its century byte. */
  readonly rtc: { readonly centuryIndex: number } | null;
  /** PCI, when the platform has a host bridge. */
  readonly pci: FirmwarePci | null;
  /** The FADT reset register: the I/O port and the value that resets the machine (0xCF9, 0x06). */
  readonly resetRegister: { readonly port: number; readonly value: number } | null;
  /** The legacy VGA ranges are decoded. */
  readonly vga: boolean;
  /** hvmdev models no 8042 keyboard controller. */
  readonly i8042: boolean;
  /** The board's UART (FirmwarePlatformOptions.uart). */
  readonly uart: { readonly port: number; readonly irq: number } | null;
  /** Guest RAM ranges mapped on the memory bus, ascending. */
  readonly ram: readonly { readonly base: number; readonly size: number }[];
  /** SLP_TYP the guest writes to PM1a_CNT for S5 (the \_S5 package). */
  readonly s5SleepType: number;
}

/** What `describeFirmwarePlatform` cannot read from the platform. */
export interface FirmwarePlatformOptions {
  /** The board's UART (PNP0501 in the DSDT, an MP ISA interrupt): e.g. COM1; default none. */
  readonly uart?: { readonly port: number; readonly irq: number } | null;
  /**
   * SLP_TYP for S5 in \_S5 (what the PM1a_CNT listener compares). Default 0, the value QEMU's PIIX4
   * PM treats as soft-off (hw/acpi/core.c acpi_pm1_cnt_write).
   */
  readonly s5SleepType?: number;
}

/**
 * Reads what the firmware tables describe from a built platform (see FirmwarePlatform): call it after
 * `setUpLikeBios` (or the guest's own firmware set-up), as the PM block's address and the PCI links'
 * IRQs are read as they are now.
 * @throws FirmwareError for an `s5SleepType` outside 0–7 or a UART port/IRQ out of range
 */
export function describeFirmwarePlatform(platform: Platform, options: FirmwarePlatformOptions = {}): FirmwarePlatform {
  const s5SleepType = options.s5SleepType ?? 0;
  if (!Number.isInteger(s5SleepType) || s5SleepType < 0 || s5SleepType > 7) {
    throw new FirmwareError(`s5SleepType ${s5SleepType} must be a 3-bit SLP_TYP value (0–7)`);
  }
  const uart = options.uart ?? null;
  if (uart !== null && (!Number.isInteger(uart.port) || uart.port < 0 || uart.port > 0xfff8 || !Number.isInteger(uart.irq) || uart.irq < 0 || uart.irq > 15)) {
    throw new FirmwareError(`uart {port 0x${uart.port.toString(16)}, irq ${uart.irq}}: the port must be 0–0xFFF8 and the IRQ an ISA IRQ 0–15`);
  }

  const byKind = (kind: string) => [...platform.devices.values()].filter((d) => d.kind === kind);
  const router = (platform.devices.get('apic-bus') as ApicRouter | undefined) ?? null;
  const stride = router?.params.apicIdStride ?? 1;
  const cpus = platform.vcpus.map((v) => ({ uid: v.index, apicId: v.index * stride }));

  const ioapicDevices = byKind('ioapic') as Ioapic[];
  const ioapics = ioapicDevices.map((io) => ({
    apicId: io.params.apicId,
    address: io.params.base,
    gsiBase: io.params.gsiBase,
    pins: io.params.pins,
    version: io.params.version,
  }));
  // ISA IRQ n arrives at GSI isaToGsi[n]; an IO-APIC that takes input 0 as pin 2 (QEMU) moves IRQ0 there.
  const input0IsPin2 = ioapicDevices.some((io) => io.params.input0IsPin2 && io.params.gsiBase === 0);
  const isaIrqGsi = platform.irq.isaToGsi.map((g, irq) => (irq === 0 && g === 0 && input0IsPin2 ? 2 : g));

  const hpetDev = (platform.devices.get('hpet') as Hpet | undefined) ?? null;
  const hpet =
    hpetDev === null
      ? null
      : {
          address: hpetDev.params.base,
          eventTimerBlockId: hpetCapabilities(hpetDev.params, hpetDev.params.periodFs / 1e6).capLo,
          minimumTick: Math.min(0xffff, Math.ceil((hpetDev.params.minPeriodNs * 1e6) / hpetDev.params.periodFs)),
        };

  const pmDev = (byKind('acpi-pm1')[0] as PmTimer | undefined) ?? null;
  if (pmDev !== null && pmDev.base === null) {
    throw new FirmwareError('the ACPI PM block is not placed yet (PIIX4 PMBA): call setUpLikeBios(platform) before describing the platform');
  }
  const pm =
    pmDev === null || pmDev.base === null
      ? null
      : { eventBlock: pmDev.base, controlBlock: pmDev.base + 4, timerBlock: pmDev.base + 8, timerBits: pmDev.params.timerBits, sciIrq: SCI_IRQ };

  const pciHost = (platform.devices.get('pci') as PciHost | undefined) ?? null;
  const pci = pciHost === null ? null : describePci(pciHost, isaIrqGsi, router !== null);

  const levelIsaIrqs = [...new Set([...(pm !== null ? [pm.sciIrq] : []), ...(pci?.linkIrqs ?? [])])].sort((a, b) => a - b);

  const ram = platform.mmio
    .list()
    .filter((r) => r.owner === 'ram')
    .map((r) => ({ base: r.base, size: r.end - r.base }));

  return {
    cpus,
    lapicAddress: router === null ? null : LAPIC_DEFAULT_ADDRESS,
    x2apic: router?.params.x2apic ?? false,
    pic: platform.devices.has('pic'),
    ioapics,
    isaIrqGsi,
    levelIsaIrqs,
    hpet,
    pm,
    rtc: platform.devices.has('rtc') ? { centuryIndex: RTC_CENTURY_INDEX } : null,
    pci,
    resetRegister: pciHost?.params.resetControl ? { port: RESET_CONTROL_PORT, value: RESET_CONTROL_VALUE } : null,
    vga: platform.devices.has('vga'),
    i8042: false,
    uart,
    ram,
    s5SleepType,
  };
}

function describePci(host: PciHost, isaIrqGsi: readonly number[], lapics: boolean): FirmwarePci {
  const ecam = host.ecamWindows();
  const seg0 = ecam.filter((w) => w.segment === 0);
  const lastBus = seg0.length > 0 ? Math.max(...seg0.map((w) => w.busEnd)) : 0xff;
  const routes: PciRoute[] = [];
  const linkIrqs = new Set<number>();
  for (let link = 0; link < PCI_LINK_COUNT; link++) {
    const irq = host.router.linkRoute(link);
    if (irq !== null) linkIrqs.add(irq);
  }
  // Device 0 is the host bridge; slots 1–31 get four pins each.
  for (let device = 1; device < 32; device++) {
    for (let pin = 0; pin < 4; pin++) {
      const direct = host.router.gsiOf(device, pin + 1);
      if (direct !== null) {
        routes.push({ device, pin, gsi: direct });
        continue;
      }
      const link = host.router.linkOf(device, pin + 1);
      const irq = link === null ? null : host.router.linkRoute(link);
      if (irq !== null) routes.push({ device, pin, gsi: isaIrqGsi[irq]! });
    }
  }
  return { ecam, lastBus, routes, linkIrqs: [...linkIrqs].sort((a, b) => a - b), msi: lapics };
}
