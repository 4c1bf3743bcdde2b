// Configuration of one IO-APIC, and the frozen parameter sets of the profiles. Every place where
// Xen and QEMU 7.2 differ is a parameter here, so each profile follows its reference exactly.
import { HvmdevError } from '../../errors/hvmdev-error.js';
import { ApicDeliveryMode } from '../../irq/apic-bus.js';
import type { WidthPolicy } from '../../bus/handler.js';

/** A host programming error in IO-APIC parameters. */
export class IoapicConfigError extends HvmdevError {}

/** The ID register holds 4 bits (82093AA §3.2.1). */
const IOAPIC_MAX_ID = 0xf;

/**
 * Configuration of one IO-APIC: where its window is, how many pins, and every point where Xen's model
 * (xen/arch/x86/hvm/vioapic.c) and QEMU 7.2's (hw/intc/ioapic.c) differ, as a named field. Use a profile's
 * frozen set ({@link XEN_IOAPIC_PARAMS}, {@link QEMU_PC_IOAPIC_PARAMS}) or derive one with a spread and
 * check it with {@link validateIoapicParams}, which throws {@link IoapicConfigError} for a bad field.
 *
 * @example
 * ```ts
 * const params = validateIoapicParams({ ...QEMU_PC_IOAPIC_PARAMS, base: 0xfec01000, id: 'ioapic1', gsiBase: 24 });
 * ```
 */
export interface IoapicParams {
  /** Device id on the platform and owner name on the bus (e.g. "ioapic0"). */
  readonly id: string;
  /** MMIO base of the register window (Xen and QEMU: 0xFEC00000). */
  readonly base: number;
  /**
   * Length of the claimed MMIO window; registers are decoded on (offset & 0xFF), so a longer
   * window aliases them every 0x100 bytes. Xen: 0x100 (VIOAPIC_MEM_LENGTH). QEMU: 0x1000.
   */
  readonly windowLength: number;
  /** Number of input pins (Xen domU: 48; QEMU: 24). Version register bits 23:16 read pins − 1. */
  readonly pins: number;
  /** Version register bits 7:0 (Xen: 0x11; QEMU: 0x20). */
  readonly version: number;
  /** First GSI of this IO-APIC's inputs (Xen PVH dom0 mirrors each host IO-APIC's base). */
  readonly gsiBase: number;
  /** ID register value at reset (4 bits; Xen domU: 0, dom0: the host IO-APIC's ID). */
  readonly apicId: number;
  /** The EOI register at +0x40 exists (IOxAPIC version 0x20; Xen's 0x11 model has none). */
  readonly eoiRegister: boolean;
  /** Width of IOREGSEL as stored and read back: Xen keeps 32 bits, QEMU 8 (uint8_t). */
  readonly ioregselBits: 8 | 32;
  /**
   * Which access sizes IOWIN and EOI serve. 'any' (Xen): every size reaches the register, reads
   * are truncated to the size and writes zero-extended to 32 bits (XSA-239's fixed behaviour).
   * 'dword' (QEMU): only 4-byte accesses; others read 0 and are ignored.
   */
  readonly windowAccess: 'any' | 'dword';
  /** QEMU's IO-APIC treats input 0 (ISA IRQ0 in QEMU's identity wiring) as pin 2. */
  readonly input0IsPin2: boolean;
  /**
   * Xen's IRQ0_SPECIAL_ROUTING (vioapic.c): a lowest-priority interrupt on this GSI goes to vCPU 0
   * while PIT channel 0 is active and vCPU 0 is an enabled member of the destination. Xen: GSI 2
   * (hvm_isa_irq_to_gsi(0)); null disables it (QEMU).
   */
  readonly irq0SpecialRoutingGsi: number | null;
  /**
   * Bit set of delivery modes (bit n = mode n) that are never sent: Xen's vioapic_deliver only
   * handles Fixed, LowestPriority and NMI and drops the rest with a warning. QEMU sends all.
   */
  readonly droppedDeliveryModes: number;
  /** Width policy override for the window (default: the bus's). */
  readonly widthPolicy?: WidthPolicy;
}

/** Xen HVM domU: one IO-APIC at 0xFEC00000, 48 pins, version 0x11, no EOI register (xen/arch/x86/hvm/vioapic.c). */
export const XEN_IOAPIC_PARAMS: IoapicParams = Object.freeze({
  id: 'ioapic0',
  base: 0xfec00000,
  windowLength: 0x100,
  pins: 48,
  version: 0x11,
  gsiBase: 0,
  apicId: 0,
  eoiRegister: false,
  ioregselBits: 32,
  windowAccess: 'any',
  input0IsPin2: false,
  irq0SpecialRoutingGsi: 2,
  droppedDeliveryModes:
    (1 << ApicDeliveryMode.Smi) | (1 << 3) | (1 << ApicDeliveryMode.Init) | (1 << ApicDeliveryMode.StartUp) | (1 << ApicDeliveryMode.ExtInt),
} as const);

/** QEMU 7.2 `pc`: 24 pins, version 0x20 with the EOI register, a 4 KiB window, input 0 → pin 2. */
export const QEMU_PC_IOAPIC_PARAMS: IoapicParams = Object.freeze({
  id: 'ioapic0',
  base: 0xfec00000,
  windowLength: 0x1000,
  pins: 24,
  version: 0x20,
  gsiBase: 0,
  apicId: 0,
  eoiRegister: true,
  ioregselBits: 8,
  windowAccess: 'dword',
  input0IsPin2: true,
  irq0SpecialRoutingGsi: null,
  droppedDeliveryModes: 0,
} as const);

/** A host IO-APIC as Xen's PVH dom0 mirrors it (xen/arch/x86/hvm/vioapic.c, vioapic_init for the hardware domain). */
export interface HostIoapic {
  readonly base: number;
  readonly apicId: number;
  readonly gsiBase: number;
  readonly pins: number;
}

/** Parameters of the n-th vIOAPIC of a Xen PVH dom0: Xen's model with the host's layout. */
export function xenDom0IoapicParams(index: number, host: HostIoapic): IoapicParams {
  return validateIoapicParams(
    Object.freeze({ ...XEN_IOAPIC_PARAMS, id: `ioapic${index}`, base: host.base, apicId: host.apicId, gsiBase: host.gsiBase, pins: host.pins }),
  );
}

/** Checks parameters; throws IoapicConfigError naming the bad field and the fix. Returns them. */
export function validateIoapicParams(p: IoapicParams): IoapicParams {
  const fail = (msg: string): never => {
    throw new IoapicConfigError(`${p.id}: ${msg}`);
  };
  if (typeof p.id !== 'string' || p.id.length === 0) fail('id must be a non-empty string');
  if (!Number.isInteger(p.pins) || p.pins < 1 || p.pins > 256) {
    fail(`pins ${p.pins} must be an integer in [1, 256] (the version register holds pins − 1 in 8 bits)`);
  }
  if (!Number.isInteger(p.version) || p.version < 0 || p.version > 0xff) fail(`version ${p.version} must fit in 8 bits`);
  if (!Number.isInteger(p.apicId) || p.apicId < 0 || p.apicId > IOAPIC_MAX_ID) fail(`apicId ${p.apicId} must be a 4-bit ID (0–15)`);
  if (!Number.isInteger(p.gsiBase) || p.gsiBase < 0) fail(`gsiBase ${p.gsiBase} must be a non-negative integer`);
  if (!Number.isInteger(p.base) || p.base < 0 || p.base % 16 !== 0) fail(`base 0x${p.base.toString(16)} must be a 16-byte aligned address`);
  const minWindow = p.eoiRegister ? 0x44 : 0x14;
  if (!Number.isInteger(p.windowLength) || p.windowLength < minWindow) {
    fail(
      `windowLength 0x${p.windowLength.toString(16)} is too short: it must cover IOWIN${p.eoiRegister ? ' and EOI' : ''} (at least 0x${minWindow.toString(16)})`,
    );
  }
  if (p.ioregselBits !== 8 && p.ioregselBits !== 32) fail(`ioregselBits must be 8 or 32`);
  if (p.windowAccess !== 'any' && p.windowAccess !== 'dword') fail(`windowAccess must be 'any' or 'dword'`);
  if (p.irq0SpecialRoutingGsi !== null && (!Number.isInteger(p.irq0SpecialRoutingGsi) || p.irq0SpecialRoutingGsi < 0)) {
    fail(`irq0SpecialRoutingGsi must be a GSI number or null`);
  }
  if (!Number.isInteger(p.droppedDeliveryModes) || p.droppedDeliveryModes < 0 || p.droppedDeliveryModes > 0xff) {
    fail(`droppedDeliveryModes must be a bit set of the 8 delivery modes (0–0xFF)`);
  }
  return p;
}
