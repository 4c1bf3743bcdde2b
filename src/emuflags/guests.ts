/** Guest types as users name them, and how Xen classifies them for the emulation-flags check. */
import { GuestTypeError } from './errors.js';

/** The guest types the validator knows, as users name them (`pv-dom0`/`pvh-dom0`: the hardware domain). */
export const GUEST_TYPES = ['pv', 'pv-dom0', 'pvh', 'pvh-dom0', 'hvm'] as const;
/** One of GUEST_TYPES. */
export type GuestType = (typeof GUEST_TYPES)[number];

/**
 * What Xen itself can see: PV or HVM container, hardware domain or not.
 * `pvh` and `hvm` domUs are the same class to Xen; only the flag set tells them apart.
 */
export type XenDomainClass = 'pv-domu' | 'pv-hwdom' | 'hvm-domu' | 'hvm-hwdom';

/**
 * Per guest type: the class Xen sees (`class`), a label for messages, whether it runs in an HVM
 * container (`hvmContainer`: Xen's `is_hvm_domain`) and whether it is the hardware domain.
 */
export const GUEST_INFO = {
  pv: { class: 'pv-domu', label: 'PV domU', hvmContainer: false, hardwareDomain: false },
  'pv-dom0': { class: 'pv-hwdom', label: 'PV dom0 (hardware domain)', hvmContainer: false, hardwareDomain: true },
  pvh: { class: 'hvm-domu', label: 'PVH domU', hvmContainer: true, hardwareDomain: false },
  'pvh-dom0': { class: 'hvm-hwdom', label: 'PVH dom0 (HVM hardware domain)', hvmContainer: true, hardwareDomain: true },
  hvm: { class: 'hvm-domu', label: 'HVM domU', hvmContainer: true, hardwareDomain: false },
} as const satisfies Record<GuestType, { class: XenDomainClass; label: string; hvmContainer: boolean; hardwareDomain: boolean }>;

/** Whether `s` is exactly one of GUEST_TYPES (no aliases; `parseGuestType` accepts those). */
export function isGuestType(s: string): s is GuestType {
  return (GUEST_TYPES as readonly string[]).includes(s);
}

/** Parse a guest type (case-insensitive; `dom0`/`hwdom` suffixes and `_` accepted). @throws GuestTypeError */
export function parseGuestType(input: string): GuestType {
  // ASCII only, so that case folding cannot turn another letter into one of the names.
  if (!/^[A-Za-z0-9_-]+$/.test(input.trim())) throw new GuestTypeError(input, GUEST_TYPES);
  const norm = input
    .trim()
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(/-(hwdom|hardware)$/, '-dom0');
  if (isGuestType(norm)) return norm;
  throw new GuestTypeError(input, GUEST_TYPES);
}

/** Default domain id for log lines: 0 for the hardware-domain types, 1 otherwise. */
export function defaultDomid(guest: GuestType): number {
  return GUEST_INFO[guest].hardwareDomain ? 0 : 1;
}
