/** Xen's hypervisor log lines for a rejected emulation bitmap, as each release prints them (§2.1). */
import { formatHexC } from './parse.js';

/** Which wording a release logs a refusal in: `old` up to 4.20, `new` from 4.21 (RuleSet.logText). */
export type LogText = 'old' | 'new';

/** Xen's printk formats for a refused bitmap, per wording: `invalid` (unknown bits, EINVAL) and `refused` (EOPNOTSUPP). */
export const LOG_FORMATS = {
  old: {
    invalid: 'd%d: Invalid emulation bitmap: %#x',
    refused: 'd%d: Xen does not allow %s domain creation with the current selection of emulators: %#x',
  },
  new: {
    invalid: '%pd: invalid emulation bitmap: %#x',
    refused: '%pd: will not create %s %sdomain with emulators: %#x',
  },
} as const;

/** What `renderXenLogLine` needs to print a refusal as Xen does. */
export interface LogLineInput {
  /** The release's wording. */
  readonly text: LogText;
  /** `invalid`: unknown bits (EINVAL); `refused`: a known combination Xen does not allow (EOPNOTSUPP). */
  readonly kind: 'invalid' | 'refused';
  /** The domain id (`d1`; 0 for dom0). */
  readonly domid: number;
  /** `is_hvm_domain(d)`: HVM or PV in the message. */
  readonly hvm: boolean;
  /** `is_hardware_domain(d)`: adds "hardware " in the new wording. */
  readonly hardwareDomain: boolean;
  /** The bitmap Xen logs: after PIT was forced on. */
  readonly flags: number;
}

/** Render the line exactly as Xen prints it (`%d`/`%pd` give `d1`, `%#x` gives `0x411` or `0`). */
export function renderXenLogLine(i: LogLineInput): string {
  const dom = `d${i.domid}`;
  const hex = formatHexC(i.flags);
  const kind = i.hvm ? 'HVM' : 'PV';
  if (i.kind === 'invalid') {
    return i.text === 'old' ? `${dom}: Invalid emulation bitmap: ${hex}` : `${dom}: invalid emulation bitmap: ${hex}`;
  }
  return i.text === 'old'
    ? `${dom}: Xen does not allow ${kind} domain creation with the current selection of emulators: ${hex}`
    : `${dom}: will not create ${kind} ${i.hardwareDomain ? 'hardware ' : ''}domain with emulators: ${hex}`;
}
