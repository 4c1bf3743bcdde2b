import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, nearMiss } from '../../src/cli/near-miss.js';
import { summariseIrqLines } from '../../src/cli/demo-command.js';
import { describeJson } from '../../src/cli/describe-command.js';
import { createPlatform } from '../../src/platform/create-platform.js';

describe('near-miss suggestions', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('hmv', 'hvm')).toBe(1);
    expect(editDistance('--profle', '--profile')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the nearest plausible word, nothing for a far one or an exact match', () => {
    expect(nearMiss('xen-hmv', ['xen-hvm', 'xen-pvh', 'xen-pvh-dom0', 'xen-pv', 'qemu-pc'])).toBe('xen-hvm');
    expect(nearMiss('--profle', ['--flags', '--profile', '--xen'])).toBe('--profile');
    expect(nearMiss('chek', ['check', 'explain'])).toBe('check');
    expect(nearMiss('bogus', ['xen-hvm', 'qemu-pc'])).toBeUndefined();
    expect(nearMiss('check', ['check'])).toBeUndefined();
    expect(didYouMean('QEMU-PC', ['qemu-pc'])).toBe(' (did you mean qemu-pc?)');
    expect(didYouMean('zzz', ['qemu-pc'])).toBe('');
  });
});

describe('hvmdev demo output', () => {
  it('counts a long run of interrupt lines, keeps short runs and other lines', () => {
    const storm = Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? 'IRQ raise 2' : 'IRQ lower 2'));
    expect(summariseIrqLines([...storm, 'IRQ raise 8', 'OK 5'])).toEqual([
      'IRQ 2 toggled 6 times (3 raise, 3 lower)',
      'IRQ 8 toggled 1 times (1 raise, 0 lower)',
      'OK 5',
    ]);
    expect(summariseIrqLines(['IRQ raise 9', 'OK'])).toEqual(['IRQ raise 9', 'OK']);
    expect(summariseIrqLines(['OK 1'])).toEqual(['OK 1']);
  });
});

describe('hvmdev describe --json', () => {
  it('writes flags as flags --json does ("0x1FF") and a profile-added device with flag null', () => {
    const j = describeJson(createPlatform({ profile: 'xen-hvm' }).describe()) as {
      flags: string;
      devices: { kind: string; flag: string | null; status: string }[];
    };
    expect(j.flags).toBe('0x1FF');
    expect(j.devices.find((d) => d.kind === 'lapic')).toMatchObject({ flag: '0x001', status: 'implemented' });
    expect(j.devices.find((d) => d.kind === 'iommu')).toMatchObject({ flag: '0x080', status: 'no-device' });
    expect(j.devices.find((d) => d.kind === 'debugcon')).toMatchObject({ flag: null });
  });
});
