/** Typed errors for host-side mistakes (bad input strings). Validation results are data, never exceptions. */

export class FlagParseError extends Error {
  override readonly name = 'FlagParseError';
  constructor(
    /** The offending token (or the whole input when it is empty or out of range). */
    readonly token: string,
    /** The input that was being parsed. */
    readonly input: string,
    /** The accepted short names (each also accepted as `XEN_X86_EMU_<NAME>`). */
    readonly validNames: readonly string[],
    detail?: string,
  ) {
    super(
      detail ??
        `unknown emulation flag "${token}"; valid names: ${validNames.join(', ')} ` +
          '(case-insensitive, optionally prefixed XEN_X86_EMU_), NONE, or a number such as 0x411 or 1041',
    );
  }
}

/**
 * A Xen release string that `parseXenVersion` cannot read (e.g. `4.6`, `4.10.99`, `5.0`). Thrown by
 * every function that takes a `xen` version; the message lists the accepted forms.
 */
export class XenVersionError extends Error {
  override readonly name = 'XenVersionError';
  constructor(
    /** The string as given. */
    readonly input: string,
    /** Human description of the accepted forms. */
    readonly acceptedForms: readonly string[],
    detail: string,
  ) {
    super(`${detail}; accepted forms: ${acceptedForms.join(', ')}`);
  }
}

/** A guest type name that `parseGuestType` does not know; the message lists the valid ones (GUEST_TYPES). */
export class GuestTypeError extends Error {
  override readonly name = 'GuestTypeError';
  constructor(
    /** The name as given. */
    readonly input: string,
    /** The guest types accepted (GUEST_TYPES). */
    readonly validGuests: readonly string[],
  ) {
    super(`unknown guest type "${input}"; valid: ${validGuests.join(', ')}`);
  }
}
