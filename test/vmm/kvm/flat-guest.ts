// Hand-assembled guests without a loader: vCPU 0 runs 32-bit flat code at BSP_CODE and may start
// vCPU 1 with INIT + SIPI (vector 2: real mode at AP_CODE); the run ends on the test-exit port.
import { Vm } from '../../../src/vmm/vm.js';
import { stopOnPortF4 } from './test-exit-port.js';

export const BSP_CODE = 0x1000;
export const AP_CODE = 0x2000;

/** INIT then SIPI (vector 2 → AP_CODE) to APIC ID 1 through the xAPIC ICR at 0xFEE00300 (30 bytes). */
export const START_AP_AT_0X2000 = [
  0xc7,
  0x05,
  0x10,
  0x03,
  0xe0,
  0xfe,
  0x00,
  0x00,
  0x00,
  0x01, // mov dword [0xfee00310], 1 << 24   (ICR high: APIC ID 1)
  0xc7,
  0x05,
  0x00,
  0x03,
  0xe0,
  0xfe,
  0x00,
  0x45,
  0x00,
  0x00, // mov dword [0xfee00300], 0x4500    (INIT)
  0xc7,
  0x05,
  0x00,
  0x03,
  0xe0,
  0xfe,
  0x02,
  0x46,
  0x00,
  0x00, // mov dword [0xfee00300], 0x4602    (SIPI, vector 2)
];

/** A qemu-pc VM with 4 MiB of RAM holding `bsp` at BSP_CODE (and `ap` at AP_CODE), stopped by port 0xF4. */
export function createFlatVm(opts: { vcpus: number; timeoutSeconds: number; bsp: readonly number[]; ap?: readonly number[] }): Vm {
  const vm = Vm.create({ profile: 'qemu-pc', vcpus: opts.vcpus, ramBytes: 4 * 1024 * 1024, timeoutSeconds: opts.timeoutSeconds });
  stopOnPortF4(vm);
  vm.ram.set(opts.bsp, BSP_CODE);
  if (opts.ap) vm.ram.set(opts.ap, AP_CODE);
  return vm;
}

/** vCPU 0 starts (again, after a reset) in 32-bit flat mode at BSP_CODE. */
export function startBspFlat(vm: Vm): void {
  vm.setBootState({ mode: 'protected32', rip: BSP_CODE, regs: {} });
}
