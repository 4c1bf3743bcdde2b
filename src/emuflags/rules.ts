/**
 * Xen's emulation-flags rules per release range, as data (facts sheet §2.1–§2.3).
 *
 * A domain passes when some row for its Xen class matches: `(effective & ~opt) === min`,
 * where `effective` is the requested bitmap after Xen forced PIT on (see `pitForcedOn`).
 * Rows are tagged with the user-level guest types they describe; Xen itself cannot tell a PVH
 * domU from an HVM domU, so for those two it accepts the union of their rows.
 */
import type { GuestType } from './guests.js';
import { atLeast, parseXenVersion, NEWEST_VERSION, type XenVersion } from './versions.js';

type Triple = readonly [number, number, number];

/**
 * One configuration Xen allows: a bitmap `effective` matches when `(effective & ~opt) === min`, i.e.
 * every bit of `min` is set, the bits of `opt` may be, and no other bit is.
 */
export interface RuleRow {
  /** User-level guest types this allowed configuration describes (all of one Xen class). */
  readonly guests: readonly GuestType[];
  /** The flags that must be set (XEN_X86_EMU_* bitmap). */
  readonly min: number;
  /** The flags that may be set as well. */
  readonly opt: number;
  /** The configuration in words, e.g. `PVH domU: LAPIC only`. */
  readonly label: string;
}

/** Xen's emulation-flags check for one range of releases (RULE_SETS lists them, oldest first). */
export interface RuleSet {
  /** The first release of the range, e.g. `4.8.4` or `4.21`. */
  readonly id: string;
  /** First release of the range (inclusive). */
  readonly from: Triple;
  /** First release no longer covered (exclusive); null = up to and including master. */
  readonly until: Triple | null;
  /** `XEN_X86_EMU_ALL` of the range. */
  readonly all: number;
  /** Which hardware domains get PIT forced on before the check. */
  readonly pitForcedOn: 'every-hwdom' | 'pv-hwdom';
  /** Log wording: `old` ≤ 4.20 ("d%d: Xen does not allow…"), `new` ≥ 4.21 ("%pd: will not create…"). */
  readonly logText: 'old' | 'new';
  /** True once XSA-256 (0aa6158b67) forbids 0 for HVM-container domUs. */
  readonly xsa256: boolean;
  /** Guest types that did not exist in the range, with the reason. */
  readonly unavailable: Readonly<Partial<Record<GuestType, string>>>;
  /** The configurations allowed, for every guest type of the range. */
  readonly rows: readonly RuleRow[];
  /** The Xen commit (and date) that made this range differ from the one before. */
  readonly change: string;
}

const LAPIC = 0x001;
const LAPIC_IOAPIC = 0x011;
const LAPIC_IOAPIC_VPCI = 0x411;
const PIT = 0x100;
const USE_PIRQ = 0x200;
const HVM_1FF = 0x1ff;
const HVM_3FF = 0x3ff;

const PVH_DOMU_BEFORE_48 =
  'PVH (PVHv2) domUs did not exist in 4.7: their precursor "HVMlite" was an HVM guest without a device ' +
  'model (flags 0, use --guest hvm); a PVHv2 domU could first ask for the emulated LAPIC (0x001) in 4.8';
const PVH_DOM0_BEFORE_49 =
  'no PVH dom0 existed before 4.9 (the PVHv1 dom0 of that era counted as PV, and there was no PVHv2 dom0 builder); ' +
  'PIT was forced onto every hardware domain, so an HVM hardware domain could only have passed with ALL (0x1FF)';

const PV_ROWS = [
  { guests: ['pv'], min: 0, opt: PIT, label: 'PV domU: no emulated device, or the PIT only' },
  { guests: ['pv-dom0'], min: 0, opt: PIT, label: 'PV dom0: the PIT (forced on by Xen before the check)' },
] as const satisfies readonly RuleRow[];

const NO_EMULATORS_ROW = {
  guests: ['hvm', 'pvh'],
  min: 0,
  opt: 0,
  label: 'no emulated devices at all (HVM without a device model / PVHv2 without LAPIC); removed by XSA-256',
} as const satisfies RuleRow;

const PVH_LAPIC_ROW = { guests: ['pvh'], min: LAPIC, opt: 0, label: 'PVH domU: LAPIC only' } as const satisfies RuleRow;
/** 4.9–4.10: ALL includes USE_PIRQ and an HVM domU must have exactly ALL. */
const HVM_ALL_3FF_ROW = { guests: ['hvm'], min: HVM_3FF, opt: 0, label: 'HVM domU: exactly ALL (0x3FF, includes USE_PIRQ)' } as const satisfies RuleRow;
/** 4.9–4.10: the first PVH dom0 rules. */
const PVH_DOM0_011_ROW = { guests: ['pvh-dom0'], min: LAPIC_IOAPIC, opt: 0, label: 'PVH dom0: exactly LAPIC+IOAPIC (0x011)' } as const satisfies RuleRow;

/** Every rule set from 4.7 (where emulation flags began) to master, oldest first, contiguous. */
export const RULE_SETS = [
  {
    id: '4.7',
    from: [4, 7, 0],
    until: [4, 8, 0],
    all: HVM_1FF,
    pitForcedOn: 'every-hwdom',
    logText: 'old',
    xsa256: false,
    unavailable: { pvh: PVH_DOMU_BEFORE_48, 'pvh-dom0': PVH_DOM0_BEFORE_49 },
    rows: [
      ...PV_ROWS,
      { guests: ['hvm'], min: HVM_1FF, opt: 0, label: 'HVM domU: exactly ALL (0x1FF)' },
      { guests: ['hvm'], min: 0, opt: 0, label: 'HVMlite: HVM without a device model, no emulated devices' },
    ],
    change: '171946abce (2015-11): flags introduced, ALL = 0x1FF',
  },
  {
    id: '4.8',
    from: [4, 8, 0],
    until: [4, 8, 4],
    all: HVM_1FF,
    pitForcedOn: 'every-hwdom',
    logText: 'old',
    xsa256: false,
    unavailable: { 'pvh-dom0': PVH_DOM0_BEFORE_49 },
    rows: [...PV_ROWS, { guests: ['hvm'], min: HVM_1FF, opt: 0, label: 'HVM domU: exactly ALL (0x1FF)' }, PVH_LAPIC_ROW, NO_EMULATORS_ROW],
    change: 'a PVHv2 domU may ask for the emulated LAPIC (inline check in arch_domain_create)',
  },
  {
    id: '4.8.4',
    from: [4, 8, 4],
    until: [4, 9, 0],
    all: HVM_1FF,
    pitForcedOn: 'every-hwdom',
    logText: 'old',
    xsa256: true,
    unavailable: { 'pvh-dom0': PVH_DOM0_BEFORE_49 },
    rows: [...PV_ROWS, { guests: ['hvm'], min: HVM_1FF, opt: 0, label: 'HVM domU: exactly ALL (0x1FF)' }, PVH_LAPIC_ROW],
    change: 'XSA-256 backport (0aa6158b67): 0 no longer allowed for HVM/PVH domU',
  },
  {
    id: '4.9',
    from: [4, 9, 0],
    until: [4, 9, 2],
    all: HVM_3FF,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: false,
    unavailable: {},
    rows: [...PV_ROWS, HVM_ALL_3FF_ROW, PVH_LAPIC_ROW, NO_EMULATORS_ROW, PVH_DOM0_011_ROW],
    change: '060be905bb: emulation_flags_ok(), APICs for an HVM hwdom, PIT forced only on PV hwdom; b96b500048: USE_PIRQ',
  },
  {
    id: '4.9.2',
    from: [4, 9, 2],
    until: [4, 10, 0],
    all: HVM_3FF,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: true,
    unavailable: {},
    rows: [...PV_ROWS, HVM_ALL_3FF_ROW, PVH_LAPIC_ROW, PVH_DOM0_011_ROW],
    change: 'XSA-256 backport (0aa6158b67): 0 no longer allowed for HVM/PVH domU',
  },
  {
    id: '4.10',
    from: [4, 10, 0],
    until: [4, 10, 1],
    all: HVM_3FF,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: false,
    unavailable: {},
    rows: [...PV_ROWS, HVM_ALL_3FF_ROW, PVH_LAPIC_ROW, NO_EMULATORS_ROW, PVH_DOM0_011_ROW],
    change: 'same rules as 4.9',
  },
  {
    id: '4.10.1',
    from: [4, 10, 1],
    until: [4, 11, 0],
    all: HVM_3FF,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: true,
    unavailable: {},
    rows: [...PV_ROWS, HVM_ALL_3FF_ROW, PVH_LAPIC_ROW, PVH_DOM0_011_ROW],
    change: 'XSA-256 backport (0aa6158b67): 0 no longer allowed for HVM/PVH domU',
  },
  {
    id: '4.11',
    from: [4, 11, 0],
    until: [4, 19, 0],
    all: 0x7ff,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: true,
    unavailable: {},
    rows: [
      ...PV_ROWS,
      { guests: ['hvm'], min: HVM_3FF, opt: 0, label: 'HVM domU: ALL & ~VPCI (0x3FF)' },
      PVH_LAPIC_ROW,
      { guests: ['pvh-dom0'], min: LAPIC_IOAPIC_VPCI, opt: 0, label: 'PVH dom0: exactly LAPIC+IOAPIC+VPCI (0x411)' },
    ],
    change: 'e90580f25b: vPCI added (PVH dom0 only), ALL = 0x7FF; 5d30a977d4 (4.12): internal symbols, no change',
  },
  {
    id: '4.19',
    from: [4, 19, 0],
    until: [4, 21, 0],
    all: 0x7ff,
    pitForcedOn: 'pv-hwdom',
    logText: 'old',
    xsa256: true,
    unavailable: {},
    rows: [
      ...PV_ROWS,
      { guests: ['hvm'], min: HVM_1FF, opt: USE_PIRQ, label: 'HVM domU: 0x1FF, USE_PIRQ optional' },
      PVH_LAPIC_ROW,
      { guests: ['pvh-dom0'], min: LAPIC_IOAPIC_VPCI, opt: 0, label: 'PVH dom0: exactly LAPIC+IOAPIC+VPCI (0x411)' },
    ],
    change: '72cad62abb (2024-01): USE_PIRQ optional for HVM',
  },
  {
    id: '4.21',
    from: [4, 21, 0],
    until: null,
    all: 0x7ff,
    pitForcedOn: 'pv-hwdom',
    logText: 'new',
    xsa256: true,
    unavailable: {},
    rows: [
      ...PV_ROWS,
      { guests: ['hvm'], min: HVM_1FF, opt: USE_PIRQ, label: 'HVM domU: 0x1FF, USE_PIRQ optional' },
      PVH_LAPIC_ROW,
      { guests: ['pvh-dom0'], min: LAPIC_IOAPIC_VPCI, opt: 0, label: 'PVH dom0: exactly LAPIC+IOAPIC+VPCI (0x411)' },
    ],
    change: '337f0ad8d4 (2025-06): table rewrite, no functional change; b806f5fddc: new log text',
  },
] as const satisfies readonly RuleSet[];

/** The id of one of RULE_SETS (`4.7`, `4.8`, ..., `4.21`). */
export type RuleSetId = (typeof RULE_SETS)[number]['id'];

/** The rule set in force for a release. @throws XenVersionError for a bad version string */
export function ruleSetFor(version: string | XenVersion = NEWEST_VERSION): RuleSet {
  const v = parseXenVersion(version);
  const found = RULE_SETS.find((r) => atLeast(v, r.from) && (r.until === null || !atLeast(v, r.until)));
  if (found === undefined) throw new RangeError(`no rule set covers ${v.label}`); // unreachable: parseXenVersion bounds it
  return found;
}

/** `XEN_X86_EMU_ALL` of a release: 0x1FF in 4.7–4.8, 0x3FF in 4.9–4.10, 0x7FF from 4.11. */
export function allFlagsFor(version: string | XenVersion = NEWEST_VERSION): number {
  return ruleSetFor(version).all;
}

/** Every value matched by a row: `min` OR each subset of `opt`, ascending. */
export function rowValues(row: RuleRow): number[] {
  const optBits: number[] = [];
  for (let b = 0; b < 32; b++) if (((row.opt >>> b) & 1) === 1) optBits.push(2 ** b);
  const out: number[] = [];
  for (let mask = 0; mask < 2 ** optBits.length; mask++) {
    let v = row.min;
    optBits.forEach((bit, i) => {
      if (((mask >> i) & 1) === 1) v = (v | bit) >>> 0;
    });
    out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/** Whether Xen's check passes `effective` (the bitmap after forced bits) on this row. */
export function rowMatches(row: RuleRow, effective: number): boolean {
  return (effective & ~row.opt) >>> 0 === row.min;
}
