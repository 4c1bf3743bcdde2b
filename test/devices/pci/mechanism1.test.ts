import { describe, expect, it } from 'vitest';
import { PciSlotError } from '../../../src/devices/pci/errors.js';
import { cfgAddr, cfgRead, cfgWrite, qemuRig, xenRig } from './helpers.js';

describe('configuration mechanism #1 (0xCF8/0xCFC)', () => {
  it('reads the host bridge IDs and class at every byte lane', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, 0x80000000);
    expect(ports.read(0xcfc, 4)).toBe(0x12378086);
    expect([0, 1, 2, 3].map((k) => ports.read(0xcfc + k, 1))).toEqual([0x86, 0x80, 0x37, 0x12]);
    expect(ports.read(0xcfc, 2)).toBe(0x8086);
    expect(ports.read(0xcfe, 2)).toBe(0x1237);
    expect(cfgRead(ports, 0, 0, 0, 0x08, 4)).toBe(0x06000002);
    expect(cfgRead(ports, 0, 0, 0, 0x0b, 1)).toBe(0x06);
  });

  it('keeps the whole CONFIG_ADDRESS latch and reads it back', () => {
    const { ports, host } = xenRig();
    ports.write(0xcf8, 4, 0x12345678);
    expect(ports.read(0xcf8, 4)).toBe(0x12345678);
    expect(host.mechanism1!.cf8).toBe(0x12345678);
  });

  it('Xen: narrow latch accesses are not claimed (all-ones, latch unchanged)', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, 0x12345678);
    expect(ports.read(0xcf8, 1)).toBe(0xff);
    expect(ports.read(0xcf8, 2)).toBe(0xffff);
    expect(ports.read(0xcfa, 2)).toBe(0xffff);
    ports.write(0xcf8, 1, 0);
    ports.write(0xcfa, 2, 0x8000); // bad-inputs 38: a word write at 0xCFA is defined and harmless
    expect(ports.read(0xcf8, 4)).toBe(0x12345678);
  });

  it('QEMU: narrow latch reads return the latch truncated (QEMU pci-conf-idx), writes ignored', () => {
    const { ports } = qemuRig();
    ports.write(0xcf8, 4, 0x12345678);
    expect(ports.read(0xcf8, 1)).toBe(0x78);
    expect(ports.read(0xcfa, 1)).toBe(0x78);
    expect(ports.read(0xcf8, 2)).toBe(0x5678);
    expect(ports.read(0xcfa, 2)).toBe(0x5678);
    ports.write(0xcf8, 1, 0);
    expect(ports.read(0xcf8, 4)).toBe(0x12345678);
  });

  it('enable bit clear: data reads are all-ones and writes are dropped', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, 0x00000000);
    expect(ports.read(0xcfc, 4)).toBe(0xffffffff);
    expect(ports.read(0xcfd, 1)).toBe(0xff);
    ports.write(0xcfc, 1, 0x55); // would hit the host bridge's cache line size
    expect(cfgRead(ports, 0, 0, 0, 0x0c, 1)).toBe(0);
  });

  it('Xen: misaligned data accesses read all-ones and are dropped', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, cfgAddr(0, 0, 0, 0x0c));
    expect(ports.read(0xcfd, 2)).toBe(0xffff);
    expect(ports.read(0xcfe, 4)).toBe(0xffffffff);
    ports.write(0xcfd, 2, 0xffff);
    expect(cfgRead(ports, 0, 0, 0, 0x0c, 4)).toBe(0);
  });

  it('QEMU: misaligned data accesses are split into bytes (0xcfd word → 0x3780)', () => {
    const { ports } = qemuRig();
    ports.write(0xcf8, 4, 0x80000000);
    expect(ports.read(0xcfd, 2)).toBe(0x3780);
    expect(ports.read(0xcfd, 4)).toBe(0xff123780);
  });

  it('ignores CONFIG_ADDRESS bits 30:24 and 1:0', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, 0x8f000003);
    expect(ports.read(0xcfc, 4)).toBe(0x12378086);
  });

  it('absent functions and buses read all-ones', () => {
    const { ports } = xenRig();
    expect(cfgRead(ports, 0, 3, 0, 0, 4)).toBe(0xffffffff);
    expect(cfgRead(ports, 1, 0, 0, 0, 4)).toBe(0xffffffff);
    expect(cfgRead(ports, 0, 0, 1, 0, 2)).toBe(0xffff);
  });

  it('the command register keeps only its writable bits (0x0507)', () => {
    const { ports } = xenRig();
    cfgWrite(ports, 0, 0, 0, 0x04, 4, 0xffffffff);
    expect(cfgRead(ports, 0, 0, 0, 0x04, 4)).toBe(0x0507);
  });

  it('honours the multi-function bit: functions > 0 answer only under a multi-function function 0', () => {
    const { ports, host } = xenRig();
    const base = { vendorId: 0x1234, deviceId: 1, classCode: 0xff0000 };
    host.attach({ device: 5, function: 2 }, { ...base, name: 'f2' });
    expect(cfgRead(ports, 0, 5, 2, 0, 4)).toBe(0xffffffff); // no function 0 yet
    expect(() => host.attach({ device: 5 }, { ...base, name: 'f0' })).toThrow(PciSlotError);
    host.attach({ device: 5 }, { ...base, name: 'f0', multiFunction: true });
    expect(cfgRead(ports, 0, 5, 0, 0x0c, 4)).toBe(0x00800000);
    expect(cfgRead(ports, 0, 5, 2, 0, 4)).toBe(0x00011234);
    host.attach({ device: 6 }, { ...base, name: 'single' });
    expect(() => host.attach({ device: 6, function: 1 }, { ...base, name: 'x' })).toThrow(/single-function/);
    expect(() => host.attach({ device: 5, function: 2 }, { ...base, name: 'dup' })).toThrow(/already holds/);
    expect(() => host.attach({ device: 32 }, { ...base, name: 'bad' })).toThrow(PciSlotError);
  });
});

describe('reset control (0xCF9)', () => {
  it('RCPU requests a reset, SRST chooses hard or soft; only SRST reads back', () => {
    const { ports, reset } = xenRig();
    expect(ports.read(0xcf9, 1)).toBe(0);
    ports.write(0xcf9, 1, 0x02);
    expect(ports.read(0xcf9, 1)).toBe(0x02);
    expect(reset.requests).toEqual([]);
    ports.write(0xcf9, 1, 0x06);
    expect(reset.requests).toEqual(['hard']);
    ports.write(0xcf9, 1, 0x04);
    expect(reset.requests).toEqual(['hard', 'soft']);
    expect(ports.read(0xcf9, 1)).toBe(0);
  });

  it('does not disturb the latch', () => {
    const { ports } = xenRig();
    ports.write(0xcf8, 4, 0x80000000);
    ports.write(0xcf9, 1, 0x02);
    expect(ports.read(0xcf8, 4)).toBe(0x80000000);
  });
});
