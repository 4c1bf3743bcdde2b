// Vcpu.serveMmio: an MMIO exit reaches the device at the address KVM reported, through the vCPU's
// own MmioTlb, and follows the bus when a region moves or goes (the xAPIC window relocated by
// IA32_APIC_BASE included). Run against a kvm_run page in memory: exact, no /dev/kvm needed.
import { describe, expect, it } from 'vitest';
import type { IoHandler } from '../../src/bus/handler.js';
import { vcpuOnFakeKvm } from './fake-kvm-vcpu.js';

const DEV = 0xd000_0000;
const APIC = 0xfee0_0000;
const TPR = 0x80;

function setup() {
  const t = vcpuOnFakeKvm();
  return {
    platform: t.platform,
    lapic: t.lapic,
    /** KVM returned with an MMIO access of `len` bytes at `addr`; a read returns kvm_run's data. */
    mmio: (addr: number, len: number, write: number | null) => t.mmioExit(addr, len, write),
    wrmsr: (msr: number, lo: number, hi: number) => t.msrExit(msr, true, lo, hi),
  };
}

/** A device that logs every access and reads back (tag << 24) | offset. */
function device(tag: number, log: string[]): IoHandler {
  return {
    read: (off, size) => {
      log.push(`${tag} r${size} ${off.toString(16)}`);
      return ((tag << 24) | off) >>> 0;
    },
    write: (off, size, v) => {
      log.push(`${tag} w${size} ${off.toString(16)}=${v.toString(16)}`);
    },
  };
}

describe('Vcpu MMIO exits', () => {
  it('serve reads and writes of 1, 2 and 4 bytes at the region offset KVM reported', () => {
    const t = setup();
    const log: string[] = [];
    t.platform.mmio.register(DEV, 0x1000, device(1, log), { owner: 'test' });
    t.mmio(DEV + 0x10, 4, 0x1234_5678);
    t.mmio(DEV + 0x12, 2, 0xabcd);
    t.mmio(DEV + 0x13, 1, 0xef);
    expect(t.mmio(DEV + 0x20, 4, null)).toBe(0x0100_0020);
    expect(t.mmio(DEV + 0x22, 2, null) & 0xffff).toBe(0x0022);
    expect(t.mmio(DEV + 0x23, 1, null) & 0xff).toBe(0x23);
    expect(log).toEqual(['1 w4 10=12345678', '1 w2 12=abcd', '1 w1 13=ef', '1 r4 20', '1 r2 22', '1 r1 23']);
  });

  it('follow the bus when a region is moved, removed or replaced after the vCPU used it', () => {
    const t = setup();
    const log: string[] = [];
    const region = t.platform.mmio.register(DEV, 0x1000, device(1, log), { owner: 'test' });
    expect(t.mmio(DEV + 4, 4, null)).toBe(0x0100_0004);
    t.platform.mmio.moveRegion(region, DEV + 0x10_0000);
    // The old page is unclaimed now (reads 0 on qemu-pc); the new one reaches the device.
    expect(t.mmio(DEV + 4, 4, null)).toBe(0);
    expect(t.mmio(DEV + 0x10_0008, 4, null)).toBe(0x0100_0008);
    t.platform.mmio.removeRegion(region);
    t.platform.mmio.register(DEV, 0x1000, device(2, log), { owner: 'test' });
    expect(t.mmio(DEV + 4, 4, null)).toBe(0x0200_0004);
    expect(t.mmio(DEV + 0x10_0008, 4, null)).toBe(0);
    expect(log).toEqual(['1 r4 4', '1 r4 8', '2 r4 4']);
  });

  it('reach the LAPIC at its relocated xAPIC window after an IA32_APIC_BASE write, not at the old one', () => {
    const t = setup();
    t.mmio(APIC + TPR, 4, 0x10);
    expect(t.lapic.tpr).toBe(0x10);
    const moved = 0xfed4_0000;
    expect(t.wrmsr(0x1b, moved | 0x900, 0)).toBe(0); // BSP | enable, at the new base
    expect(t.lapic.windowBase).toBe(moved);
    expect(t.mmio(moved + TPR, 4, null)).toBe(0x10);
    // The old window (used by this vCPU a moment ago) no longer reaches the LAPIC.
    t.mmio(APIC + TPR, 4, 0x30);
    expect(t.lapic.tpr).toBe(0x10);
    t.mmio(moved + TPR, 4, 0x20);
    expect(t.lapic.tpr).toBe(0x20);
    expect(t.mmio(moved + TPR, 4, null)).toBe(0x20);
  });
});
