// DSDT (ACPI 6.x §5.2.11.1) with AML for what an OS cannot find alone: the PCI root bridge
// \_SB.PCI0 (_CRS windows, _PRT from the platform's INTx routing), the RTC, the HPET, the board's
// UART, a processor device per vCPU, and \_S5 for soft-off. Revision 2: 64-bit integers.
import type { FirmwarePlatform } from '../firmware-platform.js';
import { device, eisaId, methodReturning, name, pkg, scope, termList } from '../aml/terms.js';
import { dwordMemory, io, irqNoFlags, memory32Fixed, qwordMemory, resourceTemplate, wordBusNumber, wordIo, type ResourceDescriptor } from '../aml/resources.js';
import type { AmlTerm } from '../aml/encoding.js';
import { sdt, type AcpiIds } from './sdt-header.js';

/** _STA: present, enabled, shown in UI, functioning. */
const STA_PRESENT = 0x0f;
/** PCI hole: 32-bit MMIO for BARs ends below the IO-APIC window. */
const PCI_HOLE_END = 0xfec00000;
/** The 64-bit PCI window: 32 GiB at 32 GiB, above any RAM this platform maps. */
export const PCI_WINDOW64 = Object.freeze({ base: 0x8_0000_0000, size: 0x8_0000_0000 });
/** Legacy VGA frame buffer window, forwarded by the root bridge when the platform has VGA. */
const VGA_WINDOW = { base: 0xa0000, end: 0xbffff };

/** The DSDT (revision 2) for a platform: processor devices, \\_SB.PCI0 with _CRS and _PRT, RTC, HPET, the UART, \\_S5. */
export function buildDsdt(p: FirmwarePlatform, ids: AcpiIds): Uint8Array {
  const sb: AmlTerm[] = [];
  p.cpus.forEach((cpu) => {
    sb.push(device(`C${cpu.uid.toString(16).toUpperCase().padStart(3, '0')}`, name('_HID', 'ACPI0007'), name('_UID', cpu.uid)));
  });
  if (p.pci !== null) sb.push(pciRootBridge(p));
  if (p.rtc !== null) {
    sb.push(device('RTC', name('_HID', eisaId('PNP0B00')), name('_CRS', resourceTemplate(io(0x70, 0x70, 1, 8), irqNoFlags(8)))));
  }
  if (p.hpet !== null) {
    sb.push(
      device(
        'HPET',
        name('_HID', eisaId('PNP0103')),
        name('_UID', 0),
        methodReturning('_STA', 0, STA_PRESENT),
        name('_CRS', resourceTemplate(memory32Fixed(false, p.hpet.address, 0x400))),
      ),
    );
  }
  if (p.uart !== null) {
    sb.push(
      device(
        'COM1',
        name('_HID', eisaId('PNP0501')),
        name('_UID', 1),
        name('_CRS', resourceTemplate(io(p.uart.port, p.uart.port, 1, 8), irqNoFlags(p.uart.irq))),
      ),
    );
  }
  const body: AmlTerm[] = [scope('_SB', ...sb)];
  if (p.pm !== null) body.push(name('_S5', pkg(p.s5SleepType, p.s5SleepType, 0, 0)));
  return sdt('DSDT', 2, termList(...body), ids);
}

function pciRootBridge(p: FirmwarePlatform): AmlTerm {
  const pci = p.pci!;
  const crs: ResourceDescriptor[] = [wordBusNumber(0, pci.lastBus), io(0xcf8, 0xcf8, 1, 8), wordIo(0x0000, 0x0cf7), wordIo(0x0d00, 0xffff)];
  if (p.vga) crs.push(dwordMemory(VGA_WINDOW.base, VGA_WINDOW.end));
  for (const [start, end] of pciHoleWindows(p)) crs.push(dwordMemory(start, end));
  crs.push(qwordMemory(PCI_WINDOW64.base, PCI_WINDOW64.base + PCI_WINDOW64.size - 1));
  // _PRT rows: Package { address (device << 16 | 0xFFFF), pin, source 0 (a GSI), GSI }.
  const prt = pci.routes.map((r) => pkg(((r.device << 16) | 0xffff) >>> 0, r.pin, 0, r.gsi));
  return device('PCI0', name('_HID', eisaId('PNP0A03')), name('_UID', 0), name('_CRS', resourceTemplate(...crs)), name('_PRT', pkg(...prt)));
}

/** 32-bit MMIO windows: from the end of RAM below 4 GiB (1 MiB aligned) to the IO-APIC, minus ECAM windows. */
export function pciHoleWindows(p: FirmwarePlatform): [number, number][] {
  const ramTop = Math.max(0x100000, ...p.ram.filter((r) => r.base < 2 ** 32).map((r) => r.base + r.size));
  let start = Math.ceil(ramTop / 0x100000) * 0x100000;
  const holes = (p.pci?.ecam ?? []).map((e) => [e.base, e.base + (e.busEnd - e.busStart + 1) * 0x100000] as const).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [hs, he] of holes) {
    if (he <= start || hs >= PCI_HOLE_END) continue;
    if (hs > start) out.push([start, hs - 1]);
    start = Math.max(start, he);
  }
  if (start < PCI_HOLE_END) out.push([start, PCI_HOLE_END - 1]);
  return out;
}
