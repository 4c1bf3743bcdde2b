import { describe, expect, it } from 'vitest';
import { createPlatform } from '../../src/platform/create-platform.js';
import { installExtensions } from '../../src/qtest/extensions.js';
import { parseTranscript, replayTranscript } from '../../src/qtest/transcript.js';
import { QtestSession } from '../../src/qtest/session.js';

function session(profile: 'xen-hvm' | 'qemu-pc' | 'xen-pvh' = 'xen-hvm', vcpus = 1) {
  const s = new QtestSession(createPlatform({ profile, vcpus, ramBytes: 1 << 20 }));
  installExtensions(s);
  return s;
}

describe('qtest reply formats (QEMU 7.2)', () => {
  it('in* replies are OK 0x%04x; read* replies are OK 0x%016x', () => {
    const s = session();
    expect(s.handle('inb 0x1234')).toEqual(['OK 0x00ff']);
    expect(s.handle('inw 0x1234')).toEqual(['OK 0xffff']);
    expect(s.handle('inl 0x1234')).toEqual(['OK 0xffffffff']);
    expect(s.handle('readb 0xe0000000')).toEqual(['OK 0x00000000000000ff']);
    expect(s.handle('readq 0xe0000000')).toEqual(['OK 0xffffffffffffffff']);
  });

  it('out*/write* reply OK, values truncated to the access size', () => {
    const s = session();
    expect(s.handle('outb 0xe9 0x141')).toEqual(['OK']);
    expect(s.handle('writel 0x1000 0x1122334455')).toEqual(['OK']);
    expect(s.handle('readl 0x1000')).toEqual(['OK 0x0000000022334455']);
    expect(s.handle('writeq 0x2000 0x1122334455667788')).toEqual(['OK']);
    expect(s.handle('readq 0x2000')).toEqual(['OK 0x1122334455667788']);
    expect(s.handle('readw 0x2001')).toEqual(['OK 0x0000000000006677']);
  });

  it('read/write/memset/b64read behave as QEMU (write data bytes need both hex digits)', () => {
    const s = session();
    expect(s.handle('write 0x1000 4 0x01020304')).toEqual(['OK']);
    expect(s.handle('read 0x1000 6')).toEqual(['OK 0x010203040000']);
    expect(s.handle('write 0x1000 2 0xaabbccdd')).toEqual(['OK']);
    expect(s.handle('read 0x1000 4')).toEqual(['OK 0xaabb0304']);
    expect(s.handle('write 0x1000 4 0x1')).toEqual(['OK']);
    expect(s.handle('read 0x1000 4')).toEqual(['OK 0x00000000']);
    expect(s.handle('memset 0x1000 3 0x41')).toEqual(['OK']);
    expect(s.handle('read 0x1000 4')).toEqual(['OK 0x41414100']);
    expect(s.handle('b64read 0x1000 4')).toEqual(['OK QUFBAA==']);
    expect(s.handle('b64write 0x1000 2 QkI=')).toEqual(['OK']);
    expect(s.handle('read 0x1000 4')).toEqual(['OK 0x42424100']);
  });

  it('clock_step and clock_set answer the new time; the clock never goes back', () => {
    const s = session();
    expect(s.handle('clock_step')).toEqual(['OK 0']); // nothing pending: stays
    expect(s.handle('clock_step 1000')).toEqual(['OK 1000']);
    expect(s.handle('clock_set 5000')).toEqual(['OK 5000']);
    expect(s.handle('clock_set 50')).toEqual(['OK 5000']);
    expect(s.handle('clock_step 0')).toEqual(['OK 5000']);
    expect(s.handle('clock_step -5')).toEqual(['OK 5000']);
  });

  it('bare clock_step advances to the next timer deadline', () => {
    const s = session();
    s.platform.clock.createTimer('t', () => undefined).armAt(27462700);
    expect(s.handle('clock_step')).toEqual(['OK 27462700']);
  });

  it('endianness, unknown commands, malformed input: FAIL, never a crash', () => {
    const s = session();
    expect(s.handle('endianness')).toEqual(['OK little']);
    expect(s.handle('bogus 1 2')).toEqual(["FAIL Unknown command 'bogus'"]);
    for (const bad of ['inb', 'inb 0x10000', 'inb zz', 'outb 0x80', 'readl', 'read 0 0', 'write 0 4 1234', 'clock_step abc', 'memset 0 99999999999 1']) {
      const r = s.handle(bad);
      expect(r).toHaveLength(1);
      expect(r[0]).toMatch(/^FAIL /);
    }
    expect(s.handle('')).toEqual([]);
    expect(s.handle('clock_step 999999999999999999')[0]).toMatch(/^FAIL /);
  });

  it("words after a command's arguments are ignored, as QEMU does (a trailing # comment is no FAIL)", () => {
    const s = session('qemu-pc');
    expect(s.handle('writel 0x1000 0x12345678 # comment')).toEqual(['OK']);
    expect(s.handle('readl 0x1000 extra words')).toEqual(['OK 0x0000000000012345678'.replace('00000000000', '00000000')]);
    expect(s.handle('outb 0x70 0x0b # select B')).toEqual(['OK']);
    expect(s.handle('inb 0x71 # read B')).toEqual(['OK 0x0002']);
    expect(s.handle('clock_step 1000 # 1 us')).toEqual(['OK 1000']);
    expect(s.handle('clock_set 2000 x')).toEqual(['OK 2000']);
    expect(s.handle('write 0x1000 2 0xabcd trailing')).toEqual(['OK']);
    expect(s.handle('read 0x1000 2 trailing')).toEqual(['OK 0xabcd']);
    expect(s.handle('memset 0x1000 1 0x11 trailing')).toEqual(['OK']);
    expect(s.handle('readb 0x1000')).toEqual(['OK 0x0000000000000011']);
    expect(s.handle('irq_intercept_in ioapic # all inputs')).toEqual(['OK']);
    expect(s.handle('endianness please')).toEqual(['OK little']);
    expect(s.handle('vcpu 0 # first')).toEqual(['OK']);
    expect(s.handle('inta now')).toEqual(['OK none']);
  });

  it('only \\n ends a line: a CR or tab inside a line separates words, it never starts a new command', () => {
    const s = session('qemu-pc');
    // "inb 0x71" after a CR is extra words of the outb (ignored), not a second command.
    expect(s.handle('outb 0x70 0x0b\rinb 0x71')).toEqual(['OK']);
    expect(s.handle('inb\t0x71\r')).toEqual(['OK 0x0002']);
    expect(s.handle('inb 0x71\u2028')).toEqual(['OK 0x0002']);
  });

  it('irq_intercept_in ioapic: IRQ lines come before the OK of the command that caused them', () => {
    const s = session();
    expect(s.handle('irq_intercept_in ioapic')).toEqual(['OK']);
    expect(s.handle('irq_intercept_in ioapic')).toEqual(['OK']);
    expect(s.handle('irq_intercept_out ioapic')).toEqual(['OK']);
    expect(s.handle('irq_intercept_in pic-master')).toEqual(['FAIL IRQ intercept already enabled']);
    expect(s.handle('set_irq_in ioapic unnamed-gpio-in 8 1')).toEqual(['IRQ raise 8', 'OK']);
    expect(s.handle('set_irq_in ioapic unnamed-gpio-in 8 1')).toEqual(['OK']);
    expect(s.handle('set_irq_in ioapic unnamed-gpio-in 8 0')).toEqual(['IRQ lower 8', 'OK']);
    expect(s.handle('set_irq_in nodev unnamed-gpio-in 8 0')).toEqual(['FAIL Unknown device']);
    // An ISA source raised by a device (here directly through the fabric) shows up as its GSI.
    s.platform.irq.isaLine(0).raise();
    expect(s.handle('endianness')).toEqual(['IRQ raise 2', 'OK little']);
  });

  it('QEMU QOM paths are accepted as aliases in the qemu-pc profile', () => {
    const s = session('qemu-pc');
    expect(s.handle('irq_intercept_in /machine/i440fx/ioapic')).toEqual(['OK']);
    s.platform.irq.isaLine(4).raise();
    expect(s.handle('clock_step 1')).toEqual(['IRQ raise 4', 'OK 1']);
  });

  it('intercepting a device the platform does not have fails as QEMU does', () => {
    const s = session('xen-pvh');
    expect(s.handle('irq_intercept_in ioapic')).toEqual(['FAIL Unknown device']);
  });

  it('qemu-pc: unassigned memory reads 0, wide port reads split into bytes', () => {
    const s = session('qemu-pc');
    expect(s.handle('readl 0xe0000000')).toEqual(['OK 0x0000000000000000']);
    expect(s.handle('inw 0x1233')).toEqual(['OK 0xffff']);
  });

  it('extension: vcpu N selects the current vCPU', () => {
    const s = session('xen-hvm', 2);
    expect(s.handle('vcpu 1')).toEqual(['OK']);
    expect(s.vcpu).toBe(1);
    expect(s.handle('vcpu 2')[0]).toMatch(/^FAIL /);
  });
});

describe('transcripts', () => {
  const golden = `# a comment
> endianness
OK little
> bogus
FAIL Unknown command 'bogus'
> inb 0x10000
!! not sent (would crash QEMU): port > 0xffff
> inb 0x1234
OK 0x00ff
`;

  it('parses commands, replies and skips what the runner did not send', () => {
    expect(parseTranscript(golden).map((s) => s.command)).toEqual(['endianness', 'bogus', 'inb 0x1234']);
  });

  it('replays byte for byte and reports mismatches with both sides', () => {
    expect(replayTranscript(session(), golden)).toEqual([]);
    const bad = replayTranscript(session('qemu-pc'), '> readl 0xe0000000\nOK 0x00000000ffffffff\n');
    expect(bad).toEqual([{ line: 1, command: 'readl 0xe0000000', expected: ['OK 0x00000000ffffffff'], actual: ['OK 0x0000000000000000'] }]);
  });
});

describe('device output intercepts', () => {
  it('irq_intercept_out on the PIT reports its OUT0 as output 0 (mode 2: one-clock low pulse per period)', () => {
    const s = new QtestSession(createPlatform({ profile: 'xen-hvm', ramBytes: 0 }));
    expect(s.handle('irq_intercept_out pit')).toEqual(['OK']);
    const lines = [
      ...s.handle('outb 0x43 0x34'), // channel 0, lobyte/hibyte, mode 2: OUT goes high
      ...s.handle('outb 0x40 0x00'),
      ...s.handle('outb 0x40 0x10'), // count 0x1000 = 4096 ticks = 3.4329 ms
      ...s.handle('clock_step 3500000'),
    ];
    expect(lines.filter((l) => l.startsWith('IRQ'))).toEqual(['IRQ raise 0', 'IRQ lower 0', 'IRQ raise 0']);
  });
});
