// The real Vcpu, LAPIC and platform against a stand-in for KvmVcpu: struct kvm_run is a page in
// memory, so a test writes an exit into it as KVM_RUN would leave it, calls serveExit() /
// prepareEntry() and reads what the VMM wrote back. Exact, and needs no /dev/kvm. Shared by the
// Vcpu tests (vcpu-entry, vcpu-mmio-exit).
import 'reflect-metadata';
import type { Lapic } from '../../src/devices/lapic/lapic.js';
import { createPlatform } from '../../src/platform/create-platform.js';
import type { ProfileName } from '../../src/platform/profiles.js';
import { EXIT, IO_DIRECTION, RUN, SIZEOF } from '../../src/vmm/kvm/abi.js';
import type { KvmVcpu } from '../../src/vmm/kvm/kvm-vcpu.js';
import { Vcpu, type VcpuHost } from '../../src/vmm/vcpu.js';

/** Where the fake's port exits put their one data byte in the kvm_run page. */
const IO_DATA_OFFSET = 1024;

export function vcpuOnFakeKvm(profile: ProfileName = 'qemu-pc') {
  const platform = createPlatform({ profile, vcpus: 1 });
  const lapic = platform.vcpus[0]!.devices.get('lapic') as Lapic;
  const page = new ArrayBuffer(4096);
  const run = new DataView(page);
  const runBytes = new Uint8Array(page);
  const sregs = new DataView(new ArrayBuffer(SIZEOF.sregs));
  /** Vectors handed to KvmVcpu.interrupt(), in order. */
  const injected: number[] = [];
  let nmis = 0;
  // KVM's bookkeeping as KvmVcpu keeps it: KVM_NMI since the last exit means KVM may hold that NMI;
  // an injected interrupt waits in kvm_run's events until a KVM_RUN takes it.
  const kvmState = { nmiSinceExit: false, interruptQueued: false };
  const kvm = {
    run,
    runBytes,
    sregs,
    getSregs: () => sregs,
    setMsr: () => undefined,
    interrupt: (v: number) => {
      injected.push(v);
      kvmState.interruptQueued = true;
    },
    get interruptQueued() {
      return kvmState.interruptQueued;
    },
    nmi: () => {
      nmis++;
      kvmState.nmiSinceExit = true;
    },
    get nmiSinceExit() {
      return kvmState.nmiSinceExit;
    },
    get holdsNmi() {
      return kvmState.nmiSinceExit;
    },
  } as unknown as KvmVcpu;
  const host: VcpuHost = {
    ports: platform.ports,
    mmio: platform.mmio,
    stop: () => undefined,
    completeFailedEmulation: () => false,
    requestReset: () => undefined,
    anchorTsc: () => undefined,
    physAddrBits: 40,
  };
  const vcpu = new Vcpu(0, kvm, lapic, host);
  lapic.wakeObserver = () => vcpu.wake(); // as Vm wires it

  /**
   * KVM_RUN entered the guest and returned with the exit the caller wrote: the queued interrupt
   * was taken, KVM holds no NMI from before, and CR8 is what the entry loaded from TPR (the guest
   * did not move to CR8). `ready`: the guest can take an interrupt now (IF set, no shadow).
   */
  const exit = (reason: number, ready: boolean) => {
    kvmState.interruptQueued = false;
    kvmState.nmiSinceExit = false;
    run.setUint32(RUN.cr8, lapic.tpr >>> 4, true);
    run.setUint32(RUN.exitReason, reason, true);
    runBytes[RUN.readyForInterruptInjection] = ready ? 1 : 0;
    runBytes[RUN.ifFlag] = ready ? 1 : 0;
    vcpu.serveExit();
  };
  /** `OUT port, AL` (AL = `value`). */
  const portExit = (ready: boolean, port: number, value = 0) => {
    runBytes[RUN.ioDirection] = IO_DIRECTION.OUT;
    runBytes[RUN.ioSize] = 1;
    run.setUint16(RUN.ioPort, port, true);
    run.setUint32(RUN.ioCount, 1, true);
    run.setUint32(RUN.ioDataOffset, IO_DATA_OFFSET, true);
    runBytes[IO_DATA_OFFSET] = value;
    exit(EXIT.IO, ready);
  };
  /** An MMIO access of `len` bytes at `addr`: a write of `write`, or a read (null) whose data is returned. */
  const mmioExit = (addr: number, len: number, write: number | null, ready = true): number => {
    run.setBigUint64(RUN.mmioPhysAddr, BigInt(addr), true);
    run.setUint32(RUN.mmioLen, len, true);
    runBytes[RUN.mmioIsWrite] = write === null ? 0 : 1;
    run.setUint32(RUN.mmioData, write ?? 0xdead_beef, true);
    exit(EXIT.MMIO, ready);
    return run.getUint32(RUN.mmioData, true);
  };
  /** RDMSR (write false) or WRMSR of `msr`; returns kvm_run's error flag (1: #GP). */
  const msrExit = (msr: number, write: boolean, lo = 0, hi = 0): number => {
    run.setUint32(RUN.msrIndex, msr, true);
    if (write) {
      run.setUint32(RUN.msrData, lo, true);
      run.setUint32(RUN.msrData + 4, hi, true);
    }
    runBytes[RUN.msrError] = 0xff;
    exit(write ? EXIT.X86_WRMSR : EXIT.X86_RDMSR, true);
    return runBytes[RUN.msrError]!;
  };
  return { platform, lapic, vcpu, run, runBytes, injected, nmis: () => nmis, exit, portExit, mmioExit, msrExit };
}
