// A guest on a VM: builds the VM, attaches the board, writes the firmware tables, loads the image
// and wires the board's exits (isa-debug-exit, reset) and the guest's serial output. What
// `hvmdev run` and the guest tests use.
import { attachBoard, type Board } from './board/index.js';
import { installFirmwareTables, type GuestFirmware } from './firmware-tables.js';
import { loadLinux, type LinuxLoad } from './loaders/linux.js';
import { loadMultiboot, type MultibootModule } from './loaders/multiboot.js';
import { Vm, type VmOptions } from './vm.js';

export interface GuestOptions extends VmOptions {
  /** A Multiboot v1 kernel (ELF32 or a.out kludge). */
  readonly kernel: Uint8Array;
  readonly cmdline?: string;
  readonly modules?: readonly MultibootModule[];
  /** QEMU's test devices (fw_cfg, isa-debug-exit, pc-testdev). */
  readonly testDevices?: boolean;
  /** Every byte the guest writes to the UART. */
  readonly serialOut: (bytes: Uint8Array) => void;
}

export interface LinuxGuestOptions extends Omit<GuestOptions, 'modules'> {
  /** A bzImage or an uncompressed x86-64 ELF vmlinux. */
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
}

export interface Guest {
  readonly vm: Vm;
  readonly board: Board;
  readonly firmware: GuestFirmware;
}

/** Builds and loads a Multiboot guest; run it with `guest.vm.run()`, then `guest.vm.close()`. */
export function createMultibootGuest(opts: GuestOptions): Guest {
  return createGuest(opts, (vm) => {
    const boot = loadMultiboot(vm.ram, opts.kernel, {
      ramSize: vm.ram.length,
      ...(opts.cmdline !== undefined ? { cmdline: opts.cmdline } : {}),
      ...(opts.modules !== undefined ? { modules: opts.modules } : {}),
    });
    vm.setBootState(boot);
  });
}

/** Builds a VM and loads a Linux kernel by the 64-bit boot protocol (loaders/linux.ts). */
export function createLinuxGuest(opts: LinuxGuestOptions): Guest & { readonly load: LinuxLoad } {
  let load: LinuxLoad | null = null;
  const guest = createGuest(opts, (vm, firmware) => {
    load = loadLinux(vm.ram, opts.kernel, {
      ramSize: vm.ram.length,
      e820: firmware.image.e820,
      rsdp: firmware.image.rsdp,
      ...(opts.cmdline !== undefined ? { cmdline: opts.cmdline } : {}),
      ...(opts.initrd !== undefined ? { initrd: opts.initrd } : {}),
    });
    vm.setBootState(load.boot);
  });
  return { ...guest, load: load! };
}

function createGuest(opts: GuestOptions | LinuxGuestOptions, load: (vm: Vm, firmware: GuestFirmware) => void): Guest {
  const vm = Vm.create(opts);
  try {
    const ramSize = vm.ram.length;
    const board = attachBoard(vm.platform, {
      serialOut: opts.serialOut,
      testDevices: opts.testDevices ?? false,
      cpus: vm.vcpus.length,
      ramSize,
      onDebugExit: (code) => vm.stop({ kind: 'debug-exit', code }),
      // Port 0x92's fast reset is a reset like 0xCF9's: devices, then the vCPUs (Vm.requestReset).
      onReset: () => vm.platform.guestResetRequest('hard'),
      onSleep: (slpTyp) => vm.sleepRequest(slpTyp),
    });
    const boot = () => {
      vm.setUpLikeBios(); // and again at every reboot, before this runs (Vm.setUpLikeBios)
      const firmware = installFirmwareTables(vm.platform, vm.ram);
      load(vm, firmware);
      return firmware;
    };
    const firmware = boot();
    // Reboot policy (no firmware to run at the reset vector): the board's devices reset, the
    // tables, the kernel and its boot information are written again and the BSP re-enters the kernel.
    vm.onReboot(() => {
      board.reset();
      boot();
    });
    return { vm, board, firmware };
  } catch (e) {
    vm.close();
    throw e;
  }
}
