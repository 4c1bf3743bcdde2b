// Where a function's capabilities sit (PCI 3.0 §6.7): laid out in declaration order from a base
// (default 0x40), each 4-byte aligned, linked from the Capabilities Pointer at 0x34, all ending by 0x100.
import type { CapabilityDefinition, PciFunctionDefinition } from './definition.js';
import { PciDeviceDefinitionError } from './errors.js';
import { msiCapabilityLength, PCI_CAP_ID_MSI } from './msi.js';
import { MSIX_CAPABILITY_LENGTH, PCI_CAP_ID_MSIX } from './msix.js';

/** Where a definition's capabilities sit in config space and which the guest sees (see {@link layoutCapabilities}). */
export interface CapabilityLayout {
  /** Offset of each declared capability, in declaration order. */
  readonly offsets: readonly number[];
  /** Whether the guest sees it (linked and emulated). */
  readonly shown: readonly boolean[];
  /** Offsets of the shown capabilities, in list order. */
  readonly linked: readonly number[];
}

/** The capability ID a definition's capability carries: 0x05 for MSI, 0x11 for MSI-X, or the custom `id`. */
export function capabilityId(cap: CapabilityDefinition): number {
  return cap.kind === 'msi' ? PCI_CAP_ID_MSI : cap.kind === 'msix' ? PCI_CAP_ID_MSIX : cap.id;
}

/** Bytes a capability takes in config space, header included: MSI 10–24 depending on its options, MSI-X 12, or the custom `length`. */
export function capabilityLength(cap: CapabilityDefinition): number {
  return cap.kind === 'msi' ? msiCapabilityLength(cap) : cap.kind === 'msix' ? MSIX_CAPABILITY_LENGTH : cap.length;
}

/**
 * `view` 'msi-only' is Xen vPCI's domU view: MSI and MSI-X keep their offsets, the others are
 * neither linked nor emulated.
 */
export function layoutCapabilities(def: PciFunctionDefinition, view: 'all' | 'msi-only'): CapabilityLayout {
  const base = def.capabilityBase ?? 0x40;
  if (!Number.isInteger(base) || base < 0x40 || base % 4 !== 0) {
    throw new PciDeviceDefinitionError(`PCI function ${def.name}: capabilityBase ${base} must be a multiple of 4 from 0x40`);
  }
  const caps = def.capabilities ?? [];
  const offsets: number[] = [];
  let at = base;
  for (const cap of caps) {
    offsets.push(at);
    at = (at + capabilityLength(cap) + 3) & ~3;
  }
  if (at > 0x100) {
    throw new PciDeviceDefinitionError(`PCI function ${def.name}: capabilities need ${at - base} bytes from 0x${base.toString(16)}; they must end by 0x100`);
  }
  const shown = caps.map((c) => view === 'all' || c.kind !== 'custom');
  return { offsets, shown, linked: offsets.filter((_, i) => shown[i]) };
}
