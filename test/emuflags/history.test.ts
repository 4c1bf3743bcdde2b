/**
 * One block per row of the history table (docs/emulation-flags.md, "Xen's rules per release": the
 * releases of emulation_flags_ok() in xen/arch/x86/domain.c), each guest-type column with accepted
 * and refused examples. `pvh-dom0` is the "HVM hardware domain (PVH dom0)" column; `hvm`/`pvh` split the
 * "HVM/PVH domU" column (Xen cannot tell them apart, so each accepts the other's shape too).
 */
import { describe, expect, it } from 'vitest';
import { validateFlags } from '../../src/emuflags/validator.js';
import type { GuestType } from '../../src/emuflags/guests.js';

type Column = {
  accept?: readonly number[];
  /** Refused combinations: -EOPNOTSUPP. */
  refuse?: readonly number[];
  /** Bits outside ALL: -EINVAL. */
  invalid?: readonly number[];
  /** The guest type did not exist in this release. */
  unavailable?: true;
};

interface HistoryRow {
  readonly row: string;
  readonly versions: readonly string[];
  readonly columns: Readonly<Partial<Record<GuestType, Column>>>;
}

const PV = { accept: [0x000, 0x100], refuse: [0x001, 0x101, 0x020] } as const;
const PV_DOM0 = { accept: [0x000, 0x100], refuse: [0x001, 0x011, 0x020] } as const;

const HISTORY: readonly HistoryRow[] = [
  {
    row: '4.7 (flags introduced, ALL=0x1FF)',
    versions: ['4.7', '4.7.6'],
    columns: {
      pv: { ...PV, invalid: [0x200, 0x400] },
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x000, 0x1ff], refuse: [0x001, 0x0ff, 0x011, 0x1fe], invalid: [0x3ff, 0x411, 0x7ff] },
      pvh: { unavailable: true },
      'pvh-dom0': { unavailable: true },
    },
  },
  {
    row: '4.8 (PVHv2 domU may ask for LAPIC)',
    versions: ['4.8', '4.8.3'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x000, 0x1ff, 0x001], refuse: [0x011, 0x0ff, 0x101], invalid: [0x3ff] },
      pvh: { accept: [0x001, 0x000, 0x1ff], refuse: [0x003, 0x011, 0x021], invalid: [0x201] },
      'pvh-dom0': { unavailable: true },
    },
  },
  {
    row: '4.9 (emulation_flags_ok, USE_PIRQ, ALL=0x3FF)',
    versions: ['4.9', '4.9.1'],
    columns: {
      pv: { ...PV, invalid: [0x400] },
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x000, 0x3ff, 0x001], refuse: [0x1ff, 0x011, 0x2ff], invalid: [0x7ff, 0x411] },
      pvh: { accept: [0x001, 0x000], refuse: [0x201, 0x011] },
      'pvh-dom0': { accept: [0x011], refuse: [0x000, 0x001, 0x111, 0x3ff, 0x013] },
    },
  },
  {
    row: '4.10 (same as 4.9)',
    versions: ['4.10', '4.10.0'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x000, 0x3ff, 0x001], refuse: [0x1ff, 0x011], invalid: [0x7ff] },
      pvh: { accept: [0x001, 0x000], refuse: [0x201] },
      'pvh-dom0': { accept: [0x011], refuse: [0x001, 0x111] },
    },
  },
  {
    row: 'XSA-256 on 4.8.4+: 0 no longer allowed (ALL = 0x1FF)',
    versions: ['4.8.4', '4.8.5'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x1ff, 0x001], refuse: [0x000, 0x0ff], invalid: [0x3ff] },
      pvh: { accept: [0x001, 0x1ff], refuse: [0x000] },
      'pvh-dom0': { unavailable: true },
    },
  },
  {
    row: 'XSA-256 on 4.9.2+ / 4.10.1+: 0 no longer allowed (ALL = 0x3FF)',
    versions: ['4.9.2', '4.9.4', '4.10.1', '4.10.4'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x3ff, 0x001], refuse: [0x000, 0x1ff], invalid: [0x7ff] },
      pvh: { accept: [0x001, 0x3ff], refuse: [0x000, 0x201] },
      'pvh-dom0': { accept: [0x011], refuse: [0x000, 0x001, 0x111] },
    },
  },
  {
    row: '4.11 (vPCI for PVH dom0, ALL=0x7FF)',
    versions: ['4.11', '4.11.4'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x3ff, 0x001], refuse: [0x000, 0x1ff, 0x7ff, 0x411], invalid: [0x800] },
      pvh: { accept: [0x001, 0x3ff], refuse: [0x000, 0x201, 0x401] },
      'pvh-dom0': { accept: [0x411], refuse: [0x011, 0x000, 0x7ff, 0x511] },
    },
  },
  {
    row: '4.12-4.18 (same as 4.11)',
    versions: ['4.12', '4.15.5', '4.17', '4.18.3'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x3ff, 0x001], refuse: [0x000, 0x1ff, 0x7ff, 0x411] },
      pvh: { accept: [0x001], refuse: [0x000, 0x201] },
      'pvh-dom0': { accept: [0x411], refuse: [0x011] },
    },
  },
  {
    row: '4.19-4.20 (USE_PIRQ optional for HVM)',
    versions: ['4.19', '4.20.1'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x1ff, 0x3ff, 0x001], refuse: [0x000, 0x7ff, 0x5ff, 0x0ff, 0x2ff], invalid: [0x1000] },
      pvh: { accept: [0x001], refuse: [0x000, 0x201, 0x011] },
      'pvh-dom0': { accept: [0x411], refuse: [0x011, 0x611, 0x7ff] },
    },
  },
  {
    row: '4.21-4.22, master (table rewrite, new log text)',
    versions: ['4.21', '4.22', 'master'],
    columns: {
      pv: PV,
      'pv-dom0': PV_DOM0,
      hvm: { accept: [0x1ff, 0x3ff, 0x001], refuse: [0x000, 0x7ff, 0x411, 0x0ff], invalid: [0x800, 0xffffffff] },
      pvh: { accept: [0x001], refuse: [0x000, 0x201, 0x011, 0x401] },
      'pvh-dom0': { accept: [0x411], refuse: [0x011, 0x000, 0x7ff, 0x1ff] },
    },
  },
];

const hex = (x: number) => `0x${x.toString(16)}`;

for (const h of HISTORY) {
  describe(`history §2.3: ${h.row}`, () => {
    for (const version of h.versions) {
      for (const [guest, col] of Object.entries(h.columns) as [GuestType, Column][]) {
        for (const flags of col.accept ?? []) {
          it(`${version} ${guest} accepts ${hex(flags)}`, () => {
            const r = validateFlags(flags, { guest, xen: version });
            expect(r.status).toBe('accepted');
            expect(r.errno).toBe(0);
          });
        }
        for (const flags of col.refuse ?? []) {
          it(`${version} ${guest} refuses ${hex(flags)} with EOPNOTSUPP`, () => {
            const r = validateFlags(flags, { guest, xen: version });
            expect(r.status).toBe('refused');
            expect(r.errno).toBe(-95);
          });
        }
        for (const flags of col.invalid ?? []) {
          it(`${version} ${guest} rejects ${hex(flags)} with EINVAL`, () => {
            const r = validateFlags(flags, { guest, xen: version });
            expect(r.status).toBe('unknown-bits');
            expect(r.errno).toBe(-22);
          });
        }
        if (col.unavailable) {
          it(`${version} has no ${guest} guest type`, () => {
            const r = validateFlags(0x1ff, { guest, xen: version });
            expect(r.status).toBe('guest-unavailable');
            expect(r.valid).toBe(false);
            expect(r.errno).toBeNull();
          });
        }
      }
    }
  });
}

describe('history §2.3: XSA-256 boundary (earlier point releases still allow 0)', () => {
  it.each([
    ['4.8.3', true],
    ['4.8.4', false],
    ['4.9.1', true],
    ['4.9.2', false],
    ['4.10.0', true],
    ['4.10.1', false],
    ['4.11.0', false],
  ])('%s: HVM domU with 0 accepted = %s', (xen, ok) => {
    expect(validateFlags(0, { guest: 'hvm', xen }).valid).toBe(ok);
    expect(validateFlags(0, { guest: 'pvh', xen }).valid).toBe(ok);
  });

  it('4.7 was never patched: 0 stays allowed on 4.7.x', () => {
    expect(validateFlags(0, { guest: 'hvm', xen: '4.7.6' }).valid).toBe(true);
  });
});
