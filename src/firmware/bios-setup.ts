// What a PC BIOS programs before it writes the tables, for the parts a platform leaves to firmware:
// the ACPI PM block's I/O base (PIIX4 PMBA + PMREGMISC.PMIOSE) and the PCI links' ISA IRQs (PIIX3
// PIRQRC, or the hypervisor's link route). Done through the same registers a BIOS writes, so the
// chipset's config space and the devices agree.
import type { Platform } from '../platform/platform.js';
import type { PmTimer } from '../devices/pm/pm-timer.js';
import type { PciHost } from '../devices/pci/host.js';
import type { PciFunction } from '../devices/pci/function.js';
import { PCI_LINK_COUNT } from '../devices/pci/intx.js';
import { PIIX4_PMBA, PIIX4_PMREGMISC } from '../devices/pci/piix4-pm.js';
import { PIIX3_PIRQRC } from '../devices/pci/piix3.js';
import { FirmwareError } from './errors.js';

/** What `setUpLikeBios` programs where the platform has not been set up yet. */
export interface BiosSetupOptions {
  /** Where an unplaced ACPI PM block goes (SeaBIOS: 0x600 on QEMU's pc). */
  readonly pmBase?: number;
  /** ISA IRQ per PCI link A–D for links not routed yet (SeaBIOS on i440FX: 10, 10, 11, 11). */
  readonly linkIrqs?: readonly [number, number, number, number];
}

/** What `setUpLikeBios` left: the PM block's base and each PCI link's IRQ. */
export interface BiosSetupResult {
  /** Where the PM block now is, or null (no PM block). */
  readonly pmBase: number | null;
  /** Each link's ISA IRQ now (null: disabled or no PCI). */
  readonly linkRoutes: readonly (number | null)[];
}

const PIIX4_PM = { vendor: 0x8086, device: 0x7113 };
const PIIX3_ISA = { vendor: 0x8086, device: 0x7000 };

function findFunction(host: PciHost, id: { vendor: number; device: number }): PciFunction | null {
  return host.functions().find((f) => f.definition.vendorId === id.vendor && f.definition.deviceId === id.device) ?? null;
}

/** Places the PM block and routes unrouted PCI links, as a BIOS would; leaves what is set alone. */
export function setUpLikeBios(platform: Platform, options: BiosSetupOptions = {}): BiosSetupResult {
  const pmBase = options.pmBase ?? 0x600;
  const linkIrqs = options.linkIrqs ?? [10, 10, 11, 11];
  if (!Number.isInteger(pmBase) || pmBase < 0 || pmBase > 0xffc0 || pmBase % 64 !== 0) {
    throw new FirmwareError(`pmBase 0x${pmBase.toString(16)} must be a 64-byte aligned I/O port below 0x10000 (PMBA bits 15:6)`);
  }
  for (const irq of linkIrqs) {
    if (!Number.isInteger(irq) || irq < 3 || irq > 15 || irq === 8 || irq === 13) {
      throw new FirmwareError(`PCI link IRQ ${irq} must be an ISA IRQ from 3 to 15 other than 8 and 13 (PIRQRC)`);
    }
  }
  const host = (platform.devices.get('pci') as PciHost | undefined) ?? null;
  const pm = ([...platform.devices.values()].find((d) => d.kind === 'acpi-pm1') as PmTimer | undefined) ?? null;

  if (pm !== null && pm.base === null) {
    const pmFn = host === null ? null : findFunction(host, PIIX4_PM);
    if (pmFn !== null) {
      pmFn.configWrite(PIIX4_PMBA, 4, pmBase | 1);
      pmFn.configWrite(PIIX4_PMREGMISC, 1, 1);
    } else {
      pm.place(pmBase);
    }
    if (pm.base !== pmBase) throw new FirmwareError(`the ACPI PM block could not be placed at 0x${pmBase.toString(16)} (ports taken): choose another pmBase`);
  }

  const routes: (number | null)[] = [null, null, null, null];
  if (host !== null && host.params.intx.link !== 'none') {
    const isa = findFunction(host, PIIX3_ISA);
    for (let link = 0; link < PCI_LINK_COUNT; link++) {
      if (host.router.linkRoute(link) === null) {
        if (isa !== null) isa.configWrite(PIIX3_PIRQRC + link, 1, linkIrqs[link]!);
        else host.router.setLinkRoute(link, linkIrqs[link]!);
      }
      routes[link] = host.router.linkRoute(link);
    }
  }
  return { pmBase: pm?.base ?? null, linkRoutes: routes };
}
