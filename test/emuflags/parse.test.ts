import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlagParseError } from '../../src/emuflags/errors.js';
import { formatFlags, formatFlagsWithHex, formatHex, formatHexC, parseFlags } from '../../src/emuflags/parse.js';

describe('parseFlags', () => {
  it.each([
    ['lapic,ioapic,vpci', 0x411],
    ['LAPIC|IOAPIC|VPCI', 0x411],
    ['lapic ioapic  vpci', 0x411],
    ['XEN_X86_EMU_LAPIC|xen_x86_emu_ioapic, Vpci', 0x411],
    ['0x411', 0x411],
    ['0X411', 0x411],
    ['1041', 0x411],
    ['use_pirq', 0x200],
    ['none', 0],
    ['0', 0],
    ['lapic|0x10', 0x11],
    ['0xffffffff', 0xffffffff],
    [' pit ', 0x100],
  ])('%j → %i', (input, value) => {
    expect(parseFlags(input)).toBe(value);
  });

  it('accepts numbers and lists', () => {
    expect(parseFlags(0x1ff)).toBe(0x1ff);
    expect(parseFlags(['lapic', 'ioapic', 0x400])).toBe(0x411);
    expect(parseFlags(['lapic,ioapic', 'vpci'])).toBe(0x411);
  });

  it('names the bad token and lists the valid names', () => {
    let error: unknown;
    try {
      parseFlags('lapic,ioapik');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlagParseError);
    expect(error).toBeInstanceOf(Error);
    const e = error as FlagParseError;
    expect(e.name).toBe('FlagParseError');
    expect(e.token).toBe('ioapik');
    expect(e.input).toBe('lapic,ioapik');
    expect(e.validNames).toEqual(['LAPIC', 'HPET', 'PM', 'RTC', 'IOAPIC', 'PIC', 'VGA', 'IOMMU', 'PIT', 'USE_PIRQ', 'VPCI']);
    expect(e.message).toContain('"ioapik"');
    expect(e.message).toContain('LAPIC, HPET, PM, RTC, IOAPIC, PIC, VGA, IOMMU, PIT, USE_PIRQ, VPCI');
  });

  it.each([['XEN_X86_EMU_'], ['0x'], ['0x1g'], ['-1'], ['1.5'], ['0x100000000'], ['4294967296']])('rejects %j', (input) => {
    expect(() => parseFlags(input)).toThrow(FlagParseError);
  });

  it('rejects empty input and bad numbers', () => {
    expect(() => parseFlags('')).toThrow(/no emulation flags given/);
    expect(() => parseFlags(' , | ')).toThrow(FlagParseError);
    expect(() => parseFlags([])).toThrow(FlagParseError);
    expect(() => parseFlags(-1)).toThrow(FlagParseError);
    expect(() => parseFlags(1.5)).toThrow(FlagParseError);
    expect(() => parseFlags(2 ** 32)).toThrow(FlagParseError);
  });
});

describe('formatting', () => {
  it('formats names, hex and both', () => {
    expect(formatFlags(0x411)).toBe('LAPIC|IOAPIC|VPCI');
    expect(formatFlags(0x411, { style: 'full', separator: ',' })).toBe('XEN_X86_EMU_LAPIC,XEN_X86_EMU_IOAPIC,XEN_X86_EMU_VPCI');
    expect(formatFlags(0)).toBe('NONE');
    expect(formatFlags(0x1801)).toBe('LAPIC|0x1800');
    expect(formatHex(0x1ff)).toBe('0x1FF');
    expect(formatHex(1)).toBe('0x001');
    expect(formatFlagsWithHex(0x011)).toBe('0x011 (LAPIC|IOAPIC)');
  });

  it("formats like Xen's %#x (no prefix for zero)", () => {
    expect(formatHexC(0)).toBe('0');
    expect(formatHexC(0x411)).toBe('0x411');
    expect(formatHexC(0x11)).toBe('0x11');
  });

  it('round-trips every 11-bit value (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7ff }), (x) => {
        expect(parseFlags(formatFlags(x))).toBe(x);
        expect(parseFlags(formatFlags(x, { style: 'full', separator: ' ' }))).toBe(x);
        expect(parseFlags(formatHex(x))).toBe(x);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips every uint32 (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (x) => {
        expect(parseFlags(formatFlags(x))).toBe(x);
      }),
      { numRuns: 200 },
    );
  });
});
