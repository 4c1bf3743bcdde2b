// Parameters of the PCI host: what differs between Xen's vPCI and QEMU 7.2's `pc`, as data.
import type { BarWriteWhileDecoding } from './bars.js';
import type { GapPolicy } from './config-space.js';
import type { PciFunctionDefinition } from './definition.js';
import { PciParamsError } from './errors.js';
import { I440FX_HOST_BRIDGE } from './host-bridge.js';
import type { IntxRouting } from './intx.js';

/** One ECAM/MMCFG window: config space of buses [busStart, busEnd] of `segment`, 1 MiB per bus from `base`. */
export interface EcamRegionSpec {
  readonly segment: number;
  readonly busStart: number;
  readonly busEnd: number;
  readonly base: number;
}

/**
 * Configuration of a {@link PciHost}: which config access paths exist (mechanism #1, ECAM windows, the 0xCF9 reset
 * register), what gaps read, how BAR writes and INTx behave, and the host bridge at 00:00.0. Each field is where
 * Xen's vPCI (xen/drivers/vpci, xen/arch/x86/hvm/io.c) and QEMU 7.2 (hw/pci) differ.
 */
export interface PciHostParams {
  /** What unimplemented config registers read (see GapPolicy). */
  readonly gapPolicy: GapPolicy;
  /** BAR writes while the BAR's space is decoded: Xen ignores them, QEMU remaps. */
  readonly barWriteWhileDecoding: BarWriteWhileDecoding;
  /** INTx to GSIs and PCI links. */
  readonly intx: IntxRouting;
  /** Configuration mechanism #1 at ports 0xCF8 (address) / 0xCFC–0xCFF (data). */
  readonly mechanism1: boolean;
  /**
   * Accesses to 0xCF8–0xCFB other than a 4-byte access at 0xCF8 (and the 0xCF9 byte when
   * `resetControl`): `unclaimed` (Xen claims 0xCF8 for 4-byte accesses only, so these read
   * all-ones and writes are dropped) or `qemu` (QEMU's pci-conf-idx: reads return the latch
   * truncated to the access size whatever the offset, writes are ignored).
   */
  readonly latchNarrowAccess: 'unclaimed' | 'qemu';
  /**
   * What CONFIG_ADDRESS bits 1:0 do for a data access at 0xCFC+k. 'ignored' (PCI Local Bus 3.0
   * §3.2.2.3.2 and Xen: the register is bits 7:2, the byte is k): register (CF8 & 0xFC) + k.
   * 'or-offset' (QEMU 7.2 hw/pci/pci_host.c: `config_reg | (addr & 3)`): register (CF8 & 0xFF) | k,
   * so libqos's `outl 0xcf8 …|0x02; inw 0xcfc` reads the word at offset 2.
   */
  readonly configAddressLowBits: 'ignored' | 'or-offset';
  /** The reset control register, a byte port at 0xCF9 (PIIX3 RCR). */
  readonly resetControl: boolean;
  /** ECAM windows present from the start (more can be added with `addEcamRegion`). */
  readonly ecam: readonly EcamRegionSpec[];
  /**
   * Capabilities the guest sees: `all` (QEMU; Xen's hardware domain sees the whole list) or
   * `msi-only` (Xen vPCI's domU view: only MSI and MSI-X are linked and emulated, the others
   * become gaps; xen/drivers/vpci/header.c).
   */
  readonly capabilityView: 'all' | 'msi-only';
  /** The host bridge at 00:00.0, or null. */
  readonly hostBridge: PciFunctionDefinition | null;
}

/**
 * Xen's vPCI (XEN_X86_EMU_VPCI, PVH dom0): domU-style guest view (gaps read all-ones), BAR
 * writes ignored while decoding, Xen's INTx GSI formula and link swizzle, 0xCF8 claimed for
 * 4-byte accesses only. A real dom0's MMCFG comes from the host's MCFG table; this profile places
 * one window for segment 0, buses 0–255 at 0xE0000000 (a common MCFG base below the APICs).
 */
export const XEN_PCI_HOST_PARAMS: PciHostParams = Object.freeze({
  gapPolicy: 'ones',
  barWriteWhileDecoding: 'ignore',
  intx: Object.freeze({ gsi: 'xen', link: 'xen' }),
  mechanism1: true,
  latchNarrowAccess: 'unclaimed',
  configAddressLowBits: 'ignored',
  resetControl: true,
  capabilityView: 'all',
  ecam: Object.freeze([Object.freeze({ segment: 0, busStart: 0, busEnd: 255, base: 0xe0000000 })]),
  hostBridge: I440FX_HOST_BRIDGE,
} as const);

/** QEMU 7.2 `pc` (i440FX + PIIX3): no ECAM, INTx only through PIRQ links, QEMU's config-space defaults. */
export const QEMU_PC_PCI_HOST_PARAMS: PciHostParams = Object.freeze({
  gapPolicy: 'qemu',
  barWriteWhileDecoding: 'remap',
  intx: Object.freeze({ gsi: 'none', link: 'i440fx' }),
  mechanism1: true,
  latchNarrowAccess: 'qemu',
  configAddressLowBits: 'or-offset',
  resetControl: true,
  capabilityView: 'all',
  ecam: Object.freeze([]),
  hostBridge: I440FX_HOST_BRIDGE,
} as const);

/**
 * A Xen HVM domU's PCI as the guest sees it: the hypervisor does not decode 0xCF8/0xCFC for a domU
 * (without XEN_X86_EMU_VPCI the accesses go to the device model, QEMU's `xenfv`, i440FX + PIIX3),
 * but INTx is Xen's: QEMU hands pin levels to Xen, which applies the GSI formula and the PCI
 * links that PIIX3 PIRQRC writes set (hvm/irq.c). For platforms that model that device model too.
 */
export const XEN_HVM_PCI_HOST_PARAMS: PciHostParams = Object.freeze({
  ...QEMU_PC_PCI_HOST_PARAMS,
  intx: Object.freeze({ gsi: 'xen', link: 'xen' }),
} as const);

/**
 * QEMU 7.2 `q35`'s PCI host side, for platforms that attach a `Q35Mch` (it owns 00:00.0 and the
 * ECAM window). INTx routing through the ICH9 LPC (PIRQA–H) is not modelled: no INTx routes.
 */
export const QEMU_Q35_PCI_HOST_PARAMS: PciHostParams = Object.freeze({
  ...QEMU_PC_PCI_HOST_PARAMS,
  intx: Object.freeze({ gsi: 'none', link: 'none' }),
  hostBridge: null,
} as const);

const GAPS = ['ones', 'zero', 'qemu'];

/** Throws PciParamsError naming the first bad field. */
export function checkHostParams(p: PciHostParams): void {
  const fail = (msg: string): never => {
    throw new PciParamsError(`PCI host parameters: ${msg}`);
  };
  if (!GAPS.includes(p.gapPolicy)) fail(`gapPolicy '${String(p.gapPolicy)}' must be one of ${GAPS.join(', ')}`);
  if (p.barWriteWhileDecoding !== 'ignore' && p.barWriteWhileDecoding !== 'remap') fail("barWriteWhileDecoding must be 'ignore' or 'remap'");
  if (!['xen', 'none'].includes(p.intx?.gsi)) fail("intx.gsi must be 'xen' or 'none'");
  if (!['xen', 'i440fx', 'none'].includes(p.intx?.link)) fail("intx.link must be 'xen', 'i440fx' or 'none'");
  if (p.latchNarrowAccess !== 'unclaimed' && p.latchNarrowAccess !== 'qemu') fail("latchNarrowAccess must be 'unclaimed' or 'qemu'");
  if (p.configAddressLowBits !== 'ignored' && p.configAddressLowBits !== 'or-offset') fail("configAddressLowBits must be 'ignored' or 'or-offset'");
  if (p.capabilityView !== 'all' && p.capabilityView !== 'msi-only') fail("capabilityView must be 'all' or 'msi-only'");
  if (!Array.isArray(p.ecam)) fail('ecam must be an array of regions');
}
