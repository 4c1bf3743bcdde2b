/** Xen's emulation-flags check (`arch_domain_create` → `emulation_flags_ok`) as a pure function. */
import { XEN_X86_EMU_PIT } from './flags.js';
import { defaultDomid, GUEST_INFO, parseGuestType, type GuestType } from './guests.js';
import { acceptedReason, refusedReason, unknownBitsReason, withArticle } from './reasons.js';
import { rowMatches, ruleSetFor, type RuleRow, type RuleSet } from './rules.js';
import { nearestValid, type Suggestion } from './suggest.js';
import { NEWEST_VERSION, parseXenVersion, type XenVersion } from './versions.js';
import { LOG_FORMATS, renderXenLogLine } from './xen-log.js';

/** Xen's errno for a bitmap with bits it does not know (`-EINVAL`). */
export const EINVAL = -22;
/** Xen's errno for a known combination it does not allow for the guest type (`-EOPNOTSUPP`). */
export const EOPNOTSUPP = -95;

/** What `validateFlags` checks against: which guest, which Xen release, which domain id to log. */
export interface ValidateOptions {
  /** Guest type (default `hvm`). JavaScript callers may also pass an alias that `parseGuestType` accepts (`PVH_DOM0`, `pvh-hwdom`). */
  readonly guest?: GuestType;
  /** Xen release, e.g. `4.8.3`, `4.17`, `master` (default: newest, i.e. master). */
  readonly xen?: string | XenVersion;
  /** Domain id rendered in the log line (default 0 for the dom0 types, 1 otherwise). */
  readonly domid?: number;
}

interface Common {
  readonly guest: GuestType;
  readonly version: XenVersion;
  /** Id of the rule set (`4.7`, `4.8`, `4.8.4`, … `4.21`). */
  readonly ruleSet: string;
  /** `XEN_X86_EMU_ALL` of that release. */
  readonly all: number;
  readonly requested: number;
  /** What Xen checks: `requested` plus bits it forced on (PIT for a PV dom0). */
  readonly effective: number;
  readonly forcedBits: number;
  readonly domid: number;
  /** Plain-English explanation. */
  readonly reason: string;
}

/**
 * What `validateFlags` found, discriminated by `status`: `accepted` (Xen creates the domain),
 * `unknown-bits` (EINVAL: bits the release does not define), `refused` (EOPNOTSUPP: a combination
 * the release does not allow) or `guest-unavailable` (the guest type did not exist in that release).
 * Every refusal carries the nearest accepted values (`suggestions`) and, where Xen logs one, its log line.
 */
export type ValidationResult =
  | (Common & {
      readonly valid: true;
      readonly status: 'accepted';
      readonly errno: 0;
      readonly errnoName: null;
      /** The allowed configuration that matched. */
      readonly matched: RuleRow;
      /** False when Xen accepts the value but it is the shape of the sibling type (e.g. `hvm` with 0x001 = PVH). */
      readonly shapeMatchesGuest: boolean;
      readonly notes: readonly string[];
    })
  | (Common & {
      readonly valid: false;
      readonly status: 'unknown-bits';
      readonly errno: typeof EINVAL;
      readonly errnoName: 'EINVAL';
      readonly unknownBits: number;
      readonly logFormat: string;
      readonly logLine: string;
      readonly suggestions: readonly Suggestion[];
    })
  | (Common & {
      readonly valid: false;
      readonly status: 'refused';
      readonly errno: typeof EOPNOTSUPP;
      readonly errnoName: 'EOPNOTSUPP';
      readonly logFormat: string;
      readonly logLine: string;
      readonly suggestions: readonly Suggestion[];
    })
  | (Common & {
      readonly valid: false;
      readonly status: 'guest-unavailable';
      /** Not an errno from Xen: the guest type could not be created at all in that release. */
      readonly errno: null;
      readonly errnoName: null;
      readonly suggestions: readonly Suggestion[];
    });

function checkUint32(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff_ffff) {
    throw new RangeError(`emulation flags must be a uint32, got ${String(flags)}`);
  }
}

/**
 * Validate a bitmap as a given Xen release would for a given guest type.
 * Never throws for a uint32 `flags`; throws `XenVersionError`/`GuestTypeError` for bad option strings
 * and `RangeError` for a non-uint32 `flags` or domid.
 */
export function validateFlags(flags: number, options: ValidateOptions = {}): ValidationResult {
  checkUint32(flags);
  const guest = parseGuestType(options.guest ?? 'hvm');
  const version = parseXenVersion(options.xen ?? NEWEST_VERSION);
  const domid = options.domid ?? defaultDomid(guest);
  if (!Number.isInteger(domid) || domid < 0 || domid > 0x7fef) {
    throw new RangeError(`domain id must be 0..32751, got ${String(domid)}`);
  }
  const rules: RuleSet = ruleSetFor(version);
  const info = GUEST_INFO[guest];
  const forcedBits = info.hardwareDomain && (rules.pitForcedOn === 'every-hwdom' || !info.hvmContainer) ? XEN_X86_EMU_PIT & ~flags : 0;
  const effective = (flags | forcedBits) >>> 0;
  const common = { guest, version, ruleSet: rules.id, all: rules.all, requested: flags, effective, forcedBits, domid };

  const unavailable = rules.unavailable[guest];
  if (unavailable !== undefined) {
    return { ...common, valid: false, status: 'guest-unavailable', errno: null, errnoName: null, suggestions: [], reason: unavailable };
  }

  const log = { text: rules.logText, domid, hvm: info.hvmContainer, hardwareDomain: info.hardwareDomain, flags: effective };
  const unknownBits = (effective & ~rules.all) >>> 0;
  if (unknownBits !== 0) {
    return {
      ...common,
      valid: false,
      status: 'unknown-bits',
      errno: EINVAL,
      errnoName: 'EINVAL',
      unknownBits,
      logFormat: LOG_FORMATS[rules.logText].invalid,
      logLine: renderXenLogLine({ ...log, kind: 'invalid' }),
      suggestions: nearestValid(flags, guest, rules),
      reason: unknownBitsReason(unknownBits, rules, version),
    };
  }

  const sameClass = rules.rows.filter((r) => r.guests.some((g) => GUEST_INFO[g].class === info.class));
  const matched = sameClass.find((r) => r.guests.includes(guest) && rowMatches(r, effective)) ?? sameClass.find((r) => rowMatches(r, effective));
  if (matched !== undefined) {
    const shapeMatchesGuest = matched.guests.includes(guest);
    const notes = shapeMatchesGuest
      ? []
      : [
          `Xen cannot tell a PVH domU from an HVM domU and accepts this value, but it is the ${matched.guests
            .map((g) => GUEST_INFO[g].label)
            .join('/')} shape (${matched.label}), not ${withArticle(info.label)}.`,
        ];
    return {
      ...common,
      valid: true,
      status: 'accepted',
      errno: 0,
      errnoName: null,
      matched,
      shapeMatchesGuest,
      notes,
      reason: acceptedReason(flags, effective, guest, version, matched.label),
    };
  }

  const suggestions = nearestValid(flags, guest, rules);
  return {
    ...common,
    valid: false,
    status: 'refused',
    errno: EOPNOTSUPP,
    errnoName: 'EOPNOTSUPP',
    logFormat: LOG_FORMATS[rules.logText].refused,
    logLine: renderXenLogLine({ ...log, kind: 'refused' }),
    suggestions,
    reason: refusedReason(flags, effective, guest, rules, version, suggestions[0]),
  };
}
