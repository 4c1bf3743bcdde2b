// A VMCALL on a vCPU worker thread (vCPU 1) ends: KVM answers a hypercall it does not offer without
// an in-kernel LAPIC with RAX = −KVM_ENOSYS (arch/x86/kvm/x86.c kvm_emulate_hypercall); on PVM the
// host never completes it and sends no exit, so the VMM must notice the silent worker on its own
// (HostQuirks.kickSilentWorkers) and complete it (docs/vmm.md, "Host detection").
import { afterEach, describe, expect, it } from 'vitest';
import type { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { START_AP_AT_0X2000, createFlatVm, startBspFlat } from './flat-guest.js';

announceKvmSkip('KVM worker hypercall test');

/** vCPU 0, 32-bit flat at 0x1000: INIT and SIPI (vector 2 → 0x2000) to APIC ID 1, then halts with IF clear. */
const BSP = [
  ...START_AP_AT_0X2000,
  0xfa, //                   cli
  0xf4, //                   hlt
  0xeb,
  0xfd, //             jmp hlt
];

/** vCPU 1, real mode at 0x2000 (CS = 0x200): VMCALL, then report AX on the exit port. */
const AP = [
  0x0f,
  0x01,
  0xc1, //       vmcall
  0xba,
  0xf4,
  0x00, //       mov dx, 0xf4
  0xef, //                   out dx, ax
  0xf4, //                   hlt
];

describe.skipIf(KVM_SKIP_REASON !== null)('VMCALL on a vCPU worker', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('completes with −KVM_ENOSYS and the guest runs on', async () => {
    vm = createFlatVm({ vcpus: 2, timeoutSeconds: 10, bsp: BSP, ap: AP });
    const v = vm;
    startBspFlat(v);
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: -1000 & 0xffff });
  });
});
