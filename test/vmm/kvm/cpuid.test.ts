// The guest's CPUID: LAPIC features follow the LAPIC, and bits the host cannot back are hidden.
import { describe, expect, it } from 'vitest';
import { guestCpuid, physAddrBits } from '../../../src/vmm/cpuid.js';
import { CPUID1_ECX_CX16, hostQuirks } from '../../../src/vmm/kvm/pvm-host.js';
import type { LapicParams } from '../../../src/devices/lapic/params.js';

const lapic = { x2apic: true, tscDeadline: false, apicIdStride: 2 } as LapicParams;
const supported = [{ fn: 1, index: 0, flags: 0, eax: 0x806f8, ebx: 0x800, ecx: 0xf6d83203 | (1 << 21) | (1 << 24), edx: 0x178bfbff }];

describe('guestCpuid', () => {
  it('leaf 1: CX16 stays unless hidden; x2APIC per the LAPIC, TSC-deadline off, hypervisor on, APIC ID = index × stride', () => {
    const plain = guestCpuid(supported, lapic, 3, 4)[0]!;
    expect(plain.ecx & CPUID1_ECX_CX16).toBe(CPUID1_ECX_CX16);
    expect((plain.ecx >>> 21) & 1).toBe(1);
    expect((plain.ecx >>> 24) & 1).toBe(0);
    expect(plain.ecx >>> 31).toBe(1);
    expect(plain.ebx >>> 24).toBe(6);
    const hidden = guestCpuid(supported, lapic, 0, 1, hostQuirks('pvm').hiddenCpuid1Ecx)[0]!;
    expect(hidden.ecx & CPUID1_ECX_CX16).toBe(0);
    expect((hidden.ecx | CPUID1_ECX_CX16) >>> 0).toBe(plain.ecx);
  });

  it('only a PVM host hides CX16 (its emulator refuses CMPXCHG16B)', () => {
    expect(hostQuirks('pvm').hiddenCpuid1Ecx).toBe(CPUID1_ECX_CX16);
    expect(hostQuirks('vmx').hiddenCpuid1Ecx).toBe(0);
    expect(hostQuirks('svm').hiddenCpuid1Ecx).toBe(0);
  });

  it('MAXPHYADDR is CPUID 0x80000008 EAX[7:0], 36 without the leaf or with a value out of range', () => {
    const leaf = (eax: number) => [...supported, { fn: 0x80000008, index: 0, flags: 0, eax, ebx: 0, ecx: 0, edx: 0 }];
    expect(physAddrBits(leaf(0x3028))).toBe(40);
    expect(physAddrBits(leaf(0x302e))).toBe(46);
    expect(physAddrBits(supported)).toBe(36);
    expect(physAddrBits(leaf(0x3000))).toBe(36);
  });
});
