import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GUEST_TYPES } from '../../src/emuflags/guests.js';
import { GuestTypeError, XenVersionError } from '../../src/emuflags/errors.js';
import { allFlagsFor } from '../../src/emuflags/rules.js';
import { validateFlags, type ValidationResult } from '../../src/emuflags/validator.js';

const VERSIONS = ['4.7', '4.8.3', '4.8.4', '4.9.1', '4.9.2', '4.10', '4.10.1', '4.11', '4.17', '4.19', '4.20', '4.21', '4.22', 'master'];

function refused(r: ValidationResult) {
  if (r.status !== 'refused') throw new Error(`expected refused, got ${r.status}`);
  return r;
}

describe('errno and Xen log lines (§2.1)', () => {
  it('4.17 HVM domU 0x411: old wording, EOPNOTSUPP', () => {
    const r = refused(validateFlags(0x411, { guest: 'hvm', xen: '4.17' }));
    expect(r.errno).toBe(-95);
    expect(r.errnoName).toBe('EOPNOTSUPP');
    expect(r.logLine).toBe('d1: Xen does not allow HVM domain creation with the current selection of emulators: 0x411');
    expect(r.logFormat).toBe('d%d: Xen does not allow %s domain creation with the current selection of emulators: %#x');
  });

  it('4.20 still prints the old wording, 4.21 the new one', () => {
    expect(refused(validateFlags(0x0ff, { xen: '4.20' })).logLine).toBe(
      'd1: Xen does not allow HVM domain creation with the current selection of emulators: 0xff',
    );
    expect(refused(validateFlags(0x0ff, { xen: '4.21' })).logLine).toBe('d1: will not create HVM domain with emulators: 0xff');
  });

  it('new wording names a hardware domain; old wording does not', () => {
    expect(refused(validateFlags(0x011, { guest: 'pvh-dom0' })).logLine).toBe('d0: will not create HVM hardware domain with emulators: 0x11');
    expect(refused(validateFlags(0x011, { guest: 'pvh-dom0', xen: '4.20' })).logLine).toBe(
      'd0: Xen does not allow HVM domain creation with the current selection of emulators: 0x11',
    );
    expect(refused(validateFlags(0x020, { guest: 'pv-dom0', xen: 'master' })).logLine).toBe('d0: will not create PV hardware domain with emulators: 0x120');
    expect(refused(validateFlags(0x020, { guest: 'pv', xen: 'master' })).logLine).toBe('d1: will not create PV domain with emulators: 0x20');
  });

  it('prints 0 as "0" like Xen\'s %#x', () => {
    expect(refused(validateFlags(0, { guest: 'hvm', xen: '4.10.1' })).logLine).toBe(
      'd1: Xen does not allow HVM domain creation with the current selection of emulators: 0',
    );
    expect(refused(validateFlags(0, { guest: 'pvh' })).logLine).toBe('d1: will not create HVM domain with emulators: 0');
  });

  it('unknown bits: EINVAL with per-version text', () => {
    const old = validateFlags(0x800, { xen: '4.20' });
    expect(old.status).toBe('unknown-bits');
    if (old.status !== 'unknown-bits') return;
    expect(old.errno).toBe(-22);
    expect(old.errnoName).toBe('EINVAL');
    expect(old.unknownBits).toBe(0x800);
    expect(old.logLine).toBe('d1: Invalid emulation bitmap: 0x800');
    const neu = validateFlags(0x800, { xen: '4.21' });
    expect(neu.status === 'unknown-bits' && neu.logLine).toBe('d1: invalid emulation bitmap: 0x800');
  });

  it('flags that did not exist yet are unknown bits (VPCI on 4.10, USE_PIRQ on 4.8)', () => {
    const r = validateFlags(0x411, { guest: 'pvh-dom0', xen: '4.10' });
    expect(r.status).toBe('unknown-bits');
    expect(r.reason).toContain('VPCI (0x400) was added in 4.11');
    const p = validateFlags(0x3ff, { guest: 'hvm', xen: '4.8' });
    expect(p.status === 'unknown-bits' && p.unknownBits).toBe(0x200);
    expect(p.reason).toContain('USE_PIRQ (0x200) was added in 4.9');
  });

  it('renders a chosen domain id', () => {
    expect(refused(validateFlags(0x411, { domid: 42 })).logLine).toBe('d42: will not create HVM domain with emulators: 0x411');
    expect(validateFlags(0x411).domid).toBe(1);
    expect(validateFlags(0x411, { guest: 'pvh-dom0' }).domid).toBe(0);
  });
});

describe('PIT forced on before the check', () => {
  it('PV dom0: 0 becomes 0x100 and is accepted', () => {
    const r = validateFlags(0, { guest: 'pv-dom0' });
    expect(r.valid).toBe(true);
    expect(r.effective).toBe(0x100);
    expect(r.forcedBits).toBe(0x100);
  });

  it('the logged bitmap includes the forced PIT', () => {
    const r = refused(validateFlags(0x001, { guest: 'pv-dom0', xen: '4.17' }));
    expect(r.logLine).toBe('d0: Xen does not allow PV domain creation with the current selection of emulators: 0x101');
    expect(r.reason).toContain('you asked for 0x001');
  });

  it('PV domU and PVH dom0 (4.9+) get nothing forced', () => {
    expect(validateFlags(0, { guest: 'pv' }).effective).toBe(0);
    expect(validateFlags(0x411, { guest: 'pvh-dom0' }).forcedBits).toBe(0);
    expect(validateFlags(0x011, { guest: 'pvh-dom0', xen: '4.9' }).effective).toBe(0x011);
  });
});

describe('reasons and nearest valid values', () => {
  it('explains 0x411 for an HVM domU and suggests 0x1FF then 0x3FF', () => {
    const r = refused(validateFlags(0x411, { guest: 'hvm' }));
    expect(r.reason).toContain('VPCI is only for the PVH hardware domain');
    expect(r.reason).toContain('0x1FF');
    expect(r.suggestions.map((s) => [s.flags, s.distance])).toEqual([
      [0x1ff, 8],
      [0x3ff, 9],
    ]);
    const first = r.suggestions[0];
    expect(first?.addNames).toEqual(['HPET', 'PM', 'RTC', 'PIC', 'VGA', 'IOMMU', 'PIT']);
    expect(first?.removeNames).toEqual(['VPCI']);
    expect(first?.add).toBe(0x1ee);
    expect(first?.remove).toBe(0x400);
  });

  it('on 4.11-4.18 0x1FF is refused because USE_PIRQ was still mandatory', () => {
    const r = refused(validateFlags(0x1ff, { guest: 'hvm', xen: '4.17' }));
    expect(r.reason).toContain('72cad62abb');
    expect(r.suggestions[0]).toMatchObject({ flags: 0x3ff, distance: 1, addNames: ['USE_PIRQ'], removeNames: [] });
  });

  it('0 for HVM after XSA-256 cites XSA-256', () => {
    expect(refused(validateFlags(0, { guest: 'hvm', xen: '4.9.2' })).reason).toContain('XSA-256');
  });

  it('PVH with USE_PIRQ is refused and pointed back to 0x001', () => {
    const r = refused(validateFlags(0x201, { guest: 'pvh' }));
    expect(r.reason).toContain('never get USE_PIRQ');
    expect(r.suggestions).toHaveLength(1);
    expect(r.suggestions[0]).toMatchObject({ flags: 0x001, removeNames: ['USE_PIRQ'] });
  });

  it('a "full HVM" PVH dom0 is refused', () => {
    const r = refused(validateFlags(0x7ff, { guest: 'pvh-dom0' }));
    expect(r.reason).toContain('full HVM');
    expect(r.suggestions.map((s) => s.flags)).toEqual([0x411]);
  });

  it('accepted values say which configuration matched', () => {
    const r = validateFlags(0x3ff, { guest: 'hvm' });
    expect(r.valid && r.matched.min).toBe(0x1ff);
    expect(r.valid && r.shapeMatchesGuest).toBe(true);
    expect(r.reason).toBe(
      'Xen master (4.23-dev) accepts 0x3FF (LAPIC|HPET|PM|RTC|IOAPIC|PIC|VGA|IOMMU|PIT|USE_PIRQ) for an HVM domU (HVM domU: 0x1FF, USE_PIRQ optional).',
    );
  });

  it('HVM domU 0x001 is accepted by Xen but flagged as the PVH shape', () => {
    const r = validateFlags(0x001, { guest: 'hvm' });
    expect(r.valid).toBe(true);
    if (!r.valid) return;
    expect(r.shapeMatchesGuest).toBe(false);
    expect(r.notes[0]).toContain('PVH domU shape');
  });

  it('guest types absent from a release are invalid with the reason', () => {
    const d = validateFlags(0x011, { guest: 'pvh-dom0', xen: '4.8' });
    expect(d.status).toBe('guest-unavailable');
    expect(d.reason).toContain('no PVH dom0 existed before 4.9');
    const u = validateFlags(0x001, { guest: 'pvh', xen: '4.7' });
    expect(u.status).toBe('guest-unavailable');
    expect(u.reason).toContain('HVMlite');
  });
});

describe('host errors throw typed errors', () => {
  it('bad version, bad guest, non-uint32 flags, bad domid', () => {
    expect(() => validateFlags(1, { xen: '4.6' })).toThrow(XenVersionError);
    // @ts-expect-error a JavaScript caller's unknown guest type (the option is typed GuestType)
    expect(() => validateFlags(1, { guest: 'kvm' })).toThrow(GuestTypeError);
    expect(() => validateFlags(-1)).toThrow(RangeError);
    expect(() => validateFlags(2 ** 32)).toThrow(RangeError);
    expect(() => validateFlags(0.5)).toThrow(RangeError);
    expect(() => validateFlags(1, { domid: 0x7ff0 })).toThrow(RangeError);
  });

  it('accepts guest aliases from JavaScript callers', () => {
    // @ts-expect-error an alias parseGuestType accepts at run time; the option's type is the canonical union
    expect(validateFlags(0x411, { guest: 'PVH_DOM0' }).valid).toBe(true);
    // @ts-expect-error as above
    expect(validateFlags(0x411, { guest: 'pvh-hwdom' }).valid).toBe(true);
  });
});

describe('properties', () => {
  const arbCase = fc.record({
    flags: fc.nat({ max: 0xffffffff }),
    guest: fc.constantFrom(...GUEST_TYPES),
    xen: fc.constantFrom(...VERSIONS),
  });

  it('never throws for any uint32 and returns a consistent verdict', () => {
    fc.assert(
      fc.property(arbCase, ({ flags, guest, xen }) => {
        const r = validateFlags(flags, { guest, xen });
        expect(r.requested).toBe(flags);
        expect(r.valid).toBe(r.status === 'accepted');
      }),
      { numRuns: 200 },
    );
  });

  it('unknown bits always give EINVAL (when the guest type exists)', () => {
    fc.assert(
      fc.property(arbCase, fc.integer({ min: 11, max: 31 }), ({ flags, guest, xen }, bit) => {
        const withUnknown = (flags | (2 ** bit)) >>> 0;
        const r = validateFlags(withUnknown, { guest, xen });
        if (r.status === 'guest-unavailable') return;
        expect(r.status).toBe('unknown-bits');
        expect(r.errno).toBe(-22);
      }),
      { numRuns: 200 },
    );
  });

  it('bits outside the release ALL give EINVAL', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7ff }), fc.constantFrom('4.7', '4.8.4', '4.9', '4.10.1'), (flags, xen) => {
        const r = validateFlags(flags, { guest: 'hvm', xen });
        expect(r.status === 'unknown-bits').toBe((flags & ~allFlagsFor(xen)) !== 0);
      }),
      { numRuns: 200 },
    );
  });

  it('nearest suggestions are always valid and sorted by distance', () => {
    fc.assert(
      fc.property(arbCase, ({ flags, guest, xen }) => {
        const r = validateFlags(flags, { guest, xen });
        if (r.valid) return;
        const ds = r.suggestions.map((s) => s.distance);
        expect(ds).toEqual([...ds].sort((a, b) => a - b));
        for (const s of r.suggestions) {
          expect(validateFlags(s.flags, { guest, xen }).valid).toBe(true);
          expect(((flags | s.add) & ~s.remove) >>> 0).toBe(s.flags);
        }
        if (r.status !== 'guest-unavailable') expect(r.suggestions.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
