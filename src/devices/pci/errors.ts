// Host programming errors of the PCI layer: bad device definitions, clashing addresses, bad
// parameters. Guest config traffic never throws; these are for the code that builds a platform.
import { HvmdevError } from '../../errors/hvmdev-error.js';

/** A config register definition is malformed or collides with another one. */
export class PciRegisterError extends HvmdevError {}

/** A device definition (IDs, BARs, capabilities, interrupt pin) is malformed. */
export class PciDeviceDefinitionError extends HvmdevError {}

/** A bus/device/function slot is taken, does not exist, or breaks the multi-function rule. */
export class PciSlotError extends HvmdevError {}

/** An ECAM/MMCFG region overlaps another one (by address or by segment/bus range) or is malformed. */
export class PciEcamError extends HvmdevError {}

/** A PCI host parameter set is malformed. */
export class PciParamsError extends HvmdevError {}
