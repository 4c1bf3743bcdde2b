import { describe, expect, it } from 'vitest';
import {
  EMU_FLAGS,
  FLAG_VALUES,
  XEN_X86_EMU_ALL,
  XEN_X86_EMU_IOAPIC,
  XEN_X86_EMU_LAPIC,
  XEN_X86_EMU_PIT,
  XEN_X86_EMU_USE_PIRQ,
  XEN_X86_EMU_VPCI,
  describeBits,
  flagInfo,
  flagNames,
  fullFlagName,
  popcount,
} from '../../src/emuflags/flags.js';
import { allFlagsFor } from '../../src/emuflags/rules.js';

describe('XEN_X86_EMU_* flags (facts §1)', () => {
  const expected: [string, number, number][] = [
    ['LAPIC', 0, 0x001],
    ['HPET', 1, 0x002],
    ['PM', 2, 0x004],
    ['RTC', 3, 0x008],
    ['IOAPIC', 4, 0x010],
    ['PIC', 5, 0x020],
    ['VGA', 6, 0x040],
    ['IOMMU', 7, 0x080],
    ['PIT', 8, 0x100],
    ['USE_PIRQ', 9, 0x200],
    ['VPCI', 10, 0x400],
  ];

  it('has exactly the 11 flags in bit order', () => {
    expect(EMU_FLAGS.map((f) => [f.name, f.bit, f.value])).toEqual(expected);
  });

  it.each(expected)('%s is bit %i = %i', (name, bit, value) => {
    expect(FLAG_VALUES[name as keyof typeof FLAG_VALUES]).toBe(value);
    expect(value).toBe(2 ** bit);
  });

  it('exports the C constants', () => {
    expect([XEN_X86_EMU_LAPIC, XEN_X86_EMU_IOAPIC, XEN_X86_EMU_PIT, XEN_X86_EMU_USE_PIRQ, XEN_X86_EMU_VPCI]).toEqual([0x001, 0x010, 0x100, 0x200, 0x400]);
    expect(XEN_X86_EMU_ALL).toBe(0x7ff);
  });

  it('records the release that introduced USE_PIRQ (4.9) and VPCI (4.11)', () => {
    expect(flagInfo('USE_PIRQ').since).toBe('4.9');
    expect(flagInfo('VPCI').since).toBe('4.11');
    expect(flagInfo('LAPIC').since).toBe('4.7');
  });

  it('gives full C names', () => {
    expect(fullFlagName('USE_PIRQ')).toBe('XEN_X86_EMU_USE_PIRQ');
  });

  it('lists the names set in a bitmap and names unknown bits', () => {
    expect(flagNames(0x411)).toEqual(['LAPIC', 'IOAPIC', 'VPCI']);
    expect(describeBits(0x80000801)).toEqual(['LAPIC', 'bit11', 'bit31']);
    expect(popcount(0xffffffff)).toBe(32);
    expect(popcount(0x411)).toBe(3);
  });
});

describe('XEN_X86_EMU_ALL per release', () => {
  it.each([
    ['4.7', 0x1ff],
    ['4.7.6', 0x1ff],
    ['4.8.5', 0x1ff],
    ['4.9', 0x3ff],
    ['4.10.1', 0x3ff],
    ['4.11', 0x7ff],
    ['4.17', 0x7ff],
    ['4.22', 0x7ff],
    ['master', 0x7ff],
  ])('%s → %i', (v, all) => {
    expect(allFlagsFor(v)).toBe(all);
  });

  it('defaults to the newest (master) value', () => {
    expect(allFlagsFor()).toBe(0x7ff);
  });
});
