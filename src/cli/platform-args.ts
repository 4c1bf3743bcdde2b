// The options every platform-building command shares: --profile, --flags, --xen, --vcpus. Each value
// is parsed here (a bad one is a usage error naming the option) before the platform is built.
import { parseFlags } from '../emuflags/parse.js';
import { parseXenVersion } from '../emuflags/versions.js';
import { createPlatform, MAX_VCPUS, type PlatformOptions } from '../platform/create-platform.js';
import { PROFILE_NAMES } from '../platform/profiles.js';
import type { Platform } from '../platform/platform.js';
import { choiceOption, parsedOption, wholeNumberOption } from './option-values.js';

export const PLATFORM_OPTION_SPECS = {
  profile: { type: 'string' },
  flags: { type: 'string' },
  xen: { type: 'string' },
  vcpus: { type: 'string' },
} as const;

export const PLATFORM_OPTIONS_HELP = `  --profile NAME   platform profile: ${PROFILE_NAMES.join(', ')} (default xen-hvm)
  --flags FLAGS    emulation flags instead of the profile's (number or names, e.g. 0x1ff or lapic,ioapic)
  --xen VERSION    Xen release whose rules validate the flags, 4.7 to 4.22[.P] or master (default: master)
  --vcpus N        number of vCPUs, 1 to ${MAX_VCPUS} (default 1)`;

export interface PlatformArgs {
  profile?: string;
  flags?: string;
  xen?: string;
  vcpus?: string;
}

/** The platform options the arguments ask for. @throws UsageError naming the bad option */
export function platformOptionsFromArgs(values: PlatformArgs): PlatformOptions {
  const options: { -readonly [K in keyof PlatformOptions]: PlatformOptions[K] } = {};
  if (values.profile !== undefined) options.profile = choiceOption('--profile', values.profile, PROFILE_NAMES);
  if (values.flags !== undefined) options.flags = parsedOption('--flags', values.flags, parseFlags);
  if (values.xen !== undefined) {
    const xen = values.xen;
    parsedOption('--xen', xen, parseXenVersion);
    options.xenVersion = xen;
  }
  if (values.vcpus !== undefined) options.vcpus = wholeNumberOption('--vcpus', values.vcpus, 1, MAX_VCPUS);
  return options;
}

export function platformFromArgs(values: PlatformArgs, extra: Partial<PlatformOptions> = {}): Platform {
  return createPlatform({ ...platformOptionsFromArgs(values), ...extra });
}
