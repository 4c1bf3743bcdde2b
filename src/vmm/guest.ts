// A guest on a VM: builds the VM, attaches the board, loads the image and wires the board's exits
// (isa-debug-exit, reset) and the guest's serial output. What `hvmdev run` and the guest tests use.
import { attachBoard, type Board } from './board/index.js';
import { loadMultiboot, type MultibootModule } from './loaders/index.js';
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

export interface Guest {
  readonly vm: Vm;
  readonly board: Board;
}

/** Builds and loads a Multiboot guest; run it with `guest.vm.run()`, then `guest.vm.close()`. */
export function createMultibootGuest(opts: GuestOptions): Guest {
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
    const load = () =>
      vm.setBootState(
        loadMultiboot(vm.ram, opts.kernel, {
          ramSize,
          ...(opts.cmdline !== undefined ? { cmdline: opts.cmdline } : {}),
          ...(opts.modules !== undefined ? { modules: opts.modules } : {}),
        }),
      );
    load();
    // Reboot policy (no firmware to run at the reset vector): the board's devices reset, the
    // kernel and its Multiboot information are loaded again and the BSP re-enters the kernel.
    vm.onReboot(() => {
      board.reset();
      load();
    });
    return { vm, board };
  } catch (e) {
    vm.close();
    throw e;
  }
}
