import { describe, expect, it } from 'vitest';
import { GUEST_TYPES } from '../../src/emuflags/guests.js';
import { XenVersionError } from '../../src/emuflags/errors.js';
import { libxlDefaultFlags, type LibxlDefault } from '../../src/emuflags/libxl-defaults.js';
import { validateFlags } from '../../src/emuflags/validator.js';

function flagsOf(d: LibxlDefault): number {
  if (!d.available) throw new Error(`unavailable: ${d.reason}`);
  return d.flags;
}

describe('libxl defaults (§2.4)', () => {
  it.each([
    // version, hvm, pvh (undefined = no PVH type), pv
    ['4.7', 0x1ff, undefined, 0],
    ['4.8', 0x1ff, 0x001, 0],
    ['4.9', 0x3ff, 0x001, 0],
    ['4.10', 0x3ff, 0x001, 0],
    ['4.11', 0x3ff, 0x001, 0],
    ['4.18', 0x3ff, 0x001, 0],
    ['4.19', 0x1ff, 0x001, 0],
    ['master', 0x1ff, 0x001, 0],
  ] as const)('%s: hvm %i, pvh %s, pv %i', (xen, hvm, pvh, pv) => {
    expect(flagsOf(libxlDefaultFlags('hvm', xen))).toBe(hvm);
    expect(flagsOf(libxlDefaultFlags('pv', xen))).toBe(pv);
    const p = libxlDefaultFlags('pvh', xen);
    if (pvh === undefined) expect(p.available).toBe(false);
    else expect(flagsOf(p)).toBe(pvh);
  });

  it('hvm_pirq=1 keeps USE_PIRQ from 4.19; restore defaults it to true', () => {
    expect(flagsOf(libxlDefaultFlags('hvm', '4.19', { hvmPirq: true }))).toBe(0x3ff);
    expect(flagsOf(libxlDefaultFlags('hvm', 'master', { restore: true }))).toBe(0x3ff);
    expect(flagsOf(libxlDefaultFlags('hvm', 'master', { restore: true, hvmPirq: false }))).toBe(0x1ff);
    const old = libxlDefaultFlags('hvm', '4.17', { hvmPirq: false });
    expect(flagsOf(old)).toBe(0x3ff);
    expect(old.available && old.notes[0]).toContain('no effect before 4.19');
  });

  it('device model and apic options where the table says so', () => {
    expect(flagsOf(libxlDefaultFlags('hvm', '4.7', { deviceModel: false }))).toBe(0);
    expect(flagsOf(libxlDefaultFlags('hvm', '4.7', { deviceModel: false, apic: true }))).toBe(0);
    expect(flagsOf(libxlDefaultFlags('hvm', '4.8', { deviceModel: false }))).toBe(0x001);
    expect(flagsOf(libxlDefaultFlags('hvm', '4.9', { deviceModel: false, apic: false }))).toBe(0);
    expect(flagsOf(libxlDefaultFlags('hvm', '4.10', { deviceModel: false }))).toBe(0x3ff);
    expect(flagsOf(libxlDefaultFlags('pvh', '4.10', { apic: false }))).toBe(0);
    expect(flagsOf(libxlDefaultFlags('pvh', '4.11', { apic: false }))).toBe(0x001);
  });

  it('dom0 is built by Xen, not libxl', () => {
    const pv = libxlDefaultFlags('pv-dom0', 'master');
    expect(pv).toMatchObject({ available: true, flags: 0x100, source: 'xen' });
    expect(libxlDefaultFlags('pvh-dom0', 'master')).toMatchObject({ available: true, flags: 0x411, source: 'xen' });
    expect(libxlDefaultFlags('pvh-dom0', '4.9')).toMatchObject({ available: true, flags: 0x011 });
    expect(libxlDefaultFlags('pvh-dom0', '4.8').available).toBe(false);
  });

  it('every default with default options passes the validator of its release', () => {
    for (const xen of ['4.7', '4.8.3', '4.8.4', '4.9', '4.9.2', '4.10', '4.10.1', '4.11', '4.18', '4.19', '4.21', 'master']) {
      for (const guest of GUEST_TYPES) {
        const d = libxlDefaultFlags(guest, xen);
        if (!d.available) continue;
        expect(validateFlags(d.flags, { guest, xen }).valid, `${guest} on ${xen}`).toBe(true);
      }
    }
  });

  it('a PVH without apic after XSA-256 would be refused by Xen', () => {
    const d = libxlDefaultFlags('pvh', '4.10.1', { apic: false });
    expect(flagsOf(d)).toBe(0);
    expect(validateFlags(0, { guest: 'pvh', xen: '4.10.1' }).status).toBe('refused');
  });

  it('rejects bad versions', () => {
    expect(() => libxlDefaultFlags('hvm', '4.5')).toThrow(XenVersionError);
  });
});
