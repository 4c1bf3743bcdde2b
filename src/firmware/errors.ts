// Host errors of the firmware-table builder: each names the problem and the fix.
import { HvmdevError } from '../errors/hvmdev-error.js';

export class FirmwareError extends HvmdevError {}
