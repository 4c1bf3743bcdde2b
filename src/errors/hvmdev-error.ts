// The base of every host error hvmdev throws (bus, interrupt fabric, clock, devices' parameters,
// platform, CLI). Guest accesses never throw; these are for the code that builds and drives a
// platform. Catch HvmdevError to handle any of them; each subclass names the problem and the fix.

/**
 * The base class of hvmdev's host errors: its `name` is the subclass's name (e.g. `PlatformOptionError`).
 * The emulation-flag parsers' errors (FlagParseError, XenVersionError, GuestTypeError) extend Error directly.
 */
export class HvmdevError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
