// Node's parseArgs with hvmdev's wording: every unknown or malformed option of every command is
// reported the same way (a UsageError, exit status 2), with a suggestion for a near miss.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { didYouMean } from './near-miss.js';

/** The option names a config accepts, as typed (`--profile`, `-h`). */
function optionNames(config: ParseArgsConfig): string[] {
  const names: string[] = [];
  for (const [name, spec] of Object.entries(config.options ?? {})) {
    names.push(`--${name}`);
    if (spec.short !== undefined) names.push(`-${spec.short}`);
  }
  return names;
}

/** `parseArgs` (strict) whose errors are UsageErrors in hvmdev's words. */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = (e as Error).message;
    const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
    switch (code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown option ${quoted}${didYouMean(quoted, optionNames(config))}`);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
        const option = quoted.replace(/ <value>$/, '');
        throw new UsageError(message.includes('argument missing') ? `option ${option} needs a value` : `option ${option} takes no value`);
      }
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument '${quoted}' (this command takes options only)`);
      default:
        throw e;
    }
  }
}
