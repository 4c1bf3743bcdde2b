// Guest reset and power-off on KVM (docs/vmm.md, "Reset and power-off"): a reset request (0xCF9,
// port 0x92 fast reset) resets the platform and every vCPU (an AP running in a worker thread goes
// back to wait-for-SIPI) and the guest runs on, re-entering the loaded kernel; ACPI S5 (SLP_EN with
// the firmware's S5 SLP_TYP in PM1a_CNT) powers off with status 0 on every profile, other sleep
// types do not stop the guest; a triple fault stays a triple fault.
import { afterEach, describe, expect, it } from 'vitest';
import { setUpLikeBios } from '../../../src/firmware/bios-setup.js';
import type { PmTimer } from '../../../src/devices/pm/pm-timer.js';
import type { ProfileName } from '../../../src/platform/profiles.js';
import { createMultibootGuest, type Guest } from '../../../src/vmm/guest.js';
import { exitStatus } from '../../../src/vmm/stop-reason.js';
import { Vm } from '../../../src/vmm/vm.js';
import { VcpuState } from '../../../src/vmm/vcpu.js';
import { concat, elf32, mbHeader } from '../loaders/images.js';
import { KVM_SKIP_REASON, announceKvmSkip } from './kvm-available.js';
import { START_AP_AT_0X2000, createFlatVm, startBspFlat } from './flat-guest.js';

announceKvmSkip('KVM reset and power-off tests');

/** RAM byte the guest counts its boots in: outside the kernel image, so a reboot keeps it. */
const BOOTS = 0x300000;
const RESET_CF9 = [0x66, 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee]; // mov dx, 0xcf9; mov al, 6; out dx, al
const RESET_PORT92 = [0xe4, 0x92, 0x0c, 0x01, 0xe6, 0x92, 0x90]; // in al, 0x92; or al, 1; out 0x92, al; nop

/**
 * The boot-counting kernels' first bytes: count this boot at BOOTS and, on any boot but the first,
 * jump over the 7-byte reset and its hlt (8 bytes) to the report that follows them.
 */
const COUNT_BOOT_PROLOGUE = [
  0xfe,
  0x05,
  0x00,
  0x00,
  0x30,
  0x00, //             inc byte [BOOTS]
  0x80,
  0x3d,
  0x00,
  0x00,
  0x30,
  0x00,
  0x01, //       cmp byte [BOOTS], 1
  0x75,
  0x08, //                                     jne report
];

/**
 * A Multiboot kernel (32-bit flat, entry right after its header): counts its boot at BOOTS; on the
 * first boot runs `reset` (7 bytes) then halts, on a later one writes the count to isa-debug-exit.
 */
function resetOnceKernel(reset: readonly number[]): Uint8Array {
  const code = [
    ...COUNT_BOOT_PROLOGUE,
    ...reset, //                                       (7 bytes)
    0xf4, //                                           hlt
    0x0f,
    0xb6,
    0x05,
    0x00,
    0x00,
    0x30,
    0x00, // report: movzx eax, byte [BOOTS]
    0xe7,
    0xf4, //                                     out 0xf4, eax
    0xf4, //                                           hlt
  ];
  return elf32(0x10000c, [{ paddr: 0x100000, data: concat(mbHeader(0), new Uint8Array(code)) }]);
}

/**
 * A Multiboot kernel that resets through 0xCF9 on its first boot and, on the second, reads the PM
 * timer at `pmTimerPort`: debug-exit code = the boot count | the timer's top byte (0 for the
 * 24-bit timer; 0xFF from a port nobody serves).
 */
function pmTimerAfterResetCode(pmTimerPort: number): number[] {
  return [
    ...COUNT_BOOT_PROLOGUE,
    ...RESET_CF9, //                                   (7 bytes)
    0xf4, //                                           hlt
    0x66,
    0xba,
    pmTimerPort & 0xff,
    pmTimerPort >>> 8, //     report: mov dx, PM_TMR
    0xed, //                                           in eax, dx
    0x25,
    0x00,
    0x00,
    0x00,
    0xff, //                   and eax, 0xff000000
    0x0a,
    0x05,
    0x00,
    0x00,
    0x30,
    0x00, //                       or al, [BOOTS]
    0xe7,
    0xf4, //                                     out 0xf4, eax
    0xf4, //                                           hlt
  ];
}

/** A Multiboot kernel that writes `values` (16-bit) to port `port` in turn, marking RAM before the last, then halts. */
function sleepKernel(port: number, values: readonly number[]): Uint8Array {
  const code: number[] = [0x66, 0xba, port & 0xff, port >>> 8]; // mov dx, port
  values.forEach((v, i) => {
    if (i === values.length - 1) code.push(0xc6, 0x05, 0x01, 0x00, 0x30, 0x00, 0x01); // mov byte [BOOTS + 1], 1
    code.push(0x66, 0xb8, v & 0xff, v >>> 8, 0x66, 0xef); // mov ax, v; out dx, ax
  });
  code.push(0xf4, 0xeb, 0xfd); // hlt; jmp hlt
  return elf32(0x10000c, [{ paddr: 0x100000, data: concat(mbHeader(0), new Uint8Array(code)) }]);
}

describe.skipIf(KVM_SKIP_REASON !== null)('guest reset and power-off', () => {
  let guest: Guest | null = null;
  let vm: Vm | null = null;
  afterEach(() => {
    guest?.vm.close();
    vm?.close();
    guest = vm = null;
  });

  const boot = (kernel: Uint8Array, profile: ProfileName, vcpus = 1) => {
    guest = createMultibootGuest({ kernel, profile, vcpus, ramBytes: 8 * 1024 * 1024, testDevices: true, timeoutSeconds: 15, serialOut: () => undefined });
    return guest.vm;
  };

  for (const [source, seq, profile] of [
    ['0xCF9', RESET_CF9, 'qemu-pc'],
    ['port 0x92', RESET_PORT92, 'qemu-pc'],
    ['port 0x92', RESET_PORT92, 'xen-hvm'],
  ] as const) {
    it(`a reset through ${source} (${profile}) reboots the kernel once, and the guest runs on`, async () => {
      const v = boot(resetOnceKernel(seq), profile);
      const r = await v.run();
      expect(r).toEqual({ kind: 'debug-exit', code: 2 });
      expect(v.resets).toBe(1);
      expect(v.ram[BOOTS]).toBe(2);
    });
  }

  it('after a reset through 0xCF9 (qemu-pc) the BIOS-like set-up is redone: the PM timer still reads at 0x608', async () => {
    const kernel = elf32(0x10000c, [{ paddr: 0x100000, data: concat(mbHeader(0), new Uint8Array(pmTimerAfterResetCode(0x608))) }]);
    const v = boot(kernel, 'qemu-pc');
    const pm = [...v.platform.devices.values()].find((d) => d.kind === 'acpi-pm1') as PmTimer;
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 2 });
    expect(v.resets).toBe(1);
    expect(pm.base).toBe(0x600);
  });

  it('a VM whose firmware set-up was done (Vm.setUpLikeBios) gets it again at a reset, before its reboot listener runs', async () => {
    vm = createFlatVm({ vcpus: 1, timeoutSeconds: 15, bsp: pmTimerAfterResetCode(0x608) });
    const v = vm;
    expect(v.setUpLikeBios().pmBase).toBe(0x600);
    const pm = [...v.platform.devices.values()].find((d) => d.kind === 'acpi-pm1') as PmTimer;
    startBspFlat(v);
    let baseAtReboot: number | null = -1;
    v.onReboot(() => {
      baseAtReboot = pm.base;
      startBspFlat(v);
    });
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 2 });
    expect(v.resets).toBe(1);
    expect(baseAtReboot).toBe(0x600);
  });

  it('with onReset "stop" a reset ends the run (status 6)', async () => {
    guest = createMultibootGuest({
      kernel: resetOnceKernel(RESET_CF9),
      profile: 'qemu-pc',
      ramBytes: 8 * 1024 * 1024,
      testDevices: true,
      timeoutSeconds: 15,
      onReset: 'stop',
      serialOut: () => undefined,
    });
    const r = await guest.vm.run();
    expect(r).toEqual({ kind: 'reset', vcpu: 0 });
    expect(exitStatus(r)).toBe(6);
  });

  it('a reset brings a running AP (worker thread) back to wait-for-SIPI', async () => {
    // vCPU 0 (32-bit flat at 0x1000): first boot starts vCPU 1 at 0x2000, waits for its mark, resets through 0xCF9.
    const bsp = [
      0xfe,
      0x05,
      0x00,
      0x30,
      0x00,
      0x00, //                               inc byte [0x3000]
      0x80,
      0x3d,
      0x00,
      0x30,
      0x00,
      0x00,
      0x01, //                         cmp byte [0x3000], 1
      0x75,
      0x2f, //                                                       jne report
      ...START_AP_AT_0X2000,
      0x80,
      0x3d,
      0x01,
      0x30,
      0x00,
      0x00,
      0x00, //                   wait: cmp byte [0x3001], 0
      0x74,
      0xf7, //                                                       je wait
      ...RESET_CF9, //                                                     reset
      0xf4, //                                                             hlt
      0x0f,
      0xb6,
      0x05,
      0x00,
      0x30,
      0x00,
      0x00, //                 report: movzx eax, byte [0x3000]
      0xe7,
      0xf4, //                                                       out 0xf4, eax
      0xf4, //                                                             hlt
    ];
    const ap = [0xc6, 0x06, 0x01, 0x30, 0x01, 0xeb, 0xfe]; // real mode: mov byte [0x3001], 1; jmp $
    vm = createFlatVm({ vcpus: 2, timeoutSeconds: 15, bsp, ap });
    const v = vm;
    startBspFlat(v);
    v.onReboot(() => startBspFlat(v));
    const r = await v.run();
    expect(r).toEqual({ kind: 'debug-exit', code: 2 });
    expect(v.resets).toBe(1);
    expect(v.ram[0x3001]).toBe(1);
    expect(v.vcpus[1]!.state).toBe(VcpuState.WaitSipi);
  });

  for (const profile of ['qemu-pc', 'xen-hvm'] as const) {
    it(`S5 through PM1a_CNT powers off with status 0 (${profile}); S1 does not`, async () => {
      // The firmware's PM block: placed as a BIOS would (qemu-pc), at Xen's fixed place (xen-hvm).
      const probe = Vm.create({ profile, vcpus: 1, ramBytes: 2 * 1024 * 1024 });
      const pmBase = (probe.platform.devices.get('pm') as PmTimer | undefined)?.base ?? setUpLikeBios(probe.platform).pmBase!;
      probe.close();
      const v = boot(sleepKernel(pmBase + 4, [(1 << 10) | 0x2000, (0 << 10) | 0x2000]), profile);
      setUpLikeBios(v.platform);
      const r = await v.run();
      expect(r).toEqual({ kind: 'power-off' });
      expect(exitStatus(r)).toBe(0);
      expect(v.ram[BOOTS + 1]).toBe(1); // S1 (SLP_TYP 1) was not a power-off: the guest reached the S5 write
    });
  }

  it('a triple fault stops the VM with its own status (4), not a reset', async () => {
    // IDT limit 0, then INT 0x20: #GP, #DF, shutdown.
    const code = [0x0f, 0x01, 0x1d, 0x20, 0x00, 0x10, 0x00, 0xcd, 0x20, 0xf4]; // lidt [0x100020]; int 0x20; hlt
    const kernel = elf32(0x10000c, [{ paddr: 0x100000, data: concat(mbHeader(0), new Uint8Array(code), new Uint8Array(16)) }]);
    const v = boot(kernel, 'qemu-pc');
    const r = await v.run();
    expect(r).toEqual({ kind: 'triple-fault', vcpu: 0 });
    expect(exitStatus(r)).toBe(4);
    expect(v.resets).toBe(0);
  });
});
