// A FAIL reply quotes a client's word back short and as one line of ASCII (a fuzz finding: garbage
// lines came back whole, control bytes and invalid UTF-8 included).
import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { QtestSession } from '../../src/qtest/session.js';

describe('words quoted back in FAIL replies', () => {
  const s = new QtestSession(createPlatform({ profile: 'xen-hvm' }));
  installExtensions(s);

  it('a printable name up to 64 characters comes back as QEMU sends it', () => {
    expect(s.handle('bogus')).toEqual(["FAIL Unknown command 'bogus'"]);
    expect(s.handle('b'.repeat(64))).toEqual([`FAIL Unknown command '${'b'.repeat(64)}'`]);
  });

  it('a longer quote is cut at 64 characters; control bytes and non-ASCII are escaped', () => {
    expect(s.handle('c'.repeat(1000))).toEqual([`FAIL Unknown command '${'c'.repeat(64)}...'`]);
    expect(s.handle('a\x00\x1b[2J\x7f\u00e9\ufffd\u{1f600}')).toEqual(["FAIL Unknown command 'a\\x00\\x1b[2J\\x7f\\xe9\\u{fffd}\\u{1f600}'"]);
    expect(s.handle('vcpu \x07' + 'x'.repeat(70))).toEqual([`FAIL no vCPU \\x07${'x'.repeat(60)}... (this platform has 1)`]);
    expect(s.handle('\x01'.repeat(100))).toEqual([`FAIL Unknown command '${'\\x01'.repeat(16)}...'`]);
    expect(s.handle('set_irq_in ioapic \x01gpio 1 1')).toEqual(['FAIL ioapic has no input \\x01gpio 1']);
  });
});
