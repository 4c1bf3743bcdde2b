/** Xen release strings: parsing, ordering, and the per-release `XEN_X86_EMU_ALL` value. */
import { XenVersionError } from './errors.js';

/** A Xen release as `parseXenVersion` reads it: 4.7 to 4.22 with a point release, or master. */
export interface XenVersion {
  /** Always 4. */
  readonly major: number;
  /** 7 to 22, or 23 for master. */
  readonly minor: number;
  /** Point release; `x.y` means `x.y.0`. */
  readonly patch: number;
  /** True for `master` (the 4.23 development tree the facts were taken from). */
  readonly isMaster: boolean;
  /** Canonical label: `4.10.1`, `4.17.0`, `master`. */
  readonly label: string;
}

/** Oldest release with emulation flags (flags introduced in 4.7). */
export const OLDEST_RELEASE = { major: 4, minor: 7 } as const;
/** Newest tagged release covered by the facts. */
export const NEWEST_RELEASE = { major: 4, minor: 22 } as const;
/** Minor version of master (4.23-dev). */
const MASTER_MINOR = 23;
/**
 * Highest point release accepted. Xen makes a point release about every four months while a series
 * is maintained (its Maintenance Release Policy) and no series has reached ten, so `4.10.99` is a
 * typo, not a release. Raise this when a series does.
 */
export const MAX_POINT_RELEASE = 9;

/** The version forms `parseXenVersion` accepts, in words (XenVersionError's message lists them). */
export const ACCEPTED_VERSION_FORMS: readonly string[] = [
  `4.N or 4.N.P with N from 7 to 22 and P from 0 to ${MAX_POINT_RELEASE}, no leading zeros (e.g. 4.8.3, 4.10.1, 4.17, 4.21)`,
  'optionally prefixed "v" or "RELEASE-"',
  'master, unstable or 4.23-dev (the development tree, newest)',
];

/** Xen's development tree (4.23-dev) the newest rules were taken from: the default version everywhere. */
export const MASTER: XenVersion = Object.freeze({
  major: 4,
  minor: MASTER_MINOR,
  patch: 0,
  isMaster: true,
  label: 'master',
});

/** The default version: the newest rules (master). */
export const NEWEST_VERSION: XenVersion = MASTER;

/** Parse `4.8.3`, `4.17`, `master`, `RELEASE-4.10.1`… @throws XenVersionError */
export function parseXenVersion(input: string | XenVersion): XenVersion {
  if (typeof input !== 'string') return input;
  const text = input.trim();
  const lower = text.toLowerCase();
  if (lower === 'master' || lower === 'unstable' || lower === 'newest' || lower === `4.${MASTER_MINOR}-dev`) {
    return MASTER;
  }
  // ASCII digits without leading zeros: `04.10` or `4.010` is not how Xen names a release.
  const m = /^(?:v|release-)?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/i.exec(text);
  if (m === null) {
    throw new XenVersionError(input, ACCEPTED_VERSION_FORMS, `unrecognised Xen version "${input}"`);
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = m[3] === undefined ? 0 : Number(m[3]);
  if (major !== 4 || minor < OLDEST_RELEASE.minor) {
    throw new XenVersionError(input, ACCEPTED_VERSION_FORMS, `Xen ${major}.${minor} has no emulation flags (they were introduced in 4.7)`);
  }
  if (minor > NEWEST_RELEASE.minor) {
    throw new XenVersionError(
      input,
      ACCEPTED_VERSION_FORMS,
      `Xen ${major}.${minor} is newer than the newest known release 4.${NEWEST_RELEASE.minor} (use master)`,
    );
  }
  if (patch > MAX_POINT_RELEASE) {
    throw new XenVersionError(
      input,
      ACCEPTED_VERSION_FORMS,
      `Xen ${major}.${minor}.${patch} is not a release (point releases run from 0 to ${MAX_POINT_RELEASE})`,
    );
  }
  return Object.freeze({ major, minor, patch, isMaster: false, label: `${major}.${minor}.${patch}` });
}

/** Negative, zero or positive like a comparator. Master sorts after every release. */
export function compareVersions(a: XenVersion, b: XenVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `[major, minor, patch]` tuple comparison helper: is `v >= [maj, min, patch]`? */
export function atLeast(v: XenVersion, at: readonly [number, number, number]): boolean {
  return compareVersions(v, { major: at[0], minor: at[1], patch: at[2], isMaster: false, label: '' }) >= 0;
}

/** Short display: `Xen 4.10.1` / `Xen master`. */
export function versionLabel(v: XenVersion): string {
  return v.isMaster ? 'Xen master (4.23-dev)' : `Xen ${v.label}`;
}
