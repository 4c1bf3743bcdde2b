// A guest of a few hand-assembled instructions on real KVM: port I/O and MMIO exits reach the
// platform's devices (RTC, LAPIC) and their answers reach the guest.
import { afterEach, describe, expect, it } from 'vitest';
import { Vm } from '../../../src/vmm/vm.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { stopOnPortF4 } from './test-exit-port.js';

announceKvmSkip('KVM smoke tests');

/** 32-bit flat protected-mode code at 0x1000. */
const GUEST = [
  0xb0,
  0x0a, //             mov al, 0x0a
  0xe6,
  0x70, //             out 0x70, al        (RTC index: register A)
  0xe4,
  0x71, //             in al, 0x71
  0xa2,
  0x00,
  0x20,
  0x00,
  0x00, // mov [0x2000], al
  0xc7,
  0x05,
  0x80,
  0x00,
  0xe0,
  0xfe,
  0x20,
  0x00,
  0x00,
  0x00, // mov dword [0xfee00080], 0x20  (LAPIC TPR)
  0xa1,
  0x80,
  0x00,
  0xe0,
  0xfe, //   mov eax, [0xfee00080]
  0xa3,
  0x04,
  0x20,
  0x00,
  0x00, //   mov [0x2004], eax
  0xba,
  0xf4,
  0x00,
  0x00,
  0x00, //   mov edx, 0xf4
  0xb8,
  0x2a,
  0x00,
  0x00,
  0x00, //   mov eax, 42
  0xef, //                   out dx, eax         (the test's exit port)
  0xf4, //                   hlt
];

describe.skipIf(KVM_SKIP_REASON !== null)('KVM smoke', () => {
  let vm: Vm | null = null;
  afterEach(() => {
    vm?.close();
    vm = null;
  });

  it('serves port I/O and MMIO exits from the platform and stops on the exit port', async () => {
    vm = Vm.create({ profile: 'qemu-pc', vcpus: 1, ramBytes: 4 * 1024 * 1024, timeoutSeconds: 10 });
    const v = vm;
    stopOnPortF4(v);
    v.ram.set(GUEST, 0x1000);
    v.setBootState({ mode: 'protected32', rip: 0x1000, regs: {} });
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 42 });
    expect(v.ram[0x2000]).toBe(0x26); // RTC register A as hvmdev's RTC resets it
    expect(new DataView(v.ram.buffer, v.ram.byteOffset).getUint32(0x2004, true)).toBe(0x20);
    expect(v.vcpus[0]!.lapic.tpr).toBe(0x20);
    const s = v.stats();
    expect(s.byPort[0x70]).toBe(1);
    expect(s.byPort[0x71]).toBe(1);
    expect(s.byPage.get(0xfee00)).toBe(2);
  });
});
