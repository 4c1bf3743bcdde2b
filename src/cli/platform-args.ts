// The options every platform-building command shares: --profile, --flags, --xen, --vcpus.
import { createPlatform, type PlatformOptions } from '../platform/create-platform.js';
import { PROFILE_NAMES } from '../platform/profiles.js';
import type { Platform } from '../platform/platform.js';
import { UsageError } from './io.js';

export const PLATFORM_OPTION_SPECS = {
  profile: { type: 'string' },
  flags: { type: 'string' },
  xen: { type: 'string' },
  vcpus: { type: 'string' },
} as const;

export const PLATFORM_OPTIONS_HELP = `  --profile NAME   platform profile: ${PROFILE_NAMES.join(', ')} (default xen-hvm)
  --flags FLAGS    emulation flags instead of the profile's (number or names, e.g. 0x1ff or lapic,ioapic)
  --xen VERSION    Xen release whose rules validate the flags (default: newest)
  --vcpus N        number of vCPUs (default 1)`;

export function platformFromArgs(
  values: { profile?: string; flags?: string; xen?: string; vcpus?: string },
  extra: Partial<PlatformOptions> = {},
): Platform {
  let vcpus: number | undefined;
  if (values.vcpus !== undefined) {
    vcpus = Number(values.vcpus);
    if (!/^\d+$/.test(values.vcpus)) throw new UsageError(`--vcpus takes a whole number, got '${values.vcpus}'`);
  }
  if (values.profile !== undefined && !(PROFILE_NAMES as readonly string[]).includes(values.profile)) {
    throw new UsageError(`unknown profile '${values.profile}'; choose one of ${PROFILE_NAMES.join(', ')}`);
  }
  return createPlatform({
    ...(values.profile !== undefined ? { profile: values.profile as (typeof PROFILE_NAMES)[number] } : {}),
    ...(values.flags !== undefined ? { flags: values.flags } : {}),
    ...(values.xen !== undefined ? { xenVersion: values.xen } : {}),
    ...(vcpus !== undefined ? { vcpus } : {}),
    ...extra,
  });
}
