// The parsers accept only what Xen and the docs name: ASCII, no leading zeros, real point releases.
import { describe, expect, it } from 'vitest';
import { FlagParseError, GuestTypeError, XenVersionError } from '../../src/emuflags/errors.js';
import { parseFlags } from '../../src/emuflags/parse.js';
import { parseGuestType } from '../../src/emuflags/guests.js';
import { parseXenVersion } from '../../src/emuflags/versions.js';

describe('strict host-input parsing', () => {
  it.each(['04.10', '4.010', '4.10.01', '4.10.99', '4.10.10', '４.10', '4.１0', '4.10 .1'])('Xen version %s is refused', (v) => {
    expect(() => parseXenVersion(v)).toThrow(XenVersionError);
  });

  it('real releases still parse: 4.10.0, 4.10.9, v4.8.3, RELEASE-4.10.1, master', () => {
    expect(parseXenVersion('4.10').label).toBe('4.10.0');
    expect(parseXenVersion('4.10.9').label).toBe('4.10.9');
    expect(parseXenVersion('v4.8.3').label).toBe('4.8.3');
    expect(parseXenVersion('RELEASE-4.10.1').label).toBe('4.10.1');
    expect(parseXenVersion('MASTER').label).toBe('master');
  });

  it.each(['lapıc', 'pıt', 'uſe_pirq', 'xen_x86_emu_lapıc', 'ＬＡＰＩＣ'])('flag name %s is refused (no Unicode case folding)', (name) => {
    expect(() => parseFlags(name)).toThrow(FlagParseError);
  });

  it('ASCII names in any case still parse', () => {
    expect(parseFlags('Lapic,xen_x86_emu_IOAPIC|vpci')).toBe(0x411);
  });

  it.each(['hvK', 'pvh-dom０', 'pvḥ'])('guest type %s is refused', (g) => {
    expect(() => parseGuestType(g)).toThrow(GuestTypeError);
  });
});
