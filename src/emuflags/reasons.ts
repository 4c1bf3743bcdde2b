/** Plain-English explanations of Xen's verdicts. */
import { EMU_FLAGS, describeBits, XEN_X86_EMU_IOMMU, XEN_X86_EMU_LAPIC, XEN_X86_EMU_PIT, XEN_X86_EMU_USE_PIRQ, XEN_X86_EMU_VPCI } from './flags.js';
import { formatFlagsWithHex, formatHex } from './parse.js';
import { GUEST_INFO, type GuestType } from './guests.js';
import type { RuleSet } from './rules.js';
import { describeChange, validValuesFor, type Suggestion } from './suggest.js';
import { versionLabel, type XenVersion } from './versions.js';

function acceptedList(guest: GuestType, rules: RuleSet): string {
  const own = validValuesFor(guest, rules).map((v) => v.flags);
  const text = own.map(formatFlagsWithHex).join(' or ');
  const sibling: GuestType | undefined = guest === 'hvm' ? 'pvh' : guest === 'pvh' ? 'hvm' : undefined;
  if (sibling === undefined) return text;
  const other = validValuesFor(sibling, rules)
    .map((v) => v.flags)
    .filter((v) => !own.includes(v));
  if (other.length === 0) return text;
  return `${text} (Xen would also take the ${GUEST_INFO[sibling].label} shape ${other.map(formatHex).join(' or ')}, which makes it a ${GUEST_INFO[sibling].label})`;
}

/** `a PV domU`, `an HVM domU`. */
export function withArticle(label: string): string {
  return /^(HVM|[AEIOU])/.test(label) ? `an ${label}` : `a ${label}`;
}

export function unknownBitsReason(unknown: number, rules: RuleSet, version: XenVersion): string {
  const parts = describeBits(unknown).map((name) => {
    const known = EMU_FLAGS.find((f) => f.name === name);
    return known !== undefined ? `${name} (${formatHex(known.value)}) was added in ${known.since}` : `${name} is not defined by any Xen release`;
  });
  return (
    `${formatHex(unknown)} is outside XEN_X86_EMU_ALL (${formatHex(rules.all)}) of ${versionLabel(version)}: ` +
    `${parts.join('; ')}. Xen rejects the bitmap with EINVAL before looking at the guest type.`
  );
}

export function refusedReason(
  requested: number,
  effective: number,
  guest: GuestType,
  rules: RuleSet,
  version: XenVersion,
  nearest: Suggestion | undefined,
): string {
  const info = GUEST_INFO[guest];
  const out: string[] = [
    `${versionLabel(version)} refuses ${formatFlagsWithHex(effective)} for ${withArticle(info.label)}; it accepts only ${acceptedList(guest, rules)}.`,
  ];
  if (effective !== requested) {
    out.push(`(Xen forced PIT on first: you asked for ${formatHex(requested)}.)`);
  }
  if ((effective & XEN_X86_EMU_VPCI) !== 0 && guest !== 'pvh-dom0') {
    out.push(
      info.hvmContainer
        ? 'VPCI is only for the PVH hardware domain: no Xen release lets an x86 domU have vPCI (guest vPCI support is Arm-only).'
        : 'VPCI needs an HVM container and is only given to the PVH hardware domain.',
    );
  }
  if (!info.hvmContainer && (effective & ~XEN_X86_EMU_PIT) !== 0) {
    out.push('A PV guest can have no emulated device except the PIT.');
  }
  if (guest === 'pvh' && (effective & XEN_X86_EMU_USE_PIRQ) !== 0) {
    out.push('PVH guests never get USE_PIRQ: it was created in 4.9 precisely to keep PIRQs away from PVHv2.');
  }
  if (info.hvmContainer && !info.hardwareDomain && rules.xsa256 && effective === 0) {
    out.push(
      'Since XSA-256 (4.8.4, 4.9.2, 4.10.1 and later) an HVM-container domU must have a LAPIC: a LAPIC-less guest could ' +
        'make Xen dereference a NULL vLAPIC page, leak TPR/CR8 to the hardware and drop posted interrupts.',
    );
  }
  if (guest === 'hvm' && effective !== 0) {
    const withPirq = (effective | XEN_X86_EMU_USE_PIRQ) >>> 0;
    const pirqFixes =
      (rules.all & XEN_X86_EMU_USE_PIRQ) !== 0 && (effective & XEN_X86_EMU_USE_PIRQ) === 0 && validValuesFor('hvm', rules).some((v) => v.flags === withPirq);
    if (pirqFixes) {
      out.push('Before 4.19 (72cad62abb) USE_PIRQ was mandatory for an HVM domU: ALL was required, not ALL without USE_PIRQ.');
    } else {
      out.push('Devices cannot be picked individually: an HVM domU needs the whole fixed set.');
    }
    if ((effective & XEN_X86_EMU_IOMMU) === 0) {
      out.push('The IOMMU bit is part of that set even though Xen has no vIOMMU.');
    }
  }
  if (guest === 'pvh' && (effective & XEN_X86_EMU_LAPIC) !== 0 && effective !== XEN_X86_EMU_LAPIC) {
    out.push('A PVH domU gets only the LAPIC; everything else is the job of PV drivers and event channels.');
  }
  if (guest === 'pvh-dom0') {
    out.push('A PVH dom0 gets an exact set; a "full HVM" dom0 with PIC, PIT, RTC and the rest is not accepted.');
  }
  if (nearest !== undefined) {
    out.push(`Nearest accepted value: ${formatFlagsWithHex(nearest.flags)} (${describeChange(nearest)}).`);
  }
  return out.join(' ');
}

export function acceptedReason(requested: number, effective: number, guest: GuestType, version: XenVersion, rowLabel: string): string {
  const base = `${versionLabel(version)} accepts ${formatFlagsWithHex(effective)} for ${withArticle(GUEST_INFO[guest].label)} (${rowLabel}).`;
  return effective === requested ? base : `${base} Xen forced PIT on first: you asked for ${formatHex(requested)}.`;
}
