import { HvmdevError } from '../errors/hvmdev-error.js';
import type { ValidationResult } from '../emuflags/validator.js';

/** The requested flag set is not one the chosen Xen rule set accepts. Carries the validator's answer. */
export class InvalidFlagsError extends HvmdevError {
  constructor(
    /** The validator's full answer: errno, Xen's log line, reason, nearest accepted values. */
    readonly validation: ValidationResult,
  ) {
    const fix =
      'suggestions' in validation && validation.suggestions.length > 0
        ? ` Nearest accepted: ${validation.suggestions
            .slice(0, 3)
            .map((s) => '0x' + s.flags.toString(16))
            .join(', ')}.`
        : '';
    super(
      `emulation flags 0x${validation.requested.toString(16)} are refused for ${validation.guest} on Xen ${validation.version.label}: ${validation.reason}${fix}`,
    );
  }
}

/** A platform option is malformed (unknown profile, vcpus out of range, ...). */
export class PlatformOptionError extends HvmdevError {}
