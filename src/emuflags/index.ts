/** Public API of the emulation-flags module. */
export {
  EMU_FLAGS,
  FLAG_VALUES,
  XEN_X86_EMU_LAPIC,
  XEN_X86_EMU_HPET,
  XEN_X86_EMU_PM,
  XEN_X86_EMU_RTC,
  XEN_X86_EMU_IOAPIC,
  XEN_X86_EMU_PIC,
  XEN_X86_EMU_VGA,
  XEN_X86_EMU_IOMMU,
  XEN_X86_EMU_PIT,
  XEN_X86_EMU_USE_PIRQ,
  XEN_X86_EMU_VPCI,
  XEN_X86_EMU_ALL,
  flagInfo,
  flagNames,
  fullFlagName,
  describeBits,
  popcount,
  type EmuFlagInfo,
  type EmuFlagName,
} from './flags.js';
export { FlagParseError, XenVersionError, GuestTypeError } from './errors.js';
export { parseFlags, formatFlags, formatFlagsWithHex, formatHex, formatHexC, type FlagsInput, type FormatOptions } from './parse.js';
export {
  parseXenVersion,
  compareVersions,
  versionLabel,
  MASTER,
  NEWEST_VERSION,
  ACCEPTED_VERSION_FORMS,
  type XenVersion,
} from './versions.js';
export { GUEST_TYPES, GUEST_INFO, parseGuestType, isGuestType, defaultDomid, type GuestType, type XenDomainClass } from './guests.js';
export { RULE_SETS, ruleSetFor, allFlagsFor, rowValues, rowMatches, type RuleSet, type RuleRow, type RuleSetId } from './rules.js';
export { LOG_FORMATS, renderXenLogLine, type LogLineInput, type LogText } from './xen-log.js';
export { nearestValid, validValuesFor, describeChange, type Suggestion } from './suggest.js';
export { validateFlags, EINVAL, EOPNOTSUPP, type ValidateOptions, type ValidationResult } from './validator.js';
export { libxlDefaultFlags, LIBXL_DEFAULT_RANGES, type LibxlDefault, type LibxlOptions } from './libxl-defaults.js';
export { checkStructure, STRUCTURE_RULES, type StructureFinding, type Severity } from './structure.js';
