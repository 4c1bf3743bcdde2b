// `hvmdev demo --guest` (what `npm start` runs): boots the project's demo guest under KVM with
// hvmdev's platform and shows its serial output; where this host cannot run a VM, one line says
// why and the CPU-less platform demo runs instead.
import { KvmUnavailableError } from '../vmm/kvm/errors.js';
import { runDemoGuest, DEMO_GUEST_RAM, type DemoGuestOptions, type DemoGuestRun } from '../vmm/demo-guest/run-demo-guest.js';
import { describeStop } from '../vmm/stop-reason.js';
import type { ProfileName } from '../platform/profiles.js';
import type { CliIo } from './io.js';

export async function runGuestDemo(
  profile: ProfileName | undefined,
  io: CliIo,
  fallback: () => number,
  boot: (opts: DemoGuestOptions) => Promise<DemoGuestRun> = runDemoGuest,
): Promise<number> {
  const decoder = new TextDecoder();
  const name = profile ?? 'qemu-pc';
  try {
    const run = await boot({
      profile: name,
      serialOut: (b) => io.out(decoder.decode(b, { stream: true })),
      onStart: () => io.out(`hvmdev demo: the demo guest under KVM, on hvmdev's ${name} platform (1 vCPU, ${DEMO_GUEST_RAM >> 20} MiB); its COM1 output:\n\n`),
    });
    io.out(`\nVM stopped: ${describeStop(run.stop)}; ${(run.wallNs / 1e6).toFixed(0)} ms wall, ${(run.guestNs / 1e6).toFixed(0)} ms guest time.\n`);
    return run.succeeded ? 0 : 1;
  } catch (e) {
    if (!(e instanceof KvmUnavailableError)) throw e;
    io.out(`(No KVM guest demo: ${e.message}. Showing the CPU-less platform demo instead.)\n\n`);
    return fallback();
  }
}
