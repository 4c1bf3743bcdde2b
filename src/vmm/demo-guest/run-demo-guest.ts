// Boots the demo guest on KVM with hvmdev's platform and the VMM board: what `npm start` shows
// when this host can run a VM. Throws KvmUnavailableError (from Vm.create) when it cannot.
import type { ProfileName } from '../../platform/profiles.js';
import { attachBoard } from '../board/index.js';
import { loadMultiboot } from '../loaders/multiboot.js';
import type { StopReason } from '../stop-reason.js';
import { Vm } from '../vm.js';
import { buildDemoGuest } from './demo-guest.js';

export const DEMO_GUEST_RAM = 64 * 1024 * 1024;

export interface DemoGuestOptions {
  /** Every byte the guest prints on COM1. */
  readonly serialOut: (bytes: Uint8Array) => void;
  /** Platform profile (default qemu-pc: the PC the guest's firmware logic expects first). */
  readonly profile?: ProfileName;
  /** Wall-clock limit (default 30 s; the guest needs about 1–3 s). */
  readonly timeoutSeconds?: number;
  /** Called once the VM exists (KVM is usable), before the guest runs. */
  readonly onStart?: () => void;
}

export interface DemoGuestRun {
  readonly stop: StopReason;
  readonly wallNs: number;
  readonly guestNs: number;
  /** Whether the guest reached its end (power-off, or isa-debug-exit code 0). */
  readonly succeeded: boolean;
}

export async function runDemoGuest(opts: DemoGuestOptions): Promise<DemoGuestRun> {
  const vm = Vm.create({ profile: opts.profile ?? 'qemu-pc', vcpus: 1, ramBytes: DEMO_GUEST_RAM, timeoutSeconds: opts.timeoutSeconds ?? 30 });
  try {
    attachBoard(vm.platform, {
      serialOut: opts.serialOut,
      testDevices: true,
      cpus: 1,
      ramSize: DEMO_GUEST_RAM,
      onDebugExit: (code) => vm.stop({ kind: 'debug-exit', code }),
      onReset: () => vm.stop({ kind: 'reset', vcpu: 0 }),
    });
    const guest = buildDemoGuest();
    vm.setBootState(loadMultiboot(vm.ram, guest.image, { ramSize: DEMO_GUEST_RAM, cmdline: 'hvmdev-demo-guest' }));
    opts.onStart?.();
    const stop = await vm.run();
    const { wallNs, guestNs } = vm.times();
    const succeeded = stop.kind === 'power-off' || (stop.kind === 'debug-exit' && stop.code === 0);
    return { stop, wallNs, guestNs, succeeded };
  } finally {
    vm.close();
  }
}
