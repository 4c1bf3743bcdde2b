// The CPUID a vCPU sees: what this host's KVM supports (KVM_GET_SUPPORTED_CPUID), adjusted to
// the platform: the APIC and x2APIC bits and TSC-deadline follow the LAPIC's parameters, the APIC
// IDs are the platform's, the hypervisor bit is set, and KVM's paravirtual features are hidden
// (they assume an in-kernel LAPIC, which this VMM does not use).
import type { LapicParams } from '../devices/lapic/params.js';
import type { CpuidEntry } from './kvm/kvm-system.js';

const CPUID1_ECX_X2APIC = 1 << 21;
const CPUID1_ECX_TSC_DEADLINE = 1 << 24;
const CPUID1_ECX_HYPERVISOR = 1 << 31;
const CPUID1_EDX_APIC = 1 << 9;
const KVM_CPUID_FEATURES = 0x40000001;

/** `hiddenEcx1`: CPUID.1:ECX bits this host cannot back (kvm/pvm-host.ts). */
export function guestCpuid(supported: readonly CpuidEntry[], lapic: LapicParams, vcpu: number, vcpus: number, hiddenEcx1 = 0): CpuidEntry[] {
  const apicId = vcpu * lapic.apicIdStride;
  return supported.map((e0) => {
    const e = { ...e0 };
    switch (e.fn) {
      case 1:
        e.ebx = ((e.ebx & 0x0000ffff) | ((Math.min(vcpus, 255) & 0xff) << 16) | ((apicId & 0xff) << 24)) >>> 0;
        e.ecx = (e.ecx & ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE | hiddenEcx1)) | CPUID1_ECX_HYPERVISOR;
        if (lapic.x2apic) e.ecx |= CPUID1_ECX_X2APIC;
        if (lapic.tscDeadline) e.ecx |= CPUID1_ECX_TSC_DEADLINE;
        e.ecx >>>= 0;
        e.edx = (e.edx | CPUID1_EDX_APIC) >>> 0;
        break;
      case 0xb:
      case 0x1f:
        e.edx = apicId >>> 0; // x2APIC ID of this logical processor
        break;
      case KVM_CPUID_FEATURES:
        e.eax = 0;
        e.edx = 0;
        break;
    }
    return e;
  });
}

/** MAXPHYADDR from a CPUID table (leaf 0x80000008 EAX[7:0]); 36 without the leaf (SDM Vol. 3A §4.1.4). */
export function physAddrBits(cpuid: readonly CpuidEntry[]): number {
  const leaf = cpuid.find((e) => e.fn === 0x80000008);
  const bits = leaf === undefined ? 36 : leaf.eax & 0xff;
  return bits >= 32 && bits <= 52 ? bits : 36;
}
