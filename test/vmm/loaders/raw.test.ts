import { describe, expect, it } from 'vitest';
import { loadRaw } from '../../../src/vmm/loaders/raw.js';
import { LoaderError } from '../../../src/vmm/loaders/loader-error.js';

describe('loadRaw', () => {
  it('copies the image to its address; below 1 MiB it enters in real mode', () => {
    const ram = new Uint8Array(2 * 1024 * 1024);
    const s = loadRaw(ram, Uint8Array.of(0xfa, 0xf4), 0x7c00);
    expect(s).toEqual({ mode: 'real16', rip: 0x7c00, regs: {} });
    expect([ram[0x7c00], ram[0x7c01]]).toEqual([0xfa, 0xf4]);
  });

  it('at or above 1 MiB, protected mode; an explicit entry and mode win', () => {
    const ram = new Uint8Array(2 * 1024 * 1024);
    expect(loadRaw(ram, new Uint8Array(16), 0x100000, 0x100008)).toEqual({ mode: 'protected32', rip: 0x100008, regs: {} });
    expect(loadRaw(ram, new Uint8Array(16), 0x8000, 0x8000, 'protected32').mode).toBe('protected32');
  });

  it('refuses images past RAM, entries outside it, and real mode above 1 MiB', () => {
    const ram = new Uint8Array(2 * 1024 * 1024);
    expect(() => loadRaw(ram, new Uint8Array(16), 2 * 1024 * 1024 - 8)).toThrow(LoaderError);
    expect(() => loadRaw(ram, new Uint8Array(16), -1)).toThrow(/does not fit/);
    expect(() => loadRaw(ram, new Uint8Array(16), 0, 3 * 1024 * 1024)).toThrow(/entry/);
    expect(() => loadRaw(ram, new Uint8Array(16), 0x100000, 0x100000, 'real16')).toThrow(/real mode reaches below 0x100000/);
  });
});
