/** libxl's default emulation flags per guest type and release (`libxl__arch_domain_prepare_config`, §2.4). */
import type { GuestType } from './guests.js';
import { atLeast, NEWEST_VERSION, parseXenVersion, type XenVersion } from './versions.js';
import { parseGuestType } from './guests.js';

/** The xl/libxl configuration `libxlDefaultFlags` takes into account (all optional). */
export interface LibxlOptions {
  /** xl `hvm_pirq=` (4.19+: default false for new domains; libxl defaults it to true on restore/migration). */
  readonly hvmPirq?: boolean;
  /** Restoring or migrating in: `hvm_pirq` then defaults to true (4.19+). */
  readonly restore?: boolean;
  /** A device model is configured (false = `device_model_version="none"`); matters for HVM in 4.7–4.9. Default true. */
  readonly deviceModel?: boolean;
  /** xl `apic=` ; matters for an HVM without device model in 4.8–4.9 and for PVH in 4.10. Default true. */
  readonly apic?: boolean;
}

/** One row of §2.4 per release range. `hvm`/`pvh` compute the flags from the options. */
export const LIBXL_DEFAULT_RANGES = [
  { id: '4.7', from: [4, 7, 0], hvm: 'dm-all-else-0', pvh: 'none', pv: 0, all: 0x1ff },
  { id: '4.8', from: [4, 8, 0], hvm: 'dm-all-else-apic', pvh: 'as-hvm-without-dm', pv: 0, all: 0x1ff },
  { id: '4.9', from: [4, 9, 0], hvm: 'dm-all-else-apic', pvh: 'as-hvm-without-dm', pv: 0, all: 0x3ff },
  { id: '4.10', from: [4, 10, 0], hvm: 'all', pvh: 'apic-else-0', pv: 0, all: 0x3ff },
  { id: '4.11', from: [4, 11, 0], hvm: 'all-but-vpci', pvh: 'lapic', pv: 0, all: 0x7ff },
  { id: '4.19', from: [4, 19, 0], hvm: 'all-but-vpci-pirq-optional', pvh: 'lapic', pv: 0, all: 0x7ff },
] as const;

/**
 * What `libxlDefaultFlags` returns: the default bitmap and where it comes from, or, for a guest type
 * the release could not create, `available: false` and the reason.
 */
export type LibxlDefault =
  | {
      readonly available: true;
      readonly guest: GuestType;
      readonly version: XenVersion;
      readonly flags: number;
      /** `libxl` for toolstack-created domUs, `xen` for dom0 (built by the hypervisor, not libxl). */
      readonly source: 'libxl' | 'xen';
      readonly notes: readonly string[];
    }
  | { readonly available: false; readonly guest: GuestType; readonly version: XenVersion; readonly reason: string };

const USE_PIRQ = 0x200;
const VPCI = 0x400;

/** The flags libxl (or, for dom0, Xen's own builder) uses by default. @throws XenVersionError / GuestTypeError */
export function libxlDefaultFlags(guestInput: GuestType, xen: string | XenVersion = NEWEST_VERSION, options: LibxlOptions = {}): LibxlDefault {
  const guest = parseGuestType(guestInput);
  const version = parseXenVersion(xen);
  const range = [...LIBXL_DEFAULT_RANGES].reverse().find((r) => atLeast(version, r.from));
  if (range === undefined) throw new RangeError(`no libxl defaults for ${version.label}`); // unreachable
  const dm = options.deviceModel ?? true;
  const apic = options.apic ?? true;
  const hvmPirq = options.hvmPirq ?? options.restore ?? false;
  const notes: string[] = [];
  if (options.hvmPirq !== undefined && guest === 'hvm' && !atLeast(version, [4, 19, 0])) {
    notes.push('hvm_pirq has no effect before 4.19: USE_PIRQ is part of ALL for HVM (4.9-4.18)');
  }
  if (!dm && guest === 'hvm' && atLeast(version, [4, 10, 0])) {
    notes.push('device_model_version="none" does not change the HVM default from 4.10 (use type=pvh)');
  }
  const ok = (flags: number, source: 'libxl' | 'xen' = 'libxl') => ({ available: true, guest, version, flags, source, notes }) as const;

  switch (guest) {
    case 'pv':
      return ok(range.pv);
    case 'pv-dom0':
      notes.push('dom0 is built by Xen, not libxl; Xen forces PIT on for a PV hardware domain');
      return ok(0x100, 'xen');
    case 'pvh-dom0':
      if (!atLeast(version, [4, 9, 0])) {
        return { available: false, guest, version, reason: 'no PVH dom0 existed before 4.9' };
      }
      notes.push('dom0 is built by Xen (setup.c), not libxl');
      return ok(atLeast(version, [4, 11, 0]) ? 0x411 : 0x011, 'xen');
    case 'pvh':
      switch (range.pvh) {
        case 'none':
          return {
            available: false,
            guest,
            version,
            reason: 'libxl 4.7 had no PVH (PVHv2) guest type; HVM with device_model_version="none" gave flags 0',
          };
        case 'as-hvm-without-dm':
          notes.push('no PVH type in libxl yet: a PVHv2 guest was type=hvm with device_model_version="none"');
          return ok(apic ? 0x001 : 0);
        case 'apic-else-0':
          return ok(apic ? 0x001 : 0);
        case 'lapic':
          return ok(0x001);
      }
      break;
    case 'hvm':
      switch (range.hvm) {
        case 'dm-all-else-0':
          return ok(dm ? range.all : 0);
        case 'dm-all-else-apic':
          return ok(dm ? range.all : apic ? 0x001 : 0);
        case 'all':
          return ok(range.all);
        case 'all-but-vpci':
          return ok((range.all & ~VPCI) >>> 0);
        case 'all-but-vpci-pirq-optional':
          notes.push(hvmPirq ? 'hvm_pirq=1 keeps USE_PIRQ' : 'USE_PIRQ cleared because hvm_pirq defaults to 0 for new domains (1 on restore/migration)');
          return ok((range.all & ~VPCI & (hvmPirq ? ~0 : ~USE_PIRQ)) >>> 0);
      }
  }
  throw new RangeError('unreachable');
}
