// How a failed command ends: every error a command can meet is one of three kinds, each with its
// documented exit status (see EXIT_STATUS_HELP). Only a bug in hvmdev is "internal".
import { getSystemErrorMap } from 'node:util';
import { HvmdevError } from '../errors/hvmdev-error.js';
import { FlagParseError, GuestTypeError, XenVersionError } from '../emuflags/errors.js';
import { InvalidFlagsError, PlatformOptionError } from '../platform/errors.js';

export { EXIT, EXIT_STATUS_HELP } from './exit-status.js';
import { EXIT } from './exit-status.js';

/** A command-line mistake: reported with the command's usage hint, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Something outside hvmdev is not as the command needs it (a path, a socket): exit status 1. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export interface Outcome {
  readonly status: number;
  /** One line (no trailing newline). */
  readonly message: string;
  /** Whether to add the "Run hvmdev CMD --help" hint. */
  readonly usageHint: boolean;
}

/** A Node.js system error (ENOENT, EACCES, ECONNREFUSED, ...). */
function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Classifies an error a command threw. Host input that reaches the library unparsed still ends as a
 * usage error (the emuflags parsers' errors, a platform option out of range), never as "internal".
 */
export function classifyError(e: unknown): Outcome {
  const message = firstLine(e instanceof Error ? e.message : String(e));
  const usage =
    e instanceof UsageError ||
    e instanceof FlagParseError ||
    e instanceof XenVersionError ||
    e instanceof GuestTypeError ||
    e instanceof PlatformOptionError ||
    (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS'));
  if (usage) return { status: EXIT.usage, message, usageHint: true };
  if (e instanceof EnvironmentError || e instanceof InvalidFlagsError) return { status: EXIT.failure, message, usageHint: false };
  if (isSystemError(e)) return { status: EXIT.failure, message: systemErrorText(e), usageHint: false };
  if (e instanceof HvmdevError) return { status: EXIT.failure, message, usageHint: false };
  return { status: EXIT.internal, message: `internal error (a bug in hvmdev): ${message}`, usageHint: false };
}

/** `connect /tmp/x.sock: ENOENT (no such file or directory)`. */
export function systemErrorText(e: NodeJS.ErrnoException): string {
  const what = [e.syscall, e.path ?? (e as { address?: string }).address].filter((s) => s !== undefined && s !== '').join(' ');
  const detail = e.errno === undefined ? undefined : getSystemErrorMap().get(e.errno)?.[1];
  return `${what}: ${e.code ?? 'error'}${detail === undefined ? '' : ` (${detail})`}`;
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i === -1 ? s : s.slice(0, i);
}
