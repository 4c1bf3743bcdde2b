// Host errors of the firmware-table builder: each names the problem and the fix.
import { HvmdevError } from '../errors/hvmdev-error.js';

/** A firmware-table request that cannot be met (a bad option, a platform the table cannot describe); the message names the fix. */
export class FirmwareError extends HvmdevError {}
