// Vcpu.prepareEntry's shortcut: after port I/O and MMIO off the xAPIC page, with nothing arriving
// at the LAPIC, the next entry needs no work. These run the real Vcpu and LAPIC against a stand-in
// for the KVM vCPU (a kvm_run page in memory), so every case is exact and needs no /dev/kvm.
import { describe, expect, it } from 'vitest';
import { accessContext } from '../../src/bus/access.js';
import { EXIT, RUN } from '../../src/vmm/kvm/abi.js';
import { vcpuOnFakeKvm } from './fake-kvm-vcpu.js';

const APIC = 0xfee00000;
const TPR = 0x80;
const SVR = 0xf0;
const VECTOR = 0x40;
const PORT = 0x80;

function setup() {
  const t = vcpuOnFakeKvm();
  const { platform, lapic } = t;
  platform.ports.register(PORT, 1, { read: () => 0, write: () => undefined }, { owner: 'test' });
  // Software-enable the LAPIC (SVR bit 8) the way the guest would.
  platform.mmio.write(APIC + SVR, 4, 0x1ff, accessContext(0));
  let lapicLooks = 0;
  const has = lapic.hasPendingInterrupt.bind(lapic);
  lapic.hasPendingInterrupt = () => {
    lapicLooks++;
    return has();
  };
  return {
    ...t,
    /** KVM returned from KVM_RUN with `OUT port, AL`; the guest can take an interrupt iff `ready`. */
    portExit: (ready: boolean, port = PORT) => t.portExit(ready, port),
    /** KVM returned with a 4-byte MMIO write of `value` at `addr`. */
    mmioWrite: (addr: number, value: number, ready: boolean) => void t.mmioExit(addr, 4, value, ready),
    looks: () => lapicLooks,
  };
}

describe('Vcpu entry preparation after exits that change nothing', () => {
  it('enters after port exits without looking at the LAPIC again once it found nothing to do', () => {
    const t = setup();
    expect(t.vcpu.prepareEntry()).toBe(true);
    const after = t.looks();
    for (let i = 0; i < 5; i++) {
      t.portExit(true);
      expect(t.vcpu.prepareEntry()).toBe(true);
    }
    expect(t.looks()).toBe(after);
    expect(t.injected).toEqual([]);
  });

  it('injects an interrupt that arrived during a port exit at the next entry (the LAPIC wake-up)', () => {
    const t = setup();
    t.vcpu.prepareEntry();
    t.platform.ports.register(0x81, 1, { read: () => 0, write: () => t.lapic.setIrq(VECTOR, false) }, { owner: 'test' });
    t.portExit(true, 0x81);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(0);
  });

  it('re-evaluates after an MMIO write to the xAPIC page: a vector TPR held back goes in once TPR drops', () => {
    const t = setup();
    t.mmioWrite(APIC + TPR, 0xf0, true);
    t.lapic.setIrq(VECTOR, false); // below TPR's class: not deliverable
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([]);
    t.portExit(true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([]);
    // Lowering TPR is an MMIO exit on the LAPIC's page: no wake-up, yet the vector is now deliverable.
    t.mmioWrite(APIC + TPR, 0, true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
  });

  it('MMIO off the xAPIC page keeps the shortcut', () => {
    const t = setup();
    t.vcpu.prepareEntry();
    const after = t.looks();
    t.mmioWrite(0xd0000000, 1, true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.looks()).toBe(after);
  });

  it('keeps an interrupt window asked for while the guest cannot take the interrupt, and injects at the first exit where it can', () => {
    const t = setup();
    t.lapic.setIrq(VECTOR, false);
    t.portExit(false);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(1);
    t.portExit(false);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(1);
    // The guest executed STI and then the OUT: KVM reports it ready at this port exit.
    t.portExit(true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(0);
  });

  it('an interrupt that arrives with an NMI waits for a window: KVM delivers the NMI first (SDM Vol. 3A §6.9)', () => {
    const t = setup();
    t.portExit(true);
    t.lapic.receive(4, 0, false, true); // delivery mode NMI (apic multiple nmi: an NMI IPI, then a fixed one)
    t.lapic.setIrq(VECTOR, false);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.nmis()).toBe(1);
    expect(t.injected).toEqual([]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(1);
    // A kick before KVM entered the guest: KVM may still hold the NMI, so still no injection.
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(1);
    // The window exit (after the NMI handler's IRET): KVM holds no NMI any more.
    t.portExit(true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
    expect(t.nmis()).toBe(1);
  });

  it('any other exit (HLT here) looks at everything again', () => {
    const t = setup();
    t.vcpu.prepareEntry();
    t.run.setUint32(RUN.exitReason, EXIT.HLT, true);
    t.runBytes[RUN.ifFlag] = 1;
    t.vcpu.serveExit();
    expect(t.vcpu.prepareEntry()).toBe(false); // halted, nothing pending
    t.lapic.setIrq(VECTOR, false);
    t.runBytes[RUN.readyForInterruptInjection] = 1;
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
  });
});

describe('Vcpu: an injected interrupt waits for its entry', () => {
  // With several vCPUs the device-model thread prepares vCPU 0's entry again, without entering,
  // when a worker posts an exit in between. An interrupt that arrived meanwhile must not replace
  // the one already written into kvm_run's events: that vector is acknowledged (in service in the
  // LAPIC) and would never be delivered, blocking its class for good (2-vCPU Linux: CPU 0's
  // timer vector 0xEC, replaced by an IPI from CPU 1).
  it('a second prepareEntry() before the entry asks for a window instead of replacing the queued interrupt', () => {
    const t = setup();
    t.lapic.setIrq(VECTOR, false);
    t.runBytes[RUN.readyForInterruptInjection] = 1;
    t.runBytes[RUN.ifFlag] = 1;
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
    t.lapic.setIrq(0xfd, false); // a higher-class IPI arrives before vCPU 0 is entered
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR]);
    expect(t.runBytes[RUN.requestInterruptWindow]).toBe(1);
    // The entry delivered VECTOR; at the window exit the IPI goes in.
    t.portExit(true);
    expect(t.vcpu.prepareEntry()).toBe(true);
    expect(t.injected).toEqual([VECTOR, 0xfd]);
  });
});

describe('Vcpu MSR exits', () => {
  it('RDMSR IA32_APIC_BASE answers the LAPIC value in kvm_run as two halves', () => {
    const t = setup();
    t.run.setBigUint64(RUN.msrData, 0xdead_beef_dead_beefn, true);
    expect(t.msrExit(0x1b, false)).toBe(0);
    expect(t.run.getBigUint64(RUN.msrData, true)).toBe(t.lapic.apicBase);
    expect(t.run.getUint32(RUN.msrData, true)).toBe(0xfee00900);
  });

  it('an MSR the LAPIC does not own, or refuses, is #GP', () => {
    const t = setup();
    expect(t.msrExit(0x10, false)).toBe(1); // IA32_TSC: not the LAPIC's
    expect(t.msrExit(0x830, true, 0x4400)).toBe(1); // x2APIC ICR while in xAPIC mode
  });

  it('IA32_APIC_BASE with a bit at or above MAXPHYADDR is #GP and leaves the base as it was (apic "reserved physaddr bits")', () => {
    const t = setup();
    const before = t.lapic.apicBase;
    expect(t.msrExit(0x1b, true, 0xfee00900, 1 << 8)).toBe(1); // bit 40, MAXPHYADDR 40
    expect(t.lapic.apicBase).toBe(before);
    expect(t.msrExit(0x1b, true, 0xfee00900, 1 << 7)).toBe(0); // bit 39: a valid base (qemu-pc moves the window)
    expect(t.lapic.apicBase).toBe(0x80_fee0_0900n);
  });
});
