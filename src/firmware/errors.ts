// Host errors of the firmware-table builder: each names the problem and the fix.
import { HvmdevError } from '../bus/errors.js';

export class FirmwareError extends HvmdevError {}
