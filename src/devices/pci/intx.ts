// PCI INTx routing: level-triggered pins INTA#–INTD# reach the interrupt controllers two ways,
// as in Xen's hvm/irq.c (__hvm_pci_intx_assert):
// - directly to an IO-APIC GSI (Xen: GSI 16 + ((4·dev + dev/8 + pin) mod 32), asm/hvm/irq.h
//   hvm_pci_intx_gsi), and
// - through one of four PCI links (PIRQA–D) that firmware routes to an ISA IRQ; a routed link
//   drives that IRQ on the PIC and the IO-APIC while any pin on it is asserted.
// QEMU's `pc` has no direct GSIs (IO-APIC pins 16–23 stay unused) and maps slot s pin p to link
// (s − 1 + p) mod 4 (pci_slot_get_pirq in hw/pci-host/i440fx.c); Xen uses (dev + pin) mod 4.
import type { InterruptFabric } from '../../irq/fabric.js';
import { LevelLine } from '../../irq/level-line.js';
import type { IrqLine } from '../../irq/line.js';
import { PciParamsError } from './errors.js';

/** How a (device, pin) reaches an IO-APIC GSI directly: Xen's formula, or not at all (QEMU pc). */
export type IntxGsiRule = 'xen' | 'none';
/** Which PCI link a (device, pin) uses: Xen's (dev + pin) mod 4, QEMU i440FX's (dev − 1 + pin) mod 4, or none. */
export type IntxLinkRule = 'xen' | 'i440fx' | 'none';

/**
 * How the host's functions' INTx pins reach interrupt inputs: `gsi` a direct IO-APIC GSI (Xen's hvm_pci_intx_gsi,
 * xen/arch/x86/hvm/irq.c) or none; `link` which of the four PCI links (PIRQA–D) the pin shares, routed to an ISA IRQ
 * by the guest (Xen's swizzle, QEMU i440FX's, or none).
 */
export interface IntxRouting {
  readonly gsi: IntxGsiRule;
  readonly link: IntxLinkRule;
}

/** Number of PCI interrupt links: 4 (PIRQA#–PIRQD#). */
export const PCI_LINK_COUNT = 4;

/** Xen hvm_pci_intx_gsi; `pin` is 0 for INTA#. */
export function xenIntxGsi(device: number, pin: number): number {
  return 16 + (((device << 2) + (device >> 3) + pin) & 31);
}

/** Xen hvm_pci_intx_link; `pin` is 0 for INTA#. */
export function xenIntxLink(device: number, pin: number): number {
  return (device + pin) & 3;
}

/** QEMU i440FX/PIIX3 slot-to-PIRQ swizzle; `pin` is 0 for INTA#. */
export function i440fxIntxLink(device: number, pin: number): number {
  return (device + pin - 1) & 3;
}

/** One function's INTx pin: a direct GSI source plus a share of its PCI link. */
class PciIntxLine extends LevelLine implements IrqLine {
  level = false;
  constructor(
    readonly name: string,
    private readonly direct: IrqLine | null,
    private readonly router: PciInterruptRouter,
    private readonly link: number,
  ) {
    super();
  }

  set(level: boolean): void {
    if (level === this.level) return;
    this.level = level;
    if (this.direct !== null) this.direct.set(level);
    if (this.link >= 0) this.router.adjustLink(this.link, level ? 1 : -1);
  }
}

/**
 * The host's INTx router: each function's pin drives its GSI (if the rule gives one) and asserts its PCI link, and a
 * link asserted by any pin raises the ISA IRQ the link is routed to (wired-OR, counted as Xen's
 * pci_link_assert_count). Routes change with the guest's PIRQ route registers (`setLinkRoute`).
 */
export class PciInterruptRouter {
  private readonly routes: (number | null)[] = [null, null, null, null];
  /** Asserted pins per link (Xen's pci_link_assert_count). */
  private readonly counts = new Int32Array(PCI_LINK_COUNT);
  /** Fabric sources per (link, ISA IRQ), made on first use so route changes never allocate more. */
  private readonly linkLines: (IrqLine | undefined)[] = [];

  constructor(
    private readonly fabric: InterruptFabric,
    readonly routing: IntxRouting,
  ) {}

  /** The GSI a (device, pin) drives directly, or null. `pin` is 1–4 (INTA#–INTD#). */
  gsiOf(device: number, pin: number): number | null {
    if (this.routing.gsi !== 'xen') return null;
    const gsi = xenIntxGsi(device, pin - 1);
    return gsi < this.fabric.gsiCount ? gsi : null;
  }

  /** The PCI link a (device, pin) uses, or null. `pin` is 1–4. */
  linkOf(device: number, pin: number): number | null {
    switch (this.routing.link) {
      case 'xen':
        return xenIntxLink(device, pin - 1);
      case 'i440fx':
        return i440fxIntxLink(device, pin - 1);
      case 'none':
        return null;
    }
  }

  /** A new INTx line for one function (called once per function when it is attached). */
  lineFor(name: string, device: number, pin: number): IrqLine {
    const gsi = this.gsiOf(device, pin);
    const direct = gsi === null ? null : this.fabric.sourceLine(`${name}.INT${'ABCD'[pin - 1]}`, gsi);
    return new PciIntxLine(name, direct, this, this.linkOf(device, pin) ?? -1);
  }

  /** The ISA IRQ link `link` is routed to, or null when disabled. */
  linkRoute(link: number): number | null {
    return this.routes[link] ?? null;
  }

  /**
   * Routes a link to ISA IRQ `irq` (1–15) or disables it (null), as HVMOP_set_pci_link_route or
   * a PIIX3 PIRQRC write does. An asserted link moves its assertion to the new IRQ.
   */
  setLinkRoute(link: number, irq: number | null): void {
    if (!Number.isInteger(link) || link < 0 || link >= PCI_LINK_COUNT) {
      throw new PciParamsError(`PCI link ${link} does not exist (0–3 = PIRQA–D)`);
    }
    if (irq !== null && (!Number.isInteger(irq) || irq < 1 || irq > 15)) {
      throw new PciParamsError(`PCI link ${link}: ISA IRQ ${irq} must be 1–15, or null to disable the link`);
    }
    const old = this.routes[link] ?? null;
    if (old === irq) return;
    const asserted = this.counts[link]! > 0;
    if (asserted && old !== null) this.lineOf(link, old).lower();
    this.routes[link] = irq;
    if (asserted && irq !== null) this.lineOf(link, irq).raise();
  }

  /** Asserted pin count of a link. */
  linkAsserted(link: number): boolean {
    return this.counts[link]! > 0;
  }

  /** @internal */
  adjustLink(link: number, delta: 1 | -1): void {
    const before = this.counts[link]!;
    const after = before + delta;
    this.counts[link] = after;
    const irq = this.routes[link] ?? null;
    if (irq !== null && (before === 0) !== (after === 0)) this.lineOf(link, irq).set(after > 0);
  }

  /** Disables every link (their pins are lowered by their functions' reset). */
  resetRoutes(): void {
    for (let l = 0; l < PCI_LINK_COUNT; l++) this.setLinkRoute(l, null);
  }

  private lineOf(link: number, irq: number): IrqLine {
    const key = link * 16 + irq;
    let line = this.linkLines[key];
    if (line === undefined) {
      line = this.fabric.sourceLine(`pci-link${'ABCD'[link]}->irq${irq}`, this.fabric.isaToGsi[irq]!, irq);
      this.linkLines[key] = line;
    }
    return line;
  }
}
