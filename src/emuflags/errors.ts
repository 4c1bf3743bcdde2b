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

export class XenVersionError extends Error {
  override readonly name = 'XenVersionError';
  constructor(
    readonly input: string,
    /** Human description of the accepted forms. */
    readonly acceptedForms: readonly string[],
    detail: string,
  ) {
    super(`${detail}; accepted forms: ${acceptedForms.join(', ')}`);
  }
}

export class GuestTypeError extends Error {
  override readonly name = 'GuestTypeError';
  constructor(
    readonly input: string,
    readonly validGuests: readonly string[],
  ) {
    super(`unknown guest type "${input}"; valid: ${validGuests.join(', ')}`);
  }
}
