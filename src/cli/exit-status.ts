// The exit statuses every hvmdev command shares (docs/cli.md has the full table, `hvmdev run`'s too).
// Its own file so that `hvmdev --help` loads nothing else.

export const EXIT = {
  ok: 0,
  /** Refused or unusable: Xen refuses the flags, a file or socket cannot be used. */
  failure: 1,
  /** The command line is wrong: unknown option, malformed or out-of-range value. */
  usage: 2,
  /** A bug in hvmdev (sysexits EX_SOFTWARE). */
  internal: 70,
} as const;

export const EXIT_STATUS_HELP = `Exit status:
  0   success (flags check: the flags are accepted)
  1   refused or environment: Xen refuses the flags, or a file or socket cannot be used
  2   usage: unknown command or option, or a malformed or out-of-range value
  70  internal error: a bug in hvmdev (set HVMDEV_DEBUG=1 to see where)`;
